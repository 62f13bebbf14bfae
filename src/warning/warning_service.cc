#include "warning/warning_service.h"

#include "audit/audited.h"

#include <map>

#include "core/ids.h"
#include "core/status.h"
#include "policy/neutral_words.h"
#include "policy/scopes.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"
#include "warning/escalation.h"

namespace xq::warning {
namespace {

using policy::Action;
using policy::DataClass;
using policy::PathsOf;
using policy::PrimaryRole;
using policy::ScopesFor;

policy::Resource StudentResource(DataClass k, int64_t student_id, const std::string& path) {
  policy::Resource r;
  r.data_class = k;
  r.student_id = student_id;
  r.unit_path = path;
  return r;
}

std::string IdList(const std::vector<int64_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < 50; ++i) out += (i ? "," : "") + IdToString(ids[i]);
  return out;
}

}  // namespace

audit::Event WarningService::AuditEvent(const policy::Principal& p, std::string action, std::string object_type,
                                        std::string object_id, int64_t student_id, std::string outcome,
                                        std::string detail) const {
  audit::Event e;
  e.actor_id = p.account_id;
  e.actor_role = PrimaryRole(p.actor);
  e.action = std::move(action);
  e.object_type = std::move(object_type);
  e.object_id = std::move(object_id);
  e.student_id = student_id;
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  return e;
}

absl::Status WarningService::Audit(const policy::Principal& p, std::string action, std::string object_type,
                                   std::string object_id, int64_t student_id, std::string outcome, std::string detail) {
  return audit::Record(audit_, AuditEvent(p, std::move(action), std::move(object_type), std::move(object_id),
                                          student_id, std::move(outcome), std::move(detail)));
}

absl::StatusOr<std::vector<Warning>> WarningService::ListWarnings(const policy::Principal& p, std::string_view state) {
  if (!state.empty() && state != "open" && state != "acknowledged" && state != "all")
    return InvalidArgument("state must be open, acknowledged or all", "state");
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kResults, {policy::Role::kPsychStaff});
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(p, "denied", "warnings", "", 0, "denied", "list warnings"));
    return PermissionDenied("only psychology staff see warnings");
  }
  XQ_ASSIGN_OR_RETURN(auto items, store_.ListWarnings(PathsOf(scopes), state == "all" ? "" : state, 200));
  if (!items.empty()) {
    std::vector<int64_t> ids;
    for (const auto& w : items) ids.push_back(w.student_id);
    XQ_RETURN_IF_ERROR(Audit(p, "read", "warnings", "", items.size() == 1 ? items[0].student_id : 0, "ok",
                             fmt::format("{{\"students\":\"{}\"}}", IdList(ids))));
  }
  return items;
}

namespace {

// Cursor "<position>.<id>" of keyset paging; false when malformed.
bool ParseCursor(std::string_view c, int64_t* pos, int64_t* id) {
  auto dot = c.find('.');
  if (dot == std::string_view::npos) return false;
  auto a = IdFromString(std::string(c.substr(0, dot)));
  auto b = IdFromString(std::string(c.substr(dot + 1)));
  if (!a || !b) return false;
  *pos = *a;
  *id = *b;
  return true;
}

}  // namespace

absl::StatusOr<Page<Warning>> WarningService::ListWarningsPage(const policy::Principal& p, std::string_view state,
                                                               int page_size, std::string_view after) {
  if (!state.empty() && state != "open" && state != "acknowledged" && state != "all")
    return InvalidArgument("state must be open, acknowledged or all", "state");
  if (page_size < 1 || page_size > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  int64_t at = 0, last = 0;
  if (!after.empty() && !ParseCursor(after, &at, &last))
    return InvalidArgument("after is not a cursor from this listing", "after");
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kResults, {policy::Role::kPsychStaff});
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(p, "denied", "warnings", "", 0, "denied", "list warnings"));
    return PermissionDenied("only psychology staff see warnings");
  }
  const std::string st = state == "all" ? "" : std::string(state);
  const auto paths = PathsOf(scopes);
  Page<Warning> out;
  // One more than asked: whether a page follows.
  auto items = after.empty() ? store_.ListWarnings(paths, st, page_size + 1)
                             : store_.ListWarningsAfter(paths, st, at, last, page_size + 1);
  if (!items.ok()) return items.status();
  out.items = std::move(*items);
  if (static_cast<int>(out.items.size()) > page_size) {
    out.items.pop_back();
    const auto& w = out.items.back();
    out.next = fmt::format("{}.{}", w.created_at, w.id);
  }
  XQ_ASSIGN_OR_RETURN(out.total, store_.CountWarnings(paths, st));
  if (!out.items.empty()) {
    std::vector<int64_t> ids;
    for (const auto& w : out.items) ids.push_back(w.student_id);
    XQ_RETURN_IF_ERROR(Audit(p, "read", "warnings", "", out.items.size() == 1 ? out.items[0].student_id : 0, "ok",
                             fmt::format("{{\"students\":\"{}\"}}", IdList(ids))));
  }
  return out;
}

absl::StatusOr<Page<FollowUp>> WarningService::ListFollowUpsPage(const policy::Principal& p, std::string_view state,
                                                                 bool overdue_only, int page_size,
                                                                 std::string_view after) {
  if (!state.empty() && state != "open" && state != "done" && state != "all")
    return InvalidArgument("state must be open, done or all", "state");
  if (page_size < 1 || page_size > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  int64_t at = 0, last = 0;
  if (!after.empty() && !ParseCursor(after, &at, &last))
    return InvalidArgument("after is not a cursor from this listing", "after");
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kResults, {policy::Role::kPsychStaff});
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(p, "denied", "follow_ups", "", 0, "denied", "list follow-ups"));
    return PermissionDenied("only psychology staff see the follow-up queue");
  }
  std::optional<int64_t> due_before;
  std::string st = state == "all" ? "" : std::string(state);
  if (overdue_only) {
    due_before = clock_.NowMicros();
    st = "open";
  }
  const auto paths = PathsOf(scopes);
  Page<FollowUp> out;
  auto items = after.empty() ? store_.ListFollowUps(paths, st, due_before, page_size + 1)
                             : store_.ListFollowUpsAfter(paths, st, due_before, at, last, page_size + 1);
  if (!items.ok()) return items.status();
  out.items = std::move(*items);
  if (static_cast<int>(out.items.size()) > page_size) {
    out.items.pop_back();
    const auto& f = out.items.back();
    out.next = fmt::format("{}.{}", f.due_at, f.id);
  }
  XQ_ASSIGN_OR_RETURN(out.total, store_.CountFollowUps(paths, st, due_before));
  if (!out.items.empty()) {
    std::vector<int64_t> ids;
    for (const auto& f : out.items) ids.push_back(f.student_id);
    XQ_RETURN_IF_ERROR(Audit(p, "read", "follow_ups", "", out.items.size() == 1 ? out.items[0].student_id : 0, "ok",
                             fmt::format("{{\"students\":\"{}\"}}", IdList(ids))));
  }
  return out;
}

absl::StatusOr<Warning> WarningService::Acknowledge(const policy::Principal& p, int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto w, store_.GetWarning(id));
  if (!w) return NotFound("warning not found");
  auto d = policy::Decide(p.actor, Action::kWrite, StudentResource(DataClass::kResults, w->student_id, w->unit_path));
  if (!d.allowed || d.via != policy::Role::kPsychStaff) {
    XQ_RETURN_IF_ERROR(Audit(p, "denied", "warning", IdToString(id), w->student_id, "denied", d.reason));
    return NotFound("warning not found");
  }
  const int64_t now = clock_.NowMicros();
  auto record =
      audit::RecordingIn(audit_, AuditEvent(p, "acknowledge", "warning", IdToString(id), w->student_id, "ok"));
  // Acknowledging stops the escalation of the warning's current step.
  XQ_RETURN_IF_ERROR(store_
                         .Acknowledge(id, p.account_id, now,
                                      [&](soci::session& s) -> absl::Status {
                                        XQ_RETURN_IF_ERROR(AcknowledgedIn(s, *w, p.account_id, now));
                                        return record(s);
                                      })
                         .status());
  XQ_ASSIGN_OR_RETURN(w, store_.GetWarning(id));
  return *w;
}

absl::StatusOr<std::vector<FollowUp>> WarningService::ListFollowUps(const policy::Principal& p, std::string_view state,
                                                                    bool overdue_only) {
  if (!state.empty() && state != "open" && state != "done" && state != "all")
    return InvalidArgument("state must be open, done or all", "state");
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kResults, {policy::Role::kPsychStaff});
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(p, "denied", "follow_ups", "", 0, "denied", "list follow-ups"));
    return PermissionDenied("only psychology staff see the follow-up queue");
  }
  std::optional<int64_t> due_before;
  std::string st = state == "all" ? "" : std::string(state);
  if (overdue_only) {
    due_before = clock_.NowMicros();
    st = "open";
  }
  XQ_ASSIGN_OR_RETURN(auto items, store_.ListFollowUps(PathsOf(scopes), st, due_before, 200));
  if (!items.empty()) {
    std::vector<int64_t> ids;
    for (const auto& f : items) ids.push_back(f.student_id);
    XQ_RETURN_IF_ERROR(Audit(p, "read", "follow_ups", "", items.size() == 1 ? items[0].student_id : 0, "ok",
                             fmt::format("{{\"students\":\"{}\"}}", IdList(ids))));
  }
  return items;
}

absl::StatusOr<FollowUp> WarningService::RecordInterview(const policy::Principal& p, int64_t id,
                                                         const InterviewInput& in) {
  if (in.outcome != "confirmed" && in.outcome != "cleared")
    return InvalidArgument("outcome must be confirmed or cleared", "outcome");
  if (in.outcome == "confirmed" && (in.level < 1 || in.level > 3))
    return InvalidArgument("level must be 1, 2 or 3", "level");
  if (in.outcome == "cleared" && in.level != 0) return InvalidArgument("a cleared follow-up has no level", "level");
  if (in.valid_days < 1 || in.valid_days > 366) return InvalidArgument("valid_days must be 1..366", "valid_days");
  // Head teachers and grade heads read the guidance: no diagnostic words
  // (refused, naming them, so the writer rephrases; policy/neutral_words.h).
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(in.guidance, "guidance"));
  XQ_ASSIGN_OR_RETURN(auto f, store_.GetFollowUp(id));
  if (!f) return NotFound("follow-up not found");
  auto d = policy::Decide(p.actor, Action::kWrite, StudentResource(DataClass::kClinical, f->student_id, f->unit_path));
  auto d4 =
      policy::Decide(p.actor, Action::kWrite, StudentResource(DataClass::kAttention, f->student_id, f->unit_path));
  if (!d.allowed || !d4.allowed) {
    XQ_RETURN_IF_ERROR(Audit(p, "denied", "follow_up", IdToString(id), f->student_id, "denied", d.reason));
    return NotFound("follow-up not found");
  }
  std::string guidance = in.guidance.empty() ? std::string(DefaultGuidance(in.level)) : in.guidance;
  const int64_t now = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(store_.RecordInterview(
      *f, NewId(), in.outcome, in.level, guidance, in.notes, p.account_id, now,
      now + int64_t{in.valid_days} * 86'400'000'000,
      audit::RecordingIn(audit_,
                         AuditEvent(p, "interview", "follow_up", IdToString(id), f->student_id, "ok",
                                    fmt::format("{{\"outcome\":\"{}\",\"level\":{}}}", in.outcome, in.level)))));
  XQ_ASSIGN_OR_RETURN(f, store_.GetFollowUp(id));
  return *f;
}

absl::StatusOr<nlohmann::json> WarningService::ListLevels(const policy::Principal& p) {
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kAttention);
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(p, "denied", "attention_levels", "", 0, "denied", "list attention levels"));
    return PermissionDenied("no role of this account sees attention levels");
  }
  XQ_ASSIGN_OR_RETURN(auto levels, store_.ListLevels(PathsOf(scopes), clock_.NowMicros()));
  nlohmann::json items = nlohmann::json::array();
  std::map<std::string, int> counts = {{"1", 0}, {"2", 0}, {"3", 0}};
  for (const auto& l : levels) {
    policy::Resource r = StudentResource(DataClass::kAttention, l.student_id, l.unit_path);
    r.level_one = l.level == 1;
    auto d = policy::Decide(p.actor, Action::kRead, r);
    if (!d.allowed) continue;
    ++counts[std::to_string(l.level)];
    if (d.view != policy::View::kFull) continue;  // counts only
    items.push_back({{"student_id", IdToString(l.student_id)},
                     {"student_name", l.student_name},
                     {"student_no", l.student_no},
                     {"level", l.level},
                     {"level_name", std::string(LevelName(l.level))},
                     {"guidance", l.guidance},
                     {"set_at", FormatRfc3339(l.set_at)},
                     {"expires_at", FormatRfc3339(l.expires_at)}});
  }
  return nlohmann::json{{"items", items}, {"counts", counts}};
}

absl::StatusOr<std::optional<WarningService::OpenWork>> WarningService::OpenWorkOf(const policy::Principal& p,
                                                                                   int64_t now, int64_t due_before) {
  auto scopes = ScopesFor(p.actor, policy::Action::kRead, policy::DataClass::kResults, {policy::Role::kPsychStaff});
  if (scopes.empty()) return std::nullopt;
  const auto paths = PathsOf(scopes);
  OpenWork w;
  XQ_ASSIGN_OR_RETURN(w.open_warnings, store_.CountWarnings(paths, "open"));
  XQ_ASSIGN_OR_RETURN(w.follow_ups_due, store_.CountFollowUps(paths, "open", due_before));
  XQ_ASSIGN_OR_RETURN(w.follow_ups_overdue, store_.CountFollowUps(paths, "open", now));
  return w;
}

}  // namespace xq::warning
