#include "crisis/crisis_service.h"

#include <algorithm>

#include "audit/audited.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"
#include "crisis/events.h"
#include "crisis/internal.h"
#include "crisis/trace_export.h"
#include "fmt/format.h"
#include "notice/notice_store.h"
#include "policy/neutral_words.h"

namespace xq::crisis {
namespace {

using policy::Action;
using policy::DataClass;
using policy::Role;
using policy::View;

bool Has(const std::vector<int64_t>& v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string PrimaryRole(const policy::Actor& a) {
  return a.grants.empty() ? "" : std::string(policy::RoleName(a.grants.front().role));
}

// Only psychology staff write cases (the student's own-appointments row and
// the hospital's feedback row are not about cases).
bool MayWrite(const policy::Actor& a, const Case& c) {
  policy::Decision d = policy::Decide(a, Action::kWrite, ResourceOf(a, c));
  return d.allowed && d.view == View::kFull && d.via == Role::kPsychStaff;
}

std::string NoticeParam(int64_t v) { return IdToString(v); }

// Lifts a case one level (district, then city) and tells that level's
// crisis group; returns the path reached ("" when there is no higher level).
absl::StatusOr<std::string> EscalateIn(soci::session& s, const Case& c, int64_t now) {
  XQ_ASSIGN_OR_RETURN(std::vector<std::string> up, AncestorPathsIn(s, c.school_id));
  // up: school, district, city (a university under the city: school, city).
  std::string next;
  for (size_t i = 1; i < up.size(); ++i) {
    if (c.escalated_path.empty() ||
        (up[i].size() < c.escalated_path.size() && policy::InScope(up[i], c.escalated_path))) {
      next = up[i];
      break;
    }
  }
  if (next.empty()) return std::string();
  XQ_RETURN_IF_ERROR(SetEscalationIn(s, c.id, next, now));
  XQ_ASSIGN_OR_RETURN(std::vector<int64_t> group, AccountsWithRoleAtIn(s, "crisis_group", next));
  notice::PostNotices(s, Urgent(NoticesTo(group, 0, "crisis_escalated", {{"case_id", NoticeParam(c.id)}})), now);
  XQ_RETURN_IF_ERROR(PublishCaseEvent(s, {.kind = kCaseEscalated,
                                          .school_id = c.school_id,
                                          .student_id = c.student_id,
                                          .case_id = c.id,
                                          .summary_zh = "危机个案已提请上级工作组协同处置",
                                          .occurred_at = now,
                                          .unit_path = next}));
  return next;
}

}  // namespace

// Escalated to the actor's level: a crisis-group grant at or under the
// level the case reached, holding the case.
bool EscalatedFor(const policy::Actor& a, const std::string& escalated_path, const std::string& unit_path) {
  if (escalated_path.empty()) return false;
  for (const auto& g : a.grants) {
    if (g.role != policy::Role::kCrisisGroup) continue;
    if (policy::InScope(escalated_path, g.unit_path) && policy::InScope(g.unit_path, unit_path)) return true;
  }
  return false;
}

policy::Resource ResourceOf(const policy::Actor& a, const Case& c) {
  policy::Resource r;
  r.data_class = DataClass::kClinical;
  r.unit_path = c.unit_path;
  r.student_id = c.student_id;
  r.escalated = EscalatedFor(a, c.escalated_path, c.unit_path);
  r.consulted = Has(c.consulted, a.account_id);
  r.closed = c.status == "closed";
  return r;
}

std::vector<notice::Notice> NoticesTo(const std::vector<int64_t>& to, int64_t school_id, std::string kind,
                                      std::map<std::string, std::string> params) {
  std::vector<notice::Notice> out;
  std::vector<int64_t> seen;
  for (int64_t acc : to) {
    if (acc == 0 || Has(seen, acc)) continue;
    seen.push_back(acc);
    notice::Notice n;
    n.school_id = school_id;
    n.account_id = acc;
    n.kind = kind;
    n.params = params;
    out.push_back(std::move(n));
  }
  return out;
}

std::vector<notice::Notice> Urgent(std::vector<notice::Notice> notices) {
  for (notice::Notice& n : notices) n.urgent = true;
  return notices;
}

// --- steps ---------------------------------------------------------------

bool IsStep(std::string_view step) { return StepIndex(step) >= 0; }

int StepIndex(std::string_view step) {
  for (int i = 0; i < 5; ++i)
    if (kSteps[i] == step) return i;
  return -1;
}

int64_t StepAllowance(std::string_view step) {
  if (step == "report") return 1 * kHour;
  if (step == "assess") return 24 * kHour;
  if (step == "intervene") return 24 * kHour;
  if (step == "refer") return 72 * kHour;
  return 0;
}

std::string_view StepNameZh(std::string_view step) {
  if (step == "report") return "报告";
  if (step == "assess") return "评估";
  if (step == "intervene") return "干预";
  if (step == "refer") return "转介";
  if (step == "close") return "结案";
  return "";
}

namespace {

void PrepareNewCase(Case& c, int64_t now) {
  c.status = "open";
  c.step = "report";
  c.opened_at = now;
  c.step_due_at = now + StepAllowance("report");
}

// After the insert, in its transaction: deadline, event, notices and, for
// a level-1 case, the district crisis group.
absl::Status AfterCaseInsertedIn(soci::session& s, Case& c, int64_t now) {
  XQ_RETURN_IF_ERROR(jobs::ScheduleIn(s,
                                      {.kind = kStepDeadline,
                                       .key = fmt::format("{}:report", c.id),
                                       .school_id = c.school_id,
                                       .due_at = c.step_due_at},
                                      now)
                         .status());
  XQ_RETURN_IF_ERROR(PublishCaseEvent(s, {.kind = kCaseOpened,
                                          .school_id = c.school_id,
                                          .student_id = c.student_id,
                                          .case_id = c.id,
                                          .summary_zh = "开启了一个危机干预个案",
                                          .occurred_at = now}));
  std::vector<int64_t> to = notice::PsychCentreAndAuditors(s, c.school_id, c.unit_path);
  to.erase(std::remove_if(to.begin(), to.end(), [&](int64_t id) { return id == c.opened_by; }), to.end());
  notice::PostNotices(s, Urgent(NoticesTo(to, c.school_id, "crisis_opened", {{"case_id", NoticeParam(c.id)}})), now);
  if (c.level == 1) {
    XQ_ASSIGN_OR_RETURN(std::string up, EscalateIn(s, c, now));
    c.escalated_path = up;
    c.escalated_at = up.empty() ? 0 : now;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status OpenCaseIn(soci::session& s, Case& c, int64_t now) {
  PrepareNewCase(c, now);
  XQ_RETURN_IF_ERROR(InsertCaseIn(s, c));
  return AfterCaseInsertedIn(s, c, now);
}

// --- helpers -------------------------------------------------------------

absl::StatusOr<std::string> CrisisService::Seal(std::string_view text, std::string_view where) const {
  return keys_.Seal(text, where);
}
absl::StatusOr<std::string> CrisisService::Open(std::string_view sealed, std::string_view where) const {
  if (sealed.empty()) return std::string();
  return keys_.Open(sealed, where);
}

audit::Event CrisisService::AuditEvent(const policy::Actor& a, std::string action, std::string type, int64_t id,
                                       int64_t student_id, int64_t school_id, std::string outcome,
                                       std::string detail) const {
  audit::Event e;
  e.actor_id = a.account_id;
  e.actor_role = PrimaryRole(a);
  e.action = std::move(action);
  e.object_type = std::move(type);
  e.object_id = IdToString(id);
  e.student_id = student_id;
  e.school_id = school_id;
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  return e;
}

absl::Status CrisisService::Deny(const policy::Actor& a, std::string action, std::string type, int64_t id,
                                 int64_t student_id, int64_t school_id, std::string why) {
  XQ_RETURN_IF_ERROR(audit::Record(
      audit_, AuditEvent(a, std::move(action), std::move(type), id, student_id, school_id, "denied", std::move(why))));
  return NotFound("no such crisis case");
}

absl::StatusOr<CrisisService::Access> CrisisService::ReadAccess(const policy::Actor& a, const Case& c) {
  Access out;
  policy::Resource r = ResourceOf(a, c);
  out.d = policy::Decide(a, Action::kRead, r);
  const bool by_row = out.d.allowed && out.d.via != Role::kStudent && out.d.via != Role::kHospitalLiaison;
  if (by_row) return out;
  XQ_ASSIGN_OR_RETURN(std::optional<BreakGlass> bg, store_.ActiveBreakGlass(a.account_id, c.id, clock_.NowMicros()));
  if (bg) {
    r.break_glass = true;
    policy::Decision d = policy::Decide(a, Action::kRead, r);
    if (d.allowed && d.break_glass) {
      out.d = d;
      out.break_glass_until = bg->expires_at;
      return out;
    }
  }
  out.d = policy::Decision{};
  out.d.reason = "no access to this crisis case";
  return out;
}

absl::StatusOr<Case> CrisisService::WritableCase(const policy::Actor& a, int64_t case_id) {
  XQ_ASSIGN_OR_RETURN(std::optional<Case> c, store_.GetCase(case_id));
  if (!c) return NotFound("no such crisis case");
  if (!MayWrite(a, *c)) {
    XQ_ASSIGN_OR_RETURN(Access acc, ReadAccess(a, *c));
    if (!acc.d.allowed) return Deny(a, "write", "crisis_case", c->id, c->student_id, c->school_id, acc.d.reason);
    XQ_RETURN_IF_ERROR(audit::Record(
        audit_, AuditEvent(a, "write", "crisis_case", c->id, c->student_id, c->school_id, "denied", "read only")));
    return PermissionDenied("only the school's psychology staff change a crisis case");
  }
  if (c->status != "open") return Conflict("the case is closed", "status");
  return *c;
}

absl::Status CrisisService::CheckFile(const FileInput& f) const {
  if (f.bytes.empty()) return InvalidArgument("the file is empty", "file");
  if (f.bytes.size() > kMaxFileBytes) return WithField(PayloadTooLarge("the file is larger than 5 MB"), "file");
  auto starts = [&](std::string_view magic) { return f.bytes.compare(0, magic.size(), magic) == 0; };
  const bool ok_type = (f.content_type == "application/pdf" && starts("%PDF-")) ||
                       (f.content_type == "image/jpeg" && starts("\xFF\xD8\xFF")) ||
                       (f.content_type == "image/png" && starts("\x89PNG"));
  if (!ok_type) return WithField(UnsupportedMediaType("a PDF, JPEG or PNG scan is expected"), "content_type");
  return absl::OkStatus();
}

// --- cases ---------------------------------------------------------------

absl::StatusOr<CaseView> CrisisService::OpenCase(const policy::Actor& a, const OpenInput& in) {
  static const std::vector<std::string> kSources = {"warning", "observation", "counselling", "hotline"};
  if (std::find(kSources.begin(), kSources.end(), in.source) == kSources.end())
    return InvalidArgument("source is one of warning, observation, counselling, hotline", "source");
  if (in.level < 1 || in.level > 3) return InvalidArgument("level is 1, 2 or 3", "level");
  if (in.student_id <= 0) return InvalidArgument("student_id is required", "student_id");
  if (in.source != "hotline" && in.source_id <= 0)
    return InvalidArgument("source_id is required for this source", "source_id");
  if (in.record.size() > kMaxText) return InvalidArgument("record is too long", "record");
  XQ_ASSIGN_OR_RETURN(std::optional<StudentPlace> place, store_.StudentPlaceOf(in.student_id));
  if (!place) return WithField(NotFound("no such student"), "student_id");
  Case c;
  c.id = NewId();
  c.school_id = place->school_id;
  c.student_id = in.student_id;
  c.unit_path = place->unit_path;
  c.source = in.source;
  c.source_id = in.source == "hotline" ? 0 : in.source_id;
  c.level = in.level;
  c.step_owner = a.account_id;
  c.opened_by = a.account_id;
  if (!MayWrite(a, c)) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, AuditEvent(a, "create", "crisis_case", 0, c.student_id, c.school_id,
                                                        "denied", "not psychology staff of the student's school")));
    return WithField(NotFound("no such student"), "student_id");
  }
  if (in.source == "warning") {
    // The warning module answers whose warning it is (docs/design.md, Layering).
    XQ_ASSIGN_OR_RETURN(std::optional<int64_t> ws, warning_student_(in.source_id));
    if (!ws || *ws != in.student_id) return WithField(NotFound("no such warning for this student"), "source_id");
  }
  const int64_t now = clock_.NowMicros();
  CaseItem first;
  if (!in.record.empty()) {
    first.id = NewId();
    first.step = "report";
    first.kind = "record";
    first.by_account = a.account_id;
    first.at = now;
    XQ_ASSIGN_OR_RETURN(first.body, Seal(in.record, fmt::format("crisis_items:{}", first.id)));
  }
  if (c.source_id != 0) {
    XQ_ASSIGN_OR_RETURN(int64_t existing, store_.CaseOfSource(c.source, c.source_id));
    if (existing != 0) return WithField(Conflict("a case is already open for this source"), "source_id");
  }
  PrepareNewCase(c, now);
  XQ_RETURN_IF_ERROR(store_.CreateCase(c, first, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(AfterCaseInsertedIn(s, c, now));
    return audit::RecordingIn(audit_, AuditEvent(a, "create", "crisis_case", c.id, c.student_id, c.school_id, "ok",
                                                 fmt::format("source={} level={}", c.source, c.level)))(s);
  }));
  return GetCase(a, c.id);
}

absl::StatusOr<Page<CaseView>> CrisisService::ListCases(const policy::Actor& a, std::string_view status, int page_size,
                                                        std::string_view after) {
  XQ_ASSIGN_OR_RETURN(Page<CaseView> page, CasesInScope(a, status, page_size, after));
  if (!page.items.empty()) {
    XQ_RETURN_IF_ERROR(audit::Record(
        audit_, AuditEvent(a, "list", "crisis_case", 0, 0, 0, "ok", fmt::format("{} cases", page.items.size()))));
  }
  return page;
}

absl::StatusOr<std::optional<CrisisService::OpenCount>> CrisisService::CountOpenCases(const policy::Actor& a) {
  const CaseFilter f = FilterFor(a);
  if (f.paths.empty() && f.escalated_scopes.empty() && f.consulted_account == 0) return std::nullopt;
  XQ_ASSIGN_OR_RETURN(Page<CaseView> page, CasesInScope(a, "open", 200, ""));
  const int64_t now = clock_.NowMicros();
  OpenCount n;
  for (const CaseView& v : page.items) {
    ++n.open;
    if (v.c.step_due_at != 0 && v.c.step_due_at < now) ++n.overdue;
  }
  return n;
}

// Which subtrees each grant opens, asked of the policy one grant at a time.
CaseFilter CrisisService::FilterFor(const policy::Actor& a) const {
  CaseFilter f;
  for (const auto& g : a.grants) {
    policy::Actor one = a;
    one.grants = {g};
    policy::Resource r;
    r.data_class = DataClass::kClinical;
    r.unit_path = g.unit_path;
    policy::Decision d = policy::Decide(one, Action::kRead, r);
    if (d.allowed && d.via != Role::kStudent && d.via != Role::kHospitalLiaison) {
      f.paths.push_back(g.unit_path);
      continue;
    }
    r.escalated = true;
    if (policy::Decide(one, Action::kRead, r).allowed) {
      f.escalated_scopes.push_back(g.unit_path);
      continue;
    }
    r.escalated = false;
    r.consulted = true;
    if (policy::Decide(one, Action::kRead, r).allowed) f.consulted_account = a.account_id;
  }
  return f;
}

absl::StatusOr<Page<CaseView>> CrisisService::CasesInScope(const policy::Actor& a, std::string_view status,
                                                           int page_size, std::string_view after) {
  if (!status.empty() && status != "open" && status != "closed")
    return InvalidArgument("status is open or closed", "status");
  if (page_size < 1 || page_size > 200) return InvalidArgument("page_size is 1..200", "page_size");
  int64_t after_at = 0, after_id = 0;
  if (!after.empty()) {
    size_t colon = after.find(':');
    std::optional<int64_t> at = colon == std::string_view::npos ? std::nullopt : IdFromString(after.substr(0, colon));
    std::optional<int64_t> id = colon == std::string_view::npos ? std::nullopt : IdFromString(after.substr(colon + 1));
    if (!at || !id) return InvalidArgument("after is not a cursor of this list", "after");
    after_at = *at;
    after_id = *id;
  }
  CaseFilter f = FilterFor(a);
  f.status = std::string(status);
  Page<CaseView> page;
  XQ_ASSIGN_OR_RETURN(std::vector<Case> cases, store_.ListCases(f, after_at, after_id, page_size + 1));
  if (static_cast<int>(cases.size()) > page_size) {
    cases.resize(page_size);
    page.next = fmt::format("{}:{}", cases.back().opened_at, cases.back().id);
  }
  for (Case& c : cases) {
    XQ_ASSIGN_OR_RETURN(Access acc, ReadAccess(a, c));
    if (!acc.d.allowed) continue;
    CaseView v;
    v.c = std::move(c);
    v.view = acc.d.view;
    v.break_glass = acc.d.break_glass;
    page.items.push_back(std::move(v));
  }
  return page;
}

absl::StatusOr<CaseView> CrisisService::GetCase(const policy::Actor& a, int64_t case_id) {
  XQ_ASSIGN_OR_RETURN(std::optional<Case> c, store_.GetCase(case_id));
  if (!c) return NotFound("no such crisis case");
  XQ_ASSIGN_OR_RETURN(Access acc, ReadAccess(a, *c));
  if (!acc.d.allowed) return Deny(a, "read", "crisis_case", c->id, c->student_id, c->school_id, acc.d.reason);
  CaseView v;
  v.view = acc.d.view;
  v.break_glass = acc.d.break_glass;
  v.break_glass_until = acc.break_glass_until;
  if (v.view == View::kFull) {
    XQ_ASSIGN_OR_RETURN(std::vector<CaseItem> items, store_.ListItems(c->id));
    for (CaseItem& i : items) {
      if (i.kind == "notice_scan") {
        i.body.clear();  // fetched on its own
      } else {
        XQ_ASSIGN_OR_RETURN(i.body, Open(i.body, fmt::format("crisis_items:{}", i.id)));
      }
      v.items.push_back(std::move(i));
    }
  }
  audit::Event e = AuditEvent(a, "read", "crisis_case", c->id, c->student_id, c->school_id, "ok",
                              std::string(policy::ViewName(v.view)));
  if (v.break_glass) {
    e.action = "break_glass_read";
  }
  XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
  v.c = std::move(*c);
  return v;
}

absl::StatusOr<CaseView> CrisisService::Advance(const policy::Actor& a, int64_t case_id, const AdvanceInput& in) {
  const int to = StepIndex(in.to);
  if (to < 0) return InvalidArgument("to is one of report, assess, intervene, refer, close", "to");
  if (in.record.size() > kMaxText) return InvalidArgument("record is too long", "record");
  XQ_ASSIGN_OR_RETURN(Case c, WritableCase(a, case_id));
  const int from = StepIndex(c.step);
  // Forward only; refer may be skipped (intervene → close).
  if (to != from + 1 && !(c.step == "intervene" && in.to == "close"))
    return InvalidArgument(fmt::format("after {} comes {}", c.step, kSteps[std::min(from + 1, 4)]), "to");
  if (in.record.empty()) return InvalidArgument("each step keeps its record", "record");
  if (c.step == "intervene") {
    // Intervention is complete with a named watch, the guardian told, the
    // 告知书 on file (scanned or confirmed in the app) and a safety plan.
    XQ_ASSIGN_OR_RETURN(std::vector<CaseItem> items, store_.ListItems(c.id));
    auto has = [&](std::string_view kind, std::string_view state = "") {
      return std::any_of(items.begin(), items.end(),
                         [&](const CaseItem& i) { return i.kind == kind && (state.empty() || i.state == state); });
    };
    if (!has("watch")) return InvalidArgument("the 24-hour watch has no named people yet", "watch");
    if (!has("guardian_notified")) return InvalidArgument("the guardian has not been told yet", "guardian_notified");
    if (!has("notice_scan") && !has("notice_app", "confirmed"))
      return InvalidArgument("the guardian notice is neither scanned nor confirmed", "guardian_notice");
    if (!has("safety_plan")) return InvalidArgument("there is no safety plan yet", "safety_plan");
  }
  if (in.to == "refer") {
    // Nothing more: the referral itself is made on the case.
  }
  const int64_t now = clock_.NowMicros();
  const bool close = in.to == "close";
  const int64_t owner = in.owner ? in.owner : a.account_id;
  const int64_t due = close ? 0 : now + StepAllowance(in.to);
  CaseItem record;
  record.id = NewId();
  record.step = c.step;
  record.kind = "record";
  record.by_account = a.account_id;
  record.at = now;
  XQ_ASSIGN_OR_RETURN(record.body, Seal(in.record, fmt::format("crisis_items:{}", record.id)));
  XQ_RETURN_IF_ERROR(
      store_.Advance(c, c.step, in.to, owner, due, close, now, record, [&](soci::session& s) -> absl::Status {
        XQ_RETURN_IF_ERROR(jobs::CancelIn(s, kStepDeadline, fmt::format("{}:{}", c.id, c.step), now).status());
        XQ_RETURN_IF_ERROR(jobs::CancelIn(s, kStepDeadline, fmt::format("{}:{}:up", c.id, c.step), now).status());
        if (!close) {
          XQ_RETURN_IF_ERROR(jobs::ScheduleIn(s,
                                              {.kind = kStepDeadline,
                                               .key = fmt::format("{}:{}", c.id, in.to),
                                               .school_id = c.school_id,
                                               .due_at = due},
                                              now)
                                 .status());
          if (owner != a.account_id)
            notice::PostNotices(
                s,
                NoticesTo({owner}, c.school_id, "crisis_step_owner", {{"case_id", NoticeParam(c.id)}, {"step", in.to}}),
                now);
        } else {
          XQ_RETURN_IF_ERROR(PublishCaseEvent(s, {.kind = kCaseClosed,
                                                  .school_id = c.school_id,
                                                  .student_id = c.student_id,
                                                  .case_id = c.id,
                                                  .summary_zh = "危机干预个案已结案",
                                                  .occurred_at = now}));
        }
        return audit::RecordingIn(audit_, AuditEvent(a, "advance", "crisis_case", c.id, c.student_id, c.school_id, "ok",
                                                     fmt::format("{}->{}", c.step, in.to)))(s);
      }));
  return GetCase(a, c.id);
}

absl::StatusOr<CaseItem> CrisisService::AddItem(const policy::Actor& a, int64_t case_id, const ItemInput& in) {
  static const std::vector<std::string> kKinds = {"record", "watch", "guardian_notified", "notice_app", "safety_plan"};
  if (std::find(kKinds.begin(), kKinds.end(), in.kind) == kKinds.end())
    return InvalidArgument("kind is one of record, watch, guardian_notified, notice_app, safety_plan", "kind");
  if (in.text.size() > kMaxText) return InvalidArgument("text is too long", "text");
  if (in.kind != "notice_app" && in.text.empty()) return InvalidArgument("text is required", "text");
  if (in.kind == "watch") {
    if (in.starts_at <= 0) return InvalidArgument("the watch needs its start", "starts_at");
    if (in.ends_at <= in.starts_at) return InvalidArgument("the watch ends after it starts", "ends_at");
  }
  XQ_ASSIGN_OR_RETURN(Case c, WritableCase(a, case_id));
  if (in.kind != "record" && c.step != "intervene")
    return WithField(Conflict("watch, guardian and safety plan belong to the intervene step"), "kind");
  const int64_t now = clock_.NowMicros();
  CaseItem item;
  item.id = NewId();
  item.step = c.step;
  item.kind = in.kind;
  item.starts_at = in.starts_at;
  item.ends_at = in.ends_at;
  item.by_account = a.account_id;
  item.at = now;
  if (in.kind == "notice_app") item.state = "requested";
  XQ_ASSIGN_OR_RETURN(item.body, Seal(in.text, fmt::format("crisis_items:{}", item.id)));
  XQ_RETURN_IF_ERROR(store_.AddItem(c, item, [&](soci::session& s) -> absl::Status {
    if (in.kind == "notice_app") {
      // The student's guardians confirm it in the app.
      XQ_ASSIGN_OR_RETURN(std::vector<int64_t> guardians, GuardianAccountsIn(s, c.student_id));
      notice::PostNotices(s, NoticesTo(guardians, c.school_id, "crisis_guardian_notice", {}), now);
    }
    return audit::RecordingIn(
        audit_, AuditEvent(a, "write", "crisis_item", item.id, c.student_id, c.school_id, "ok", in.kind))(s);
  }));
  item.body = in.text;
  return item;
}

absl::StatusOr<CaseItem> CrisisService::AttachGuardianNotice(const policy::Actor& a, int64_t case_id,
                                                             const FileInput& f) {
  XQ_RETURN_IF_ERROR(CheckFile(f));
  XQ_ASSIGN_OR_RETURN(Case c, WritableCase(a, case_id));
  if (c.step != "intervene") return WithField(Conflict("the guardian notice belongs to the intervene step"), "file");
  const int64_t now = clock_.NowMicros();
  CaseItem item;
  item.id = NewId();
  item.step = c.step;
  item.kind = "notice_scan";
  item.state = f.content_type + ";" + f.name.substr(0, 200);
  item.by_account = a.account_id;
  item.at = now;
  XQ_ASSIGN_OR_RETURN(item.body, Seal(f.bytes, fmt::format("crisis_items:{}", item.id)));
  XQ_RETURN_IF_ERROR(store_.AddItem(
      c, item,
      audit::RecordingIn(
          audit_, AuditEvent(a, "write", "crisis_item", item.id, c.student_id, c.school_id, "ok", "notice_scan"))));
  item.body.clear();
  return item;
}

absl::StatusOr<FileInput> CrisisService::GuardianNoticeFile(const policy::Actor& a, int64_t case_id, int64_t item_id) {
  XQ_ASSIGN_OR_RETURN(std::optional<Case> c, store_.GetCase(case_id));
  if (!c) return NotFound("no such crisis case");
  if (!MayWrite(a, *c) &&
      !(c->status == "closed" && policy::Decide(a, Action::kRead, ResourceOf(a, *c)).via == Role::kPsychStaff))
    return Deny(a, "read", "crisis_item", item_id, c->student_id, c->school_id, "file: psychology staff only");
  XQ_ASSIGN_OR_RETURN(auto found, store_.GetItem(item_id));
  if (!found || found->first.id != c->id || found->second.kind != "notice_scan") return NotFound("no such file");
  FileInput f;
  size_t semi = found->second.state.find(';');
  f.content_type = found->second.state.substr(0, semi);
  f.name = semi == std::string::npos ? "" : found->second.state.substr(semi + 1);
  XQ_ASSIGN_OR_RETURN(f.bytes, Open(found->second.body, fmt::format("crisis_items:{}", item_id)));
  XQ_RETURN_IF_ERROR(audit::Record(
      audit_, AuditEvent(a, "read", "crisis_item", item_id, c->student_id, c->school_id, "ok", "notice_scan")));
  return f;
}

absl::Status CrisisService::Consult(const policy::Actor& a, int64_t case_id, int64_t expert_account_id) {
  if (expert_account_id <= 0) return InvalidArgument("account_id is required", "account_id");
  XQ_ASSIGN_OR_RETURN(Case c, WritableCase(a, case_id));
  const int64_t now = clock_.NowMicros();
  return store_.AddConsult(c, expert_account_id, a.account_id, now, [&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(bool expert, HasRoleIn(s, expert_account_id, "expert"));
    if (!expert) return WithField(NotFound("no such expert"), "account_id");
    notice::PostNotices(s, NoticesTo({expert_account_id}, 0, "crisis_consulted", {{"case_id", NoticeParam(c.id)}}),
                        now);
    return audit::RecordingIn(audit_, AuditEvent(a, "consult", "crisis_case", c.id, c.student_id, c.school_id, "ok",
                                                 fmt::format("expert={}", expert_account_id)))(s);
  });
}

absl::StatusOr<std::vector<GuardianNotice>> CrisisService::GuardianNotices(const policy::Actor& a) {
  std::vector<GuardianNotice> out;
  XQ_ASSIGN_OR_RETURN(auto rows, store_.GuardianNotices(a.child_ids));
  for (auto& [c, item] : rows) {
    // The guardian's own child (D1 of ACCESS.md's guardian row).
    policy::Resource r;
    r.data_class = DataClass::kRoster;
    r.unit_path = c.unit_path;
    r.student_id = c.student_id;
    if (!policy::Decide(a, Action::kRead, r).allowed) continue;
    out.push_back({item.id, c.student_id, c.student_name, item.state, item.at});
  }
  return out;
}

absl::Status CrisisService::ConfirmGuardianNotice(const policy::Actor& a, int64_t item_id) {
  XQ_ASSIGN_OR_RETURN(auto found, store_.GetItem(item_id));
  if (!found || found->second.kind != "notice_app" || !Has(a.child_ids, found->first.student_id))
    return NotFound("no such notice");
  const Case& c = found->first;
  return store_.SetItemState(item_id, "requested", "confirmed",
                             audit::RecordingIn(audit_, AuditEvent(a, "confirm", "crisis_item", item_id, c.student_id,
                                                                   c.school_id, "ok", "guardian notice")));
}

// --- deadlines -------------------------------------------------------------

absl::Status CrisisService::OnStepDeadline(soci::session& s, const jobs::Job& job) {
  // key: "<case>:<step>" or "<case>:<step>:up" (the second miss).
  const size_t colon = job.key.find(':');
  if (colon == std::string::npos) return absl::OkStatus();
  std::optional<int64_t> id = IdFromString(std::string_view(job.key).substr(0, colon));
  std::string step = job.key.substr(colon + 1);
  const bool second = step.size() > 3 && step.compare(step.size() - 3, 3, ":up") == 0;
  if (second) step.resize(step.size() - 3);
  if (!id) return absl::OkStatus();
  XQ_ASSIGN_OR_RETURN(std::optional<Case> c, GetCaseIn(s, *id));
  if (!c || c->status != "open" || c->step != step) return absl::OkStatus();
  const int64_t now = clock_.NowMicros();
  std::vector<int64_t> to = notice::PsychCentreAndAuditors(s, c->school_id, c->unit_path);
  to.push_back(c->step_owner);
  notice::PostNotices(
      s, Urgent(NoticesTo(to, c->school_id, "crisis_step_overdue", {{"case_id", NoticeParam(c->id)}, {"step", step}})),
      now);
  XQ_ASSIGN_OR_RETURN(std::string up, EscalateIn(s, *c, now));
  audit::Event e;
  e.action = "deadline_missed";
  e.object_type = "crisis_case";
  e.object_id = IdToString(c->id);
  e.student_id = c->student_id;
  e.school_id = c->school_id;
  e.detail = fmt::format("step={} escalated_to={}", step, up);
  XQ_RETURN_IF_ERROR(audit_.RecordIn(s, e));
  if (!second && !up.empty()) {
    // Still not done a step's time later: lifted once more.
    XQ_RETURN_IF_ERROR(jobs::ScheduleIn(s,
                                        {.kind = kStepDeadline,
                                         .key = fmt::format("{}:{}:up", c->id, step),
                                         .school_id = c->school_id,
                                         .due_at = now + StepAllowance(step)},
                                        now)
                           .status());
  }
  return absl::OkStatus();
}

absl::Status CrisisService::OnReferralDeadline(soci::session& s, const jobs::Job& job) {
  const bool second = job.key.size() > 3 && job.key.compare(job.key.size() - 3, 3, ":up") == 0;
  std::optional<int64_t> id = IdFromString(second ? job.key.substr(0, job.key.size() - 3) : job.key);
  if (!id) return absl::OkStatus();
  XQ_ASSIGN_OR_RETURN(std::optional<Referral> r, GetReferralIn(s, *id));
  if (!r || r->state != "sent") return absl::OkStatus();
  XQ_ASSIGN_OR_RETURN(std::optional<Case> c, GetCaseIn(s, r->case_id));
  if (!c) return absl::OkStatus();
  const int64_t now = clock_.NowMicros();
  // Surfaces to the psychology centre and escalates like a warning.
  std::vector<int64_t> to = notice::PsychCentreAndAuditors(s, r->school_id, r->unit_path);
  notice::PostNotices(s,
                      Urgent(NoticesTo(to, r->school_id, "crisis_referral_overdue",
                                       {{"referral_id", NoticeParam(r->id)}, {"case_id", NoticeParam(r->case_id)}})),
                      now);
  std::string up;
  if (c->status == "open") {
    XQ_ASSIGN_OR_RETURN(up, EscalateIn(s, *c, now));
  }
  XQ_RETURN_IF_ERROR(SetReferralEscalationIn(s, r->id, up.empty() ? c->escalated_path : up));
  audit::Event e;
  e.action = "deadline_missed";
  e.object_type = "crisis_referral";
  e.object_id = IdToString(r->id);
  e.student_id = r->student_id;
  e.school_id = r->school_id;
  e.detail = fmt::format("no hospital answer; escalated_to={}", up);
  XQ_RETURN_IF_ERROR(audit_.RecordIn(s, e));
  if (!second && !up.empty()) {
    XQ_RETURN_IF_ERROR(jobs::ScheduleIn(s,
                                        {.kind = kReferralDeadline,
                                         .key = IdToString(r->id) + ":up",
                                         .school_id = r->school_id,
                                         .due_at = now + kReferralAnswerWithin},
                                        now)
                           .status());
  }
  return absl::OkStatus();
}

void HandleCrisisJobs(jobs::JobRunner& runner, CrisisService& service) {
  runner.Handle(kStepDeadline,
                [&service](soci::session& s, const jobs::Job& job) { return service.OnStepDeadline(s, job); });
  runner.Handle(kReturnCheckpoint,
                [&service](soci::session& s, const jobs::Job& job) { return service.OnReturnCheckpoint(s, job); });
  runner.Handle(kReferralDeadline,
                [&service](soci::session& s, const jobs::Job& job) { return service.OnReferralDeadline(s, job); });
}

}  // namespace xq::crisis
