// A scored Result as JSON: ResultToJson (a DOM) and ResultJsonText (the same
// bytes written by hand on the submission path).
#include "instruments/scoring.h"

#include "core/json.h"
#include "fmt/format.h"

namespace xq::instruments {

using nlohmann::json;

json ScoreJson(const Score& s, const Rational& v) {
  Rational x = v.Reduced();
  if (x.den == 1) return x.num;
  int64_t scale = 1;
  for (int k = 0; k < s.decimals; ++k) scale *= 10;
  int64_t rounded = Rational(x.num * scale, x.den).RoundHalfUp();
  if (scale == 1) return rounded;
  return static_cast<double>(rounded) / static_cast<double>(scale);
}

json ResultToJson(const ScoringPlan& plan, const Result& r) {
  const Definition& d = plan.definition();
  json scores = json::object(), bands = json::object(), norms = json::object(), classes = json::object();
  for (size_t s = 0; s < r.scores.size() && s < d.scores.size(); ++s) {
    if (!d.scores[s].report) continue;
    scores[d.scores[s].id] = r.scores[s].available ? ScoreJson(d.scores[s], r.scores[s].value) : json(nullptr);
  }
  const auto& refs = plan.band_sets();
  for (size_t k = 0; k < r.bands.size() && k < refs.size(); ++k) {
    if (r.bands[k] < 0 || !d.scores[refs[k].score].report) continue;
    const Band& b = d.scores[refs[k].score].band_sets[refs[k].set].bands[r.bands[k]];
    bands[refs[k].name] = {{"id", b.id}, {"index", r.bands[k]}};
  }
  for (size_t k = 0; k < r.norms.size() && k < d.norms.size(); ++k)
    if (r.norms[k]) norms[d.norms[k].id] = *r.norms[k];
  for (size_t c = 0; c < r.classes.size() && c < d.classes.size(); ++c)
    if (r.classes[c] >= 0)
      classes[d.classes[c].id] = {{"id", d.classes[c].levels[r.classes[c]].id}, {"index", r.classes[c]}};
  json critical = json::array();
  for (const auto& h : r.critical) {
    json cj = {{"id", d.critical[h.index].id}, {"urgency", UrgencyName(h.urgency)}};
    if (!d.critical[h.index].item.empty()) cj["item"] = d.critical[h.index].item;
    critical.push_back(std::move(cj));
  }
  json flags = json::array();
  for (int v : r.validity_flags) flags.push_back(d.validity[v].id);
  for (int s : r.insufficient) flags.push_back("insufficient:" + d.scores[s].id);
  json feedback = json::array();
  for (int f : r.feedback) feedback.push_back(d.feedback[f].key);
  json out = json::object();
  out["scores"] = std::move(scores);
  out["bands"] = std::move(bands);
  if (!d.norms.empty()) out["norms"] = std::move(norms);
  if (!d.applied_norm_set.empty()) out["norm_set"] = d.applied_norm_set;
  out["classes"] = std::move(classes);
  out["critical"] = std::move(critical);
  out["valid"] = r.valid;
  out["flags"] = std::move(flags);
  out["feedback"] = std::move(feedback);
  return out;
}

namespace {

// Writes {"key":value,...} with the keys in the DOM's order (sorted; of
// equal keys the last one, as repeated assignment leaves it).
template <class WriteValue>
void AppendSortedObject(std::string& out, std::vector<std::pair<std::string_view, size_t>>& fields,
                        const WriteValue& value) {
  std::stable_sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  bool first = true;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i + 1 < fields.size() && fields[i + 1].first == fields[i].first) continue;
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, fields[i].first);
    out += ':';
    value(fields[i].second);
  }
  out += '}';
}

void AppendIdAndIndex(std::string& out, std::string_view id, int index) {
  out += "{\"id\":";
  AppendJsonString(out, id);
  out += ",\"index\":";
  out += std::to_string(index);
  out += '}';
}

}  // namespace

std::string ResultJsonText(const ScoringPlan& plan, const Result& r) {
  const Definition& d = plan.definition();
  std::string out;
  out.reserve(512);
  std::vector<std::pair<std::string_view, size_t>> fields;
  out += "{\"bands\":";
  const auto& refs = plan.band_sets();
  for (size_t k = 0; k < r.bands.size() && k < refs.size(); ++k)
    if (r.bands[k] >= 0 && d.scores[refs[k].score].report) fields.emplace_back(refs[k].name, k);
  AppendSortedObject(out, fields, [&](size_t k) {
    const Band& b = d.scores[refs[k].score].band_sets[refs[k].set].bands[r.bands[k]];
    AppendIdAndIndex(out, b.id, r.bands[k]);
  });
  out += ",\"classes\":";
  fields.clear();
  for (size_t c = 0; c < r.classes.size() && c < d.classes.size(); ++c)
    if (r.classes[c] >= 0) fields.emplace_back(d.classes[c].id, c);
  AppendSortedObject(out, fields,
                     [&](size_t c) { AppendIdAndIndex(out, d.classes[c].levels[r.classes[c]].id, r.classes[c]); });
  out += ",\"critical\":[";
  for (size_t i = 0; i < r.critical.size(); ++i) {
    const Critical& c = d.critical[r.critical[i].index];
    if (i) out += ',';
    out += "{\"id\":";
    AppendJsonString(out, c.id);
    if (!c.item.empty()) {
      out += ",\"item\":";
      AppendJsonString(out, c.item);
    }
    out += ",\"urgency\":";
    AppendJsonString(out, UrgencyName(r.critical[i].urgency));
    out += '}';
  }
  out += "],\"feedback\":[";
  for (size_t i = 0; i < r.feedback.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, d.feedback[r.feedback[i]].key);
  }
  out += "],\"flags\":[";
  bool first = true;
  for (int v : r.validity_flags) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, d.validity[v].id);
  }
  for (int s : r.insufficient) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, "insufficient:" + d.scores[s].id);
  }
  out += ']';
  if (!d.applied_norm_set.empty()) {  // "norm_set" sorts before "norms"
    out += ",\"norm_set\":";
    AppendJsonString(out, d.applied_norm_set);
  }
  if (!d.norms.empty()) {
    out += ",\"norms\":";
    fields.clear();
    for (size_t k = 0; k < r.norms.size() && k < d.norms.size(); ++k)
      if (r.norms[k]) fields.emplace_back(d.norms[k].id, k);
    AppendSortedObject(out, fields, [&](size_t k) { out += json(*r.norms[k]).dump(); });
  }
  out += ",\"scores\":";
  fields.clear();
  for (size_t s = 0; s < r.scores.size() && s < d.scores.size(); ++s)
    if (d.scores[s].report) fields.emplace_back(d.scores[s].id, s);
  AppendSortedObject(out, fields, [&](size_t s) {
    if (!r.scores[s].available) {
      out += "null";
      return;
    }
    const json v = ScoreJson(d.scores[s], r.scores[s].value);
    // Whole numbers as the DOM writes them, without its serializer.
    if (v.is_number_integer())
      out += std::to_string(v.get<int64_t>());
    else
      out += v.dump();
  });
  out += r.valid ? ",\"valid\":true}" : ",\"valid\":false}";
  return out;
}

}  // namespace xq::instruments
