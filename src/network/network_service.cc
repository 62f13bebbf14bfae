#include "network/network_service.h"

#include <charconv>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "events/events.h"
#include "fmt/format.h"
#include "network/events.h"
#include "nlohmann/json.hpp"
#include "policy/neutral_words.h"
#include "policy/policy.h"

namespace xq::network {
namespace {

using policy::Action;
using policy::DataClass;
using policy::View;

constexpr size_t kMaxText = 2000;

std::string RoleOf(const policy::Actor& a, const policy::Decision& d) {
  if (d.via) return std::string(policy::RoleName(*d.via));
  return a.grants.empty() ? "" : std::string(policy::RoleName(a.grants[0].role));
}

policy::Resource StudentRes(DataClass k, const Pickable& p, int64_t author = 0) {
  policy::Resource r;
  r.data_class = k;
  r.student_id = p.id;
  r.unit_path = p.unit_path;
  r.alt_unit_path = p.dorm_path;
  r.author_account_id = author;
  return r;
}

bool ParseInt(std::string_view s, int64_t* out) {
  return !s.empty() && std::from_chars(s.data(), s.data() + s.size(), *out).ec == std::errc();
}

absl::StatusOr<int> CheckPageSize(int n) {
  if (n < 1 || n > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  return n;
}

// Whether the actor reads D6 with the full view there (not only its own).
bool ReadsReportsAt(const policy::Actor& actor, const policy::Resource& r) {
  auto d = policy::Decide(actor, Action::kRead, r);
  return d.allowed && d.view == View::kFull;
}

// The psychology centre reads free text as written; everybody else only
// when it holds no diagnostic word.
bool Withhold(const policy::Actor& actor, const std::string& text, const std::string& unit_path) {
  if (policy::DiagnosticWordsIn(text).empty()) return false;
  policy::Resource r;
  r.data_class = DataClass::kResults;  // only the psychology centre reads D3
  r.unit_path = unit_path;
  return !policy::Decide(actor, Action::kRead, r).allowed;
}

}  // namespace

audit::Event NetworkService::Entry(const policy::Actor& actor, std::string action, std::string object_type,
                                   int64_t object_id, int64_t student_id, int64_t school_id) const {
  audit::Event e;
  e.actor_id = actor.account_id;
  e.actor_role = actor.grants.empty() ? "" : std::string(policy::RoleName(actor.grants[0].role));
  e.action = std::move(action);
  e.object_type = std::move(object_type);
  e.object_id = object_id ? IdToString(object_id) : "";
  e.student_id = student_id;
  e.school_id = school_id;
  return e;
}

absl::Status NetworkService::Audit(const policy::Actor& actor, std::string action, std::string object_type,
                                   int64_t object_id, int64_t student_id, int64_t school_id, std::string outcome,
                                   std::string detail) {
  auto e = Entry(actor, std::move(action), std::move(object_type), object_id, student_id, school_id);
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  return audit::Record(audit_, e);
}

std::vector<std::string> NetworkService::ReadScopes(const policy::Actor& actor) const {
  std::vector<std::string> out;
  for (const auto& g : actor.grants) {
    policy::Actor one = actor;
    one.grants = {g};
    policy::Resource r;
    r.data_class = DataClass::kReports;
    r.unit_path = g.unit_path;
    if (ReadsReportsAt(one, r)) out.push_back(g.unit_path);
  }
  return out;
}

absl::StatusOr<Page<Pickable>> NetworkService::ListPickable(const policy::Actor& actor, int page_size,
                                                            std::string_view after) {
  XQ_ASSIGN_OR_RETURN(int limit, CheckPageSize(page_size));
  int64_t after_id = 0;
  if (!after.empty() && !ParseInt(after, &after_id)) return InvalidArgument("malformed cursor", "after");
  // Subtrees where the grant both reads names and writes reports; paired
  // students for a grant that reads the roster only for them.
  std::vector<std::string> paths;
  std::vector<int64_t> ids;
  for (const auto& g : actor.grants) {
    policy::Actor one = actor;
    one.grants = {g};
    policy::Resource w;
    w.data_class = DataClass::kReports;
    w.unit_path = g.unit_path;
    if (!policy::Decide(one, Action::kWrite, w).allowed) continue;
    policy::Resource roster;
    roster.data_class = DataClass::kRoster;
    roster.unit_path = g.unit_path;
    if (policy::Decide(one, Action::kRead, roster).allowed) {
      paths.push_back(g.unit_path);
    } else {
      ids.insert(ids.end(), actor.paired_student_ids.begin(), actor.paired_student_ids.end());
    }
  }
  if (paths.empty() && ids.empty()) {
    XQ_RETURN_IF_ERROR(Audit(actor, "denied", "network_students", 0, 0, 0, "denied", "pick students"));
    return PermissionDenied("you do not report observations");
  }
  XQ_ASSIGN_OR_RETURN(auto rows, store_.ListPickable(paths, ids, after_id, limit + 1));
  Page<Pickable> page;
  for (auto& p : rows) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next = std::to_string(page.items.back().id);
      break;
    }
    // Policy has the last word on every row.
    if (!policy::Decide(actor, Action::kRead, StudentRes(DataClass::kRoster, p)).allowed) continue;
    if (!policy::Decide(actor, Action::kWrite, StudentRes(DataClass::kReports, p)).allowed) continue;
    page.items.push_back(std::move(p));
  }
  return page;
}

absl::StatusOr<ObservationView> NetworkService::Report(const policy::Actor& actor, const ObservationInput& in) {
  if (CategoryLabel(in.category).empty())
    return InvalidArgument("category must be one of the listed risk factors", "category");
  if (!IsUrgency(in.urgency)) return InvalidArgument("urgency must be immediate, soon or record", "urgency");
  if (in.what_seen.find_first_not_of(" \t\r\n") == std::string::npos)
    return InvalidArgument("say briefly what you saw", "what_seen");
  if (in.what_seen.size() > kMaxText) return InvalidArgument("what_seen is at most 2000 bytes", "what_seen");
  if (in.student_id == 0) return InvalidArgument("pick a student", "student_id");
  XQ_ASSIGN_OR_RETURN(auto student, store_.GetStudent(in.student_id));
  if (!student) return InvalidArgument("no such student", "student_id");
  const auto roster = policy::Decide(actor, Action::kRead, StudentRes(DataClass::kRoster, *student));
  const auto write = policy::Decide(actor, Action::kWrite, StudentRes(DataClass::kReports, *student));
  if (!roster.allowed || !write.allowed) {
    XQ_RETURN_IF_ERROR(Audit(actor, "denied", "observation", 0, student->id, student->school_id, "denied",
                             roster.allowed ? write.reason : roster.reason));
    // Not one of the caller's students: as if it did not exist.
    return InvalidArgument("no such student", "student_id");
  }
  const int64_t now = clock_.NowMicros();
  Observation o;
  o.id = NewId();
  o.school_id = student->school_id;
  o.student_id = student->id;
  o.unit_path = student->unit_path;
  o.dorm_path = student->dorm_path;
  o.reporter_account_id = actor.account_id;
  o.reporter_role = RoleOf(actor, write);
  o.category = in.category;
  o.urgency = in.urgency;
  o.what_seen = in.what_seen;
  o.created_at = now;
  o.student_name = student->name;
  o.class_name = student->class_name;
  std::optional<RiskFactor> factor;
  if (in.add_factor.value_or(in.urgency != "record")) {
    RiskFactor f;
    f.id = NewId();
    f.school_id = o.school_id;
    f.student_id = o.student_id;
    f.unit_path = o.unit_path;
    f.factor = o.category;
    f.source = "observation";
    f.source_id = o.id;
    f.start_date = FormatDate(now);
    f.recorded_by = actor.account_id;
    f.created_at = now;
    factor = f;
  }
  nlohmann::json payload = {{"student_id", o.student_id},
                            {"data_class", "D6"},
                            {"summary_zh", "收到一份观察报告"},
                            {"ref_type", "observation"},
                            {"ref_id", o.id},
                            {"occurred_at", now},
                            {"observation_id", o.id},
                            {"category", o.category},
                            {"category_label", std::string(CategoryLabel(o.category))},
                            {"urgency", o.urgency},
                            {"reporter_account_id", actor.account_id},
                            {"unit_path", o.unit_path}};
  auto entry = Entry(actor, "create", "observation", o.id, o.student_id, o.school_id);
  entry.detail = fmt::format("{{\"urgency\":\"{}\",\"category\":\"{}\"}}", o.urgency, o.category);
  XQ_RETURN_IF_ERROR(store_.CreateObservation(o, factor, [&](soci::session& s) -> absl::Status {
    XQ_RETURN_IF_ERROR(events::Publish(s, {.school_id = o.school_id,
                                           .kind = kObservationReported,
                                           .subject = fmt::format("student:{}", o.student_id),
                                           .payload = payload.dump(),
                                           .created_at = now})
                           .status());
    return audit::RecordingIn(audit_, entry)(s);
  }));
  return ObservationView{o, true, Withhold(actor, o.what_seen, o.unit_path)};
}

absl::StatusOr<Page<ObservationView>> NetworkService::ListObservations(const policy::Actor& actor, bool mine,
                                                                       int page_size, std::string_view after) {
  XQ_ASSIGN_OR_RETURN(int limit, CheckPageSize(page_size));
  int64_t at = 0, id = 0;
  if (!after.empty()) {
    auto dot = after.find('.');
    if (dot == std::string_view::npos || !ParseInt(after.substr(0, dot), &at) || !ParseInt(after.substr(dot + 1), &id))
      return InvalidArgument("malformed cursor", "after");
  }
  std::vector<std::string> paths;
  if (!mine) {
    paths = ReadScopes(actor);
    if (paths.empty()) {
      XQ_RETURN_IF_ERROR(Audit(actor, "denied", "observations", 0, 0, 0, "denied", "list observations"));
      return PermissionDenied("you read only your own reports");
    }
  }
  XQ_ASSIGN_OR_RETURN(auto rows, store_.ListObservations(mine ? actor.account_id : 0, paths, at, id, limit + 1));
  Page<ObservationView> page;
  std::string students;
  for (auto& o : rows) {
    if (static_cast<int>(page.items.size()) == limit) {
      const auto& last = page.items.back().o;
      page.next = fmt::format("{}.{}", last.created_at, last.id);
      break;
    }
    policy::Resource r;
    r.data_class = DataClass::kReports;
    r.student_id = o.student_id;
    r.unit_path = o.unit_path;
    r.alt_unit_path = o.dorm_path;
    r.author_account_id = o.reporter_account_id;
    if (!policy::Decide(actor, Action::kRead, r).allowed) continue;
    ObservationView v{o, o.reporter_account_id == actor.account_id, Withhold(actor, o.what_seen, o.unit_path)};
    if (!v.own) v.o.reporter_name = o.reporter_name;
    students += (students.empty() ? "" : ",") + IdToString(o.student_id);
    page.items.push_back(std::move(v));
  }
  if (!page.items.empty())
    XQ_RETURN_IF_ERROR(Audit(actor, "read", "observations", 0, page.items.size() == 1 ? page.items[0].o.student_id : 0,
                             page.items[0].o.school_id, "ok", fmt::format("{{\"students\":\"{}\"}}", students)));
  return page;
}

absl::StatusOr<WeeklyReport> NetworkService::FileWeekly(const policy::Actor& actor, const WeeklyInput& in) {
  const int64_t now = clock_.NowMicros();
  const std::string this_week = IsoWeek(now);
  std::string week = in.week.empty() ? this_week : in.week;
  if (!IsIsoWeekText(week)) return InvalidArgument("week is an ISO week such as 2026-W36", "week");
  if (week > this_week) return InvalidArgument("a week to come cannot be reported", "week");
  if (week < IsoWeek(now - int64_t{14} * 86400 * 1'000'000))
    return InvalidArgument("a week more than two weeks ago cannot be reported", "week");
  if (!in.nothing_to_report && in.note.find_first_not_of(" \t\r\n") == std::string::npos)
    return InvalidArgument("write a note, or report that there is nothing to report", "note");
  if (in.note.size() > kMaxText) return InvalidArgument("note is at most 2000 bytes", "note");
  if (in.class_id == 0) return InvalidArgument("pick a class", "class_id");
  XQ_ASSIGN_OR_RETURN(auto cls, store_.GetClass(in.class_id));
  if (!cls) return NotFound("class not found");
  // A reporter bound to this class (its 心理委员, or its head teacher).
  std::optional<policy::Decision> via;
  for (const auto& g : actor.grants) {
    if (g.unit_path != cls->second) continue;
    policy::Actor one = actor;
    one.grants = {g};
    policy::Resource r;
    r.data_class = DataClass::kReports;
    r.unit_path = cls->second;
    if (auto d = policy::Decide(one, Action::kWrite, r); d.allowed) via = d;
  }
  if (!via) {
    XQ_RETURN_IF_ERROR(
        Audit(actor, "denied", "weekly_report", in.class_id, 0, cls->first, "denied", "not a reporter of the class"));
    return NotFound("class not found");
  }
  WeeklyReport r;
  r.id = NewId();
  r.school_id = cls->first;
  r.class_id = in.class_id;
  r.class_path = cls->second;
  r.week = week;
  r.reporter_account_id = actor.account_id;
  r.nothing_to_report = in.nothing_to_report;
  r.note = in.note;
  r.created_at = now;
  auto entry = Entry(actor, "create", "weekly_report", r.id, 0, r.school_id);
  entry.detail = fmt::format("{{\"class\":\"{}\",\"week\":\"{}\"}}", IdToString(r.class_id), week);
  XQ_ASSIGN_OR_RETURN(bool created, store_.CreateWeekly(r, audit::RecordingIn(audit_, entry)));
  if (!created) return Conflict("the class has filed this week's report already", "week");
  return r;
}

absl::StatusOr<Page<ClassWeek>> NetworkService::ListClassWeeks(const policy::Actor& actor, const ClassWeekQuery& q) {
  XQ_ASSIGN_OR_RETURN(int limit, CheckPageSize(q.page_size));
  const int64_t now = clock_.NowMicros();
  std::string week = q.week.empty() ? IsoWeek(now) : q.week;
  if (!IsIsoWeekText(week)) return InvalidArgument("week is an ISO week such as 2026-W36", "week");
  if (q.silent_weeks < 1 || q.silent_weeks > 12) return InvalidArgument("silent_weeks must be 1..12", "silent_weeks");
  if (!q.after.empty() && (q.after.front() != '/' || q.after.back() != '/'))
    return InvalidArgument("malformed cursor", "after");
  auto paths = ReadScopes(actor);
  if (paths.empty()) {
    XQ_RETURN_IF_ERROR(Audit(actor, "denied", "weekly_reports", 0, 0, 0, "denied", "class status"));
    return PermissionDenied("only head teachers, grade heads and the psychology centre see class reports");
  }
  XQ_ASSIGN_OR_RETURN(
      auto rows, store_.ListClassWeeks(paths, week, q.only_silent, LastWeeks(now, q.silent_weeks), q.after, limit + 1));
  Page<ClassWeek> page;
  for (auto& c : rows) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next = page.items.back().class_path;
      break;
    }
    if (Withhold(actor, c.note, c.class_path)) c.note = "";
    page.items.push_back(std::move(c));
  }
  return page;
}

absl::StatusOr<std::vector<ClassWeek>> NetworkService::WeeklyDue(const policy::Actor& actor) {
  std::vector<ClassWeek> due;
  const std::string week = IsoWeek(clock_.NowMicros());
  for (const auto& g : actor.grants) {
    if (g.role != policy::Role::kPeerReporter) continue;
    // A class path lists that class; a dorm's (寝室长) lists none.
    XQ_ASSIGN_OR_RETURN(auto rows, store_.ListClassWeeks({g.unit_path}, week, false, {}, "", 2));
    for (auto& c : rows)
      if (c.class_path == g.unit_path && !c.filed) due.push_back(std::move(c));
  }
  return due;
}

absl::StatusOr<FactorView> NetworkService::AddFactor(const policy::Actor& actor, const FactorInput& in) {
  if (CategoryLabel(in.factor).empty())
    return InvalidArgument("factor must be one of the listed risk factors", "factor");
  if (!IsFactorSource(in.source))
    return InvalidArgument("source must be observation, talk, home_visit, follow_up or manual", "source");
  const int64_t now = clock_.NowMicros();
  std::string start = in.start_date.empty() ? FormatDate(now) : in.start_date;
  if (!IsValidDate(start)) return InvalidArgument("start_date is YYYY-MM-DD", "start_date");
  if (start > FormatDate(now)) return InvalidArgument("start_date lies in the future", "start_date");
  if (in.note.size() > kMaxText) return InvalidArgument("note is at most 2000 bytes", "note");
  if (in.student_id == 0) return InvalidArgument("pick a student", "student_id");
  XQ_ASSIGN_OR_RETURN(auto student, store_.GetStudent(in.student_id));
  if (!student) return NotFound("student not found");
  auto res = StudentRes(DataClass::kReports, *student);
  if (!ReadsReportsAt(actor, res) || !policy::Decide(actor, Action::kWrite, res).allowed) {
    XQ_RETURN_IF_ERROR(
        Audit(actor, "denied", "risk_factor", 0, student->id, student->school_id, "denied", "ledger write"));
    return NotFound("student not found");
  }
  RiskFactor f;
  f.id = NewId();
  f.school_id = student->school_id;
  f.student_id = student->id;
  f.unit_path = student->unit_path;
  f.factor = in.factor;
  f.source = in.source;
  f.source_id = in.source_id;
  f.start_date = start;
  f.note = in.note;
  f.recorded_by = actor.account_id;
  f.created_at = f.updated_at = now;
  f.student_name = student->name;
  XQ_RETURN_IF_ERROR(store_.CreateFactor(
      f, audit::RecordingIn(audit_, Entry(actor, "create", "risk_factor", f.id, f.student_id, f.school_id))));
  return FactorView{f, Withhold(actor, f.note, f.unit_path)};
}

absl::StatusOr<FactorView> NetworkService::ResolveFactor(const policy::Actor& actor, int64_t id,
                                                         std::string_view end_date) {
  const int64_t now = clock_.NowMicros();
  std::string end = end_date.empty() ? FormatDate(now) : std::string(end_date);
  if (!IsValidDate(end)) return InvalidArgument("end_date is YYYY-MM-DD", "end_date");
  XQ_ASSIGN_OR_RETURN(auto f, store_.GetFactor(id));
  if (!f) return NotFound("risk factor not found");
  policy::Resource res;
  res.data_class = DataClass::kReports;
  res.student_id = f->student_id;
  res.unit_path = f->unit_path;
  if (!ReadsReportsAt(actor, res) || !policy::Decide(actor, Action::kWrite, res).allowed) {
    XQ_RETURN_IF_ERROR(Audit(actor, "denied", "risk_factor", id, f->student_id, f->school_id, "denied", "resolve"));
    return NotFound("risk factor not found");
  }
  if (f->status == "resolved") return Conflict("the factor is resolved already", "status");
  if (end < f->start_date) return InvalidArgument("end_date lies before start_date", "end_date");
  XQ_RETURN_IF_ERROR(store_.ResolveFactor(
      id, end, now,
      audit::RecordingIn(audit_, Entry(actor, "resolve", "risk_factor", id, f->student_id, f->school_id))));
  XQ_ASSIGN_OR_RETURN(f, store_.GetFactor(id));
  return FactorView{*f, Withhold(actor, f->note, f->unit_path)};
}

absl::StatusOr<Page<FactorView>> NetworkService::ListFactors(const policy::Actor& actor, std::string_view status,
                                                             int64_t student_id, int page_size,
                                                             std::string_view after) {
  XQ_ASSIGN_OR_RETURN(int limit, CheckPageSize(page_size));
  if (!status.empty() && status != "active" && status != "resolved" && status != "all")
    return InvalidArgument("status must be active, resolved or all", "status");
  int64_t before = 0;
  if (!after.empty() && !ParseInt(after, &before)) return InvalidArgument("malformed cursor", "after");
  auto paths = ReadScopes(actor);
  if (paths.empty()) {
    XQ_RETURN_IF_ERROR(Audit(actor, "denied", "risk_factors", 0, student_id, 0, "denied", "ledger"));
    return PermissionDenied("only head teachers, grade heads and the psychology centre read the ledger");
  }
  XQ_ASSIGN_OR_RETURN(
      auto rows, store_.ListFactors(paths, status == "all" ? "" : std::string(status), student_id, before, limit + 1));
  Page<FactorView> page;
  std::string students;
  for (auto& f : rows) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next = std::to_string(page.items.back().f.id);
      break;
    }
    policy::Resource r;
    r.data_class = DataClass::kReports;
    r.student_id = f.student_id;
    r.unit_path = f.unit_path;
    if (!ReadsReportsAt(actor, r)) continue;
    students += (students.empty() ? "" : ",") + IdToString(f.student_id);
    const bool withheld = Withhold(actor, f.note, f.unit_path);
    page.items.push_back(FactorView{std::move(f), withheld});
  }
  if (!page.items.empty())
    XQ_RETURN_IF_ERROR(Audit(actor, "read", "risk_factors", 0, page.items.size() == 1 ? page.items[0].f.student_id : 0,
                             page.items[0].f.school_id, "ok", fmt::format("{{\"students\":\"{}\"}}", students)));
  return page;
}

}  // namespace xq::network
