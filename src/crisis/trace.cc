// 倒查: the report of who knew what and did what, and when, for a
// student or a case; split from crisis_service.cc.
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

// --- 倒查 --------------------------------------------------------------------

absl::StatusOr<TraceReport> CrisisService::Trace(const policy::Actor& a, int64_t student_id, int64_t case_id) {
  if (student_id == 0 && case_id == 0) return InvalidArgument("name a student or a case", "student_id");
  TraceReport rep;
  bool escalated_here = false;
  if (case_id != 0) {
    XQ_ASSIGN_OR_RETURN(std::optional<Case> c, store_.GetCase(case_id));
    if (!c) return WithField(NotFound("no such crisis case"), "case_id");
    if (student_id != 0 && student_id != c->student_id)
      return InvalidArgument("the case is about another student", "student_id");
    student_id = c->student_id;
    rep.case_id = c->id;
    rep.student_name = c->student_name;
    escalated_here = EscalatedFor(a, c->escalated_path, c->unit_path);
  }
  XQ_ASSIGN_OR_RETURN(std::optional<StudentPlace> place, store_.StudentPlaceOf(student_id));
  if (!place) return WithField(NotFound("no such student"), "student_id");
  policy::Resource audit_res;
  audit_res.data_class = DataClass::kAudit;
  audit_res.unit_path = place->unit_path;
  policy::Resource clinical;
  clinical.data_class = DataClass::kClinical;
  clinical.unit_path = place->unit_path;
  clinical.student_id = student_id;
  const bool auditor = policy::Decide(a, Action::kRead, audit_res).allowed;
  const policy::Decision w = policy::Decide(a, Action::kWrite, clinical);
  const bool centre = w.allowed && w.via == Role::kPsychStaff;
  clinical.escalated = escalated_here;
  const policy::Decision g = policy::Decide(a, Action::kRead, clinical);
  const bool group = escalated_here && g.allowed && g.via == Role::kCrisisGroup;
  if (!auditor && !centre && !group) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, AuditEvent(a, "trace", "student", student_id, student_id, place->school_id,
                                                        "denied", "not entitled to 倒查")));
    return WithField(NotFound("no such student"), case_id ? "case_id" : "student_id");
  }
  rep.student_id = student_id;
  XQ_ASSIGN_OR_RETURN(rep.lines, store_.TraceOfStudent(student_id, 5000));
  // Events: keep the neutral summary, never the payload's other fields.
  for (TraceLine& t : rep.lines) {
    if (t.source != "event") continue;
    std::string summary = EventSummary(t.detail);
    t.detail = summary;
  }
  XQ_ASSIGN_OR_RETURN(audit::VerifyResult v, audit_.Verify());
  rep.chain_ok = v.ok;
  if (!v.ok) {
    rep.first_bad_seq = v.first_bad_seq;
    rep.problem = v.problem;
    for (TraceLine& t : rep.lines)
      if (t.source == "audit" && t.seq >= v.first_bad_seq) t.verified = false;
  }
  std::stable_sort(rep.lines.begin(), rep.lines.end(),
                   [](const TraceLine& x, const TraceLine& y) { return x.at < y.at; });
  rep.generated_at = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(audit::Record(
      audit_,
      AuditEvent(a, "trace", case_id ? "crisis_case" : "student", case_id ? case_id : student_id, student_id,
                 place->school_id, "ok", fmt::format("{} lines, chain {}", rep.lines.size(), v.ok ? "ok" : "broken"))));
  return rep;
}

absl::StatusOr<std::string> CrisisService::TraceExport(const policy::Actor& a, int64_t student_id, int64_t case_id) {
  XQ_ASSIGN_OR_RETURN(TraceReport rep, Trace(a, student_id, case_id));
  XQ_ASSIGN_OR_RETURN(std::string xlsx, TraceWorkbook(rep, fmt::format("导出：账号 {} · {}", a.account_id,
                                                                       FormatRfc3339(rep.generated_at))));
  XQ_RETURN_IF_ERROR(audit::Record(audit_, AuditEvent(a, "export", "trace", case_id ? case_id : rep.student_id,
                                                      rep.student_id, 0, "ok", "倒查 xlsx")));
  return xlsx;
}

}  // namespace xq::crisis
