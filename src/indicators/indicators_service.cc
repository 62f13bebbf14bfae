#include "indicators/indicators_service.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <ctime>
#include <set>

#include "audit/audited.h"
#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "indicators/definitions.h"
#include "policy/policy.h"
#include "screening/suppression.h"
#include "xlsxwriter.h"

namespace xq::indicators {
namespace {

using policy::Action;
using policy::DataClass;

constexpr int64_t kMaxComment = 500;

std::string RoleOf(const policy::Decision& d) { return d.via ? std::string(policy::RoleName(*d.via)) : std::string(); }

std::string FormatMicrosUtc(int64_t us) {
  std::time_t t = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

bool DashboardRole(policy::Role r) {
  return r == policy::Role::kCityAdmin || r == policy::Role::kDistrictAdmin || r == policy::Role::kDistrictLiaison ||
         r == policy::Role::kSchoolLeader;
}

}  // namespace

IndicatorsService::IndicatorsService(db::Database& db, IndicatorStore& store, Engine& engine, audit::AuditLog& audit,
                                     const Clock& clock)
    : db_(db), store_(store), engine_(engine), audit_(audit), clock_(clock) {}

int IndicatorsService::CurrentYear() const { return SchoolYearOf(clock_.NowMicros()); }

int IndicatorsService::K(soci::session& s) {
  int k = 10;
  soci::indicator ind = soci::i_null;
  s << "SELECT MIN(k) FROM suppression_settings", soci::into(k, ind);
  return ind == soci::i_ok && k >= 5 ? k : 10;
}

absl::StatusOr<UnitRef> IndicatorsService::Readable(soci::session& s, const policy::Actor& actor, int64_t unit_id,
                                                    DataClass dc, Action action) {
  XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(s, unit_id));
  if (!unit) return NotFound("no such unit");
  if (unit->kind != "city" && unit->kind != "district" && unit->kind != "school")
    return InvalidArgument("figures are kept for the city, districts and schools", "unit_id");
  policy::Decision d = policy::Decide(actor, action, {.data_class = dc, .unit_path = unit->path});
  if (!d) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, {.actor_id = actor.account_id,
                                              .action = "denied",
                                              .object_type = "indicators",
                                              .object_id = IdToString(unit_id),
                                              .school_id = unit->kind == "school" ? unit->id : 0,
                                              .outcome = "denied",
                                              .detail = d.reason}));
    return PermissionDenied("these figures are outside your scope");
  }
  return *unit;
}

std::vector<ShownValue> IndicatorsService::Shown(const std::vector<Value>& values, int k, bool) const {
  std::vector<ShownValue> out;
  for (const Indicator& ind : Indicators()) {
    ShownValue sv;
    sv.value.indicator_id = ind.id;
    for (const Value& v : values)
      if (v.indicator_id == ind.id) sv.value = v;
    // Screening figures: the count of students needing attention is the
    // sensitive one (its share followed up is not); under k it is not shown.
    if (ind.screening && sv.value.units > 0)
      sv.suppressed = screening::SmallRateCell(static_cast<int64_t>(sv.value.den), 0, k);
    out.push_back(std::move(sv));
  }
  return out;
}

void IndicatorsService::ForgetViews() {
  std::lock_guard lk(views_mu_);
  views_.clear();
}

absl::StatusOr<UnitView> IndicatorsService::View(const policy::Actor& actor, int64_t unit_id, std::optional<int> year) {
  const int y = year.value_or(CurrentYear());
  const auto now = std::chrono::steady_clock::now();
  std::optional<KeptView> kept;
  {
    std::lock_guard lk(views_mu_);
    if (auto it = views_.find({unit_id, y}); it != views_.end() && now - it->second.at < kViewTtl) kept = it->second;
  }
  if (!kept) {
    KeptView k;
    k.at = now;
    UnitView& v = k.view;
    v.school_year = y;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(UnitRef unit, Readable(s, actor, unit_id, DataClass::kAggregate, Action::kRead));
      v.k = K(s);
      XQ_ASSIGN_OR_RETURN(auto values, store_.Values(s, unit.id, v.school_year));
      v.unit = {unit, Shown(values, v.k, unit.kind == "school")};
      XQ_ASSIGN_OR_RETURN(auto children, store_.Children(s, unit.id));
      std::vector<int64_t> ids;
      for (const auto& c : children) ids.push_back(c.id);
      XQ_ASSIGN_OR_RETURN(auto byunit, store_.ValuesOf(s, ids, v.school_year));
      for (auto& c : children) v.children.push_back({c, Shown(byunit[c.id], v.k, c.kind == "school")});
      if (unit.kind == "school") {
        XQ_ASSIGN_OR_RETURN(v.signoff, store_.SignOffOf(s, unit.id, v.school_year));
      }
      // Every ancestor, for the breadcrumb (filtered per reader below).
      for (size_t i = 1; i < unit.path.size();) {
        size_t j = unit.path.find('/', i);
        if (j == std::string::npos) break;
        int64_t id = std::stoll(unit.path.substr(i, j - i));
        i = j + 1;
        if (id == unit.id) break;
        XQ_ASSIGN_OR_RETURN(auto a, store_.Unit(s, id));
        if (a) k.ancestors.push_back(*a);
      }
      return absl::OkStatus();
    }));
    std::lock_guard lk(views_mu_);
    views_[{unit_id, y}] = k;
    kept = std::move(k);
  } else {
    // The same decision Readable takes, on the kept unit.
    const UnitRef& unit = kept->view.unit.unit;
    policy::Decision d =
        policy::Decide(actor, Action::kRead, {.data_class = DataClass::kAggregate, .unit_path = unit.path});
    if (!d) {
      XQ_RETURN_IF_ERROR(audit::Record(audit_, {.actor_id = actor.account_id,
                                                .action = "denied",
                                                .object_type = "indicators",
                                                .object_id = IdToString(unit_id),
                                                .school_id = unit.kind == "school" ? unit.id : 0,
                                                .outcome = "denied",
                                                .detail = d.reason}));
      return PermissionDenied("these figures are outside your scope");
    }
  }
  // Breadcrumb: the ancestors the actor may read.
  UnitView v = std::move(kept->view);
  for (const UnitRef& a : kept->ancestors)
    if (policy::Decide(actor, Action::kRead, {.data_class = DataClass::kAggregate, .unit_path = a.path}))
      v.ancestors.push_back(a);
  return v;
}

absl::StatusOr<std::vector<TrendPoint>> IndicatorsService::Trend(const policy::Actor& actor, int64_t unit_id) {
  std::vector<TrendPoint> out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(UnitRef unit, Readable(s, actor, unit_id, DataClass::kAggregate, Action::kRead));
    const int k = K(s);
    XQ_ASSIGN_OR_RETURN(auto years, store_.Years(s, unit.id));
    for (int y : years) {
      XQ_ASSIGN_OR_RETURN(auto values, store_.Values(s, unit.id, y));
      out.push_back({y, Shown(values, k, unit.kind == "school")});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<EvidencePage> IndicatorsService::EvidenceOf(const policy::Actor& actor, int64_t unit_id,
                                                           const std::string& indicator_id, std::optional<int> year,
                                                           int64_t after, int limit) {
  EvidencePage page;
  page.indicator = FindIndicator(indicator_id);
  if (!page.indicator) return InvalidArgument("unknown indicator", "indicator");
  if (limit < 1 || limit > 500) return InvalidArgument("limit must be 1..500", "limit");
  const Indicator& ind = *page.indicator;
  const int y = year.value_or(CurrentYear());
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
    // The records behind a figure are work records (D8): which schools lack
    // a psychology teacher, never a student.
    XQ_ASSIGN_OR_RETURN(UnitRef unit, Readable(s, actor, unit_id, DataClass::kWorkRecords, Action::kRead));
    const int k = K(s);
    std::vector<UnitRef> units;
    const bool schools = ind.level == Level::kSchool;
    if ((unit.kind == "school") == schools && unit.kind != "district") {
      if (after == 0) units.push_back(unit);
    } else {
      XQ_ASSIGN_OR_RETURN(units, store_.UnitsUnder(s, unit.path, schools, after, limit));
      if (static_cast<int>(units.size()) == limit) page.next = units.back().id;
    }
    std::set<std::string> names = ind.kind == Kind::kShareOfUnits ? ind.condition.facts() : ind.numerator.facts();
    if (ind.kind == Kind::kRatio) names.insert(ind.denominator.facts().begin(), ind.denominator.facts().end());
    for (const UnitRef& u : units) {
      const unsigned stage = StageOf(u.school_kind);
      if (schools && (stage & ind.stages) == 0) continue;
      XQ_ASSIGN_OR_RETURN(Facts f, store_.ReadFacts(s, u.id, y));
      Evidence e;
      e.unit = u;
      e.contribution = Contribute(ind, f, stage);
      if (ind.screening && e.contribution.known &&
          screening::SmallRateCell(static_cast<int64_t>(e.contribution.den), 0, k)) {
        e.suppressed = true;
        e.contribution = {};
      } else {
        if (ind.kind == Kind::kShareOfUnits && e.contribution.known) e.meets = e.contribution.num > 0;
        if (ind.kind == Kind::kRatio && e.contribution.known)
          e.meets = Meets(ind, e.contribution.num / e.contribution.den);
        for (const auto& n : names)
          if (auto it = f.find(n); it != f.end()) e.facts.emplace_back(n, it->second);
      }
      page.items.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<UnitRef> IndicatorsService::Home(const policy::Actor& actor) {
  const policy::Grant* best = nullptr;
  for (const auto& g : actor.grants)
    if (DashboardRole(g.role) && (!best || g.unit_path.size() < best->unit_path.size())) best = &g;
  if (!best) return PermissionDenied("no dashboard for your roles");
  UnitRef out;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(auto u, store_.Unit(s, best->unit_id));
    if (!u) return NotFound("no such unit");
    out = *u;
    return absl::OkStatus();
  }));
  return out;
}

namespace {

class Book {
 public:
  Book() {
    char tmpl[] = "/tmp/xq-indicators-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    path_ = tmpl;
    wb_ = workbook_new(path_.c_str());
  }
  ~Book() {
    if (wb_) workbook_close(wb_);
    std::remove(path_.c_str());
  }
  lxw_workbook* wb() { return wb_; }
  absl::StatusOr<std::string> Finish() {
    if (!wb_) return Internal("xlsx: cannot create the workbook");
    lxw_error err = workbook_close(wb_);
    wb_ = nullptr;
    if (err != LXW_NO_ERROR) return Internal(fmt::format("xlsx write failed: {}", lxw_strerror(err)));
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string path_;
  lxw_workbook* wb_ = nullptr;
};

void Str(lxw_worksheet* ws, int r, int c, const std::string& s) {
  worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), s.c_str(), nullptr);
}
void Num(lxw_worksheet* ws, int r, int c, double v, lxw_format* f = nullptr) {
  worksheet_write_number(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), v, f);
}

}  // namespace

absl::StatusOr<std::string> IndicatorsService::Export(const policy::Actor& actor, int64_t unit_id,
                                                      std::optional<int> year) {
  UnitRef unit;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(unit, Readable(s, actor, unit_id, DataClass::kAggregate, Action::kExport));
    return absl::OkStatus();
  }));
  XQ_ASSIGN_OR_RETURN(UnitView v, View(actor, unit_id, year));
  Book book;
  if (!book.wb()) return Internal("xlsx: cannot create the workbook");
  lxw_format* pct = workbook_add_format(book.wb());
  format_set_num_format(pct, "0.0%");
  const std::string watermark = fmt::format("{} · {}", actor.account_id, FormatMicrosUtc(clock_.NowMicros()));
  lxw_worksheet* ws = workbook_add_worksheet(book.wb(), "指标");
  worksheet_set_header(ws, ("&L" + watermark + "&R心桥").c_str());
  const char* head[] = {"指标", "目标", "当前值", "差距", "分子", "分母", "计入单位数"};
  Str(ws, 0, 0, fmt::format("{} {}-{} 学年", unit.name, v.school_year, v.school_year + 1));
  for (int c = 0; c < 7; ++c) Str(ws, 1, c, head[c]);
  int r = 2;
  for (const auto& sv : v.unit.values) {
    const Indicator* ind = FindIndicator(sv.value.indicator_id);
    Str(ws, r, 0, ind->name_zh);
    Num(ws, r, 1, ind->target, pct);
    auto val = sv.value.value();
    if (sv.suppressed) {
      Str(ws, r, 2, "—");
    } else if (!val) {
      Str(ws, r, 2, "无数据");
    } else {
      Num(ws, r, 2, *val, pct);
      Num(ws, r, 3, *val - ind->target, pct);
      Num(ws, r, 4, sv.value.num);
      Num(ws, r, 5, sv.value.den);
    }
    Num(ws, r, 6, static_cast<double>(sv.value.units));
    ++r;
  }
  if (!v.children.empty()) {
    lxw_worksheet* lt = workbook_add_worksheet(book.wb(), "下级单位");
    worksheet_set_header(lt, ("&L" + watermark + "&R心桥").c_str());
    Str(lt, 0, 0, "单位");
    int c = 1;
    for (const Indicator& ind : Indicators()) Str(lt, 0, c++, ind.name_zh);
    int row = 1;
    for (const auto& ch : v.children) {
      Str(lt, row, 0, ch.unit.name);
      int col = 1;
      for (const auto& sv : ch.values) {
        auto val = sv.value.value();
        if (sv.suppressed)
          Str(lt, row, col, "—");
        else if (!val)
          Str(lt, row, col, "无数据");
        else
          Num(lt, row, col, *val, pct);
        ++col;
      }
      ++row;
    }
  }
  XQ_ASSIGN_OR_RETURN(std::string bytes, book.Finish());
  XQ_RETURN_IF_ERROR(audit::Record(audit_, {.actor_id = actor.account_id,
                                            .action = "export",
                                            .object_type = "indicators",
                                            .object_id = IdToString(unit.id),
                                            .school_id = unit.kind == "school" ? unit.id : 0,
                                            .detail = fmt::format("school_year {}", v.school_year)}));
  return bytes;
}

absl::StatusOr<SignOff> IndicatorsService::Submit(const policy::Actor& actor, int64_t school_id,
                                                  std::optional<int> year) {
  const int y = year.value_or(CurrentYear());
  SignOff out;
  absl::Status denied;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(s, school_id));
    if (!unit) return NotFound("no such school");
    if (unit->kind != "school") return InvalidArgument("figures are submitted by a school", "school_id");
    policy::Decision d =
        policy::Decide(actor, Action::kRead, {.data_class = DataClass::kAggregate, .unit_path = unit->path});
    policy::Decision sd =
        policy::DecideSignOff(actor, policy::SignOffStep::kSubmit, unit->path, unit->district_id != 0);
    if (!sd) {
      denied = PermissionDenied("only the school's leader or data administrator submits its figures");
      return absl::OkStatus();  // the denial is audited after this transaction
    }
    (void)d;
    XQ_ASSIGN_OR_RETURN(auto existing, store_.SignOffOf(s, unit->id, y));
    const int64_t now = clock_.NowMicros();
    if (existing) {
      if (existing->state != SignOffState::kReturned)
        return Conflict(fmt::format("the figures are already {}", SignOffStateName(existing->state)), "state");
      out = *existing;
      out.version += 1;
    } else {
      out.id = NewId();
      out.school_id = unit->id;
      out.school_year = y;
      out.version = 1;
    }
    XQ_ASSIGN_OR_RETURN(out.snapshot, store_.Values(s, unit->id, y));
    out.state = SignOffState::kSubmitted;
    out.submitted_by = actor.account_id;
    out.submitted_at = now;
    out.reviewed_by = out.reviewed_at = out.accepted_by = out.accepted_at = 0;
    SignOffStep step{"submit", actor.account_id, RoleOf(sd), "", now};
    XQ_RETURN_IF_ERROR(store_.SaveSignOff(s, out, step));
    out.steps.push_back(step);
    return audit::RecordingIn(audit_, {.actor_id = actor.account_id,
                                       .actor_role = RoleOf(sd),
                                       .action = "indicators.submit",
                                       .object_type = "indicator_signoff",
                                       .object_id = IdToString(out.id),
                                       .school_id = unit->id,
                                       .detail = fmt::format("school_year {} version {}", y, out.version)})(s);
  }));
  if (!denied.ok()) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, {.actor_id = actor.account_id,
                                              .action = "denied",
                                              .object_type = "indicator_signoff",
                                              .object_id = IdToString(school_id),
                                              .school_id = school_id,
                                              .outcome = "denied",
                                              .detail = "submit"}));
    return denied;
  }
  ForgetViews();
  XQ_ASSIGN_OR_RETURN(auto full, [&]() -> absl::StatusOr<std::optional<SignOff>> {
    std::optional<SignOff> so;
    XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
      XQ_ASSIGN_OR_RETURN(so, store_.SignOffById(s, out.id));
      return absl::OkStatus();
    }));
    return so;
  }());
  return full ? *full : out;
}

absl::StatusOr<SignOff> IndicatorsService::Approve(const policy::Actor& actor, int64_t id) {
  return Step(actor, id, "approve", "");
}
absl::StatusOr<SignOff> IndicatorsService::Return(const policy::Actor& actor, int64_t id, const std::string& comment) {
  return Step(actor, id, "return", comment);
}
absl::StatusOr<SignOff> IndicatorsService::Accept(const policy::Actor& actor, int64_t id) {
  return Step(actor, id, "accept", "");
}

absl::StatusOr<SignOff> IndicatorsService::Step(const policy::Actor& actor, int64_t id, const std::string& step,
                                                const std::string& comment) {
  if (step == "return") {
    if (comment.empty()) return InvalidArgument("say why the figures go back", "comment");
    if (static_cast<int64_t>(comment.size()) > kMaxComment * 3)
      return InvalidArgument("the comment is too long (500 characters at most)", "comment");
  }
  SignOff out;
  absl::Status denied;
  int64_t school = 0;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(auto so, store_.SignOffById(s, id));
    if (!so) return NotFound("no such sign-off");
    school = so->school_id;
    XQ_ASSIGN_OR_RETURN(auto unit, store_.Unit(s, so->school_id));
    if (!unit) return NotFound("no such school");
    const bool has_district = unit->district_id != 0;
    // Which level takes this step now: the reviewer while submitted, the
    // city once the district approved (it accepts, or returns).
    policy::SignOffStep level = policy::SignOffStep::kReview;
    if (step == "accept" || (step == "return" && so->state == SignOffState::kDistrictApproved))
      level = policy::SignOffStep::kAccept;
    policy::Decision d = policy::DecideSignOff(actor, level, unit->path, has_district);
    if (!d) {
      denied = PermissionDenied("this sign-off step is not yours to take");
      return absl::OkStatus();
    }
    const int64_t now = clock_.NowMicros();
    out = *so;
    if (step == "approve") {
      if (so->state != SignOffState::kSubmitted)
        return Conflict(fmt::format("only submitted figures are approved (they are {})", SignOffStateName(so->state)),
                        "state");
      out.state = SignOffState::kDistrictApproved;
      out.reviewed_by = actor.account_id;
      out.reviewed_at = now;
    } else if (step == "return") {
      if (so->state != SignOffState::kSubmitted && so->state != SignOffState::kDistrictApproved)
        return Conflict(fmt::format("figures that are {} cannot be returned", SignOffStateName(so->state)), "state");
      out.state = SignOffState::kReturned;
      out.comment = comment;
    } else {
      if (so->state != SignOffState::kDistrictApproved)
        return Conflict(fmt::format("the district approves first (the figures are {})", SignOffStateName(so->state)),
                        "state");
      out.state = SignOffState::kAccepted;
      out.accepted_by = actor.account_id;
      out.accepted_at = now;
    }
    SignOffStep st{step, actor.account_id, RoleOf(d), comment, now};
    XQ_RETURN_IF_ERROR(store_.SaveSignOff(s, out, st));
    return audit::RecordingIn(audit_, {.actor_id = actor.account_id,
                                       .actor_role = RoleOf(d),
                                       .action = "indicators." + step,
                                       .object_type = "indicator_signoff",
                                       .object_id = IdToString(out.id),
                                       .school_id = out.school_id,
                                       .detail = fmt::format("school_year {} version {} -> {}", out.school_year,
                                                             out.version, SignOffStateName(out.state))})(s);
  }));
  if (!denied.ok()) {
    XQ_RETURN_IF_ERROR(audit::Record(audit_, {.actor_id = actor.account_id,
                                              .action = "denied",
                                              .object_type = "indicator_signoff",
                                              .object_id = IdToString(id),
                                              .school_id = school,
                                              .outcome = "denied",
                                              .detail = step}));
    return denied;
  }
  ForgetViews();
  std::optional<SignOff> full;
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(full, store_.SignOffById(s, id));
    return absl::OkStatus();
  }));
  return full ? *full : out;
}

absl::StatusOr<std::vector<SignOffRow>> IndicatorsService::SignOffs(const policy::Actor& actor, int64_t unit_id,
                                                                    std::optional<int> year) {
  std::vector<SignOffRow> out;
  const int y = year.value_or(CurrentYear());
  XQ_RETURN_IF_ERROR(db_.Run([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(UnitRef unit, Readable(s, actor, unit_id, DataClass::kAggregate, Action::kRead));
    XQ_ASSIGN_OR_RETURN(auto list, store_.SignOffsUnder(s, unit.path, y));
    for (auto& so : list) {
      XQ_ASSIGN_OR_RETURN(auto school, store_.Unit(s, so.school_id));
      if (!school) continue;
      out.push_back({*school, std::move(so)});
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace xq::indicators
