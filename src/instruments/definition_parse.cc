// A whole definition document and its norm sets (definition_internal.h).
#include <algorithm>
#include <cmath>
#include <set>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "instruments/definition_internal.h"

namespace xq::instruments::def_parse {

Definition ParseAll(Ctx& c, const json& doc) {
  Definition d;
  Obj o(c, doc, "",
        {"$schema",      "format",     "id",          "version",  "languages", "title",           "description",
         "instructions", "provenance", "option_sets", "items",    "missing",   "scores",          "norms",
         "classes",      "critical",   "validity",    "feedback", "norm_sets", "default_norm_set"});
  if (!c.ok()) return d;
  std::string format = o.Str("format");
  if (c.ok() && format != kFormat) c.Fail("format", fmt::format("must be \"{}\"", kFormat));
  d.id = o.Str("id", true, 64);
  if (c.ok()) {
    bool ok = !d.id.empty() && ((d.id[0] >= 'a' && d.id[0] <= 'z') || (d.id[0] >= '0' && d.id[0] <= '9'));
    for (char ch : d.id)
      ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-');
    if (!ok) c.Fail("id", "must match [a-z0-9][a-z0-9._-]* (at most 64 chars)");
  }
  d.version = o.Str("version", true, 32);
  if (c.ok() && d.version.empty()) c.Fail("version", "must not be empty");
  d.languages = o.StrList("languages", true);
  if (!c.ok()) return d;
  for (size_t i = 0; i < d.languages.size(); ++i) {
    if (d.languages[i].empty() || d.languages[i].size() > 16) c.Fail(Idx("languages", i), "is not a language tag");
    for (size_t k = 0; k < i; ++k)
      if (d.languages[k] == d.languages[i]) c.Fail(Idx("languages", i), "is listed twice");
  }
  c.languages = d.languages;
  d.title = ParseText(c, o.Get("title", true), "title");
  if (o.Has("description")) d.description = ParseText(c, o.Get("description", false), "description");
  if (o.Has("instructions")) d.instructions = ParseText(c, o.Get("instructions", false), "instructions");
  if (const json* pj = o.Get("provenance", true)) {
    Obj p(c, *pj, "provenance",
          {"citation", "licence", "source_version", "validation", "wording_status", "wording_source",
           "wording_citation", "notes"});
    d.provenance.citation = p.Str("citation");
    if (const json* lj = p.Get("licence", true)) {
      Obj l(c, *lj, "provenance.licence", {"holder", "terms", "requires_licence"});
      d.provenance.licence.holder = l.Str("holder");
      d.provenance.licence.terms = l.Str("terms");
      d.provenance.licence.requires_licence = l.Bool("requires_licence").value_or(false);
      if (c.ok() && d.provenance.licence.holder.empty()) c.Fail("provenance.licence.holder", "must not be empty");
      if (c.ok() && d.provenance.licence.terms.empty()) c.Fail("provenance.licence.terms", "must not be empty");
    }
    d.provenance.source_version = p.Str("source_version", false);
    d.provenance.validation = p.Str("validation", false);
    d.provenance.wording_status = p.Str("wording_status");
    d.provenance.wording_source = p.Str("wording_source");
    d.provenance.wording_citation = p.Str("wording_citation", false);
    d.provenance.notes = p.Str("notes", false);
    const auto& ws = d.provenance.wording_status;
    if (c.ok() && ws != "validated" && ws != "translation" && ws != "by_permission" && ws != "placeholder")
      c.Fail("provenance.wording_status", "must be validated, translation, by_permission or placeholder");
    if (c.ok() && (ws == "validated" || ws == "by_permission") && d.provenance.wording_citation.empty())
      c.Fail("provenance.wording_citation", fmt::format("is required when the wording is {}", ws));
  }
  if (!c.ok()) return d;

  std::map<std::string, std::vector<Option>> sets;
  if (const json* os = o.Get("option_sets", false)) {
    if (!os->is_object()) {
      c.Fail("option_sets", "must be an object of name → options");
      return d;
    }
    for (auto it = os->begin(); it != os->end() && c.ok(); ++it)
      sets[it.key()] = ParseOptions(c, *it, Key("option_sets", it.key()));
  }
  if (const json* mj = o.Get("missing", false)) {
    Obj m(c, *mj, "missing", {"allow"});
    d.allow_missing = m.Bool("allow").value_or(false);
  }

  const json* items = o.Array("items", true, true);
  if (!items || !c.ok()) return d;
  if (items->size() > kMaxItems) {
    c.Fail("items", fmt::format("at most {} items", kMaxItems));
    return d;
  }
  for (const auto& ij : *items)
    if (ij.is_object() && ij.contains("id") && ij["id"].is_string()) c.all_item_ids.insert(ij["id"].get<std::string>());
  for (size_t i = 0; i < items->size() && c.ok(); ++i) {
    std::string p = Idx("items", i);
    Obj io(c, (*items)[i], p, {"id", "type", "text", "options", "reverse", "required", "lie", "show_if", "fhir"});
    Item it;
    it.id = CheckedId(c, io);
    std::string type = io.Str("type");
    it.text = ParseText(c, io.Get("text", true), io.At("text"));
    if (!c.ok()) break;
    if (d.ItemIndex(it.id) >= 0) {
      c.Fail(io.At("id"), fmt::format("duplicate item id \"{}\"", it.id));
      break;
    }
    if (type == "single")
      it.type = ItemType::kSingle;
    else if (type == "yes_no")
      it.type = ItemType::kYesNo;
    else if (type == "multi")
      it.type = ItemType::kMulti;
    else if (type == "text")
      it.type = ItemType::kText;
    else {
      c.Fail(io.At("type"), fmt::format("unknown item type \"{}\" (single, yes_no, multi, text)", type));
      break;
    }
    if (const json* oj = io.Get("options", false)) {
      if (it.type == ItemType::kText) {
        c.Fail(io.At("options"), "free-text items have no options");
        break;
      }
      if (oj->is_string()) {
        it.option_set = oj->get<std::string>();
        auto f = sets.find(it.option_set);
        if (f == sets.end()) {
          c.Fail(io.At("options"), fmt::format("unknown option set \"{}\"", it.option_set));
          break;
        }
        it.options = f->second;
      } else {
        it.options = ParseOptions(c, *oj, io.At("options"));
      }
    } else if (it.type == ItemType::kYesNo) {
      it.options = DefaultYesNo(d.languages);
    } else if (it.type != ItemType::kText) {
      c.Fail(io.At("options"), "is required for single and multi items");
      break;
    }
    if (!c.ok()) break;
    if (it.type == ItemType::kMulti && it.options.size() > kMaxMultiOptions) {
      c.Fail(io.At("options"), fmt::format("a multi item has at most {} options", kMaxMultiOptions));
      break;
    }
    it.reverse = io.Bool("reverse").value_or(false);
    if (it.reverse && it.type != ItemType::kSingle && it.type != ItemType::kYesNo)
      c.Fail(io.At("reverse"), "only single and yes_no items can be reverse-keyed");
    it.required = io.Bool("required").value_or(true);
    it.lie = io.Bool("lie").value_or(false);
    if (const json* sj = io.Get("show_if", false)) {
      it.show_if = ParseCondition(c, *sj, io.At("show_if"), 0);
      if (c.ok()) Resolve(c, d, *it.show_if, io.At("show_if"), Scope{static_cast<int>(i), false, 0});
    }
    if (const json* fj = io.Get("fhir", false)) {
      Obj fo(c, *fj, io.At("fhir"), {"link_id", "system"});
      it.fhir_link_id = fo.Str("link_id", false, 255);
      it.fhir_system = fo.Str("system", false, 1000);
    }
    d.items.push_back(std::move(it));
  }
  if (!c.ok()) return d;

  if (const json* sj = o.Array("scores", true)) {
    for (size_t i = 0; i < sj->size() && c.ok(); ++i) ParseScore(c, d, (*sj)[i], Idx("scores", i), i);
  }
  if (const json* nj = o.Array("norms", false)) {
    for (size_t i = 0; i < nj->size() && c.ok(); ++i) ParseNorm(c, d, (*nj)[i], Idx("norms", i));
  }
  if (!c.ok()) return d;
  const Scope all_items_scores{static_cast<int>(d.items.size()), true, 0};

  if (const json* cj = o.Array("classes", false)) {
    // Parse every class first so that "earlier class" references resolve.
    std::vector<std::pair<std::string, std::vector<std::string>>> paths;
    for (size_t i = 0; i < cj->size() && c.ok(); ++i) {
      std::string p = Idx("classes", i);
      Obj co(c, (*cj)[i], p, {"id", "label", "levels"});
      ClassRule cr;
      cr.id = CheckedId(c, co);
      if (co.Has("label")) cr.label = ParseText(c, co.Get("label", false), co.At("label"));
      for (const auto& other : d.classes)
        if (other.id == cr.id) c.Fail(co.At("id"), fmt::format("duplicate class id \"{}\"", cr.id));
      const json* lv = co.Array("levels", true, true);
      if (!lv || !c.ok()) break;
      for (size_t l = 0; l < lv->size() && c.ok(); ++l) {
        std::string lp = Idx(co.At("levels"), l);
        Obj lo(c, (*lv)[l], lp, {"id", "label", "when"});
        ClassLevel level;
        level.id = CheckedId(c, lo);
        if (lo.Has("label")) level.label = ParseText(c, lo.Get("label", false), lo.At("label"));
        for (const auto& other : cr.levels)
          if (other.id == level.id) c.Fail(lo.At("id"), fmt::format("duplicate level id \"{}\"", level.id));
        bool last = l + 1 == lv->size();
        if (lo.Has("when")) {
          if (last)
            c.Fail(lo.At("when"), "the last level is the default and has no `when`");
          else
            level.when = ParseCondition(c, *lo.Get("when", true), lo.At("when"), 0);
        } else if (!last) {
          c.Fail(lo.At("when"), "is required on every level but the last");
        }
        cr.levels.push_back(std::move(level));
      }
      d.classes.push_back(std::move(cr));
    }
    for (size_t i = 0; i < d.classes.size() && c.ok(); ++i)
      for (size_t l = 0; l < d.classes[i].levels.size() && c.ok(); ++l)
        if (d.classes[i].levels[l].when)
          Resolve(c, d, *d.classes[i].levels[l].when, Key(Idx(Key(Idx("classes", i), "levels"), l), "when"),
                  Scope{all_items_scores.items, true, static_cast<int>(i)});
  }
  if (!c.ok()) return d;
  const Scope full{all_items_scores.items, true, static_cast<int>(d.classes.size())};

  if (const json* cj = o.Array("critical", false)) {
    for (size_t i = 0; i < cj->size() && c.ok(); ++i) {
      std::string p = Idx("critical", i);
      Obj co(c, (*cj)[i], p, {"id", "item", "when", "urgency", "label"});
      Critical cr;
      cr.id = CheckedId(c, co);
      cr.item = co.Str("item", false);
      std::string urg = co.Str("urgency");
      if (co.Has("label")) cr.label = ParseText(c, co.Get("label", false), co.At("label"));
      if (!c.ok()) break;
      for (const auto& other : d.critical)
        if (other.id == cr.id) c.Fail(co.At("id"), fmt::format("duplicate critical id \"{}\"", cr.id));
      if (!cr.item.empty() && d.ItemIndex(cr.item) < 0)
        c.Fail(co.At("item"), fmt::format("unknown item \"{}\"", cr.item));
      if (urg == "low")
        cr.urgency = Urgency::kLow;
      else if (urg == "moderate")
        cr.urgency = Urgency::kModerate;
      else if (urg == "high")
        cr.urgency = Urgency::kHigh;
      else if (urg == "urgent")
        cr.urgency = Urgency::kUrgent;
      else
        c.Fail(co.At("urgency"), "must be low, moderate, high or urgent");
      if (const json* wj = co.Get("when", true)) {
        cr.when = ParseCondition(c, *wj, co.At("when"), 0);
        if (c.ok()) Resolve(c, d, cr.when, co.At("when"), full);
      }
      d.critical.push_back(std::move(cr));
    }
  }
  if (const json* vj = o.Array("validity", false)) {
    for (size_t i = 0; i < vj->size() && c.ok(); ++i) {
      std::string p = Idx("validity", i);
      Obj vo(c, (*vj)[i], p,
             {"id", "kind", "effect", "score", "op", "value", "items", "min_answered", "min_seconds", "pairs",
              "relation", "max_diff", "max_count", "when", "label"});
      ValidityRule r;
      r.id = CheckedId(c, vo);
      std::string kind = vo.Str("kind"), effect = vo.Str("effect");
      if (vo.Has("label")) r.label = ParseText(c, vo.Get("label", false), vo.At("label"));
      if (!c.ok()) break;
      for (const auto& other : d.validity)
        if (other.id == r.id) c.Fail(vo.At("id"), fmt::format("duplicate validity id \"{}\"", r.id));
      if (effect == "invalidate")
        r.effect = Effect::kInvalidate;
      else if (effect == "flag")
        r.effect = Effect::kFlag;
      else
        c.Fail(vo.At("effect"), "must be invalidate or flag");
      auto allowed_only = [&](std::initializer_list<std::string_view> keys) {
        for (std::string_view k : {"score", "op", "value", "items", "min_answered", "min_seconds", "pairs", "relation",
                                   "max_diff", "max_count", "when"})
          if (vo.Has(k) && std::find(keys.begin(), keys.end(), k) == keys.end())
            c.Fail(vo.At(k), fmt::format("not used by kind {}", kind));
      };
      auto check_items = [&](const std::vector<std::string>& ids, const std::string& at) {
        for (size_t k = 0; k < ids.size(); ++k) {
          int idx = d.ItemIndex(ids[k]);
          if (idx < 0) return c.Fail(Idx(at, k), fmt::format("unknown item \"{}\"", ids[k]));
          if (d.items[idx].type == ItemType::kText || d.items[idx].type == ItemType::kMulti)
            return c.Fail(Idx(at, k), fmt::format("item \"{}\" must be single or yes_no", ids[k]));
        }
      };
      if (kind == "lie_scale") {
        r.kind = ValidityKind::kLieScale;
        allowed_only({"score", "op", "value"});
        r.score = vo.Str("score");
        auto op = ParseOp(c, vo);
        auto v = vo.Num("value", true);
        if (op) r.op = *op;
        if (v) r.value = *v;
        if (c.ok() && d.ScoreIndex(r.score) < 0) c.Fail(vo.At("score"), fmt::format("unknown score \"{}\"", r.score));
      } else if (kind == "all_same") {
        r.kind = ValidityKind::kAllSame;
        allowed_only({"items", "min_answered"});
        r.items = vo.StrList("items", true);
        check_items(r.items, vo.At("items"));
        r.min_answered = vo.Int("min_answered").value_or(static_cast<int64_t>(r.items.size()));
        if (c.ok() && (r.min_answered < 2 || r.min_answered > static_cast<int64_t>(r.items.size())))
          c.Fail(vo.At("min_answered"), fmt::format("must be between 2 and {}", r.items.size()));
      } else if (kind == "too_fast") {
        r.kind = ValidityKind::kTooFast;
        allowed_only({"min_seconds"});
        auto s = vo.Num("min_seconds", true);
        if (s) r.min_seconds = s->ToDouble();
        if (c.ok() && r.min_seconds <= 0) c.Fail(vo.At("min_seconds"), "must be positive");
      } else if (kind == "inconsistent_pairs") {
        r.kind = ValidityKind::kInconsistentPairs;
        allowed_only({"pairs", "relation", "max_diff", "max_count"});
        const json* pa = vo.Array("pairs", true, true);
        for (size_t k = 0; pa && k < pa->size() && c.ok(); ++k) {
          const json& pr = (*pa)[k];
          if (!pr.is_array() || pr.size() != 2 || !pr[0].is_string() || !pr[1].is_string()) {
            c.Fail(Idx(vo.At("pairs"), k), "must be a pair of item ids");
            break;
          }
          r.pairs.emplace_back(pr[0].get<std::string>(), pr[1].get<std::string>());
          check_items({r.pairs.back().first, r.pairs.back().second}, Idx(vo.At("pairs"), k));
        }
        std::string rel = vo.Str("relation", false);
        if (rel == "opposite")
          r.opposite = true;
        else if (!rel.empty() && rel != "same")
          c.Fail(vo.At("relation"), "must be same or opposite");
        r.max_diff = vo.Int("max_diff").value_or(0);
        r.max_count = vo.Int("max_count").value_or(0);
        if (c.ok() && (r.max_diff < 0 || r.max_count < 0)) c.Fail(p, "max_diff and max_count must be ≥ 0");
      } else if (kind == "rule") {
        r.kind = ValidityKind::kRule;
        allowed_only({"when"});
        if (const json* wj = vo.Get("when", true)) {
          r.when = ParseCondition(c, *wj, vo.At("when"), 0);
          if (c.ok()) Resolve(c, d, *r.when, vo.At("when"), full);
        }
      } else {
        c.Fail(vo.At("kind"), "must be lie_scale, all_same, too_fast, inconsistent_pairs or rule");
      }
      d.validity.push_back(std::move(r));
    }
  }
  if (const json* fj = o.Array("feedback", false)) {
    for (size_t i = 0; i < fj->size() && c.ok(); ++i) {
      std::string p = Idx("feedback", i);
      Obj fo(c, (*fj)[i], p, {"key", "audience", "when", "text"});
      Feedback f;
      f.key = fo.Str("key", true, 128);
      if (c.ok() && !ValidId(f.key, true)) c.Fail(fo.At("key"), "is not a valid key ([A-Za-z0-9_.:/-])");
      std::string aud = fo.Str("audience");
      f.text = ParseText(c, fo.Get("text", true), fo.At("text"));
      if (!c.ok()) break;
      for (const auto& other : d.feedback)
        if (other.key == f.key) c.Fail(fo.At("key"), fmt::format("duplicate feedback key \"{}\"", f.key));
      if (aud == "student")
        f.audience = Audience::kStudent;
      else if (aud == "counsellor")
        f.audience = Audience::kCounsellor;
      else if (aud == "guardian")
        f.audience = Audience::kGuardian;
      else
        c.Fail(fo.At("audience"), "must be student, counsellor or guardian");
      if (f.audience == Audience::kStudent) {
        for (const auto& [lang, text] : f.text) {
          std::string low = Lower(text);
          for (std::string_view w : kDiagnosticWords)
            if (low.find(w) != std::string::npos)
              c.Fail(Key(fo.At("text"), lang),
                     fmt::format("student-facing feedback must be supportive, not diagnostic: remove \"{}\"", w));
        }
      }
      if (const json* wj = fo.Get("when", true)) {
        f.when = ParseCondition(c, *wj, fo.At("when"), 0);
        if (c.ok()) Resolve(c, d, f.when, fo.At("when"), full);
      }
      d.feedback.push_back(std::move(f));
    }
  }
  return d;
}

// Ids that norm sets give to scores' bands and classes' levels, read
// leniently (structure errors are reported by ParseNormSets).
void CollectNormIds(const json& doc, Ctx& c) {
  if (!doc.is_object() || !doc.contains("norm_sets") || !doc["norm_sets"].is_array()) return;
  // The definition's own ids too: a set's document must accept conditions
  // naming the definition's bands and levels that the set replaces.
  auto own = [](const json& list, const char* key, std::map<std::string, std::set<std::string>>& out) {
    if (!list.is_array()) return;
    for (const auto& x : list) {
      if (!x.is_object() || !x.contains("id") || !x["id"].is_string() || !x.contains(key) || !x[key].is_array())
        continue;
      for (const auto& b : x[key])
        if (b.is_object() && b.contains("id") && b["id"].is_string())
          out[x["id"].get<std::string>()].insert(b["id"].get<std::string>());
    }
  };
  if (doc.contains("scores")) own(doc["scores"], "bands", c.norm_band_ids);
  if (doc.contains("classes")) own(doc["classes"], "levels", c.norm_level_ids);
  auto collect = [](const json& ns, const char* key, std::map<std::string, std::set<std::string>>& out) {
    if (!ns.contains(key) || !ns[key].is_object()) return;
    for (auto it = ns[key].begin(); it != ns[key].end(); ++it) {
      if (!it->is_array()) continue;
      for (const auto& b : *it)
        if (b.is_object() && b.contains("id") && b["id"].is_string()) out[it.key()].insert(b["id"].get<std::string>());
    }
  };
  for (const auto& ns : doc["norm_sets"]) {
    if (!ns.is_object()) continue;
    collect(ns, "bands", c.norm_band_ids);
    collect(ns, "classes", c.norm_level_ids);
  }
}

// Parses `norm_sets` and `default_norm_set`. Each set is validated by
// loading the document with the set's bands and levels in place, so a set
// obeys every rule the definition's own bands and classes obey.
void ParseNormSets(Ctx& c, const json& doc, Definition& d) {
  const bool has_sets = doc.contains("norm_sets") && !doc["norm_sets"].is_null();
  const bool has_default = doc.contains("default_norm_set") && !doc["default_norm_set"].is_null();
  if (!has_sets) {
    if (has_default) c.Fail("default_norm_set", "needs norm_sets");
    return;
  }
  const json& a = doc["norm_sets"];
  if (!a.is_array() || a.empty()) return c.Fail("norm_sets", "must be a non-empty array of norm sets");
  if (a.size() > 32) return c.Fail("norm_sets", "at most 32 norm sets");
  for (size_t i = 0; i < a.size() && c.ok(); ++i) {
    const std::string p = Idx("norm_sets", i);
    Obj o(c, a[i], p, {"id", "label", "population", "citation", "notes", "bands", "classes"});
    NormSet ns;
    ns.id = CheckedId(c, o);
    ns.label = ParseText(c, o.Get("label", true), o.At("label"));
    ns.population = ParseText(c, o.Get("population", true), o.At("population"));
    ns.citation = o.Str("citation");
    ns.notes = o.Str("notes", false);
    if (!c.ok()) return;
    if (ns.citation.empty()) return c.Fail(o.At("citation"), "must not be empty");
    if (d.FindNormSet(ns.id)) return c.Fail(o.At("id"), fmt::format("duplicate norm set id \"{}\"", ns.id));
    json copy = doc;
    copy.erase("norm_sets");
    copy.erase("default_norm_set");
    if (const json* bj = o.Get("bands", false)) {
      if (!bj->is_object()) return c.Fail(o.At("bands"), "must be an object of score id → bands");
      for (auto it = bj->begin(); it != bj->end(); ++it) {
        int si = d.ScoreIndex(it.key());
        if (si < 0) return c.Fail(Key(o.At("bands"), it.key()), fmt::format("unknown score \"{}\"", it.key()));
        const auto& sets = d.scores[si].band_sets;
        if (sets.empty() || !sets[0].id.empty())
          return c.Fail(Key(o.At("bands"), it.key()),
                        fmt::format("score \"{}\" has no bands of its own to replace", it.key()));
        copy["scores"][si]["bands"] = *it;
      }
    }
    if (const json* cj = o.Get("classes", false)) {
      if (!cj->is_object()) return c.Fail(o.At("classes"), "must be an object of class id → levels");
      for (auto it = cj->begin(); it != cj->end(); ++it) {
        int ci = -1;
        for (size_t k = 0; k < d.classes.size(); ++k)
          if (d.classes[k].id == it.key()) ci = static_cast<int>(k);
        if (ci < 0) return c.Fail(Key(o.At("classes"), it.key()), fmt::format("unknown class \"{}\"", it.key()));
        copy["classes"][ci]["levels"] = *it;
      }
    }
    Ctx c2;
    c2.norm_band_ids = c.norm_band_ids;
    c2.norm_level_ids = c.norm_level_ids;
    Definition with = ParseAll(c2, copy);
    if (!c2.ok()) return c.Fail(p, fmt::format("with this norm set, {}", std::string(c2.st.message())));
    if (const json* bj = o.Get("bands", false))
      for (auto it = bj->begin(); it != bj->end(); ++it)
        ns.bands[it.key()] = with.scores[with.ScoreIndex(it.key())].band_sets[0].bands;
    if (const json* cj = o.Get("classes", false))
      for (auto it = cj->begin(); it != cj->end(); ++it)
        for (const auto& cl : with.classes)
          if (cl.id == it.key()) ns.classes[it.key()] = cl.levels;
    d.norm_sets.push_back(std::move(ns));
  }
  if (!c.ok()) return;
  if (!has_default || !doc["default_norm_set"].is_string())
    return c.Fail("default_norm_set", "is required (a norm set id) when norm_sets are given");
  d.default_norm_set = doc["default_norm_set"].get<std::string>();
  if (!d.FindNormSet(d.default_norm_set))
    return c.Fail("default_norm_set", fmt::format("unknown norm set \"{}\"", d.default_norm_set));
  // A set that leaves a score or class alone keeps the definition's own
  // cut-offs for it: written out, so that applying any set undoes another.
  for (auto& ns : d.norm_sets)
    for (const auto& other : d.norm_sets) {
      for (const auto& [sid, unused] : other.bands)
        if (!ns.bands.contains(sid)) ns.bands[sid] = d.scores[d.ScoreIndex(sid)].band_sets[0].bands;
      for (const auto& [cid, unused] : other.classes)
        if (!ns.classes.contains(cid))
          for (const auto& cl : d.classes)
            if (cl.id == cid) ns.classes[cid] = cl.levels;
    }
}

}  // namespace xq::instruments::def_parse
