// Writing a Definition back as its JSON document (DefinitionToJson), the
// inverse of the reader in definition.cc.
#include "instruments/definition.h"

#include "core/json.h"

namespace xq::instruments {

using nlohmann::json;

namespace {

json TextJson(const Text& t) {
  json j = json::object();
  for (const auto& [k, v] : t) j[k] = v;
  return j;
}

json NumJson(const Rational& r) {
  Rational x = r.Reduced();
  if (x.den == 1) return x.num;
  return x.ToDouble();
}

json ConditionJson(const Condition& c) {
  using K = Condition::Kind;
  json j = json::object();
  auto codes = [&](json& o) {
    if (c.codes.size() == 1)
      o["is"] = c.codes[0];
    else
      o["in"] = c.codes;
  };
  auto children = [&]() {
    json a = json::array();
    for (const auto& ch : c.children) a.push_back(ConditionJson(ch));
    return a;
  };
  switch (c.kind) {
    case K::kItemCompare:
      j["item"] = c.ref;
      j["op"] = OpName(c.op);
      j["value"] = NumJson(c.value);
      break;
    case K::kItemCode:
      j["item"] = c.ref;
      codes(j);
      break;
    case K::kAnswered:
      j["answered"] = c.ref;
      break;
    case K::kScoreCompare:
      j["score"] = c.ref;
      j["op"] = OpName(c.op);
      j["value"] = NumJson(c.value);
      break;
    case K::kBand:
      j["band"] = c.ref;
      codes(j);
      break;
    case K::kClass:
      j["class"] = c.ref;
      codes(j);
      break;
    case K::kAll:
      j["all"] = children();
      break;
    case K::kAny:
      j["any"] = children();
      break;
    case K::kNot:
      j["not"] = ConditionJson(c.children.at(0));
      break;
    case K::kCount:
      j["count"] = children();
      j["op"] = OpName(c.op);
      j["value"] = NumJson(c.value);
      break;
  }
  return j;
}

json BandsJson(const std::vector<Band>& bands) {
  json a = json::array();
  for (const auto& b : bands) {
    json j = {{"id", b.id}, {"min", NumJson(b.min)}};
    j[b.upper_inclusive ? "max" : "below"] = NumJson(b.upper);
    if (!b.label.empty()) j["label"] = TextJson(b.label);
    a.push_back(std::move(j));
  }
  return a;
}

}  // namespace

json DefinitionToJson(const Definition& d) {
  json j = json::object();
  j["format"] = kFormat;
  j["id"] = d.id;
  j["version"] = d.version;
  j["languages"] = d.languages;
  j["title"] = TextJson(d.title);
  if (!d.description.empty()) j["description"] = TextJson(d.description);
  if (!d.instructions.empty()) j["instructions"] = TextJson(d.instructions);
  json lic = {{"holder", d.provenance.licence.holder}, {"terms", d.provenance.licence.terms}};
  if (d.provenance.licence.requires_licence) lic["requires_licence"] = true;
  json p = {{"citation", d.provenance.citation},
            {"licence", lic},
            {"wording_status", d.provenance.wording_status},
            {"wording_source", d.provenance.wording_source}};
  if (!d.provenance.wording_citation.empty()) p["wording_citation"] = d.provenance.wording_citation;
  if (!d.provenance.source_version.empty()) p["source_version"] = d.provenance.source_version;
  if (!d.provenance.validation.empty()) p["validation"] = d.provenance.validation;
  if (!d.provenance.notes.empty()) p["notes"] = d.provenance.notes;
  j["provenance"] = p;
  json items = json::array();
  for (const auto& it : d.items) {
    static const char* kTypes[] = {"single", "yes_no", "multi", "text"};
    json ij = {{"id", it.id}, {"type", kTypes[static_cast<int>(it.type)]}, {"text", TextJson(it.text)}};
    if (it.type != ItemType::kText) {
      json opts = json::array();
      for (const auto& o : it.options)
        opts.push_back({{"code", o.code}, {"value", o.value}, {"text", TextJson(o.text)}});
      ij["options"] = opts;
    }
    if (it.reverse) ij["reverse"] = true;
    if (!it.required) ij["required"] = false;
    if (it.lie) ij["lie"] = true;
    if (it.show_if) ij["show_if"] = ConditionJson(*it.show_if);
    if (!it.fhir_link_id.empty() || !it.fhir_system.empty()) {
      json f = json::object();
      if (!it.fhir_link_id.empty()) f["link_id"] = it.fhir_link_id;
      if (!it.fhir_system.empty()) f["system"] = it.fhir_system;
      ij["fhir"] = f;
    }
    items.push_back(std::move(ij));
  }
  j["items"] = items;
  if (d.allow_missing) j["missing"] = {{"allow", true}};
  json scores = json::array();
  for (const auto& s : d.scores) {
    static const char* kMethods[] = {"sum", "mean", "prorated_sum", "count"};
    json sj = {{"id", s.id}, {"method", kMethods[static_cast<int>(s.method)]}};
    if (!s.label.empty()) sj["label"] = TextJson(s.label);
    if (!s.items.empty())
      sj["items"] = s.items;
    else
      sj["scores"] = s.scores;
    if (s.method == Method::kCount) sj["count_if"] = {{"op", OpName(s.count_op)}, {"value", s.count_value}};
    if (s.min_answered) sj["min_answered"] = *s.min_answered;
    if (s.round == Rounding::kHalfUp) sj["round"] = "half_up";
    if (s.decimals != 2) sj["decimals"] = s.decimals;
    if (!s.report) sj["report"] = false;
    json sets = json::array();
    for (const auto& bs : s.band_sets) {
      if (bs.id.empty())
        sj["bands"] = BandsJson(bs.bands);
      else
        sets.push_back({{"id", bs.id}, {"bands", BandsJson(bs.bands)}});
    }
    if (!sets.empty()) sj["band_sets"] = sets;
    scores.push_back(std::move(sj));
  }
  j["scores"] = scores;
  if (!d.norms.empty()) {
    json norms = json::array();
    for (const auto& n : d.norms) {
      static const char* kKinds[] = {"t_score", "percentile", "standard_score"};
      json groups = json::array();
      for (const auto& g : n.groups) {
        json rows = json::array();
        for (const auto& r : g.rows) {
          json rj = {{"min", NumJson(r.min)}, {"value", r.value}};
          rj[r.upper_inclusive ? "max" : "below"] = NumJson(r.upper);
          rows.push_back(rj);
        }
        groups.push_back({{"sex", g.sex == Sex::kMale     ? "male"
                                  : g.sex == Sex::kFemale ? "female"
                                                          : "any"},
                          {"from", g.from},
                          {"to", g.to},
                          {"rows", rows}});
      }
      norms.push_back({{"id", n.id},
                       {"score", n.score},
                       {"kind", kKinds[static_cast<int>(n.kind)]},
                       {"by", n.by == NormBy::kAge ? "age" : "grade"},
                       {"groups", groups}});
    }
    j["norms"] = norms;
  }
  auto levels_json = [](const std::vector<ClassLevel>& ls) {
    json levels = json::array();
    for (const auto& l : ls) {
      json lj = {{"id", l.id}};
      if (!l.label.empty()) lj["label"] = TextJson(l.label);
      if (l.when) lj["when"] = ConditionJson(*l.when);
      levels.push_back(lj);
    }
    return levels;
  };
  if (!d.classes.empty()) {
    json classes = json::array();
    for (const auto& c : d.classes) {
      json levels = levels_json(c.levels);
      json cj = {{"id", c.id}, {"levels", levels}};
      if (!c.label.empty()) cj["label"] = TextJson(c.label);
      classes.push_back(cj);
    }
    j["classes"] = classes;
  }
  if (!d.critical.empty()) {
    json crit = json::array();
    for (const auto& c : d.critical) {
      json cj = {{"id", c.id}, {"when", ConditionJson(c.when)}, {"urgency", UrgencyName(c.urgency)}};
      if (!c.item.empty()) cj["item"] = c.item;
      if (!c.label.empty()) cj["label"] = TextJson(c.label);
      crit.push_back(cj);
    }
    j["critical"] = crit;
  }
  if (!d.validity.empty()) {
    json val = json::array();
    for (const auto& r : d.validity) {
      json vj = {{"id", r.id}, {"effect", r.effect == Effect::kInvalidate ? "invalidate" : "flag"}};
      if (!r.label.empty()) vj["label"] = TextJson(r.label);
      switch (r.kind) {
        case ValidityKind::kLieScale:
          vj["kind"] = "lie_scale";
          vj["score"] = r.score;
          vj["op"] = OpName(r.op);
          vj["value"] = NumJson(r.value);
          break;
        case ValidityKind::kAllSame:
          vj["kind"] = "all_same";
          vj["items"] = r.items;
          vj["min_answered"] = r.min_answered;
          break;
        case ValidityKind::kTooFast:
          vj["kind"] = "too_fast";
          vj["min_seconds"] = r.min_seconds;
          break;
        case ValidityKind::kInconsistentPairs: {
          vj["kind"] = "inconsistent_pairs";
          json pairs = json::array();
          for (const auto& [a, b] : r.pairs) pairs.push_back({a, b});
          vj["pairs"] = pairs;
          vj["relation"] = r.opposite ? "opposite" : "same";
          vj["max_diff"] = r.max_diff;
          vj["max_count"] = r.max_count;
          break;
        }
        case ValidityKind::kRule:
          vj["kind"] = "rule";
          vj["when"] = ConditionJson(*r.when);
          break;
      }
      val.push_back(vj);
    }
    j["validity"] = val;
  }
  if (!d.norm_sets.empty()) {
    json sets = json::array();
    for (const auto& ns : d.norm_sets) {
      json nj = {{"id", ns.id},
                 {"label", TextJson(ns.label)},
                 {"population", TextJson(ns.population)},
                 {"citation", ns.citation}};
      if (!ns.notes.empty()) nj["notes"] = ns.notes;
      if (!ns.bands.empty()) {
        json b = json::object();
        for (const auto& [sid, bands] : ns.bands) b[sid] = BandsJson(bands);
        nj["bands"] = b;
      }
      if (!ns.classes.empty()) {
        json cl = json::object();
        for (const auto& [cid, levels] : ns.classes) cl[cid] = levels_json(levels);
        nj["classes"] = cl;
      }
      sets.push_back(std::move(nj));
    }
    j["norm_sets"] = sets;
    j["default_norm_set"] = d.default_norm_set;
  }
  if (!d.feedback.empty()) {
    json fb = json::array();
    for (const auto& f : d.feedback)
      fb.push_back({{"key", f.key},
                    {"audience", AudienceName(f.audience)},
                    {"when", ConditionJson(f.when)},
                    {"text", TextJson(f.text)}});
    j["feedback"] = fb;
  }
  return j;
}

}  // namespace xq::instruments
