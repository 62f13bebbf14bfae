// The return to school (复学, R-43): the certificate, the return plan and
// its checkpoint jobs; split from crisis_service.cc.
#include <algorithm>

#include "audit/audited.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"
#include "crisis/crisis_service.h"
#include "crisis/events.h"
#include "crisis/internal.h"
#include "crisis/trace_export.h"
#include "fmt/format.h"
#include "notice/notice_store.h"
#include "policy/neutral_words.h"

namespace xq::crisis {

using policy::Action;
using policy::DataClass;
using policy::Role;
using policy::View;

// --- return to school -------------------------------------------------------

namespace {
struct Checkpoint {
  const char* key;
  int64_t after;
};
constexpr Checkpoint kCheckpoints[] = {{"1w", 7 * 24 * kHour}, {"1m", 30 * 24 * kHour}, {"3m", 91 * 24 * kHour}};
}  // namespace

absl::StatusOr<Return> CrisisService::AttachCertificate(const policy::Actor& a, int64_t case_id, const FileInput& f) {
  XQ_RETURN_IF_ERROR(CheckFile(f));
  XQ_ASSIGN_OR_RETURN(Case c, WritableCase(a, case_id));
  const int64_t now = clock_.NowMicros();
  Return r;
  r.id = NewId();
  r.school_id = c.school_id;
  r.case_id = c.id;
  r.student_id = c.student_id;
  r.unit_path = c.unit_path;
  r.certificate_name = f.name.substr(0, 200);
  r.certificate_type = f.content_type;
  r.created_by = a.account_id;
  r.created_at = now;
  XQ_ASSIGN_OR_RETURN(r.certificate, Seal(f.bytes, fmt::format("crisis_returns:{}", r.id)));
  XQ_RETURN_IF_ERROR(store_.CreateReturn(
      r, audit::RecordingIn(
             audit_, AuditEvent(a, "write", "crisis_return", r.id, c.student_id, c.school_id, "ok", "certificate"))));
  r.certificate.clear();
  return r;
}

absl::StatusOr<FileInput> CrisisService::CertificateFile(const policy::Actor& a, int64_t case_id) {
  XQ_ASSIGN_OR_RETURN(Return r, GetReturn(a, case_id));
  XQ_ASSIGN_OR_RETURN(std::optional<Return> stored, store_.ReturnOfCase(case_id));
  if (!stored || stored->certificate.empty()) return NotFound("no certificate");
  FileInput f;
  f.name = stored->certificate_name;
  f.content_type = stored->certificate_type;
  XQ_ASSIGN_OR_RETURN(f.bytes, Open(stored->certificate, fmt::format("crisis_returns:{}", stored->id)));
  return f;
}

absl::StatusOr<Return> CrisisService::WriteReturnPlan(const policy::Actor& a, int64_t case_id,
                                                      const std::string& assessment, const std::string& plan) {
  if (assessment.empty()) return InvalidArgument("the return assessment is required", "assessment");
  if (plan.empty()) return InvalidArgument("the return plan is required", "plan");
  if (assessment.size() > kMaxText) return InvalidArgument("assessment is too long", "assessment");
  if (plan.size() > 4000) return InvalidArgument("plan is too long", "plan");
  // The plan is what head teachers and the student's 一生一策 show.
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(plan, "plan"));
  XQ_ASSIGN_OR_RETURN(Case c, WritableCase(a, case_id));
  XQ_ASSIGN_OR_RETURN(std::optional<Return> r, store_.ReturnOfCase(case_id));
  if (!r) return WithField(Conflict("attach the hospital certificate first"), "file");
  if (r->state == "planned") return WithField(Conflict("the return plan is written already"), "plan");
  const int64_t now = clock_.NowMicros();
  r->planned_at = now;
  r->plan_neutral = plan;
  XQ_ASSIGN_OR_RETURN(r->assessment, Seal(assessment, fmt::format("crisis_returns:{}:assessment", r->id)));
  XQ_RETURN_IF_ERROR(store_.PlanReturn(*r, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(PublishCaseEvent(s, {.kind = kReturnPlanWritten,
                                            .school_id = c.school_id,
                                            .student_id = c.student_id,
                                            .case_id = c.id,
                                            .summary_zh = "制定了复学计划",
                                            .ref_type = "crisis_return",
                                            .ref_id = r->id,
                                            .occurred_at = now,
                                            .plan_text_neutral = plan}));
    for (const Checkpoint& cp : kCheckpoints) {
      XQ_RETURN_IF_ERROR(jobs::ScheduleIn(s,
                                          {.kind = kReturnCheckpoint,
                                           .key = fmt::format("{}:{}", r->id, cp.key),
                                           .school_id = c.school_id,
                                           .due_at = now + cp.after},
                                          now)
                             .status());
    }
    return audit::RecordingIn(
        audit_, AuditEvent(a, "write", "crisis_return", r->id, c.student_id, c.school_id, "ok", "plan"))(s);
  }));
  return GetReturn(a, case_id);
}

absl::StatusOr<Return> CrisisService::GetReturn(const policy::Actor& a, int64_t case_id) {
  XQ_ASSIGN_OR_RETURN(std::optional<Case> c, store_.GetCase(case_id));
  if (!c) return NotFound("no such crisis case");
  policy::Decision d = policy::Decide(a, Action::kRead, ResourceOf(a, *c));
  const bool staff = d.allowed && d.view == View::kFull && d.via == Role::kPsychStaff;
  if (!staff) return Deny(a, "read", "crisis_return", c->id, c->student_id, c->school_id, "psychology staff only");
  XQ_ASSIGN_OR_RETURN(std::optional<Return> r, store_.ReturnOfCase(case_id));
  if (!r) return NotFound("no return to school on this case yet");
  r->certificate.clear();
  XQ_ASSIGN_OR_RETURN(r->assessment, Open(r->assessment, fmt::format("crisis_returns:{}:assessment", r->id)));
  XQ_RETURN_IF_ERROR(audit::Record(audit_, AuditEvent(a, "read", "crisis_return", r->id, r->student_id, r->school_id)));
  return *r;
}

absl::StatusOr<std::vector<Return>> CrisisService::Guidance(const policy::Actor& a) {
  // Neutral guidance is read like an attention level (D4): head teachers for
  // their classes, grade heads and psychology staff for their units; a
  // school leader's counts-only view gives no names, so no guidance.
  std::vector<std::string> paths;
  for (const auto& g : a.grants) {
    policy::Actor one = a;
    one.grants = {g};
    policy::Resource r;
    r.data_class = DataClass::kAttention;
    r.unit_path = g.unit_path;
    policy::Decision d = policy::Decide(one, Action::kRead, r);
    if (d.allowed && d.view == View::kFull) paths.push_back(g.unit_path);
  }
  XQ_ASSIGN_OR_RETURN(std::vector<Return> all, store_.ListReturns(paths, 200));
  std::vector<Return> out;
  for (Return& r : all) {
    if (r.state != "planned") continue;
    Return n;
    n.id = r.id;
    n.case_id = r.case_id;
    n.student_id = r.student_id;
    n.student_name = r.student_name;
    n.plan_neutral = r.plan_neutral;
    n.planned_at = r.planned_at;
    n.state = r.state;
    out.push_back(std::move(n));
  }
  return out;
}

absl::Status CrisisService::OnReturnCheckpoint(soci::session& s, const jobs::Job& job) {
  const size_t colon = job.key.find(':');
  if (colon == std::string::npos) return absl::OkStatus();
  std::optional<int64_t> id = IdFromString(std::string_view(job.key).substr(0, colon));
  if (!id) return absl::OkStatus();
  XQ_ASSIGN_OR_RETURN(std::optional<Return> r, GetReturnIn(s, *id));
  if (!r) return absl::OkStatus();
  // A to-do in the inbox of the school's psychology staff.
  XQ_ASSIGN_OR_RETURN(std::vector<int64_t> staff, AccountsWithRoleIn(s, "psych_staff", r->school_id));
  notice::PostNotices(s,
                      NoticesTo(staff, r->school_id, "crisis_return_checkpoint",
                                {{"case_id", IdToString(r->case_id)}, {"checkpoint", job.key.substr(colon + 1)}}),
                      clock_.NowMicros());
  return absl::OkStatus();
}

}  // namespace xq::crisis
