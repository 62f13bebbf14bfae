// Reporting of the screening service (screening/screening_service.h):
// progress and reminders, non-respondents, results, a student's history
// and the aggregates.
#include "screening/screening_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "screening/screening_internal.h"
#include "screening/suppression.h"
#include "screening/todos.h"

namespace xq::screening {
using namespace internal;  // NOLINT: the service's own helpers

namespace {

policy::Resource UnitRes(DataClass k, const std::string& path) {
  policy::Resource r;
  r.data_class = k;
  r.unit_path = path;
  return r;
}

// Last id of a materialised path.
int64_t LastIdOf(std::string_view path) {
  if (path.size() < 2) return 0;
  auto end = path.size() - 1;
  auto start = path.rfind('/', end - 1);
  return IdFromString(std::string(path.substr(start + 1, end - start - 1))).value_or(0);
}

// The id of the child of root on the way to path ("/1/7/" + "/1/7/42/9/" → 42).
int64_t ChildOf(std::string_view root, std::string_view path) {
  if (path.size() <= root.size()) return 0;
  auto rest = path.substr(root.size());
  auto slash = rest.find('/');
  return IdFromString(std::string(rest.substr(0, slash))).value_or(0);
}

}  // namespace

// ---------------------------------------------------------------- progress

absl::StatusOr<ProgressReport> ScreeningService::Progress(const policy::Principal& p, int64_t campaign_id,
                                                          std::optional<int64_t> unit_id) {
  XQ_ASSIGN_OR_RETURN(auto c, VisibleCampaign(p, campaign_id));
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kWorkRecords);
  UnitInfo root;
  if (unit_id) {
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(*unit_id));
    if (!u || !Covering(scopes, u->path)) return NotFound("unit not found");
    root = *u;
  } else {
    // The widest scope of the caller that the campaign reaches.
    std::optional<int64_t> pick;
    for (const auto& g : p.actor.grants)
      for (const auto& s : scopes)
        if (g.unit_path == s.path && Touches(c, s.path) && !pick) pick = g.unit_id;
    if (!pick) return NotFound("unit not found");
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(*pick));
    if (!u) return NotFound("unit not found");
    root = *u;
  }
  // Summed per school from the kept tallies; counted from the students'
  // rows only when the campaign's are not kept (campaign_tallies.h).
  using Tally = ProgressTally;
  Tally total;
  std::map<int64_t, Tally> children;
  std::vector<int64_t> order;
  XQ_ASSIGN_OR_RETURN(auto sums, tallies_.Progress(campaign_id, c.consent_age, root.path));
  if (sums) {
    total = sums->total;
    for (const auto& [child, t] : sums->children) {
      order.push_back(child);
      children[child] = t;
    }
  } else {
    XQ_ASSIGN_OR_RETURN(auto rows, store_.Progress(campaign_id, root.path));
    auto add = [&](Tally& t, const ProgressRow& r) {
      ++t.students;
      if (r.submitted >= r.assigned)
        ++t.completed;
      else if (r.consent == "decline")
        ++t.declined;
      else if (AwaitsConsent(c, r))
        ++t.awaiting_consent;
    };
    for (const auto& r : rows) {
      add(total, r);
      int64_t child = ChildOf(root.path, r.unit_path);
      if (child == 0) continue;
      if (!children.count(child)) order.push_back(child);
      add(children[child], r);
    }
  }
  XQ_ASSIGN_OR_RETURN(auto units, store_.GetUnits(order));
  SortUnitsForDisplay(units);  // 七年级 八年级 九年级, not in path order
  ProgressReport out{.campaign_id = campaign_id, .unit = {root.id, root.name, root.kind}, .totals = total};
  for (const auto& u : units) out.children.push_back({{u.id, u.name, u.kind}, children[u.id]});
  return out;
}

absl::StatusOr<std::vector<NonRespondent>> ScreeningService::NonRespondents(const policy::Principal& p,
                                                                            int64_t campaign_id, int64_t unit_id) {
  XQ_ASSIGN_OR_RETURN(auto c, VisibleCampaign(p, campaign_id));
  XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(unit_id));
  if (!u) return NotFound("unit not found");
  auto work = ScopesFor(p.actor, Action::kRead, DataClass::kWorkRecords);
  auto names = policy::Decide(p.actor, Action::kRead, UnitRes(DataClass::kRoster, u->path));
  if (!Covering(work, u->path) || !names.allowed) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "non_respondents", IdToString(campaign_id), 0, "denied", names.reason));
    return NotFound("unit not found");
  }
  XQ_ASSIGN_OR_RETURN(auto rows, store_.Progress(campaign_id, u->path));
  std::vector<NonRespondent> items;
  for (const auto& r : rows) {
    if (r.submitted >= r.assigned || r.consent == "decline") continue;  // declines are not chased
    items.push_back({r.student_id, r.name, r.student_no, AwaitsConsent(c, r)});
  }
  return items;
}

absl::StatusOr<ReminderOutcome> ScreeningService::Remind(const policy::Principal& p, int64_t campaign_id,
                                                         int64_t unit_id) {
  XQ_ASSIGN_OR_RETURN(auto list, NonRespondents(p, campaign_id, unit_id));
  XQ_ASSIGN_OR_RETURN(auto c, VisibleCampaign(p, campaign_id));
  XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(unit_id));
  if (!u) return NotFound("unit not found");
  XQ_ASSIGN_OR_RETURN(auto rows, store_.Progress(campaign_id, u->path));
  std::map<int64_t, const ProgressRow*> by_student;
  for (const auto& r : rows) by_student[r.student_id] = &r;
  // Reminders become to-dos on home pages (GET /api/v1/todos); no outbound
  // channel exists yet, so nothing is reported as delivered. A student who
  // may answer gets the to-do, and a minor's guardian too; for a student
  // still waiting for consent only the guardian can act.
  const int64_t now = clock_.NowMicros();
  const std::string today = FormatDate(now);
  std::vector<Reminder> out;
  std::vector<int64_t> ids;
  int64_t students = 0, awaiting = 0;
  for (const auto& item : list) {
    const int64_t sid = item.student_id;
    auto it = by_student.find(sid);
    if (it == by_student.end()) continue;
    const ProgressRow& r = *it->second;
    ids.push_back(sid);
    const bool consent = AwaitsConsent(c, r);
    const int age = AgeOn(r.birth_date, today);
    const bool minor = age < 0 || age < 18;
    const int64_t school = u->school_id;
    if (consent) {
      ++awaiting;
      out.push_back({NewId(), school, campaign_id, sid, "guardian", "consent", p.account_id, now});
      continue;
    }
    ++students;
    out.push_back({NewId(), school, campaign_id, sid, "student", "answer", p.account_id, now});
    if (minor) out.push_back({NewId(), school, campaign_id, sid, "guardian", "answer", p.account_id, now});
  }
  ReminderStore reminders(db_);
  XQ_ASSIGN_OR_RETURN(auto with_guardian, reminders.WithGuardianAccount(ids));
  int64_t guardians = 0, no_guardian_account = 0;
  for (const auto& r : out) {
    if (r.recipient != "guardian") continue;
    if (with_guardian.contains(r.student_id))
      ++guardians;
    else
      ++no_guardian_account;
  }
  XQ_RETURN_IF_ERROR(reminders.Add(out));
  XQ_RETURN_IF_ERROR(
      Audit(&p, "remind", "campaign", IdToString(campaign_id), 0, "ok",
            fmt::format("{{\"unit_id\":\"{}\",\"students\":{},\"guardians\":{},\"awaiting_consent\":{}}}", unit_id,
                        students, guardians, awaiting)));
  return ReminderOutcome{.students = students,
                         .guardians = guardians,
                         .awaiting_consent = awaiting,
                         .no_guardian_account = no_guardian_account,
                         .at = now};
}

// ---------------------------------------------------------------- results

namespace {

ResultRow RowOf(const Submission& x) {
  auto result = ParseJson(x.result);
  const Json r = result.ok() && result->is_object() ? *result : Json::object();
  ResultRow row{.submission = x, .class_id = LastIdOf(x.unit_path)};
  row.submission.answers.clear();  // read again only for a student's history
  row.submission.result.clear();
  row.result.scores = r.value("scores", Json::object());
  row.result.bands = r.value("bands", Json::object());
  row.result.classes = r.value("classes", Json::object());
  row.result.critical = r.value("critical", Json::array());
  row.result.flags = r.value("flags", Json::array());
  // The norm set that classified the result (stored inside the result).
  if (r.contains("norm_set")) row.result.norm_set = r["norm_set"];
  row.labels = LabelResult(x, row.result);
  return row;
}

std::string StudentIds(const std::vector<Submission>& xs) {
  std::set<int64_t> ids;
  for (const auto& x : xs) ids.insert(x.student_id);
  std::string out;
  int n = 0;
  for (int64_t id : ids) {
    if (n++ == 50) break;
    out += (out.empty() ? "" : ",") + IdToString(id);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<ResultRow>> ScreeningService::Results(const policy::Principal& p, int64_t campaign_id,
                                                                 std::optional<int64_t> unit_id) {
  XQ_ASSIGN_OR_RETURN(auto c, VisibleCampaign(p, campaign_id));
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kResults, {Role::kPsychStaff});
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(
        Audit(&p, "denied", "screening_results", IdToString(campaign_id), 0, "denied", "results need D3"));
    return PermissionDenied("only psychology staff see screening results");
  }
  std::vector<std::string> paths = PathsOf(scopes);
  if (unit_id) {
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(*unit_id));
    if (!u || !Covering(scopes, u->path)) return NotFound("unit not found");
    paths = {u->path};
  }
  XQ_ASSIGN_OR_RETURN(auto subs, store_.SubmissionsOf(campaign_id, paths));
  std::vector<ResultRow> items;
  items.reserve(subs.size());
  for (const auto& x : subs) items.push_back(RowOf(x));
  XQ_RETURN_IF_ERROR(FillClassNames(items));
  if (!subs.empty())
    XQ_RETURN_IF_ERROR(Audit(&p, "read", "screening_results", IdToString(campaign_id),
                             subs.size() == 1 ? subs[0].student_id : 0, "ok",
                             fmt::format("{{\"rows\":{},\"students\":\"{}\"}}", subs.size(), StudentIds(subs))));
  return items;
}

absl::StatusOr<StudentHistoryView> ScreeningService::StudentHistory(const policy::Principal& p, int64_t student_id) {
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(student_id));
  if (!s) return NotFound("student not found");
  auto d = policy::Decide(p.actor, Action::kRead, StudentRes(DataClass::kResults, student_id, s->unit_path));
  if (!d.allowed || d.view != policy::View::kFull) {
    XQ_RETURN_IF_ERROR(
        Audit(&p, "denied", "screening_history", IdToString(student_id), student_id, "denied", d.reason));
    return NotFound("student not found");
  }
  XQ_ASSIGN_OR_RETURN(auto subs, store_.SubmissionsOfStudent(student_id));
  // Item-level answers (D2) for those who may read them (psychology staff).
  auto raw = StudentRes(DataClass::kRawAnswers, student_id, s->unit_path);
  raw.submitted = true;
  const bool answers = policy::Decide(p.actor, Action::kRead, raw).allowed;
  std::vector<ResultRow> rows;
  rows.reserve(subs.size());
  for (const auto& x : subs) rows.push_back(RowOf(x));
  XQ_RETURN_IF_ERROR(FillClassNames(rows));
  StudentHistoryView out{.student_id = student_id, .student_name = s->name};
  for (size_t i = 0; i < subs.size(); ++i) {
    StudentHistoryView::Entry e{.row = std::move(rows[i])};
    if (answers) {
      auto a = ParseJson(subs[i].answers);
      if (a.ok()) {
        e.answer_list = ItemAnswerLabels(subs[i], *a);
        e.answers = std::move(*a);
      }
    }
    out.items.push_back(std::move(e));
  }
  XQ_RETURN_IF_ERROR(Audit(&p, "read", "screening_history", IdToString(student_id), student_id, "ok",
                           fmt::format("{{\"rows\":{}}}", subs.size())));
  return out;
}

// ---------------------------------------------------------------- aggregates

namespace {

std::string DimValue(const AggregateGroup& g, std::string_view dim) {
  if (dim == "school_kind") return g.school_kind;
  if (dim == "grade") return std::to_string(g.grade_year);
  return g.sex;
}

std::string DimLabel(std::string_view dim, const std::string& v) {
  static const std::map<std::string, std::string> kKinds = {
      {"kindergarten", "幼儿园"},      {"primary", "小学"},
      {"junior", "初级中学"},          {"senior", "高级中学"},
      {"nine_year", "九年一贯制学校"}, {"complete_secondary", "完全中学"},
      {"vocational", "中等职业学校"},  {"college", "高职专科院校"},
      {"university", "本科院校"}};
  if (dim == "school_kind") {
    auto it = kKinds.find(v);
    return it == kKinds.end() ? v : it->second;
  }
  if (dim == "sex") return v == "M" ? "男" : v == "F" ? "女" : "未知";
  if (dim == "grade") return GradeLabel(std::atoi(v.c_str()));
  return v + "年";
}

}  // namespace

absl::StatusOr<AggregateTable> ScreeningService::Aggregates(const policy::Principal& p, int64_t campaign_id,
                                                            const AggregateQuery& q) {
  static const std::set<std::string> kDims = {"school_kind", "grade", "sex", "year", "district", "school"};
  if (q.by.empty() || q.by.size() > 2) return InvalidArgument("by takes one or two dimensions", "by");
  for (const auto& d : q.by)
    if (!kDims.count(d)) return InvalidArgument("unknown dimension " + d, "by");
  if (q.by.size() == 2 && q.by[0] == q.by[1]) return InvalidArgument("the two dimensions are equal", "by");
  if (q.k && (*q.k < kMinSuppressionK || *q.k > 1000)) return InvalidArgument("k must be at least 5", "k");
  XQ_ASSIGN_OR_RETURN(auto c, VisibleCampaign(p, campaign_id));
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kAggregate);
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(
        Audit(&p, "denied", "screening_aggregates", IdToString(campaign_id), 0, "denied", "aggregates need D7"));
    return PermissionDenied("no role of this account sees aggregates");
  }
  std::vector<std::string> paths = PathsOf(scopes);
  UnitInfo root;
  if (q.unit_id) {
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(*q.unit_id));
    if (!u || !Covering(scopes, u->path)) return NotFound("unit not found");
    paths = {u->path};
    root = *u;
  }
  std::string instrument = q.instrument_id.empty() ? c.scales.front().instrument_id : q.instrument_id;
  bool known = false;
  for (const auto& s : c.scales) known = known || s.instrument_id == instrument;
  if (!known) return InvalidArgument("the campaign has no such scale", "instrument_id");
  // The city's k; a caller may raise it for a table, never lower it.
  XQ_ASSIGN_OR_RETURN(const int city_k, CityK(scopes.front().path));
  if (q.k && *q.k < city_k)
    return InvalidArgument(fmt::format("k may not be below the city's threshold {}", city_k), "k");
  const int k = std::max(city_k, q.k.value_or(city_k));
  const std::string row_dim = q.by[0], col_dim = q.by.size() > 1 ? q.by[1] : "";
  // The valid submissions of the scale, grouped by every dimension: summed
  // per school from the kept tallies (campaign_tallies.h), or read row by
  // row for a scope inside a school.
  XQ_ASSIGN_OR_RETURN(auto kept, tallies_.Aggregates(campaign_id, paths));
  std::vector<AggregateGroup> groups;
  if (kept) {
    for (auto& g : *kept)
      if (g.instrument_id == instrument) groups.push_back(std::move(g));
  } else {
    XQ_ASSIGN_OR_RETURN(auto subs, store_.SubmissionsOf(campaign_id, paths));
    std::erase_if(subs, [&](const Submission& x) { return x.instrument_id != instrument || !x.valid; });
    // 入学年份 is the student's enrolment year (not the year of answering).
    std::map<int64_t, std::string> enrolled;
    if (row_dim == "year" || col_dim == "year") {
      XQ_ASSIGN_OR_RETURN(enrolled, store_.EnrolmentDatesOf(campaign_id, paths));
    }
    for (const auto& x : subs) {
      AggregateGroup g{x.instrument_id, x.school_kind, x.grade_year, x.sex, "", "", x.school_id, 1, x.positive ? 1 : 0};
      if (auto it = enrolled.find(x.student_id); it != enrolled.end()) g.enrolled = it->second;
      // The unit above the school on the student's path.
      const std::string school = "/" + IdToString(x.school_id) + "/";
      const auto at = x.unit_path.find(school);
      if (at != std::string::npos && at != 0) g.district = IdToString(LastIdOf(x.unit_path.substr(0, at + 1)));
      groups.push_back(std::move(g));
    }
  }
  std::map<std::string, std::string> unit_names;  // district / school id → name
  auto value = [&](const AggregateGroup& g, const std::string& dim) -> std::string {
    if (dim == "year") return g.enrolled.size() >= 4 ? g.enrolled.substr(0, 4) : "";
    if (dim == "school") return IdToString(g.school_id);
    if (dim == "district") return g.district;
    return DimValue(g, dim);
  };
  std::vector<std::string> row_keys, col_keys;
  for (const auto& g : groups) {
    row_keys.push_back(value(g, row_dim));
    col_keys.push_back(col_dim.empty() ? "all" : value(g, col_dim));
  }
  for (const auto& [dim, keys] : {std::pair{row_dim, &row_keys}, std::pair{col_dim, &col_keys}}) {
    if (dim != "district" && dim != "school") continue;
    std::set<int64_t> ids;
    for (const auto& key : *keys)
      if (auto id = IdFromString(key)) ids.insert(*id);
    XQ_ASSIGN_OR_RETURN(auto units, store_.GetUnits(std::vector<int64_t>(ids.begin(), ids.end())));
    for (const auto& u : units) unit_names[IdToString(u.id)] = u.name;
  }
  auto label = [&](const std::string& dim, const std::string& key) -> std::string {
    if (dim == "district" || dim == "school") {
      auto it = unit_names.find(key);
      return it == unit_names.end() ? "未知" : it->second;
    }
    if (dim == "year" && key.empty()) return "未知";
    return DimLabel(dim, key);
  };
  std::vector<std::string> rows(row_keys), cols(col_keys);
  // Numbers (grades, years) in numeric order: 七 八 九 … 十二, not "10" < "7".
  auto before = [](const std::string& x, const std::string& y) {
    auto digits = [](const std::string& v) {
      return !v.empty() && v.size() < 10 &&
             std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (digits(x) && digits(y) && x.size() != y.size()) return x.size() < y.size();
    return x < y;
  };
  std::sort(rows.begin(), rows.end(), before);
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  std::sort(cols.begin(), cols.end(), before);
  cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
  auto index = [&](const std::vector<std::string>& v, const std::string& k) {
    return static_cast<size_t>(std::lower_bound(v.begin(), v.end(), k, before) - v.begin());
  };
  std::vector<std::vector<int64_t>> n(rows.size(), std::vector<int64_t>(cols.size(), 0)), pos = n;
  for (size_t i = 0; i < groups.size(); ++i) {
    size_t r = index(rows, row_keys[i]), cc = index(cols, col_keys[i]);
    n[r][cc] += groups[i].n;
    pos[r][cc] += groups[i].positive;
  }
  RateSuppression sup = SuppressRates(n, pos, k);
  auto cell = [](std::string key, int64_t screened, int64_t positive, bool hidden) {
    return hidden ? AggregateCell{.key = std::move(key), .suppressed = true}
                  : AggregateCell{.key = std::move(key), .screened = screened, .positive = positive};
  };
  AggregateTable out{.campaign_id = campaign_id, .instrument_id = instrument, .k = k, .by = q.by};
  std::vector<int64_t> col_n(cols.size(), 0), col_p(cols.size(), 0);
  int64_t all_n = 0, all_p = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    AggregateTable::Row row{.key = rows[r], .label = label(row_dim, rows[r])};
    int64_t rn = 0, rp = 0;
    for (size_t cc = 0; cc < cols.size(); ++cc) {
      row.cells.push_back(cell(cols[cc], n[r][cc], pos[r][cc], sup.cell[r][cc]));
      rn += n[r][cc], rp += pos[r][cc];
      col_n[cc] += n[r][cc], col_p[cc] += pos[r][cc];
    }
    all_n += rn, all_p += rp;
    if (cols.size() > 1) row.total = cell("", rn, rp, sup.row_total[r]);
    out.rows.push_back(std::move(row));
  }
  for (size_t cc = 0; cc < cols.size(); ++cc) {
    out.columns.push_back({cols[cc], col_dim.empty() ? "合计" : label(col_dim, cols[cc])});
    out.column_totals.push_back(cell(cols[cc], col_n[cc], col_p[cc], sup.col_total[cc]));
  }
  out.total = cell("", all_n, all_p, sup.grand_total);
  return out;
}

}  // namespace xq::screening
