// CrisisService: partner hospitals and the green channel —
// referrals, the liaison's answers and their deadlines. The rest of the
// service is in crisis_service.cc.
#include <algorithm>

#include "absl/algorithm/container.h"
#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "crisis/crisis_service.h"
#include "crisis/events.h"
#include "crisis/internal.h"
#include "fmt/format.h"
#include "notice/notice_store.h"
#include "policy/neutral_words.h"

namespace xq::crisis {

using policy::Action;
using policy::DataClass;
using policy::Role;
using policy::View;

// --- hospitals and referrals ----------------------------------------------

absl::StatusOr<Hospital> CrisisService::CreateHospital(const policy::Actor& a, const std::string& name, int64_t unit_id,
                                                       const std::vector<int64_t>& liaisons) {
  if (name.empty() || name.size() > 200) return InvalidArgument("name is 1..200 characters", "name");
  XQ_ASSIGN_OR_RETURN(std::optional<std::string> unit_path, store_.UnitPath(unit_id));
  if (!unit_path) return WithField(NotFound("no such unit"), "unit_id");
  policy::Resource r;
  r.data_class = DataClass::kWorkRecords;
  r.unit_path = *unit_path;
  policy::Decision d = policy::Decide(a, Action::kWrite, r);
  if (!d.allowed || (d.via != Role::kCityAdmin && d.via != Role::kDistrictAdmin)) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, AuditEvent(a, "create", "crisis_hospital", 0, 0, 0, "denied", name)));
    return PermissionDenied("partner hospitals are listed by the city or district administration");
  }
  Hospital h{NewId(), unit_id, name, liaisons};
  XQ_RETURN_IF_ERROR(store_.CreateHospital(h, [&](soci::session& s) -> absl::Status {
    for (int64_t acc : liaisons) {
      XQ_ASSIGN_OR_RETURN(bool ok, HasRoleIn(s, acc, "hospital_liaison"));
      if (!ok) return WithField(NotFound("no such hospital liaison account"), "liaison_account_ids");
    }
    return audit::RecordingIn(audit_, AuditEvent(a, "create", "crisis_hospital", h.id, 0, 0, "ok", name))(s);
  }));
  return h;
}

absl::StatusOr<std::vector<Hospital>> CrisisService::ListHospitals(const policy::Actor& a) {
  // The names of partner hospitals are no secret; liaison accounts are
  // shown to administrators only.
  if (a.grants.empty()) return PermissionDenied("sign in with a staff role");
  XQ_ASSIGN_OR_RETURN(std::vector<Hospital> all, store_.ListHospitals());
  bool admin = std::any_of(a.grants.begin(), a.grants.end(),
                           [](const policy::Grant& g) { return policy::AdministersAccounts(g.role); });
  if (!admin)
    for (Hospital& h : all) h.liaisons.clear();
  return all;
}

absl::StatusOr<Referral> CrisisService::Refer(const policy::Actor& a, int64_t case_id, int64_t hospital_id,
                                              const std::string& summary) {
  if (summary.empty()) return InvalidArgument("the referral carries a short summary", "summary");
  if (summary.size() > 4000) return InvalidArgument("keep the summary to the minimum needed (4000 bytes)", "summary");
  if (hospital_id <= 0) return InvalidArgument("hospital_id is required", "hospital_id");
  XQ_ASSIGN_OR_RETURN(Case c, WritableCase(a, case_id));
  XQ_ASSIGN_OR_RETURN(std::optional<Hospital> h, store_.GetHospital(hospital_id));
  if (!h) return WithField(NotFound("no such hospital"), "hospital_id");
  if (c.step != "refer" && c.step != "intervene")
    return WithField(Conflict("a referral is made while intervening or at the refer step"), "step");
  const int64_t now = clock_.NowMicros();
  Referral r;
  r.id = NewId();
  r.school_id = c.school_id;
  r.case_id = c.id;
  r.student_id = c.student_id;
  r.unit_path = c.unit_path;
  r.hospital_id = hospital_id;
  r.state = "sent";
  r.due_at = now + kReferralAnswerWithin;
  r.created_by = a.account_id;
  r.created_at = now;
  XQ_ASSIGN_OR_RETURN(r.summary, Seal(summary, fmt::format("crisis_referrals:{}", r.id)));
  XQ_RETURN_IF_ERROR(store_.CreateReferral(r, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(
        jobs::ScheduleIn(
            s, {.kind = kReferralDeadline, .key = IdToString(r.id), .school_id = r.school_id, .due_at = r.due_at}, now)
            .status());
    notice::PostNotices(s, NoticesTo(h->liaisons, 0, "crisis_referral", {{"referral_id", IdToString(r.id)}}), now);
    XQ_RETURN_IF_ERROR(PublishCaseEvent(s, {.kind = kReferralSent,
                                            .school_id = c.school_id,
                                            .student_id = c.student_id,
                                            .case_id = c.id,
                                            .summary_zh = "通过绿色通道进行了转介",
                                            .ref_type = "crisis_referral",
                                            .ref_id = r.id,
                                            .occurred_at = now,
                                            .referral_id = r.id}));
    return audit::RecordingIn(audit_, AuditEvent(a, "refer", "crisis_referral", r.id, c.student_id, c.school_id, "ok",
                                                 fmt::format("hospital={}", hospital_id)))(s);
  }));
  r.summary = summary;
  r.hospital_name = h->name;
  return r;
}

absl::StatusOr<std::vector<Referral>> CrisisService::ListReferrals(const policy::Actor& a, int64_t case_id) {
  std::vector<std::string> paths;
  for (const auto& g : a.grants) {
    policy::Actor one = a;
    one.grants = {g};
    policy::Resource r;
    r.data_class = DataClass::kClinical;
    r.unit_path = g.unit_path;
    policy::Decision d = policy::Decide(one, Action::kWrite, r);
    if (d.allowed && d.via == Role::kPsychStaff) paths.push_back(g.unit_path);
  }
  XQ_ASSIGN_OR_RETURN(std::vector<int64_t> hospitals, store_.HospitalsOfLiaison(a.account_id));
  std::vector<int64_t> mine;
  for (int64_t h : hospitals) {
    policy::Resource r;
    r.data_class = DataClass::kClinical;
    r.referred_here = true;
    policy::Decision d = policy::Decide(a, Action::kRead, r);
    if (d.allowed && d.via == Role::kHospitalLiaison) mine.push_back(h);
  }
  XQ_ASSIGN_OR_RETURN(std::vector<Referral> rows, store_.ListReferrals(paths, mine, case_id, 200));
  std::vector<Referral> out;
  for (Referral& r : rows) {
    XQ_ASSIGN_OR_RETURN(r.summary, Open(r.summary, fmt::format("crisis_referrals:{}", r.id)));
    XQ_ASSIGN_OR_RETURN(r.clinical, Open(r.clinical, fmt::format("crisis_referrals:{}:clinical", r.id)));
    out.push_back(std::move(r));
  }
  if (!out.empty())
    XQ_RETURN_IF_ERROR(audit::Record(audit_, AuditEvent(a, "list", "crisis_referral", case_id, 0, 0, "ok",
                                                        fmt::format("{} referrals", out.size()))));
  return out;
}

absl::StatusOr<Referral> CrisisService::GetReferral(const policy::Actor& a, int64_t id) {
  XQ_ASSIGN_OR_RETURN(std::optional<Referral> r, store_.GetReferral(id));
  if (!r) return NotFound("no such referral");
  XQ_ASSIGN_OR_RETURN(std::vector<int64_t> hospitals, store_.HospitalsOfLiaison(a.account_id));
  policy::Resource res;
  res.data_class = DataClass::kClinical;
  res.unit_path = r->unit_path;
  res.student_id = r->student_id;
  res.referred_here = absl::c_linear_search(hospitals, r->hospital_id);
  policy::Decision d = policy::Decide(a, Action::kRead, res);
  const bool psych = policy::Decide(a, Action::kWrite, res).via == Role::kPsychStaff;
  if (!d.allowed || d.view != View::kFull || (d.via != Role::kHospitalLiaison && !psych)) {
    XQ_RETURN_IF_ERROR(audit::Record(
        audit_, AuditEvent(a, "read", "crisis_referral", id, r->student_id, r->school_id, "denied", d.reason)));
    return NotFound("no such referral");
  }
  XQ_ASSIGN_OR_RETURN(r->summary, Open(r->summary, fmt::format("crisis_referrals:{}", r->id)));
  XQ_ASSIGN_OR_RETURN(r->clinical, Open(r->clinical, fmt::format("crisis_referrals:{}:clinical", r->id)));
  XQ_RETURN_IF_ERROR(audit::Record(audit_, AuditEvent(a, "read", "crisis_referral", id, r->student_id, r->school_id)));
  return *r;
}

absl::StatusOr<Referral> CrisisService::LiaisonReferral(const policy::Actor& a, int64_t id) {
  XQ_ASSIGN_OR_RETURN(std::optional<Referral> r, store_.GetReferral(id));
  if (!r) return NotFound("no such referral");
  XQ_ASSIGN_OR_RETURN(std::vector<int64_t> hospitals, store_.HospitalsOfLiaison(a.account_id));
  policy::Resource res;
  res.data_class = DataClass::kClinical;
  res.unit_path = r->unit_path;
  res.student_id = r->student_id;
  res.referred_here = absl::c_linear_search(hospitals, r->hospital_id);
  policy::Decision d = policy::Decide(a, Action::kWrite, res);
  if (!d.allowed || d.via != Role::kHospitalLiaison) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, AuditEvent(a, "write", "crisis_referral", id, r->student_id, r->school_id,
                                                        "denied", "not this hospital's referral")));
    return NotFound("no such referral");
  }
  return *r;
}

absl::StatusOr<Referral> CrisisService::AcceptReferral(const policy::Actor& a, int64_t id) {
  XQ_ASSIGN_OR_RETURN(Referral r, LiaisonReferral(a, id));
  if (r.state != "sent") return WithField(Conflict("the referral was accepted already"), "state");
  const int64_t now = clock_.NowMicros();
  Referral n = r;
  n.state = "accepted";
  n.accepted_at = now;
  XQ_RETURN_IF_ERROR(store_.UpdateReferral(n, "sent", [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(jobs::CancelIn(s, kReferralDeadline, IdToString(r.id), now).status());
    XQ_RETURN_IF_ERROR(jobs::CancelIn(s, kReferralDeadline, IdToString(r.id) + ":up", now).status());
    return audit::RecordingIn(audit_, AuditEvent(a, "accept", "crisis_referral", r.id, r.student_id, r.school_id))(s);
  }));
  return GetReferral(a, id);
}

absl::StatusOr<Referral> CrisisService::RecordAppointment(const policy::Actor& a, int64_t id, std::string_view kind,
                                                          int64_t at) {
  if (kind != "appointment" && kind != "admission") return InvalidArgument("kind is appointment or admission", "kind");
  if (at <= 0) return InvalidArgument("at is required", "at");
  XQ_ASSIGN_OR_RETURN(Referral r, LiaisonReferral(a, id));
  if (r.state != "accepted" && r.state != "appointed" && r.state != "admitted")
    return WithField(Conflict("accept the referral first"), "state");
  Referral n = r;
  n.state = kind == "admission" ? "admitted" : "appointed";
  n.appointment_at = at;
  XQ_RETURN_IF_ERROR(store_.UpdateReferral(
      n, r.state,
      audit::RecordingIn(audit_, AuditEvent(a, "appointment", "crisis_referral", r.id, r.student_id, r.school_id, "ok",
                                            std::string(kind)))));
  return GetReferral(a, id);
}

absl::StatusOr<Referral> CrisisService::AnswerReferral(const policy::Actor& a, int64_t id, const std::string& clinical,
                                                       const std::string& advice) {
  if (clinical.empty()) return InvalidArgument("the clinical summary is required", "clinical_summary");
  if (advice.empty()) return InvalidArgument("advice for the school is required", "advice");
  if (clinical.size() > kMaxText) return InvalidArgument("clinical_summary is too long", "clinical_summary");
  if (advice.size() > 4000) return InvalidArgument("advice is too long", "advice");
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(advice, "advice"));
  XQ_ASSIGN_OR_RETURN(Referral r, LiaisonReferral(a, id));
  if (r.state == "sent") return WithField(Conflict("accept the referral first"), "state");
  if (r.state == "answered") return WithField(Conflict("the referral was answered already"), "state");
  const int64_t now = clock_.NowMicros();
  Referral n = r;
  n.state = "answered";
  n.answered_at = now;
  n.advice = advice;
  XQ_ASSIGN_OR_RETURN(n.clinical, Seal(clinical, fmt::format("crisis_referrals:{}:clinical", r.id)));
  XQ_RETURN_IF_ERROR(store_.UpdateReferral(n, r.state, [&](soci::session& s) -> absl::Status {
    notice::PostNotices(s,
                        NoticesTo({r.created_by}, r.school_id, "crisis_referral_answered",
                                  {{"referral_id", IdToString(r.id)}, {"case_id", IdToString(r.case_id)}}),
                        now);
    XQ_RETURN_IF_ERROR(PublishCaseEvent(s, {.kind = kReferralAnswered,
                                            .school_id = r.school_id,
                                            .student_id = r.student_id,
                                            .case_id = r.case_id,
                                            .summary_zh = "医院反馈了转介结果",
                                            .ref_type = "crisis_referral",
                                            .ref_id = r.id,
                                            .occurred_at = now,
                                            .referral_id = r.id}));
    return audit::RecordingIn(audit_, AuditEvent(a, "answer", "crisis_referral", r.id, r.student_id, r.school_id))(s);
  }));
  return GetReferral(a, id);
}

}  // namespace xq::crisis
