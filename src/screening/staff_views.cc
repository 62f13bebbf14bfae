// What staff see of screening (issues 17.4, 17.5, 18.6, 18.8, 18.9):
// templates only for those who create campaigns, scale titles by role,
// results labelled in Chinese with filters and pages, the city's
// suppression k, and the names that tell campaigns apart.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "core/ids.h"
#include "core/status.h"
#include "fmt/format.h"
#include "instruments/registry.h"
#include "policy/neutral_words.h"
#include "screening/screening_internal.h"
#include "screening/screening_service.h"

namespace xq::screening {
using namespace internal;  // NOLINT: the service's own helpers

namespace {

// First id of a materialised path: the city's root unit ("/1/7/42/" → 1).
int64_t RootIdOf(std::string_view path) {
  if (path.size() < 3 || path[0] != '/') return 0;
  auto end = path.find('/', 1);
  return IdFromString(std::string(path.substr(1, end - 1))).value_or(0);
}

// Ids along a path, root first.
std::vector<int64_t> IdsOf(std::string_view path) {
  std::vector<int64_t> out;
  size_t start = 1;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) break;
    if (auto id = IdFromString(std::string(path.substr(start, end - start)))) out.push_back(*id);
    start = end + 1;
  }
  return out;
}

// Band set names "total" / "total.severity" → "总分" / "总分（严重程度）".
std::string BandSetLabel(const instruments::Definition& d, std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> kSets = {
      {"severity", "严重程度"}, {"four_band", "四级分段"}, {"risk", "风险"}};
  const auto dot = name.find('.');
  const std::string_view score = name.substr(0, dot);
  std::string label(score);
  for (const auto& s : d.scores)
    if (s.id == score) label = TextOf(s.label);
  if (dot != std::string_view::npos) {
    std::string_view set = name.substr(dot + 1);
    auto it = kSets.find(set);
    label += fmt::format("（{}）", it == kSets.end() ? std::string(set) : it->second);
  }
  return label;
}

const instruments::Band* FindBand(const instruments::Definition& d, std::string_view set_name, std::string_view id) {
  const auto dot = set_name.find('.');
  const std::string_view score = set_name.substr(0, dot);
  const std::string_view set = dot == std::string_view::npos ? std::string_view() : set_name.substr(dot + 1);
  for (const auto& s : d.scores) {
    if (s.id != score) continue;
    for (const auto& bs : s.band_sets)
      if (bs.id == set)
        for (const auto& b : bs.bands)
          if (b.id == id) return &b;
  }
  return nullptr;
}

// "七年级" for 7 (Chinese numerals as staff write grades), "2025级" for an
// enrolment year.
std::string GradeName(int g) {
  static const char* kNum[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"};
  if (g >= 1 && g <= 12) return std::string(kNum[g]) + "年级";
  return fmt::format("{}级", g);
}

}  // namespace

std::string GradeLabel(int grade) { return GradeName(grade); }

void SortUnitsForDisplay(std::vector<UnitInfo>& units) {
  // Names compared with runs of ASCII digits as numbers.
  auto natural = [](const std::string& a, const std::string& b) {
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
      if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
        size_t ei = i, ej = j;
        while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
        while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
        const std::string_view na = std::string_view(a).substr(i, ei - i), nb = std::string_view(b).substr(j, ej - j);
        if (na.size() != nb.size()) return na.size() < nb.size();
        if (na != nb) return na < nb;
        i = ei, j = ej;
        continue;
      }
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
    return a.size() - i < b.size() - j;
  };
  std::stable_sort(units.begin(), units.end(), [&](const UnitInfo& a, const UnitInfo& b) {
    if (a.grade_year > 0 && b.grade_year > 0 && a.grade_year != b.grade_year) return a.grade_year < b.grade_year;
    return natural(a.name, b.name);
  });
}

std::optional<ResultLabels> LabelResult(const Submission& x, const ParsedResult& r) {
  const auto* e = instruments::BundledDefinitions().Find(x.instrument_id, x.version);
  if (!e) return std::nullopt;
  const auto& d = e->definition;
  ResultLabels out;
  out.instrument_title = TextOf(d.title);
  // Scores in the definition's order, each with its primary band; further
  // band sets of a score follow it.
  const Json& scores = r.scores;
  const Json& bands = r.bands;
  for (const auto& s : d.scores) {
    if (!s.report) continue;
    ScoreLine entry{.id = s.id, .label = TextOf(s.label)};
    if (scores.is_object() && scores.contains(s.id)) entry.value = scores[s.id];
    if (bands.is_object() && bands.contains(s.id) && bands[s.id].is_object()) {
      const std::string id = bands[s.id].value("id", "");
      entry.band_id = id;
      if (const auto* b = FindBand(d, s.id, id)) entry.band_label = TextOf(b->label);
      out.band_rank = std::max(out.band_rank, bands[s.id].value("index", -1));
    }
    out.score_list.push_back(std::move(entry));
    if (!bands.is_object()) continue;
    for (const auto& [name, band] : bands.items()) {
      if (!name.starts_with(s.id + ".") || !band.is_object()) continue;
      ScoreLine more{.id = name, .label = BandSetLabel(d, name), .band_id = band.value("id", "")};
      if (const auto* b = FindBand(d, name, band.value("id", ""))) more.band_label = TextOf(b->label);
      out.score_list.push_back(std::move(more));
    }
  }
  if (r.classes.is_object())
    for (const auto& [id, level] : r.classes.items()) {
      for (const auto& c : d.classes) {
        if (c.id != id || !level.is_object()) continue;
        ClassLine entry{.id = id, .label = TextOf(c.label), .level_id = level.value("id", "")};
        for (const auto& l : c.levels)
          if (l.id == entry.level_id) entry.level_label = TextOf(l.label);
        out.class_list.push_back(std::move(entry));
      }
    }
  if (r.critical.is_array()) {
    for (const auto& hit : r.critical) {
      CriticalLabel labels;
      const std::string id = hit.is_object() ? hit.value("id", "") : "";
      for (const auto& c : d.critical) {
        if (c.id != id) continue;
        labels.label = TextOf(c.label);
        for (const auto& item : d.items)
          if (item.id == c.item) labels.item_text = TextOf(item.text);
      }
      out.critical.push_back(std::move(labels));
    }
  }
  if (r.flags.is_array())
    for (const auto& f : r.flags) {
      if (!f.is_string()) continue;
      const std::string id = f.get<std::string>();
      std::string label = id;
      for (const auto& v : d.validity)
        if (v.id == id) label = TextOf(v.label);
      if (id.starts_with("insufficient:")) label = BandSetLabel(d, id.substr(13)) + "：作答不足";
      out.flag_labels.push_back(std::move(label));
    }
  return out;
}

std::vector<AnswerLine> ItemAnswerLabels(const Submission& x, const Json& answers) {
  const auto* e = instruments::BundledDefinitions().Find(x.instrument_id, x.version);
  std::vector<AnswerLine> out;
  if (!e || !answers.is_object()) return out;
  for (const auto& item : e->definition.items) {
    if (!answers.contains(item.id)) continue;
    const Json& a = answers[item.id];
    std::string text;
    auto option = [&](const std::string& code) {
      for (const auto& o : item.options)
        if (o.code == code) return TextOf(o.text);
      return code;
    };
    if (a.is_string()) {
      text = item.type == instruments::ItemType::kText ? a.get<std::string>() : option(a.get<std::string>());
    } else if (a.is_array()) {
      for (const auto& c : a)
        if (c.is_string()) text += (text.empty() ? "" : "；") + option(c.get<std::string>());
    }
    out.push_back({item.id, TextOf(item.text), std::move(text)});
  }
  return out;
}

absl::StatusOr<std::vector<TemplateOffer>> ScreeningService::ListTemplatesFor(const policy::Principal& p) const {
  if (!policy::MayUseCampaignTemplates(p.actor))
    return PermissionDenied("campaign templates are for those who create campaigns");
  return ListTemplates();
}

absl::Status ScreeningService::DecorateCampaigns(const policy::Principal& p, std::vector<Campaign>& cs) {
  std::set<int64_t> ids;
  for (const auto& c : cs) ids.insert(c.owner_unit_id);
  XQ_ASSIGN_OR_RETURN(auto units, store_.GetUnits(std::vector<int64_t>(ids.begin(), ids.end())));
  std::map<int64_t, const UnitInfo*> by_id;
  for (const auto& u : units) by_id[u.id] = &u;
  for (auto& c : cs) {
    c.scale_titles = policy::ScaleTitleView(p.actor, c.owner_path);
    if (auto it = by_id.find(c.owner_unit_id); it != by_id.end()) {
      c.owner_name = it->second->name;
      c.owner_kind = it->second->kind;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ScreeningService::CityK(std::string_view path) {
  XQ_ASSIGN_OR_RETURN(auto k, store_.SuppressionK(RootIdOf(path)));
  return k.value_or(kDefaultSuppressionK);
}

absl::StatusOr<int> ScreeningService::SuppressionSetting(const policy::Principal& p) {
  // Those who read aggregates, and the city admin who sets it.
  auto scopes = ScopesFor(p.actor, Action::kRead, DataClass::kAggregate);
  if (scopes.empty()) return PermissionDenied("no role of this account sees aggregates");
  return CityK(scopes.front().path);
}

absl::StatusOr<int> ScreeningService::SetSuppressionSetting(const policy::Principal& p, int k) {
  const policy::Grant* city = nullptr;
  for (const auto& g : p.actor.grants)
    if (g.role == Role::kCityAdmin && !city) city = &g;
  if (!city) {
    XQ_RETURN_IF_ERROR(Audit(&p, "denied", "suppression_setting", "", 0, "denied", "only the city admin sets k"));
    return PermissionDenied("only the city admin changes the suppression threshold");
  }
  if (k < kMinSuppressionK || k > 1000) return InvalidArgument("k must be 5..1000", "k");
  const int64_t root = RootIdOf(city->unit_path);
  XQ_ASSIGN_OR_RETURN(int before, CityK(city->unit_path));
  XQ_RETURN_IF_ERROR(store_.PutSuppressionK(root, k, p.account_id, clock_.NowMicros()));
  XQ_RETURN_IF_ERROR(Audit(&p, "update", "suppression_setting", IdToString(root), 0, "ok",
                           fmt::format("{{\"k\":{},\"previous\":{}}}", k, before)));
  return k;
}

absl::StatusOr<ResultsPageView> ScreeningService::ResultsPage(const policy::Principal& p, int64_t campaign_id,
                                                              const ResultsQuery& q) {
  static const std::set<std::string> kSorts = {"class", "-class",       "band",          "-band", "name",
                                               "-name", "submitted_at", "-submitted_at", ""};
  if (!kSorts.count(q.sort))
    return InvalidArgument("sort is one of class, band, name, submitted_at (- for descending)", "sort");
  if (q.page_size < 1 || q.page_size > 200) return InvalidArgument("page_size must be 1..200", "page_size");
  int64_t offset = 0;
  if (!q.after.empty()) {
    auto v = IdFromString(q.after);
    if (!v) return InvalidArgument("after is not a cursor of this list", "after");
    offset = *v;
  }
  std::optional<int64_t> unit = q.class_id ? q.class_id : q.unit_id;
  XQ_ASSIGN_OR_RETURN(std::vector<ResultRow> rows, Results(p, campaign_id, unit));
  auto score_list = [](const ResultRow& r) -> const std::vector<ScoreLine>& {
    static const std::vector<ScoreLine> kNone;
    return r.labels ? r.labels->score_list : kNone;
  };
  // Facets before filtering by band: the bands and classes present.
  std::map<std::string, std::string> band_facets;
  std::map<std::string, std::string> class_facets;
  for (const auto& r : rows) {
    class_facets[IdToString(r.class_id)] = r.class_name;
    for (const auto& s : score_list(r))
      if (s.band_label && s.id.find('.') == std::string::npos) band_facets[s.band_id.value_or("")] = *s.band_label;
  }
  if (!q.band.empty()) {
    std::erase_if(rows, [&](const ResultRow& r) {
      if (q.band == "positive") return !r.submission.positive;
      if (q.band == "critical") return r.result.critical.empty();
      for (const auto& s : score_list(r))
        if (s.band_id == q.band) return false;
      return true;
    });
  }
  const bool desc = !q.sort.empty() && q.sort[0] == '-';
  const std::string key = desc ? q.sort.substr(1) : q.sort;
  auto base = [](const ResultRow& r) {
    return std::tie(r.class_name, r.submission.student_no, r.submission.instrument_id);
  };
  auto rank = [](const ResultRow& r) { return r.labels ? r.labels->band_rank : -1; };
  // Times as the API shows them: to the second.
  auto second = [](const ResultRow& r) { return r.submission.submitted_at / 1'000'000; };
  auto cmp = [&](const ResultRow& a, const ResultRow& b) {
    if (key == "band") {
      const int ra = rank(a), rb = rank(b);
      if (ra != rb) return desc ? ra > rb : ra < rb;
    } else if (key == "name") {
      const std::string &va = a.submission.student_name, &vb = b.submission.student_name;
      if (va != vb) return desc ? va > vb : va < vb;
    } else if (key == "submitted_at") {
      const int64_t va = second(a), vb = second(b);
      if (va != vb) return desc ? va > vb : va < vb;
    } else if (desc) {  // -class
      if (a.class_name != b.class_name) return a.class_name > b.class_name;
    }
    return base(a) < base(b);
  };
  std::stable_sort(rows.begin(), rows.end(), cmp);
  ResultsPageView page;
  page.total = static_cast<int64_t>(rows.size());
  for (int64_t i = offset; i < page.total && i < offset + q.page_size; ++i) page.items.push_back(std::move(rows[i]));
  if (offset + q.page_size < page.total) page.next = IdToString(offset + q.page_size);
  for (const auto& [id, label] : band_facets) page.bands.push_back({id, label});
  for (const auto& [id, name] : class_facets) page.classes.push_back({id, name});
  return page;
}

absl::Status ScreeningService::FillClassNames(std::vector<ResultRow>& rows) {
  std::set<int64_t> ids;
  for (const auto& r : rows) {
    auto path = IdsOf(r.submission.unit_path);
    for (size_t i = path.size() >= 2 ? path.size() - 2 : 0; i < path.size(); ++i) ids.insert(path[i]);
  }
  XQ_ASSIGN_OR_RETURN(auto units, store_.GetUnits(std::vector<int64_t>(ids.begin(), ids.end())));
  std::map<int64_t, UnitInfo> by_id;
  for (auto& u : units) by_id[u.id] = u;
  for (auto& r : rows) {
    auto path = IdsOf(r.submission.unit_path);
    std::string name;
    if (path.size() >= 2)
      if (auto g = by_id.find(path[path.size() - 2]); g != by_id.end() && g->second.kind == "grade")
        name = g->second.name;
    if (!path.empty())
      if (auto c = by_id.find(path.back()); c != by_id.end()) name += c->second.name;
    r.class_name = std::move(name);
  }
  return absl::OkStatus();
}

absl::Status ScreeningService::CheckCampaignName(const Campaign& c, bool confirmed) {
  if (confirmed) return absl::OkStatus();
  XQ_ASSIGN_OR_RETURN(auto all, store_.ListCampaigns());
  for (const auto& other : all) {
    if (other.name != c.name || other.owner_unit_id != c.owner_unit_id) continue;
    return Conflict(fmt::format("a campaign of this unit is already named '{}' (opens {}); choose another "
                                "name or confirm with confirm_duplicate_name",
                                c.name, other.opens_on),
                    "name");
  }
  return absl::OkStatus();
}

}  // namespace xq::screening
