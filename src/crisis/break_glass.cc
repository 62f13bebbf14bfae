// CrisisService: break-glass — emergency access to a case outside one's
// scope, flagged, told and reviewed by the auditor. The rest of the service
// is in crisis_service.cc.
#include <algorithm>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "crisis/crisis_service.h"
#include "crisis/internal.h"
#include "fmt/format.h"
#include "notice/notice_store.h"

namespace xq::crisis {

using policy::Action;
using policy::DataClass;
using policy::Role;
using policy::View;

// --- break-glass -----------------------------------------------------------

absl::StatusOr<BreakGlass> CrisisService::BreakGlassOpen(const policy::Actor& a, int64_t case_id,
                                                         const std::string& reason) {
  // Characters, not bytes: a Chinese reason of ten characters is enough.
  size_t chars = 0;
  for (unsigned char ch : reason)
    if ((ch & 0xC0) != 0x80 && ch > ' ') ++chars;
  if (chars < 10) return InvalidArgument("write the reason (at least 10 characters)", "reason");
  if (reason.size() > 2000) return InvalidArgument("reason is too long", "reason");
  XQ_ASSIGN_OR_RETURN(std::optional<Case> c, store_.GetCase(case_id));
  if (!c) return NotFound("no such crisis case");
  policy::Resource r = ResourceOf(a, *c);
  policy::Decision normal = policy::Decide(a, Action::kRead, r);
  if (normal.allowed && normal.view == View::kFull && normal.via != Role::kStudent &&
      normal.via != Role::kHospitalLiaison)
    return WithField(Conflict("you have access to this case already"), "case_id");
  r.break_glass = true;
  policy::Decision d = policy::Decide(a, Action::kRead, r);
  if (!d.allowed || !d.break_glass)
    return Deny(a, "break_glass", "crisis_case", c->id, c->student_id, c->school_id, d.reason);
  const int64_t now = clock_.NowMicros();
  BreakGlass b;
  b.id = NewId();
  b.school_id = c->school_id;
  b.case_id = c->id;
  b.account_id = a.account_id;
  b.role = d.via ? std::string(policy::RoleName(*d.via)) : "";
  b.reason = reason;
  b.opened_at = now;
  b.expires_at = now + kBreakGlassFor;
  audit::Event e = AuditEvent(a, "break_glass", "crisis_case", c->id, c->student_id, c->school_id, "ok",
                              fmt::format("until {}", b.expires_at));
  e.purpose = reason;
  XQ_RETURN_IF_ERROR(store_.CreateBreakGlass(b, [&](soci::session& s) -> absl::Status {
    std::vector<int64_t> to = notice::PsychCentreAndAuditors(s, c->school_id, c->unit_path);
    // Who opened the case is what the centre and the auditors must know.
    std::vector<notice::Notice> told =
        NoticesTo(to, c->school_id, "crisis_break_glass", {{"case_id", IdToString(c->id)}});
    const std::string name = notice::ActorNameOf(s, a.account_id);
    for (notice::Notice& n : told) {
      n.actor_id = a.account_id;
      n.actor_name = name;
    }
    notice::PostNotices(s, told, now);
    return audit::RecordingIn(audit_, e)(s);
  }));
  return b;
}

absl::StatusOr<std::vector<BreakGlass>> CrisisService::BreakGlassList(const policy::Actor& a, bool unreviewed_only) {
  XQ_ASSIGN_OR_RETURN(std::vector<BreakGlass> all, store_.ListBreakGlass(unreviewed_only, 500));
  std::vector<BreakGlass> out;
  for (BreakGlass& b : all) {
    XQ_ASSIGN_OR_RETURN(std::optional<Case> c, store_.GetCase(b.case_id));
    if (!c) continue;
    policy::Resource r;
    r.data_class = DataClass::kAudit;
    r.unit_path = c->unit_path;
    if (policy::Decide(a, Action::kRead, r).allowed) out.push_back(std::move(b));
  }
  return out;
}

absl::StatusOr<BreakGlass> CrisisService::BreakGlassReview(const policy::Actor& a, int64_t id,
                                                           const std::string& comment) {
  if (comment.empty()) return InvalidArgument("the review keeps a comment", "comment");
  if (comment.size() > 2000) return InvalidArgument("comment is too long", "comment");
  XQ_ASSIGN_OR_RETURN(std::optional<BreakGlass> b, store_.GetBreakGlass(id));
  if (!b) return NotFound("no such break-glass access");
  XQ_ASSIGN_OR_RETURN(std::optional<Case> c, store_.GetCase(b->case_id));
  policy::Resource r;
  r.data_class = DataClass::kAudit;
  r.unit_path = c ? c->unit_path : "";
  if (!c || !policy::Decide(a, Action::kRead, r).allowed) return NotFound("no such break-glass access");
  const int64_t now = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(store_.ReviewBreakGlass(
      id, a.account_id, comment, now,
      audit::RecordingIn(audit_, AuditEvent(a, "review", "crisis_break_glass", id, c->student_id, c->school_id))));
  XQ_ASSIGN_OR_RETURN(std::optional<BreakGlass> reviewed, store_.GetBreakGlass(id));
  if (!reviewed) return NotFound("no such break-glass access");
  return *std::move(reviewed);
}

}  // namespace xq::crisis
