#include "screening/screening_service.h"

#include "screening/todos.h"

#include <future>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "instruments/registry.h"
#include "instruments/scoring.h"
#include "policy/neutral_words.h"
#include "screening/suppression.h"
#include "spdlog/spdlog.h"
#include "warning/access.h"
#include "audit/audited.h"

namespace xq::screening {
namespace {

using policy::Action;
using policy::DataClass;
using policy::Role;
using warning::Covering;
using warning::PathsOf;
using warning::ScopesFor;

constexpr int64_t kHourMicros = 3'600'000'000;
constexpr std::string_view kReachOutNowText =
    "谢谢你如实说出自己的感受，这需要勇气。你现在的感受很重要，你不是一个人在面对。"
    "请现在就找人说一说：拨打这里列出的热线（有人会认真听你说），或者马上告诉一位你信任的老师、家长或学校心理老师。"
    "如果你此刻觉得可能会伤害自己，请立即拨打热线或 120，并请身边的人陪着你。学校心理老师也会尽快来关心你。";
constexpr const char* kLang = "zh-CN";

std::string TextOf(const instruments::Text& t) {
  if (auto it = t.find(kLang); it != t.end()) return it->second;
  return t.empty() ? std::string() : t.begin()->second;
}

// The number written with the decimal digits d (checked by the caller).
int Digits(std::string_view d) {
  int n = 0;
  for (char c : d) n = n * 10 + (c - '0');
  return n;
}

bool IsDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  const int m = Digits(d.substr(5, 2)), day = Digits(d.substr(8, 2));
  return m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

// Whole years between birth and date ("YYYY-MM-DD"); -1 when unknown.
int AgeOn(std::string_view birth, std::string_view date) {
  if (!IsDate(birth) || !IsDate(date)) return -1;
  int age = Digits(date.substr(0, 4)) - Digits(birth.substr(0, 4));
  if (date.substr(5) < birth.substr(5)) --age;
  return age;
}

// `date` has passed IsDate.
std::string AddDays(std::string_view date, int n) {
  using namespace std::chrono;
  year_month_day ymd{year(Digits(date.substr(0, 4))), month(static_cast<unsigned>(Digits(date.substr(5, 2)))),
                     day(static_cast<unsigned>(Digits(date.substr(8, 2))))};
  const int64_t day_number = (sys_days(ymd) + days(n)).time_since_epoch().count();
  return FormatDate(day_number * 24 * kHourMicros);  // that day's 08:00 in Asia/Shanghai
}

const instruments::Registry::Entry* FindScale(const CampaignScale& s) {
  return instruments::BundledDefinitions().Find(s.instrument_id, s.version);
}

// The plan that classifies with the campaign scale's norm set (its
// definition's default when the campaign predates norm sets).
const instruments::ScoringPlan& PlanOf(const instruments::Registry::Entry& e, const CampaignScale& s) {
  const instruments::ScoringPlan* p = e.PlanFor(s.norm_set);
  return p ? *p : e.plan;
}

policy::Resource StudentRes(DataClass k, int64_t student_id, const std::string& path) {
  policy::Resource r;
  r.data_class = k;
  r.student_id = student_id;
  r.unit_path = path;
  return r;
}

policy::Resource UnitRes(DataClass k, const std::string& path) {
  policy::Resource r;
  r.data_class = k;
  r.unit_path = path;
  return r;
}

// The campaign reaches the actor's unit (a target under it, or it under a target).
bool Touches(const Campaign& c, const std::string& scope) {
  for (const auto& u : c.units)
    if (policy::InScope(scope, u.path) || policy::InScope(u.path, scope)) return true;
  return false;
}

bool InCampaign(const Campaign& c, const std::string& path) {
  for (const auto& u : c.units)
    if (policy::InScope(u.path, path)) return true;
  return false;
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

// Students see a neutral title: some scale names carry diagnostic words
// (ACCESS.md: never in views for students).
std::string StudentTitle(int position) { return fmt::format("心理健康小调查（{}）", position + 1); }

struct ParsedAnswers {
  instruments::Response response;
  std::string stored;  // the answers given (nulls left out), as JSON
};

// Answers → scoring response. Codes are option codes (strings); multi
// items take an array of codes; text items take free text (stored, not
// scored); null = unanswered. The stored text is the answers object
// without its nulls, written as Json::dump would (keys sorted, as given
// answers are). Keys are written unescaped: only item ids of the scale get
// there, and a definition's ids are plain ([A-Za-z0-9_./-]).
absl::StatusOr<ParsedAnswers> ParseAnswers(const instruments::ScoringPlan& plan, const GivenAnswers& answers) {
  ParsedAnswers out;
  out.response = plan.NewResponse();
  out.stored.reserve(16 * answers.size() + 2);
  JsonObjectWriter stored(out.stored);
  const auto& def = plan.definition();
  using Kind = GivenAnswer::Kind;
  for (const auto& [key, value] : answers) {
    int idx = plan.ItemIndex(key);
    if (idx < 0) return InvalidArgument(fmt::format("unknown item '{}'", key), "answers." + key);
    if (value.kind == Kind::kNull) continue;
    const auto& item = def.items[idx];
    if (item.type == instruments::ItemType::kText) {
      if (value.kind != Kind::kString || value.text.size() > 2000)
        return InvalidArgument("a text answer must be a string of at most 2000 bytes", "answers." + key);
      stored.Str(key, value.text);
      continue;
    }
    if (item.type == instruments::ItemType::kMulti) {
      if (value.kind != Kind::kArray)
        return InvalidArgument("a multiple-choice answer is an array of codes", "answers." + key);
      int32_t mask = 0;
      stored.Key(key);
      out.stored += '[';
      for (const auto& code : value.codes) {
        auto opt = code ? plan.OptionByCode(idx, *code) : std::nullopt;
        if (!opt) return InvalidArgument(fmt::format("unknown option for item '{}'", key), "answers." + key);
        mask |= int32_t{1} << *opt;
        if (out.stored.back() != '[') out.stored += ',';
        AppendJsonString(out.stored, *code);
      }
      out.stored += ']';
      out.response.answers[idx] = mask;
      continue;
    }
    std::optional<int32_t> opt;
    if (value.kind == Kind::kString) opt = plan.OptionByCode(idx, value.text);
    if (!opt) return InvalidArgument(fmt::format("unknown option for item '{}'", key), "answers." + key);
    out.response.answers[idx] = *opt;
    stored.Str(key, value.text);
  }
  stored.End();
  return out;
}

instruments::Sex SexOf(std::string_view s) {
  if (s == "M") return instruments::Sex::kMale;
  if (s == "F") return instruments::Sex::kFemale;
  return instruments::Sex::kUnknown;
}

}  // namespace

void SortGivenAnswers(GivenAnswers& answers) {
  auto before = [](const auto& a, const auto& b) { return a.first < b.first; };
  auto not_before = [&](const auto& a, const auto& b) { return !before(a, b); };
  if (std::adjacent_find(answers.begin(), answers.end(), not_before) == answers.end())
    return;  // in order already, no key twice (as clients send them)
  std::stable_sort(answers.begin(), answers.end(), before);
  // Of equal keys (adjacent now, in document order) the last one stays.
  size_t out = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    if (i + 1 < answers.size() && answers[i + 1].first == answers[i].first) continue;
    if (out != i) answers[out] = std::move(answers[i]);
    ++out;
  }
  answers.resize(out);
}

absl::StatusOr<GivenAnswers> GivenAnswersOf(const Json& answers) {
  if (!answers.is_object()) return InvalidArgument("answers must be an object", "answers");
  GivenAnswers out;
  out.reserve(answers.size());
  for (const auto& [key, value] : answers.items()) {  // in key order, unique
    GivenAnswer a;
    if (value.is_null()) {
      a.kind = GivenAnswer::Kind::kNull;
    } else if (value.is_string()) {
      a.kind = GivenAnswer::Kind::kString;
      a.text = value.get<std::string>();
    } else if (value.is_array()) {
      a.kind = GivenAnswer::Kind::kArray;
      for (const auto& v : value)
        a.codes.push_back(v.is_string() ? std::optional<std::string>(v.get<std::string>()) : std::nullopt);
    } else {
      a.kind = GivenAnswer::Kind::kOther;
    }
    out.emplace_back(key, std::move(a));
  }
  return out;
}

// What the psychologist must know about the campaign's scales: wording that
// is not a validated (or licensed) text (issue 22).
Json ScaleWarnings(const Campaign& c) {
  Json out = Json::array();
  for (const auto& s : c.scales) {
    const auto* e = FindScale(s);
    if (!e || !e->definition.unvalidated_wording()) continue;
    out.push_back({{"code", "unvalidated_wording"},
                   {"instrument_id", s.instrument_id},
                   {"version", s.version},
                   {"wording_status", e->definition.provenance.wording_status},
                   {"message", fmt::format("{} {}: the Chinese wording is our own translation, not a validated "
                                           "version; interpret results with care",
                                           s.instrument_id, s.version)}});
  }
  return out;
}

Json CampaignToJson(const Campaign& c) {
  Json scales = Json::array();
  for (size_t i = 0; i < c.scales.size(); ++i) {
    const auto& s = c.scales[i];
    Json j = {{"instrument_id", s.instrument_id}, {"version", s.version}};
    // The policy decides the view (ScaleTitleView); neutral by default. The
    // wording status and norm set are for those who see the real title.
    if (c.scale_titles != policy::View::kFull) {
      j["title"] = StudentTitle(static_cast<int>(i));
    } else if (const auto* e = FindScale(s)) {
      j["title"] = TextOf(e->definition.title);
      j["wording_status"] = e->definition.provenance.wording_status;
      const std::string& ns = s.norm_set.empty() ? e->definition.default_norm_set : s.norm_set;
      if (const auto* set = e->definition.FindNormSet(ns)) {
        j["norm_set"] = set->id;
        j["norm_set_label"] = TextOf(set->label);
      }
    }
    scales.push_back(std::move(j));
  }
  Json units = Json::array();
  for (const auto& u : c.units) units.push_back({{"id", IdToString(u.id)}, {"name", u.name}});
  Json j = {{"id", IdToString(c.id)},
            {"name", c.name},
            {"template", c.template_id},
            {"owner_unit_id", IdToString(c.owner_unit_id)},
            {"units", units},
            {"grades", c.grades},
            {"school_kinds", c.school_kinds},
            {"scales", scales},
            {"opens_on", c.opens_on},
            {"closes_on", c.closes_on},
            {"notice", c.notice},
            {"consent_text", c.consent_text},
            {"consent_age", c.consent_age},
            {"urgent_due_hours", c.urgent_due_hours},
            {"other_due_days", c.other_due_days},
            {"state", c.state},
            {"created_at", FormatRfc3339(c.created_at)}};
  if (c.assignments) j["assignments"] = c.assignments;
  if (c.scale_titles == policy::View::kFull) j["warnings"] = ScaleWarnings(c);
  if (!c.owner_name.empty()) j["owner_unit_name"] = c.owner_name;
  return j;
}

// ---------------------------------------------------------------- templates

const std::vector<Template>& Templates() {
  static const std::vector<Template> kTemplates = {
      {"k12_primary",
       "中小学年度心理筛查（小学四至六年级）",
       "小学高年级学生年度筛查，需监护人知情同意。",
       {"primary", "nine_year"},
       {4, 5, 6},
       -1,
       {"phq-a", "gad7"},
       30},
      {"k12_junior",
       "中小学年度心理筛查（初中）",
       "初中学生年度筛查；未满14周岁的学生需监护人知情同意。",
       {"junior", "nine_year", "complete_secondary"},
       {7, 8, 9},
       -1,
       {"phq-a", "gad7"},
       30},
      {"k12_senior",
       "中小学年度心理筛查（高中）",
       "高中学生年度筛查。",
       {"senior", "complete_secondary"},
       {10, 11, 12},
       -1,
       {"phq9", "gad7"},
       30},
      {"k12_vocational",
       "中小学年度心理筛查（中职）",
       "中等职业学校学生年度筛查。",
       {"vocational"},
       {10, 11, 12},
       -1,
       {"phq9", "gad7"},
       30},
      {"university_freshmen",
       "高校新生心理普查",
       "新生入学3个月内完成。",
       {"college", "university"},
       {},
       0,
       {"upi", "phq9"},
       90},
      {"college_year2_spring",
       "专科二年级春季心理筛查",
       "专科二年级春季学期。",
       {"college"},
       {},
       1,
       {"phq9", "gad7"},
       30},
      {"undergrad_year3", "本科三年级心理筛查", "本科三年级。", {"university"}, {}, 2, {"phq9", "gad7"}, 30},
  };
  return kTemplates;
}

const Template* FindTemplate(std::string_view id) {
  for (const auto& t : Templates())
    if (t.id == id) return &t;
  return nullptr;
}

Json ScreeningService::ListTemplates() const {
  Json out = Json::array();
  for (const auto& t : Templates()) {
    Json scales = Json::array();
    for (const auto& id : t.instruments) {
      const auto* e = instruments::BundledDefinitions().Find(id);
      if (!e) continue;
      if (!e->definition.enabled_by_default()) continue;  // only under a school's own licence
      scales.push_back(InstrumentSummary(*e));
    }
    Json j = {
        {"id", t.id},         {"name", t.name},   {"description", t.description}, {"school_kinds", t.school_kinds},
        {"grades", t.grades}, {"scales", scales}, {"window_days", t.window_days}};
    if (t.enrolment_years_ago >= 0) j["enrolment_years_ago"] = t.enrolment_years_ago;
    out.push_back(std::move(j));
  }
  return Json{{"items", out}};
}

// ---------------------------------------------------------------- positivity

bool IsPositive(const instruments::ScoringPlan& plan, const instruments::Result& r) {
  static const std::set<std::string, std::less<>> kBands = {"moderate", "moderately_severe", "severe",
                                                            "high",     "very_high",         "at_or_above_cutoff"};
  static const std::set<std::string, std::less<>> kLevels = {"I", "high", "moderate"};
  if (!r.critical.empty()) return true;
  const auto& d = plan.definition();
  const auto& refs = plan.band_sets();
  for (size_t k = 0; k < r.bands.size() && k < refs.size(); ++k) {
    if (r.bands[k] < 0 || !d.scores[refs[k].score].report || refs[k].name.find('.') != std::string::npos) continue;
    if (kBands.contains(d.scores[refs[k].score].band_sets[refs[k].set].bands[r.bands[k]].id)) return true;
  }
  for (size_t c = 0; c < r.classes.size() && c < d.classes.size(); ++c)
    if (r.classes[c] >= 0 && kLevels.contains(d.classes[c].levels[r.classes[c]].id)) return true;
  return false;
}

// ---------------------------------------------------------------- suppression

Suppression Suppress(const std::vector<std::vector<int64_t>>& counts, int k) {
  Suppression s;
  const size_t rows = counts.size(), cols = rows ? counts[0].size() : 0;
  s.cell.assign(rows, std::vector<bool>(cols, false));
  s.row_total.assign(rows, false);
  s.col_total.assign(cols, false);
  std::vector<int64_t> row_sum(rows, 0), col_sum(cols, 0);
  int64_t grand = 0;
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) {
      row_sum[r] += counts[r][c];
      col_sum[c] += counts[r][c];
      grand += counts[r][c];
      if (counts[r][c] > 0 && counts[r][c] < k) s.cell[r][c] = true;
    }
  const bool show_row_totals = cols > 1;
  for (size_t r = 0; r < rows; ++r) s.row_total[r] = !show_row_totals || (row_sum[r] > 0 && row_sum[r] < k);
  for (size_t c = 0; c < cols; ++c) s.col_total[c] = col_sum[c] > 0 && col_sum[c] < k;
  s.grand_total = grand > 0 && grand < k;
  // A line (its cells plus its shown total) must not have exactly one
  // hidden cell; hide the smallest other cell, or the total if none is left.
  auto fix_line = [&](std::vector<std::pair<size_t, size_t>> line, bool& total_hidden) {
    if (total_hidden) return false;
    int hidden = 0;
    for (auto [r, c] : line) hidden += s.cell[r][c] ? 1 : 0;
    if (hidden != 1) return false;
    std::optional<std::pair<size_t, size_t>> best;
    for (auto [r, c] : line) {
      if (s.cell[r][c]) continue;
      if (!best || counts[r][c] < counts[best->first][best->second]) best = {r, c};
    }
    if (best) {
      s.cell[best->first][best->second] = true;
    } else {
      total_hidden = true;
    }
    return true;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < rows; ++r) {
      std::vector<std::pair<size_t, size_t>> line;
      for (size_t c = 0; c < cols; ++c) line.emplace_back(r, c);
      bool hidden = s.row_total[r];
      if (fix_line(line, hidden)) changed = true;
      s.row_total[r] = hidden;
    }
    for (size_t c = 0; c < cols; ++c) {
      std::vector<std::pair<size_t, size_t>> line;
      for (size_t r = 0; r < rows; ++r) line.emplace_back(r, c);
      bool hidden = s.col_total[c];
      if (fix_line(line, hidden)) changed = true;
      s.col_total[c] = hidden;
    }
    // Totals: exactly one hidden column total beside a shown grand total
    // is recoverable too.
    std::vector<std::pair<size_t, size_t>> none;
    int hidden_cols = 0;
    for (size_t c = 0; c < cols; ++c) hidden_cols += s.col_total[c] ? 1 : 0;
    if (hidden_cols == 1 && !s.grand_total) {
      s.grand_total = true;
      changed = true;
    }
    int hidden_rows = 0;
    for (size_t r = 0; r < rows; ++r) hidden_rows += (show_row_totals && s.row_total[r]) ? 1 : 0;
    if (hidden_rows == 1 && !s.grand_total) {
      s.grand_total = true;
      changed = true;
    }
  }
  return s;
}

// ---------------------------------------------------------------- cache

ScreeningService::ScreeningService(db::Database& db, ScreeningStore& store, SubmissionWriter& writer, audit::AuditLog& audit,
                                   counselling::HotlineService& hotlines, const Clock& clock)
    : db_(db),
      store_(store),
      writer_(writer),
      audit_(audit),
      hotlines_(hotlines),
      clock_(clock),
      tallies_(db, clock, [](int consent_age, const std::string& birth, const std::string& today) {
        const int age = AgeOn(birth, today);
        return age < 0 || age < consent_age;
      }) {}

absl::StatusOr<std::shared_ptr<const Campaign>> ScreeningService::CampaignById(int64_t id) {
  {
    std::lock_guard lk(cache_mu_);
    if (auto it = campaigns_.find(id); it != campaigns_.end()) return it->second;
  }
  XQ_ASSIGN_OR_RETURN(auto c, store_.GetCampaign(id));
  if (!c) return std::shared_ptr<const Campaign>();
  auto held = std::make_shared<const Campaign>(std::move(*c));
  std::lock_guard lk(cache_mu_);
  if (campaigns_.size() > 10000) campaigns_.clear();
  campaigns_[id] = held;
  return held;
}

// ---------------------------------------------------------------- audit

absl::Status ScreeningService::Audit(const policy::Principal* p, std::string action, std::string object_type,
                                     std::string object_id, int64_t student_id, std::string outcome, std::string detail,
                                     std::string purpose) {
  audit::Event e;
  e.actor_id = p ? p->account_id : 0;
  e.actor_role = p ? warning::PrimaryRole(p->actor) : "system";
  e.action = std::move(action);
  e.object_type = std::move(object_type);
  e.object_id = std::move(object_id);
  e.student_id = student_id;
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  e.purpose = std::move(purpose);
  return audit::Record(audit_, e);  // a failed audit write fails the request
}

// ---------------------------------------------------------------- campaigns

absl::StatusOr<Campaign> ScreeningService::CreateCampaign(const policy::Principal& p, const Json& body) {
  JsonReader r(body);
  Campaign c;
  std::optional<std::string> name, tmpl, owner, opens, closes, notice, consent_text;
  std::optional<int64_t> consent_age, urgent_h, other_d;
  std::optional<bool> confirm_duplicate_name;
  std::vector<std::string> unit_ids;
  std::optional<Json> grades, scales, kinds;
  r.Optional("name", &name);
  r.Optional("template", &tmpl);
  r.Optional("owner_unit_id", &owner);
  r.Optional("unit_ids", &unit_ids);
  r.Optional("grades", &grades);
  r.Optional("school_kinds", &kinds);
  r.Optional("scales", &scales);
  r.Optional("opens_on", &opens);
  r.Optional("closes_on", &closes);
  r.Optional("notice", &notice);
  r.Optional("consent_text", &consent_text);
  r.Optional("consent_age", &consent_age);
  r.Optional("urgent_due_hours", &urgent_h);
  r.Optional("other_due_days", &other_d);
  r.Optional("confirm_duplicate_name", &confirm_duplicate_name);
  XQ_RETURN_IF_ERROR(r.Finish());

  const Template* t = nullptr;
  if (tmpl && !tmpl->empty()) {
    t = FindTemplate(*tmpl);
    if (!t) return InvalidArgument("unknown template", "template");
    c.template_id = *tmpl;
  }
  // Who may create, and where: psychology staff for their school, district
  // and city admins for their scope (D8 write).
  auto scopes = ScopesFor(p.actor, Action::kWrite, DataClass::kWorkRecords,
                          {Role::kPsychStaff, Role::kDistrictAdmin, Role::kCityAdmin});
  if (scopes.empty()) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "campaign", "", 0, "denied", "create campaign"));
    return PermissionDenied("only psychology staff and district or city admins create campaigns");
  }
  UnitInfo owner_unit;
  if (owner) {
    auto id = IdFromString(*owner);
    if (!id) return NotFound("unit not found");
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(*id));
    if (!u || !Covering(scopes, u->path)) return WithField(NotFound("unit not found"), "owner_unit_id");
    owner_unit = *u;
  } else {
    // The unit of the first grant that may create campaigns.
    std::optional<UnitInfo> u;
    for (const auto& g : p.actor.grants) {
      if (g.unit_path == scopes.front().path) {
        XQ_ASSIGN_OR_RETURN(u, store_.GetUnit(g.unit_id));
        break;
      }
    }
    if (!u) return NotFound("unit not found");
    owner_unit = *u;
  }
  c.owner_unit_id = owner_unit.id;
  c.owner_path = owner_unit.path;
  std::vector<int64_t> school_ids;  // of the campaign's units
  if (unit_ids.empty()) unit_ids.push_back(IdToString(owner_unit.id));
  if (unit_ids.size() > 500) return InvalidArgument("at most 500 units", "unit_ids");
  for (size_t i = 0; i < unit_ids.size(); ++i) {
    const std::string field = fmt::format("unit_ids[{}]", i);
    auto id = IdFromString(unit_ids[i]);
    if (!id) return WithField(NotFound("unit not found"), field);
    XQ_ASSIGN_OR_RETURN(auto u, store_.GetUnit(*id));
    if (!u || !policy::InScope(owner_unit.path, u->path)) return WithField(NotFound("unit not found"), field);
    c.units.push_back({u->id, u->path, u->name});
    school_ids.push_back(u->school_id);  // 0: a unit above schools
  }

  c.name = name.value_or(t ? t->name : "");
  if (c.name.empty() || c.name.size() > 200) return InvalidArgument("name is required (at most 200 bytes)", "name");
  const std::string today = FormatDate(clock_.NowMicros());
  c.opens_on = opens.value_or(today);
  if (!IsDate(c.opens_on)) return InvalidArgument("opens_on must be YYYY-MM-DD", "opens_on");
  c.closes_on = closes.value_or(AddDays(c.opens_on, t ? t->window_days : 30));
  if (!IsDate(c.closes_on)) return InvalidArgument("closes_on must be YYYY-MM-DD", "closes_on");
  if (c.closes_on < c.opens_on) return InvalidArgument("closes_on is before opens_on", "closes_on");

  if (grades) {
    if (!grades->is_array()) return InvalidArgument("grades must be an array of integers", "grades");
    for (size_t i = 0; i < grades->size(); ++i) {
      const Json& g = (*grades)[i];
      if (!g.is_number_integer() || g.get<int64_t>() < 1 || g.get<int64_t>() > 3000)
        return InvalidArgument("a grade is 1..12 or an enrolment year", fmt::format("grades[{}]", i));
      c.grades.push_back(g.get<int>());
    }
  } else if (t) {
    c.grades = t->grades;
    if (t->enrolment_years_ago >= 0) {
      // The school year starts in September.
      int year = std::atoi(c.opens_on.substr(0, 4).c_str());
      int start = c.opens_on.substr(5, 2) >= "08" ? year : year - 1;
      c.grades = {start - t->enrolment_years_ago};
    }
  }
  if (kinds) {
    if (!kinds->is_array()) return InvalidArgument("school_kinds must be an array of strings", "school_kinds");
    for (size_t i = 0; i < kinds->size(); ++i) {
      const Json& k = (*kinds)[i];
      static const std::set<std::string> kKinds = {"kindergarten", "primary",   "junior",
                                                   "senior",       "nine_year", "complete_secondary",
                                                   "vocational",   "college",   "university"};
      if (!k.is_string() || !kKinds.count(k.get<std::string>()))
        return InvalidArgument("unknown school kind", fmt::format("school_kinds[{}]", i));
      c.school_kinds.push_back(k.get<std::string>());
    }
  } else if (t) {
    c.school_kinds = t->school_kinds;
  }
  if (scales) {
    if (!scales->is_array() || scales->empty() || scales->size() > 10)
      return InvalidArgument("scales must be an array of 1..10 scales", "scales");
    for (size_t i = 0; i < scales->size(); ++i) {
      const std::string prefix = fmt::format("scales[{}].", i);
      if (!(*scales)[i].is_object()) return InvalidArgument("a scale is an object", fmt::format("scales[{}]", i));
      JsonReader sr((*scales)[i], prefix);
      std::string id;
      std::optional<std::string> version, norm_set;
      sr.Required("instrument_id", &id);
      sr.Optional("version", &version);
      sr.Optional("norm_set", &norm_set);
      XQ_RETURN_IF_ERROR(sr.Finish());
      const auto* e = instruments::BundledDefinitions().Find(id, version.value_or(""));
      if (!e) return InvalidArgument("unknown instrument or version", prefix + (version ? "version" : "instrument_id"));
      // The chosen norm set, or the definition's default (for Chinese
      // schools: the Chinese student norms where published), stored by name.
      std::string ns = norm_set.value_or("");
      if (!ns.empty() && !e->definition.FindNormSet(ns))
        return InvalidArgument(fmt::format("{} {} has no norm set '{}'", e->definition.id, e->definition.version, ns),
                               prefix + "norm_set");
      if (ns.empty()) ns = e->definition.default_norm_set;
      c.scales.push_back({e->definition.id, e->definition.version, ns});
    }
  } else if (t) {
    for (const auto& id : t->instruments)
      if (const auto* e = instruments::BundledDefinitions().Find(id))
        c.scales.push_back({e->definition.id, e->definition.version, e->definition.default_norm_set});
  }
  if (c.scales.empty()) return InvalidArgument("at least one scale is required", "scales");
  for (size_t i = 0; i < c.scales.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (c.scales[i].instrument_id == c.scales[j].instrument_id)
        return InvalidArgument("a scale appears twice", fmt::format("scales[{}]", i));
  XQ_RETURN_IF_ERROR(CheckScaleLicences(c, school_ids));
  c.notice = notice.value_or("");
  c.consent_text = consent_text.value_or("");
  if (c.notice.size() > 10000) return InvalidArgument("notice is too long", "notice");
  if (c.consent_text.size() > 10000) return InvalidArgument("consent_text is too long", "consent_text");
  // Students and guardians read the name, notice and consent text.
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(c.name, "name"));
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(c.notice, "notice"));
  XQ_RETURN_IF_ERROR(policy::CheckNeutralText(c.consent_text, "consent_text"));
  c.consent_age = static_cast<int>(consent_age.value_or(14));
  if (c.consent_age < 14 || c.consent_age > 18) return InvalidArgument("consent_age must be 14..18", "consent_age");
  c.urgent_due_hours = static_cast<int>(urgent_h.value_or(24));
  if (c.urgent_due_hours < 1 || c.urgent_due_hours > 168)
    return InvalidArgument("urgent_due_hours must be 1..168", "urgent_due_hours");
  c.other_due_days = static_cast<int>(other_d.value_or(7));
  if (c.other_due_days < 1 || c.other_due_days > 90)
    return InvalidArgument("other_due_days must be 1..90", "other_due_days");

  XQ_RETURN_IF_ERROR(CheckCampaignName(c, confirm_duplicate_name.value_or(false)));
  std::vector<std::string> paths;
  for (const auto& u : c.units) paths.push_back(u.path);
  XQ_ASSIGN_OR_RETURN(auto students, store_.StudentsUnder(paths));
  std::erase_if(students, [&](const StudentInfo& s) {
    if (!c.grades.empty() && std::find(c.grades.begin(), c.grades.end(), s.grade_year) == c.grades.end()) return true;
    if (!c.school_kinds.empty() &&
        std::find(c.school_kinds.begin(), c.school_kinds.end(), s.school_kind) == c.school_kinds.end())
      return true;
    return false;
  });
  c.id = NewId();
  c.created_by = p.account_id;
  c.created_at = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(store_.CreateCampaign(c, students));
  c.assignments = static_cast<int64_t>(students.size() * c.scales.size());
  XQ_RETURN_IF_ERROR(Audit(&p, "create", "campaign", IdToString(c.id), 0, "ok",
                           fmt::format("{{\"students\":{},\"scales\":{}}}", students.size(), c.scales.size())));
  return c;
}

absl::StatusOr<std::vector<Campaign>> ScreeningService::ListCampaigns(const policy::Principal& p) {
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kWorkRecords);
  if (scopes.empty()) return PermissionDenied("no role of this account sees campaigns");
  XQ_ASSIGN_OR_RETURN(auto all, store_.ListCampaigns());
  std::vector<Campaign> out;
  for (auto& c : all) {
    bool visible = false;
    for (const auto& s : scopes) visible = visible || Touches(c, s.path);
    if (visible) out.push_back(std::move(c));
  }
  XQ_RETURN_IF_ERROR(DecorateCampaigns(p, out));
  return out;
}

absl::StatusOr<Campaign> ScreeningService::VisibleCampaign(const policy::Principal& p, int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(id));
  if (!c) return NotFound("campaign not found");
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kWorkRecords);
  for (const auto& s : scopes)
    if (Touches(*c, s.path)) return *c;
  XQ_RETURN_IF_ERROR(Audit(&p, "denied", "campaign", IdToString(id), 0, "denied", "campaign outside scope"));
  return NotFound("campaign not found");
}

absl::StatusOr<Campaign> ScreeningService::GetCampaign(const policy::Principal& p, int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto c, VisibleCampaign(p, id));
  std::vector<Campaign> one{std::move(c)};
  XQ_RETURN_IF_ERROR(DecorateCampaigns(p, one));
  return std::move(one.front());
}

absl::StatusOr<Campaign> ScreeningService::CloseCampaign(const policy::Principal& p, int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto c, VisibleCampaign(p, id));
  auto scopes = ScopesFor(p.actor, Action::kWrite, DataClass::kWorkRecords,
                          {Role::kPsychStaff, Role::kDistrictAdmin, Role::kCityAdmin});
  if (!Covering(scopes, c.owner_path)) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "campaign", IdToString(id), 0, "denied", "close campaign"));
    return PermissionDenied("only the campaign's owners close it");
  }
  XQ_ASSIGN_OR_RETURN(bool changed, store_.CloseCampaign(id));
  {
    std::lock_guard lk(cache_mu_);
    campaigns_.erase(id);
  }
  if (changed) XQ_RETURN_IF_ERROR(Audit(&p, "close", "campaign", IdToString(id), 0, "ok"));
  return VisibleCampaign(p, id);
}

absl::StatusOr<Consent> ScreeningService::RecordConsent(const policy::Principal& p, int64_t campaign_id,
                                                        int64_t student_id, std::string_view decision) {
  if (decision != "consent" && decision != "decline")
    return InvalidArgument("decision must be consent or decline", "decision");
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(campaign_id));
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(student_id));
  if (!c || !s) return NotFound("not found");
  std::string source;
  const bool own_child =
      std::find(p.actor.child_ids.begin(), p.actor.child_ids.end(), student_id) != p.actor.child_ids.end();
  if (own_child) {
    source = "guardian";
  } else if (p.actor.student_id != 0 && p.actor.student_id == student_id) {
    // A student may decline; consent for an under-14 comes from a guardian.
    if (decision != "decline") return PermissionDenied("a student may decline, not consent for a guardian");
    source = "student";
  } else {
    // Staff recording a paper form: D8 write and D1 read in the student's scope.
    auto scopes = ScopesFor(p.actor, Action::kWrite, DataClass::kWorkRecords,
                            {Role::kPsychStaff, Role::kHeadTeacher, Role::kSchoolDataAdmin});
    auto roster = policy::Decide(p.actor, Action::kRead, StudentRes(DataClass::kRoster, student_id, s->unit_path));
    if (!Covering(scopes, s->unit_path) || !roster.allowed) {
      XQ_RETURN_IF_ERROR(Audit(&p, "denied", "consent", IdToString(campaign_id), student_id, "denied", roster.reason));
      return NotFound("not found");
    }
    source = "paper";
  }
  if (!InCampaign(*c, s->unit_path)) return NotFound("the student is not part of this campaign");
  Consent rec{campaign_id, student_id, std::string(decision), source, p.account_id, clock_.NowMicros()};
  XQ_RETURN_IF_ERROR(store_.PutConsent(rec));
  tallies_.Touch();
  contexts_.ForgetStudent(student_id);
  XQ_RETURN_IF_ERROR(Audit(&p, "consent", "campaign", IdToString(campaign_id), student_id, "ok",
                           fmt::format("{{\"decision\":\"{}\",\"source\":\"{}\"}}", decision, source)));
  return rec;
}

absl::StatusOr<Json> ScreeningService::ConsentRequests(const policy::Principal& p) {
  if (p.actor.child_ids.empty()) return PermissionDenied("only guardians have consent requests");
  Json items = Json::array();
  const std::string today = FormatDate(clock_.NowMicros());
  for (int64_t child : p.actor.child_ids) {
    XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(child));
    if (!s) continue;
    XQ_ASSIGN_OR_RETURN(auto assignments, store_.AssignmentsOfStudent(child));
    // A campaign the child has answered in full asks nothing any more.
    std::map<int64_t, bool> open_scales;
    for (const auto& a : assignments) open_scales[a.campaign_id] |= a.state != "submitted";
    XQ_ASSIGN_OR_RETURN(auto school, store_.GetUnit(s->school_id));
    std::set<int64_t> seen;
    for (const auto& a : assignments) {
      if (!seen.insert(a.campaign_id).second) continue;
      if (!open_scales[a.campaign_id]) continue;
      XQ_ASSIGN_OR_RETURN(auto c, CampaignById(a.campaign_id));
      if (!c || c->state != "open" || c->closes_on < today) continue;
      XQ_ASSIGN_OR_RETURN(auto consent, store_.GetConsent(a.campaign_id, child));
      XQ_ASSIGN_OR_RETURN(auto owner, store_.GetUnit(c->owner_unit_id));
      int age = AgeOn(s->birth_date, today);
      // Campaigns of the same name are told apart by who runs them and when.
      Json j = {{"campaign_id", IdToString(c->id)},
                {"campaign_name", c->name},
                {"owner_name", owner ? owner->name : std::string()},
                {"school_name", school ? school->name : std::string()},
                {"opens_on", c->opens_on},
                {"student_id", IdToString(child)},
                {"student_name", s->name},
                {"notice", c->notice},
                {"consent_text", c->consent_text},
                {"closes_on", c->closes_on},
                {"consent_required", age < 0 || age < c->consent_age}};
      if (consent) j["decision"] = consent->decision;
      items.push_back(std::move(j));
    }
  }
  return Json{{"items", items}};
}

// ---------------------------------------------------------------- answering

absl::StatusOr<bool> ScreeningService::MayAnswer(const Campaign& c, const StudentInfo& s, std::string* why) {
  XQ_ASSIGN_OR_RETURN(auto consent, store_.GetConsent(c.id, s.id));
  return MayAnswer(c, s, consent, why);
}

bool ScreeningService::MayAnswer(const Campaign& c, const StudentInfo& s, const std::optional<Consent>& consent,
                                 std::string* why) const {
  const std::string today = FormatDate(clock_.NowMicros());
  if (c.state != "open" || today > c.closes_on) {
    *why = "closed";
    return false;
  }
  if (today < c.opens_on) {
    *why = "not_open";
    return false;
  }
  if (consent && consent->decision == "decline") {
    *why = "declined";
    return false;
  }
  if (NeedsConsent(c, s) && !(consent && consent->decision == "consent")) {
    *why = "awaiting_consent";
    return false;
  }
  return true;
}

bool ScreeningService::NeedsConsent(const Campaign& c, const StudentInfo& s) const {
  const int age = AgeOn(s.birth_date, FormatDate(clock_.NowMicros()));
  return age < 0 || age < c.consent_age;
}

bool ScreeningService::AwaitsConsent(const Campaign& c, const ProgressRow& r) const {
  if (r.consent == "consent" || r.consent == "decline") return false;
  const int age = AgeOn(r.birth_date, FormatDate(clock_.NowMicros()));
  return age < 0 || age < c.consent_age;
}

absl::Status ScreeningService::HoldContextsOf(int64_t student_id, int64_t now) {
  if (contexts_.StudentHeld(student_id, now)) return absl::OkStatus();
  XQ_ASSIGN_OR_RETURN(auto mine, store_.UnsubmittedContextsOf(student_id));
  contexts_.PutStudent(student_id, std::move(mine), now);
  return absl::OkStatus();
}

absl::StatusOr<size_t> ScreeningService::HoldOpenAssessments(const std::vector<int64_t>& student_ids) {
  constexpr size_t kChunk = 500;  // students per query
  for (size_t i = 0; i < student_ids.size(); i += kChunk) {
    std::vector<int64_t> chunk(
        student_ids.begin() + static_cast<std::ptrdiff_t>(i),
        student_ids.begin() + static_cast<std::ptrdiff_t>(std::min(i + kChunk, student_ids.size())));
    const int64_t now = clock_.NowMicros();  // before the read: never held longer than read
    XQ_ASSIGN_OR_RETURN(auto contexts, store_.UnsubmittedContextsOf(chunk));
    contexts_.PutStudents(chunk, std::move(contexts), now);
  }
  return contexts_.size();
}

absl::StatusOr<Json> ScreeningService::ListAssignments(const policy::Principal& p) {
  if (p.actor.student_id == 0) return PermissionDenied("only students have assessments to answer");
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(p.actor.student_id));
  if (!s) return NotFound("student not found");
  // Answering follows the list: its submissions then read nothing.
  XQ_RETURN_IF_ERROR(HoldContextsOf(s->id, clock_.NowMicros()));
  XQ_ASSIGN_OR_RETURN(auto assignments, store_.AssignmentsOfStudent(s->id));
  std::map<int64_t, std::shared_ptr<const Campaign>> campaigns;
  Json items = Json::array();
  for (const auto& a : assignments) {
    if (!campaigns.count(a.campaign_id)) {
      XQ_ASSIGN_OR_RETURN(campaigns[a.campaign_id], CampaignById(a.campaign_id));
    }
    const auto& c = campaigns[a.campaign_id];
    if (!c || a.position >= static_cast<int>(c->scales.size())) continue;
    const auto* e = FindScale(c->scales[a.position]);
    std::string state = a.state;
    if (state == "pending") {
      std::string why;
      XQ_ASSIGN_OR_RETURN(bool ok, MayAnswer(*c, *s, &why));
      if (!ok) {
        state = why;
      } else {
        XQ_ASSIGN_OR_RETURN(auto draft, store_.GetDraft(a.id));
        if (draft) state = "in_progress";
      }
    }
    if (state == "closed" || state == "not_open") continue;
    items.push_back({{"id", IdToString(a.id)},
                     {"campaign_id", IdToString(c->id)},
                     {"campaign_name", c->name},
                     {"instrument_id", c->scales[a.position].instrument_id},
                     {"title", StudentTitle(a.position)},
                     {"items", e ? e->definition.items.size() : 0},
                     {"state", state},
                     {"closes_on", c->closes_on}});
  }
  return Json{{"items", items}, {"next", nullptr}};
}

absl::StatusOr<Json> ScreeningService::GetAssignment(const policy::Principal& p, int64_t id) {
  XQ_ASSIGN_OR_RETURN(auto a, store_.GetAssignment(id));
  if (!a || p.actor.student_id == 0 || a->student_id != p.actor.student_id) return NotFound("assessment not found");
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(a->campaign_id));
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(a->student_id));
  if (!c || !s || a->position >= static_cast<int>(c->scales.size())) return NotFound("assessment not found");
  const auto* e = FindScale(c->scales[a->position]);
  if (!e) return Internal("the campaign's scale version is not available");
  const auto& def = e->definition;
  Json items = Json::array();
  for (const auto& item : def.items) {
    Json options = Json::array();
    for (const auto& o : item.options) options.push_back({{"code", o.code}, {"text", TextOf(o.text)}});
    static constexpr const char* kTypes[] = {"single", "yes_no", "multi", "text"};
    items.push_back({{"id", item.id},
                     {"type", kTypes[static_cast<int>(item.type)]},
                     {"text", TextOf(item.text)},
                     {"required", item.required},
                     {"options", options}});
  }
  std::string state = a->state;
  if (state == "pending") {
    std::string why;
    XQ_ASSIGN_OR_RETURN(bool ok, MayAnswer(*c, *s, &why));
    if (!ok) state = why;
  }
  Json out = {{"id", IdToString(a->id)},
              {"state", state},
              {"campaign",
               {{"id", IdToString(c->id)},
                {"name", c->name},
                {"notice", c->notice},
                {"consent_text", c->consent_text},
                {"closes_on", c->closes_on}}},
              {"instrument",
               {{"id", def.id},
                {"version", def.version},
                {"title", StudentTitle(a->position)},
                {"instructions", TextOf(def.instructions)},
                {"items", items}}}};
  // Own answers are visible until submitted (D2).
  auto d = policy::Decide(p.actor, Action::kRead, [&] {
    auto r = StudentRes(DataClass::kRawAnswers, a->student_id, a->unit_path);
    r.submitted = a->state == "submitted";
    return r;
  }());
  if (d.allowed) {
    XQ_ASSIGN_OR_RETURN(auto draft, store_.GetDraft(a->id));
    if (draft) {
      auto answers = ParseJson(draft->answers);
      out["draft"] = {{"answers", answers.ok() ? *answers : Json::object()},
                      {"position", draft->position},
                      {"updated_at", FormatRfc3339(draft->updated_at)}};
    }
  }
  return out;
}

absl::Status ScreeningService::SaveDraft(const policy::Principal& p, int64_t id, const Json& answers, int position) {
  XQ_ASSIGN_OR_RETURN(auto a, store_.GetAssignment(id));
  if (!a || p.actor.student_id == 0 || a->student_id != p.actor.student_id) return NotFound("assessment not found");
  auto r = StudentRes(DataClass::kRawAnswers, a->student_id, a->unit_path);
  r.submitted = a->state == "submitted";
  auto d = policy::Decide(p.actor, Action::kWrite, r);
  if (!d.allowed) return Conflict("the answers are already submitted");
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(a->campaign_id));
  XQ_ASSIGN_OR_RETURN(auto s, store_.GetStudent(a->student_id));
  if (!c || !s) return NotFound("assessment not found");
  std::string why;
  XQ_ASSIGN_OR_RETURN(bool ok, MayAnswer(*c, *s, &why));
  if (!ok) return PermissionDenied("this assessment cannot be answered now: " + why);
  const auto* e = FindScale(c->scales[a->position]);
  if (!e) return Internal("the campaign's scale version is not available");
  if (position < 0 || position > static_cast<int>(e->definition.items.size()))
    return InvalidArgument("position is outside the scale", "position");
  XQ_ASSIGN_OR_RETURN(auto given, GivenAnswersOf(answers));
  XQ_ASSIGN_OR_RETURN(auto parsed, ParseAnswers(e->plan, given));
  return store_.PutDraft(id, Draft{std::move(parsed.stored), position, clock_.NowMicros()});
}

absl::StatusOr<WriteRequest> ScreeningService::Score(const Campaign& c, const Assignment& a, const StudentInfo& s,
                                                     const GivenAnswers& answers, std::optional<double> elapsed,
                                                     std::string client_key, std::string source,
                                                     std::vector<std::string>* feedback_keys) {
  const auto* e = FindScale(c.scales[a.position]);
  if (!e) return Internal("the campaign's scale version is not available");
  const instruments::ScoringPlan& plan = PlanOf(*e, c.scales[a.position]);
  XQ_ASSIGN_OR_RETURN(auto parsed, ParseAnswers(plan, answers));
  parsed.response.elapsed_seconds = elapsed;
  parsed.response.sex = SexOf(s.sex);
  int age = AgeOn(s.birth_date, FormatDate(clock_.NowMicros()));
  if (age >= 0) parsed.response.age = age;
  if (s.grade_year >= 1 && s.grade_year <= 12) parsed.response.grade = s.grade_year;
  auto scored = plan.Score(parsed.response);
  if (!scored.ok()) {
    auto field = FieldOf(scored.status());
    std::string f = field ? *field : "answers";
    if (field && plan.ItemIndex(*field) >= 0) f = "answers." + *field;
    return InvalidArgument(std::string(scored.status().message()), f);
  }
  const auto& def = e->definition;
  WriteRequest w;
  Submission& x = w.submission;
  x.id = NewId();
  x.assignment_id = a.id;
  x.client_key = std::move(client_key);
  x.campaign_id = c.id;
  x.student_id = s.id;
  x.school_id = s.school_id;
  x.unit_path = a.unit_path;
  x.instrument_id = def.id;
  x.version = def.version;
  x.answers = std::move(parsed.stored);
  x.result = instruments::ResultJsonText(plan, *scored);  // names the norm set
  x.positive = IsPositive(plan, *scored);
  x.critical = !scored->critical.empty();
  x.valid = scored->valid;
  if (feedback_keys)
    for (int f : scored->feedback) feedback_keys->push_back(def.feedback[f].key);
  x.source = std::move(source);
  x.sex = s.sex;
  x.grade_year = s.grade_year;
  x.school_kind = s.school_kind;
  x.submitted_at = clock_.NowMicros();
  // The urgent warnings and the follow-up are the warning module's: it
  // raises them from the submissions log (screening/events.h).
  w.urgent_warnings = static_cast<int>(scored->critical.size());
  return w;
}

std::vector<std::string> ScreeningService::FeedbackTexts(const policy::Actor& actor, const Submission& x) const {
  std::vector<std::string> keys;
  auto result = ParseJson(x.result);
  if (result.ok() && result->contains("feedback"))
    for (const auto& key : (*result)["feedback"])
      if (key.is_string()) keys.push_back(key.get<std::string>());
  return FeedbackTexts(actor, x, keys);
}

std::vector<std::string> ScreeningService::FeedbackTexts(const policy::Actor& actor, const Submission& x,
                                                         const std::vector<std::string>& keys) const {
  std::vector<std::string> out;
  // After a critical answer the student reads one caring text that urges
  // reaching out now (the hotlines follow at once), not the scale's
  // everyday advice; it names no condition and no score.
  if (x.critical) return {std::string(kReachOutNowText)};
  const auto* e = instruments::BundledDefinitions().Find(x.instrument_id, x.version);
  // D3 for a student: the neutral feedback text only, and only if the scale
  // has feedback written for students.
  policy::Resource r = StudentRes(DataClass::kResults, x.student_id, x.unit_path);
  if (e) {
    for (const auto& f : e->definition.feedback)
      r.feedback_allowed = r.feedback_allowed || f.audience == instruments::Audience::kStudent;
  }
  auto d = policy::Decide(actor, Action::kRead, r);
  if (d.allowed && d.view == policy::View::kFeedbackOnly && e) {
    for (const auto& key : keys) {
      for (const auto& f : e->definition.feedback) {
        if (f.key == key && f.audience == instruments::Audience::kStudent) out.push_back(TextOf(f.text));
      }
    }
  }
  if (out.empty()) out.push_back("谢谢你认真完成这份问卷。如果想找人聊聊，可以随时联系学校心理老师或拨打下方热线。");
  return out;
}

absl::StatusOr<ScreeningService::PreparedSubmit> ScreeningService::PrepareSubmit(const policy::Principal& p, int64_t id,
                                                                                 const SubmitInput& in) {
  if (in.submission_id.empty() || in.submission_id.size() > 100)
    return InvalidArgument("submission_id is required (at most 100 characters)", "submission_id");
  if (in.elapsed_seconds && (*in.elapsed_seconds < 0 || *in.elapsed_seconds > 86400))
    return InvalidArgument("elapsed_seconds must be 0..86400", "elapsed_seconds");
  if (p.actor.student_id == 0) return NotFound("assessment not found");
  const int64_t now = clock_.NowMicros();
  std::optional<SubmitContext> ctx = contexts_.Find(id, now);
  if (!ctx) {
    // The student's other scales are likely to follow: read all of the
    // student's open assignments at once (unless held already).
    XQ_RETURN_IF_ERROR(HoldContextsOf(p.actor.student_id, now));
    ctx = contexts_.Find(id, now);
  }
  bool from_memory = ctx.has_value();
  // Submitted, someone else's or no such assignment: as stored.
  if (!ctx) {
    XQ_ASSIGN_OR_RETURN(ctx, store_.GetSubmitContext(id));
  }
  if (!ctx || ctx->assignment.student_id != p.actor.student_id) return NotFound("assessment not found");
  const Assignment* a = &ctx->assignment;
  const StudentInfo* s = ctx->student.get();
  const std::optional<Submission>& existing = ctx->submission;
  PreparedSubmit prep;
  SubmitOutcome& out = prep.out;
  XQ_ASSIGN_OR_RETURN(out.hotlines, hotlines_.ForUnit(s->unit_path));
  if (existing) {
    if (existing->client_key != in.submission_id) return Conflict("the answers are already submitted", "submission_id");
    out.submission = *existing;
    out.repeat = true;
    out.reach_out_now = existing->critical;
    out.feedback = FeedbackTexts(p.actor, *existing);
    return prep;
  }
  auto r = StudentRes(DataClass::kRawAnswers, a->student_id, a->unit_path);
  if (!policy::Decide(p.actor, Action::kWrite, r).allowed) return NotFound("assessment not found");
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(a->campaign_id));
  if (!c || a->position >= static_cast<int>(c->scales.size())) return NotFound("assessment not found");
  std::string why;
  if (!MayAnswer(*c, *s, ctx->consent, &why) && from_memory) {
    // A consent recorded on another server since the read: decide again as stored.
    contexts_.ForgetStudent(a->student_id);
    XQ_ASSIGN_OR_RETURN(ctx, store_.GetSubmitContext(id));
    if (!ctx || ctx->assignment.student_id != p.actor.student_id) return NotFound("assessment not found");
    if (ctx->submission) return PrepareSubmit(p, id, in);  // submitted meanwhile: a repeat or a conflict
    a = &ctx->assignment;
    s = ctx->student.get();
    from_memory = false;
  }
  if (!from_memory && !MayAnswer(*c, *s, ctx->consent, &why))
    return PermissionDenied("this assessment cannot be answered now: " + why);
  std::vector<std::string> feedback_keys;
  XQ_ASSIGN_OR_RETURN(auto w,
                      Score(*c, *a, *s, in.answers, in.elapsed_seconds, in.submission_id, "online", &feedback_keys));
  // Worked out here, not on the writer thread after the commit.
  out.feedback = FeedbackTexts(p.actor, w.submission, feedback_keys);
  out.reach_out_now = w.submission.critical;
  // out.submission is the stored row, given when the write completes.
  // Checked again by the writer's claim, in the committing transaction.
  w.needs_consent = NeedsConsent(*c, *s);
  prep.write = std::move(w);
  return prep;
}

void ScreeningService::SubmitAsync(const policy::Principal& p, int64_t id, const SubmitInput& in, SubmitDone done) {
  auto prep = PrepareSubmit(p, id, in);
  if (!prep.ok()) return done(prep.status());
  if (!prep->write) return done(std::move(prep->out));
  const int64_t fresh_id = prep->write->submission.id;
  writer_.WriteAsync(std::move(*prep->write), [this, out = std::move(prep->out), actor = p.actor, fresh_id, id,
                                               done = std::move(done)](absl::StatusOr<Submission> stored) mutable {
    contexts_.Forget(id);  // submitted, or to be read again
    tallies_.Touch();
    if (stored.status().code() == absl::StatusCode::kPermissionDenied) contexts_.ForgetStudent(actor.student_id);
    if (!stored.ok()) return done(stored.status());
    out.repeat = stored->id != fresh_id;  // a concurrent repeat committed first
    if (out.repeat) out.feedback = FeedbackTexts(actor, *stored);
    if (out.repeat) out.reach_out_now = stored->critical;
    out.submission = std::move(*stored);
    done(std::move(out));
  });
}

absl::StatusOr<SubmitOutcome> ScreeningService::Submit(const policy::Principal& p, int64_t id, const SubmitInput& in) {
  std::promise<absl::StatusOr<SubmitOutcome>> promise;
  auto fut = promise.get_future();
  SubmitAsync(p, id, in, [&promise](absl::StatusOr<SubmitOutcome> out) { promise.set_value(std::move(out)); });
  return fut.get();
}

// ---------------------------------------------------------------- progress

absl::StatusOr<Json> ScreeningService::Progress(const policy::Principal& p, int64_t campaign_id,
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
  auto tally_json = [](const Tally& t) {
    const int64_t expected = t.students - t.declined;
    return Json{{"students", t.students},
                {"completed", t.completed},
                {"declined", t.declined},
                {"awaiting_consent", t.awaiting_consent},
                {"pending", t.students - t.completed - t.declined - t.awaiting_consent},
                {"rate", expected > 0 ? static_cast<double>(t.completed) / static_cast<double>(expected) : 0.0}};
  };
  XQ_ASSIGN_OR_RETURN(auto units, store_.GetUnits(order));
  SortUnitsForDisplay(units);  // 七年级 八年级 九年级, not in path order
  Json kids = Json::array();
  for (const auto& u : units) {
    Json j = tally_json(children[u.id]);
    j["unit_id"] = IdToString(u.id);
    j["name"] = u.name;
    j["kind"] = u.kind;
    kids.push_back(std::move(j));
  }
  Json out = tally_json(total);
  out["campaign_id"] = IdToString(campaign_id);
  out["unit"] = {{"id", IdToString(root.id)}, {"name", root.name}, {"kind", root.kind}};
  out["children"] = kids;
  return out;
}

absl::StatusOr<Json> ScreeningService::NonRespondents(const policy::Principal& p, int64_t campaign_id,
                                                      int64_t unit_id) {
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
  Json items = Json::array();
  for (const auto& r : rows) {
    if (r.submitted >= r.assigned || r.consent == "decline") continue;  // declines are not chased
    items.push_back({{"student_id", IdToString(r.student_id)},
                     {"name", r.name},
                     {"student_no", r.student_no},
                     {"awaiting_consent", AwaitsConsent(c, r)}});
  }
  return Json{{"items", items}, {"next", nullptr}, {"total", items.size()}};
}

absl::StatusOr<Json> ScreeningService::Remind(const policy::Principal& p, int64_t campaign_id, int64_t unit_id) {
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
  for (const auto& item : list["items"]) {
    const int64_t sid = IdFromString(item["student_id"].get<std::string>()).value_or(0);
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
  // `reminded`: students covered (a to-do for them or their guardian);
  // `delivered`: by an outbound channel, none yet.
  return Json{{"reminded", students + awaiting},
              {"students", students},
              {"guardians", guardians},
              {"awaiting_consent", awaiting},
              {"no_guardian_account", no_guardian_account},
              {"delivered", 0},
              {"channels", Json::array({"home"})},
              {"at", FormatRfc3339(now)}};
}

// ---------------------------------------------------------------- results

namespace {

Json ResultRow(const Submission& x) {
  auto result = ParseJson(x.result);
  Json r = result.ok() ? *result : Json::object();
  Json j = {{"submission_id", IdToString(x.id)},
            {"student_id", IdToString(x.student_id)},
            {"student_name", x.student_name},
            {"student_no", x.student_no},
            {"class_id", IdToString(LastIdOf(x.unit_path))},
            {"instrument_id", x.instrument_id},
            {"version", x.version},
            {"scores", r.value("scores", Json::object())},
            {"bands", r.value("bands", Json::object())},
            {"classes", r.value("classes", Json::object())},
            {"critical", r.value("critical", Json::array())},
            {"valid", x.valid},
            {"flags", r.value("flags", Json::array())},
            {"positive", x.positive},
            {"source", x.source},
            {"submitted_at", FormatRfc3339(x.submitted_at)},
            {"unit_path", x.unit_path}};  // replaced by class_name (FillClassNames)
  // The norm set that classified the result (stored inside the result).
  if (r.contains("norm_set")) j["norm_set"] = r["norm_set"];
  AddResultLabels(j, x);
  return j;
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

absl::StatusOr<Json> ScreeningService::Results(const policy::Principal& p, int64_t campaign_id,
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
  Json items = Json::array();
  for (const auto& x : subs) items.push_back(ResultRow(x));
  XQ_RETURN_IF_ERROR(FillClassNames(items));
  if (!subs.empty())
    XQ_RETURN_IF_ERROR(Audit(&p, "read", "screening_results", IdToString(campaign_id),
                             subs.size() == 1 ? subs[0].student_id : 0, "ok",
                             fmt::format("{{\"rows\":{},\"students\":\"{}\"}}", subs.size(), StudentIds(subs))));
  return Json{{"items", items}, {"next", nullptr}, {"total", items.size()}};
}

absl::StatusOr<Json> ScreeningService::StudentHistory(const policy::Principal& p, int64_t student_id) {
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
  Json items = Json::array();
  for (const auto& x : subs) {
    Json j = ResultRow(x);
    j["campaign_id"] = IdToString(x.campaign_id);
    if (answers) {
      auto a = ParseJson(x.answers);
      if (a.ok()) {
        j["answers"] = *a;
        j["answer_list"] = ItemAnswerLabels(x, *a);
      }
    }
    items.push_back(std::move(j));
  }
  XQ_RETURN_IF_ERROR(FillClassNames(items));
  XQ_RETURN_IF_ERROR(Audit(&p, "read", "screening_history", IdToString(student_id), student_id, "ok",
                           fmt::format("{{\"rows\":{}}}", subs.size())));
  return Json{{"student_id", IdToString(student_id)}, {"student_name", s->name}, {"items", items}};
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

absl::StatusOr<Json> ScreeningService::Aggregates(const policy::Principal& p, int64_t campaign_id,
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
  auto cell = [](int64_t screened, int64_t positive, bool hidden) {
    if (hidden) return Json{{"suppressed", true}};
    return Json{{"screened", screened},
                {"positive", positive},
                {"rate", screened ? static_cast<double>(positive) / static_cast<double>(screened) : 0.0}};
  };
  Json out_rows = Json::array();
  std::vector<int64_t> col_n(cols.size(), 0), col_p(cols.size(), 0);
  int64_t all_n = 0, all_p = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    Json cells = Json::array();
    int64_t rn = 0, rp = 0;
    for (size_t cc = 0; cc < cols.size(); ++cc) {
      Json cj = cell(n[r][cc], pos[r][cc], sup.cell[r][cc]);
      cj["key"] = cols[cc];
      cells.push_back(std::move(cj));
      rn += n[r][cc], rp += pos[r][cc];
      col_n[cc] += n[r][cc], col_p[cc] += pos[r][cc];
    }
    all_n += rn, all_p += rp;
    Json row = {{"key", rows[r]}, {"label", label(row_dim, rows[r])}, {"cells", cells}};
    if (cols.size() > 1) row["total"] = cell(rn, rp, sup.row_total[r]);
    out_rows.push_back(std::move(row));
  }
  Json out_cols = Json::array(), col_totals = Json::array();
  for (size_t cc = 0; cc < cols.size(); ++cc) {
    out_cols.push_back({{"key", cols[cc]}, {"label", col_dim.empty() ? "合计" : label(col_dim, cols[cc])}});
    Json t = cell(col_n[cc], col_p[cc], sup.col_total[cc]);
    t["key"] = cols[cc];
    col_totals.push_back(std::move(t));
  }
  return Json{{"campaign_id", IdToString(campaign_id)},
              {"instrument_id", instrument},
              {"k", k},
              {"by", q.by},
              {"columns", out_cols},
              {"rows", out_rows},
              {"column_totals", col_totals},
              {"total", cell(all_n, all_p, sup.grand_total)}};
}

// ---------------------------------------------------------------- paper import

absl::StatusOr<ImportResult> ScreeningService::ImportPaper(int64_t campaign_id, std::string_view csv) {
  ImportResult out;
  XQ_ASSIGN_OR_RETURN(auto c, CampaignById(campaign_id));
  if (!c) return NotFound("campaign not found");
  // Minimal CSV: comma separated, optional double quotes, UTF-8, header first.
  auto split = [](std::string_view line) {
    std::vector<std::string> cells;
    std::string cur;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char ch = line[i];
      if (quoted) {
        if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"')
          cur += '"', ++i;
        else if (ch == '"')
          quoted = false;
        else
          cur += ch;
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        cells.push_back(std::move(cur));
        cur.clear();
      } else if (ch != '\r') {
        cur += ch;
      }
    }
    cells.push_back(std::move(cur));
    return cells;
  };
  if (!IsValidUtf8(csv)) return InvalidArgument("the file is not UTF-8", "file");
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < csv.size();) {
    size_t end = csv.find('\n', start);
    if (end == std::string_view::npos) end = csv.size();
    lines.push_back(csv.substr(start, end - start));
    start = end + 1;
  }
  if (lines.empty()) return InvalidArgument("the file is empty", "file");
  std::string_view head = lines[0];
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  auto header = split(head);
  int col_school = -1, col_no = -1, col_inst = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "school_id") col_school = static_cast<int>(i);
    if (header[i] == "student_no") col_no = static_cast<int>(i);
    if (header[i] == "instrument_id") col_inst = static_cast<int>(i);
  }
  if (col_no < 0) return InvalidArgument("line 1: the header needs a student_no column", "student_no");
  if (col_inst < 0 && c->scales.size() > 1)
    return InvalidArgument("line 1: the header needs an instrument_id column", "instrument_id");
  std::set<int64_t> schools;
  for (const auto& u : c->units) {
    XQ_ASSIGN_OR_RETURN(auto info, store_.GetUnit(u.id));
    if (info && info->school_id) schools.insert(info->school_id);
  }
  std::vector<WriteRequest> ready;
  std::set<int64_t> in_file;  // assignments seen in this file
  for (size_t ln = 1; ln < lines.size(); ++ln) {
    if (lines[ln].empty() || lines[ln] == "\r") continue;
    const int line_no = static_cast<int>(ln) + 1;
    auto cells = split(lines[ln]);
    auto fail = [&](int col, std::string field, std::string msg) {
      out.errors.push_back({line_no, col + 1, std::move(field), std::move(msg)});
    };
    ++out.rows;
    if (cells.size() != header.size()) {
      fail(0, "", fmt::format("expected {} columns, found {}", header.size(), cells.size()));
      continue;
    }
    int64_t school = 0;
    if (col_school >= 0) {
      school = IdFromString(cells[col_school]).value_or(0);
    } else if (schools.size() == 1) {
      school = *schools.begin();
    }
    if (school == 0) {
      fail(col_school, "school_id", "school_id is required when the campaign spans several schools");
      continue;
    }
    XQ_ASSIGN_OR_RETURN(auto s, store_.FindStudentByNo(school, cells[col_no]));
    if (!s) {
      fail(col_no, "student_no", "unknown student number");
      continue;
    }
    int pos = 0;
    if (col_inst >= 0) {
      pos = -1;
      for (size_t i = 0; i < c->scales.size(); ++i)
        if (c->scales[i].instrument_id == cells[col_inst]) pos = static_cast<int>(i);
      if (pos < 0) {
        fail(col_inst, "instrument_id", "the campaign has no such scale");
        continue;
      }
    }
    XQ_ASSIGN_OR_RETURN(auto assignments, store_.AssignmentsOfStudent(s->id));
    std::optional<Assignment> a;
    for (const auto& x : assignments)
      if (x.campaign_id == campaign_id && x.position == pos) a = x;
    if (!a) {
      fail(col_no, "student_no", "the student has no assignment in this campaign");
      continue;
    }
    XQ_ASSIGN_OR_RETURN(auto consent, store_.GetConsent(campaign_id, s->id));
    if (consent && consent->decision == "decline") {
      fail(col_no, "student_no", "the student or guardian declined");
      continue;
    }
    if (!in_file.insert(a->id).second) {
      fail(col_no, "student_no", "the student appears twice for this scale");
      continue;
    }
    const std::string key = fmt::format("paper:{}:{}", campaign_id, a->id);
    XQ_ASSIGN_OR_RETURN(auto existing, store_.SubmissionOfAssignment(a->id));
    if (existing && existing->client_key != key) {
      fail(col_no, "student_no", "the student has already answered this scale");
      continue;
    }
    const auto* e = FindScale(c->scales[pos]);
    if (!e) return Internal("the campaign's scale version is not available");
    GivenAnswers answers;
    bool bad = false;
    for (size_t i = 0; i < header.size() && !bad; ++i) {
      if (static_cast<int>(i) == col_school || static_cast<int>(i) == col_no || static_cast<int>(i) == col_inst)
        continue;
      int idx = e->plan.ItemIndex(header[i]);
      if (idx < 0) continue;  // columns of other scales
      if (cells[i].empty()) continue;
      answers.push_back({header[i], GivenAnswer{GivenAnswer::Kind::kString, cells[i], {}}});
    }
    SortGivenAnswers(answers);
    auto w = Score(*c, *a, *s, answers, std::nullopt, key, "paper");
    if (!w.ok()) {
      auto field = FieldOf(w.status()).value_or("");
      std::string item = field.starts_with("answers.") ? field.substr(8) : field;
      int col = 0;
      for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == item) col = static_cast<int>(i);
      fail(col, item, std::string(w.status().message()));
      continue;
    }
    ready.push_back(std::move(*w));
  }
  if (!out.errors.empty()) return out;
  std::vector<std::pair<int64_t, size_t>> fresh;  // (submission id, warnings)
  for (const auto& w : ready) fresh.emplace_back(w.submission.id, w.urgent_warnings);
  auto stored = writer_.WriteMany(std::move(ready));
  tallies_.Touch();
  for (size_t i = 0; i < stored.size(); ++i) {
    if (!stored[i].ok()) return stored[i].status();
    if (stored[i]->id == fresh[i].first) {
      ++out.written;
      out.warnings += static_cast<int>(fresh[i].second);
    } else {
      ++out.repeats;
    }
  }
  XQ_RETURN_IF_ERROR(
      Audit(nullptr, "import", "screening_paper", IdToString(campaign_id), 0, "ok",
            fmt::format("{{\"rows\":{},\"written\":{},\"repeats\":{}}}", out.rows, out.written, out.repeats)));
  return out;
}

}  // namespace xq::screening
