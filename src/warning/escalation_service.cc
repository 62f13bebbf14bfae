#include "warning/escalation_service.h"

#include <charconv>
#include <set>
#include <string_view>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "db/scope.h"
#include "fmt/format.h"
#include "notice/notice_store.h"
#include "policy/policy.h"
#include "policy/scopes.h"
#include "warning/inform.h"

namespace xq::warning {
namespace {

using policy::Action;
using policy::DataClass;
using policy::View;

// Depth of a materialised path: "/1/" → 1 (the city), "/1/7/" → 2.
int Depth(std::string_view path) {
  int n = 0;
  for (char c : path) n += c == '/';
  return n - 1;
}

// The lowest step a crisis group bound at `path` is told of.
int CrisisRank(std::string_view path) {
  return Depth(path) <= 1 ? StepRank(kStepCityCrisis) : StepRank(kStepDistrictCrisis);
}

// One subtree the caller reads warnings in, and under which condition.
struct Clause {
  std::string path;
  bool named = true;  // false: counted only
  bool level_one_only = false;
  int min_rank = -1;  // crisis groups: only from this step up, while open
};

std::vector<Clause> ClausesFor(const policy::Actor& actor) {
  std::vector<Clause> out;
  for (const auto& g : actor.grants) {
    if (!db::IsSafeOrgPath(g.unit_path)) continue;
    policy::Actor one = actor;
    one.grants = {g};
    policy::Resource r;
    r.data_class = DataClass::kAttention;
    r.unit_path = g.unit_path;
    auto d = policy::Decide(one, Action::kRead, r);
    if (d.allowed && d.view == View::kFull) {
      out.push_back({g.unit_path});
      continue;
    }
    if (d.allowed && d.view == View::kCountsOnly) {
      out.push_back({.path = g.unit_path, .named = false});
      r.level_one = true;
      if (auto d1 = policy::Decide(one, Action::kRead, r); d1.allowed && d1.view == View::kFull)
        out.push_back({.path = g.unit_path, .level_one_only = true});
      continue;
    }
    r.escalated = true;
    if (policy::Decide(one, Action::kRead, r).allowed)
      out.push_back({.path = g.unit_path, .min_rank = CrisisRank(g.unit_path)});
  }
  return out;
}

std::string StepsFrom(int rank) {
  std::string out;
  for (std::string_view s : Chain(false)) {
    if (StepRank(s) < rank) continue;
    out += fmt::format("{}'{}'", out.empty() ? "" : ", ", s);
  }
  return out;
}

std::string ClauseSql(const Clause& c) {
  std::string sql = fmt::format("(w.unit_path LIKE '{}%'", c.path);
  if (c.level_one_only) sql += " AND w.level = 1";
  if (c.min_rank >= 0) sql += fmt::format(" AND w.state <> 'closed' AND w.owner_step IN ({})", StepsFrom(c.min_rank));
  return sql + ")";
}

std::string AnyOf(const std::vector<Clause>& cs, bool named_only) {
  std::string sql;
  for (const auto& c : cs) {
    if (named_only && !c.named) continue;
    sql += (sql.empty() ? "" : " OR ") + ClauseSql(c);
  }
  return sql.empty() ? "1=0" : "(" + sql + ")";
}

constexpr const char* kSelect =
    "SELECT w.id, w.school_id, w.student_id, w.unit_path, w.label, w.state, w.created_at, w.acknowledged_by, "
    "w.acknowledged_at, w.source, w.level, w.owner_step, w.higher_ed, w.ack_due_at, w.action_due_at, "
    "w.escalated_at, w.summary, w.ref_type, w.ref_id, w.closed_by, w.closed_at, w.close_reason, "
    "st.name AS student_name, st.student_no FROM warnings w JOIN students st ON st.id = w.student_id ";

Warning FromRow(const soci::row& r) {
  Warning w;
  w.id = db::GetInt(r, "id");
  w.school_id = db::GetInt(r, "school_id");
  w.student_id = db::GetInt(r, "student_id");
  w.unit_path = db::GetStr(r, "unit_path");
  w.label = db::GetStr(r, "label");
  w.state = db::GetStr(r, "state");
  w.created_at = db::GetInt(r, "created_at");
  w.acknowledged_by = db::GetInt(r, "acknowledged_by");
  w.acknowledged_at = db::GetInt(r, "acknowledged_at");
  w.source = db::GetStr(r, "source");
  w.level = static_cast<int>(db::GetInt(r, "level"));
  w.owner_step = db::GetStr(r, "owner_step");
  w.higher_ed = db::GetInt(r, "higher_ed") != 0;
  w.ack_due_at = db::GetInt(r, "ack_due_at");
  w.action_due_at = db::GetInt(r, "action_due_at");
  w.escalated_at = db::GetInt(r, "escalated_at");
  w.summary = db::GetStr(r, "summary");
  w.ref_type = db::GetStr(r, "ref_type");
  w.ref_id = db::GetInt(r, "ref_id");
  w.closed_by = db::GetInt(r, "closed_by");
  w.closed_at = db::GetInt(r, "closed_at");
  w.close_reason = db::GetStr(r, "close_reason");
  w.student_name = db::GetStr(r, "student_name");
  w.student_no = db::GetStr(r, "student_no");
  return w;
}

bool ParseCursor(std::string_view s, int64_t* due, int64_t* id) {
  auto dot = s.find('.');
  if (dot == std::string_view::npos) return false;
  auto a = s.substr(0, dot), b = s.substr(dot + 1);
  return std::from_chars(a.data(), a.data() + a.size(), *due).ec == std::errc() &&
         std::from_chars(b.data(), b.data() + b.size(), *id).ec == std::errc();
}

absl::Status ValidReason(std::string_view reason) {
  if (reason.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return InvalidArgument("a reason is required", "reason");
  if (reason.size() > 1000) return InvalidArgument("reason is at most 1000 bytes", "reason");
  return absl::OkStatus();
}

}  // namespace

audit::Event EscalationService::Entry(const policy::Actor& actor, std::string action, const Warning& w,
                                      std::string detail) const {
  audit::Event e;
  e.actor_id = actor.account_id;
  e.actor_role = PrimaryRole(actor);
  e.action = std::move(action);
  e.object_type = "warning";
  e.object_id = IdToString(w.id);
  e.student_id = w.student_id;
  e.school_id = w.school_id;
  e.detail = std::move(detail);
  return e;
}

policy::View EscalationService::ViewOf(const policy::Actor& actor, const Warning& w, bool* detailed) const {
  *detailed = false;
  View best = View::kNone;
  for (const auto& g : actor.grants) {
    policy::Actor one = actor;
    one.grants = {g};
    policy::Resource r;
    r.data_class = DataClass::kAttention;
    r.unit_path = w.unit_path;
    r.student_id = w.student_id;
    r.level_one = w.level == 1;
    r.closed = w.state == "closed";
    r.escalated = StepRank(w.owner_step) >= CrisisRank(g.unit_path);
    auto d = policy::Decide(one, Action::kRead, r);
    if (d.allowed && d.view == View::kFull) best = View::kFull;
    policy::Resource details = r;
    details.data_class = DataClass::kResults;
    if (auto dd = policy::Decide(one, Action::kRead, details);
        dd.allowed && dd.view == View::kFull && dd.via == policy::Role::kPsychStaff)
      *detailed = true;
  }
  return best;
}

absl::StatusOr<Warning> EscalationService::Load(int64_t id) {
  std::optional<Warning> w;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(w, GetWarningIn(s, id));
    return absl::OkStatus();
  }));
  if (!w) return NotFound("warning not found");
  return *w;
}

absl::Status EscalationService::Denied(const policy::Actor& actor, const Warning& w, std::string_view reason) {
  auto e = Entry(actor, "denied", w, std::string(reason));
  e.outcome = "denied";
  return audit::Record(audit_, e);
}

absl::StatusOr<std::optional<EscalationService::ToAcknowledge>> EscalationService::CountToAcknowledge(
    const policy::Actor& actor) {
  if (ClausesFor(actor).empty()) return std::nullopt;
  XQ_ASSIGN_OR_RETURN(Board b, ListBoard(actor, {.state = "open", .page_size = 200}));
  std::set<std::string_view> mine;
  for (const auto& g : actor.grants) {
    switch (g.role) {
      case policy::Role::kHeadTeacher:
        mine.insert(kStepClass);
        break;
      case policy::Role::kGradeHead:
        mine.insert({kStepGrade, kStepDepartment});
        break;
      case policy::Role::kPsychStaff:
        mine.insert(kStepPsychCentre);
        break;
      case policy::Role::kSchoolLeader:
        mine.insert(kStepSchoolLeader);
        break;
      case policy::Role::kCrisisGroup:
        mine.insert({kStepDistrictCrisis, kStepCityCrisis});
        break;
      default:
        break;
    }
  }
  ToAcknowledge out{.count = static_cast<int64_t>(b.items.size())};
  for (const BoardItem& i : b.items)
    if (mine.contains(i.warning.owner_step)) ++out.at_my_step;
  return out;
}

absl::StatusOr<Board> EscalationService::ListBoard(const policy::Actor& actor, const BoardQuery& q) {
  std::string state_sql;
  if (q.state == "open" || q.state.empty()) {
    state_sql = "w.state = 'open'";
  } else if (q.state == "acknowledged") {
    state_sql = "w.state = 'acknowledged'";
  } else if (q.state == "active") {
    state_sql = "w.state <> 'closed'";
  } else if (q.state == "closed") {
    state_sql = "w.state = 'closed'";
  } else {
    return InvalidArgument("state must be open, acknowledged, active or closed", "state");
  }
  if (q.page_size < 1 || q.page_size > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  int64_t after_due = 0, after_id = 0;
  const bool paged = !q.after.empty();
  if (paged && !ParseCursor(q.after, &after_due, &after_id)) return InvalidArgument("malformed cursor", "after");
  const auto clauses = ClausesFor(actor);
  if (clauses.empty()) {
    audit::Event e;
    e.actor_id = actor.account_id;
    e.actor_role = PrimaryRole(actor);
    e.action = "denied";
    e.object_type = "warning_board";
    e.outcome = "denied";
    XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
    return PermissionDenied("no warnings in your scope");
  }
  Board b;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    std::string sql = std::string(kSelect) + "WHERE " + state_sql + " AND " + AnyOf(clauses, true);
    long long due = after_due, id = after_id;
    if (paged) sql += " AND (w.ack_due_at > :d OR (w.ack_due_at = :d2 AND w.id > :i))";
    sql += fmt::format(" ORDER BY w.ack_due_at, w.id LIMIT {}", q.page_size + 1);
    auto collect = [&](soci::rowset<soci::row>& rows) {
      for (const auto& r : rows) {
        BoardItem item{FromRow(r)};
        bool detailed = false;
        if (ViewOf(actor, item.warning, &detailed) != View::kFull) continue;  // policy has the last word
        item.detailed = detailed;
        b.items.push_back(std::move(item));
      }
    };
    if (paged) {
      soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(due), soci::use(due), soci::use(id));
      collect(rows);
    } else {
      soci::rowset<soci::row> rows = (s.prepare << sql);
      collect(rows);
    }
    if (!b.items.empty()) {
      // Which of them the viewer was told of at once (知会).
      const std::set<std::string> told = notice::ParamValuesOf(s, actor.account_id, kInformedNotice, "warning_id");
      for (BoardItem& item : b.items) item.informed = told.contains(IdToString(item.warning.id));
    }
    if (static_cast<int>(b.items.size()) > q.page_size) {
      b.items.resize(q.page_size);
      const auto& last = b.items.back().warning;
      b.next = fmt::format("{}.{}", last.ack_due_at, last.id);
    }
    soci::rowset<soci::row> counts =
        (s.prepare << "SELECT w.level, w.owner_step, COUNT(*) FROM warnings w WHERE w.state <> 'closed' AND " +
                          AnyOf(clauses, false) + " GROUP BY w.level, w.owner_step");
    for (const auto& r : counts) {
      const int64_t n = db::GetInt(r, std::size_t{2});
      b.by_level[std::to_string(db::GetInt(r, std::size_t{0}))] += n;
      b.by_step[db::GetStr(r, std::size_t{1})] += n;
    }
    return absl::OkStatus();
  }));
  if (!b.items.empty()) {
    audit::Event e;
    e.actor_id = actor.account_id;
    e.actor_role = PrimaryRole(actor);
    e.action = "read";
    e.object_type = "warning_board";
    std::string ids;
    for (size_t i = 0; i < b.items.size() && i < 50; ++i)
      ids += (i ? "," : "") + IdToString(b.items[i].warning.student_id);
    e.student_id = b.items.size() == 1 ? b.items[0].warning.student_id : 0;
    e.detail = fmt::format("{{\"students\":\"{}\"}}", ids);
    XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
  }
  return b;
}

absl::StatusOr<BoardItem> EscalationService::Get(const policy::Actor& actor, int64_t id) {
  XQ_ASSIGN_OR_RETURN(Warning w, Load(id));
  bool detailed = false;
  if (ViewOf(actor, w, &detailed) != View::kFull) {
    XQ_RETURN_IF_ERROR(Denied(actor, w, "read warning"));
    return NotFound("warning not found");
  }
  XQ_RETURN_IF_ERROR(audit::Record(audit_, Entry(actor, "read", w)));
  return BoardItem{w, detailed};
}

absl::StatusOr<BoardItem> EscalationService::Acknowledge(const policy::Actor& actor, int64_t id) {
  XQ_ASSIGN_OR_RETURN(Warning w, Load(id));
  bool detailed = false;
  if (ViewOf(actor, w, &detailed) != View::kFull) {
    XQ_RETURN_IF_ERROR(Denied(actor, w, "acknowledge warning"));
    return NotFound("warning not found");
  }
  if (w.state != "open") return Conflict(fmt::format("the warning is {}", w.state), "state");
  const int64_t now = clock_.NowMicros();
  bool changed = false;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
    long long wid = w.id, by = actor.account_id, at = now;
    soci::statement st = (s.prepare << "UPDATE warnings SET state = 'acknowledged', acknowledged_by = :a, "
                                       "acknowledged_at = :b WHERE id = :c AND state = 'open' AND owner_step = :d",
                          soci::use(by), soci::use(at), soci::use(wid), soci::use(w.owner_step));
    st.execute(true);
    changed = st.get_affected_rows() > 0;
    if (!changed) return absl::OkStatus();
    XQ_RETURN_IF_ERROR(AcknowledgedIn(s, w, actor.account_id, now));
    return audit::RecordingIn(audit_,
                              Entry(actor, "acknowledge", w, fmt::format("{{\"step\":\"{}\"}}", w.owner_step)))(s);
  }));
  if (!changed) return Conflict("the warning changed meanwhile", "state");
  XQ_ASSIGN_OR_RETURN(w, Load(id));
  return BoardItem{w, detailed};
}

absl::StatusOr<BoardItem> EscalationService::Close(const policy::Actor& actor, int64_t id, std::string_view reason) {
  XQ_RETURN_IF_ERROR(ValidReason(reason));
  XQ_ASSIGN_OR_RETURN(Warning w, Load(id));
  bool detailed = false;
  const View view = ViewOf(actor, w, &detailed);
  policy::Resource r;
  r.data_class = DataClass::kAttention;
  r.unit_path = w.unit_path;
  r.student_id = w.student_id;
  if (!policy::Decide(actor, Action::kWrite, r).allowed) {
    XQ_RETURN_IF_ERROR(Denied(actor, w, "close warning"));
    if (view != View::kFull) return NotFound("warning not found");
    return PermissionDenied("only the psychology centre closes a warning");
  }
  if (w.state == "closed") return Conflict("the warning is closed already", "state");
  const int64_t now = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
    long long wid = w.id, by = actor.account_id, at = now;
    std::string why(reason);
    s << "UPDATE warnings SET state = 'closed', closed_by = :a, closed_at = :b, close_reason = :c WHERE id = :d",
        soci::use(by), soci::use(at), soci::use(why), soci::use(wid);
    XQ_RETURN_IF_ERROR(ClosedIn(s, w, reason, now));
    return audit::RecordingIn(audit_, Entry(actor, "close", w, "{\"reason\":\"given\"}"))(s);
  }));
  XQ_ASSIGN_OR_RETURN(w, Load(id));
  return BoardItem{w, detailed};
}

absl::StatusOr<BoardItem> EscalationService::SetLevel(const policy::Actor& actor, int64_t id, int level,
                                                      std::string_view reason) {
  if (level < 1 || level > 3) return InvalidArgument("level must be 1, 2 or 3", "level");
  XQ_RETURN_IF_ERROR(ValidReason(reason));
  XQ_ASSIGN_OR_RETURN(Warning w, Load(id));
  bool detailed = false;
  const View view = ViewOf(actor, w, &detailed);
  policy::Resource r;
  r.data_class = DataClass::kAttention;
  r.unit_path = w.unit_path;
  r.student_id = w.student_id;
  if (!policy::Decide(actor, Action::kWrite, r).allowed) {
    XQ_RETURN_IF_ERROR(Denied(actor, w, "change warning level"));
    if (view != View::kFull) return NotFound("warning not found");
    return PermissionDenied("only the psychology centre changes a warning's level");
  }
  if (w.state == "closed") return Conflict("the warning is closed", "state");
  if (w.level == level) return Conflict("the warning has this level already", "level");
  const int64_t now = clock_.NowMicros();
  const int from = w.level;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
    Warning changed = w;
    XQ_RETURN_IF_ERROR(LevelChangedIn(s, changed, level, now));
    // Raised to 一级: made known at once, as a warning raised at 一级 is.
    if (level == 1) XQ_RETURN_IF_ERROR(InformIn(s, changed, audit_, now, actor.account_id));
    return audit::RecordingIn(audit_,
                              Entry(actor, "set_level", w, fmt::format("{{\"from\":{},\"to\":{}}}", from, level)))(s);
  }));
  XQ_ASSIGN_OR_RETURN(w, Load(id));
  return BoardItem{w, detailed};
}

absl::StatusOr<std::string> EscalationService::SchoolPath(int64_t school_id) {
  std::string path;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    long long id = school_id;
    soci::indicator ind = soci::i_ok;
    s << "SELECT path FROM org_units WHERE id = :id AND kind = 'school'", soci::use(id), soci::into(path, ind);
    if (!s.got_data()) path.clear();
    return absl::OkStatus();
  }));
  if (path.empty()) return NotFound("school not found");
  return path;
}

absl::StatusOr<Deadlines> EscalationService::GetDeadlines(const policy::Actor& actor, int64_t school_id) {
  XQ_ASSIGN_OR_RETURN(std::string path, SchoolPath(school_id));
  if (!policy::DecideWarningDeadlines(actor, Action::kRead, path).allowed) return NotFound("school not found");
  Deadlines d;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) {
    d = DeadlinesIn(s, school_id);
    return absl::OkStatus();
  }));
  return d;
}

absl::StatusOr<Deadlines> EscalationService::SetDeadlines(const policy::Actor& actor, int64_t school_id,
                                                          const Deadlines& d) {
  for (size_t i = 0; i < 3; ++i) {
    // At least a minute, at most 30 days; acknowledging comes before acting.
    if (d.ack[i] < 60 || d.ack[i] > 30 * 86400)
      return InvalidArgument("an acknowledgement deadline lies between 60 s and 30 days", fmt::format("ack.{}", i + 1));
    if (d.action[i] < d.ack[i] || d.action[i] > 90 * 86400)
      return InvalidArgument("an action deadline lies between its acknowledgement deadline and 90 days",
                             fmt::format("action.{}", i + 1));
  }
  XQ_ASSIGN_OR_RETURN(std::string path, SchoolPath(school_id));
  auto dec = policy::DecideWarningDeadlines(actor, Action::kWrite, path);
  if (!dec.allowed) {
    audit::Event e;
    e.actor_id = actor.account_id;
    e.actor_role = PrimaryRole(actor);
    e.action = "denied";
    e.object_type = "warning_deadlines";
    e.object_id = IdToString(school_id);
    e.school_id = school_id;
    e.outcome = "denied";
    e.detail = dec.reason;
    XQ_RETURN_IF_ERROR(audit::Record(audit_, e));
    if (!policy::DecideWarningDeadlines(actor, Action::kRead, path).allowed) return NotFound("school not found");
    return PermissionDenied(dec.reason);
  }
  audit::Event e;
  e.actor_id = actor.account_id;
  e.actor_role = PrimaryRole(actor);
  e.action = "update";
  e.object_type = "warning_deadlines";
  e.object_id = IdToString(school_id);
  e.school_id = school_id;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
    SaveDeadlinesIn(s, school_id, d, actor.account_id, clock_.NowMicros());
    return audit::RecordingIn(audit_, e)(s);
  }));
  return d;
}

}  // namespace xq::warning
