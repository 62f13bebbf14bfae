#include "instruments/fhir.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"

namespace xq::instruments {

using nlohmann::json;

namespace {

constexpr std::string_view kOrdinalUrl = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
constexpr std::string_view kTranslationUrl = "http://hl7.org/fhir/StructureDefinition/translation";
constexpr std::string_view kCalculatedUrl =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";

absl::Status Err(const std::string& path, std::string_view msg) {
  return InvalidArgument(fmt::format("{}: {}", path, msg), path);
}

const json* Field(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string Str(const json& j, std::string_view key) {
  const json* v = Field(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool IsWeightUrl(std::string_view url) {
  return url.ends_with("ordinalValue") || url.ends_with("itemWeight") || url.ends_with("iso21090-CO-value");
}

// The weight extension among `holder`'s extensions, if any.
absl::StatusOr<std::optional<int64_t>> WeightOf(const json& holder, const std::string& path) {
  const json* ext = Field(holder, "extension");
  if (!ext || !ext->is_array()) return std::optional<int64_t>();
  for (size_t k = 0; k < ext->size(); ++k) {
    const json& e = (*ext)[k];
    if (!IsWeightUrl(Str(e, "url"))) continue;
    const json* v = Field(e, "valueDecimal");
    if (!v) v = Field(e, "valueInteger");
    if (!v || !v->is_number())
      return Err(fmt::format("{}.extension[{}]", path, k), "weight extension needs valueDecimal or valueInteger");
    double d = v->get<double>();
    if (std::fabs(d - std::round(d)) > 1e-9 || std::fabs(d) > 1e6)
      return Err(fmt::format("{}.extension[{}]", path, k), fmt::format("weight {} is not a whole number", d));
    return std::optional<int64_t>(static_cast<int64_t>(std::llround(d)));
  }
  return std::optional<int64_t>();
}

// Translations of a primitive's `_text`/`_display` element: lang → text.
std::map<std::string, std::string> Translations(const json& element) {
  std::map<std::string, std::string> out;
  const json* ext = Field(element, "extension");
  if (!ext || !ext->is_array()) return out;
  for (const auto& e : *ext) {
    if (Str(e, "url") != kTranslationUrl) continue;
    std::string lang, content;
    if (const json* parts = Field(e, "extension"); parts && parts->is_array())
      for (const auto& p : *parts) {
        if (Str(p, "url") == "lang") lang = Str(p, "valueCode");
        if (Str(p, "url") == "content") content = Str(p, "valueString");
      }
    if (!lang.empty() && !content.empty()) out[lang] = content;
  }
  return out;
}

std::string SanitizeId(std::string_view s, bool lower) {
  std::string out;
  for (char c : s) {
    if (lower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
              (!lower && ((c >= 'A' && c <= 'Z') || c == '/'));
    out.push_back(ok ? c : (lower ? '-' : '_'));
    if (out.size() == 64) break;
  }
  return out;
}

struct Importer {
  const json& q;
  std::string primary;
  std::set<std::string> langs;
  json items = json::array();
  std::vector<std::string> weighted;  // item ids with explicit weights
  struct ScoreItem {
    std::string link_id;
    std::string text;
    std::vector<std::string> items;  // from an expression listing linkIds; empty = all weighted
  };
  std::vector<ScoreItem> score_items;
  std::map<std::string, std::string> id_of_link;          // linkId → item id
  std::map<std::string, bool> boolean_item;               // item id → FHIR boolean
  std::vector<std::map<std::string, std::string>> texts;  // for language completion

  json Text(const std::string& primary_text, const json* element) {
    std::map<std::string, std::string> t;
    t[primary] = primary_text;
    if (element)
      for (auto& [l, c] : Translations(*element)) {
        t[l] = c;
        langs.insert(l);
      }
    json j = json::object();
    for (auto& [l, c] : t) j[l] = c;
    return j;
  }

  absl::StatusOr<json> Options(const json& item, const std::string& path, bool* has_weights, std::string* system) {
    json opts = json::array();
    std::vector<std::optional<int64_t>> weights;
    const json* ao = Field(item, "answerOption");
    if (ao && ao->is_array()) {
      for (size_t k = 0; k < ao->size(); ++k) {
        const json& o = (*ao)[k];
        std::string op = fmt::format("{}.answerOption[{}]", path, k);
        std::string code, display;
        const json* display_el = nullptr;
        XQ_ASSIGN_OR_RETURN(auto w, WeightOf(o, op));
        if (const json* vc = Field(o, "valueCoding")) {
          code = Str(*vc, "code");
          display = Str(*vc, "display");
          display_el = Field(*vc, "_display");
          if (system->empty()) *system = Str(*vc, "system");
          if (!w) {
            XQ_ASSIGN_OR_RETURN(w, WeightOf(*vc, op + ".valueCoding"));
          }
        } else if (const json* vs = Field(o, "valueString"); vs && vs->is_string()) {
          code = display = vs->get<std::string>();
          display_el = Field(o, "_valueString");
        } else if (const json* vi = Field(o, "valueInteger"); vi && vi->is_number_integer()) {
          code = display = std::to_string(vi->get<int64_t>());
          if (!w) w = vi->get<int64_t>();
        } else {
          return Err(op, "needs valueCoding, valueString or valueInteger");
        }
        if (code.empty()) return Err(op, "option without a code");
        if (display.empty()) display = code;
        weights.push_back(w);
        opts.push_back({{"code", code}, {"text", Text(display, display_el)}});
      }
    } else if (std::string vs = Str(item, "answerValueSet"); !vs.empty()) {
      if (!vs.starts_with("#")) return Err(path + ".answerValueSet", "only contained value sets (#id) can be imported");
      const json* contained = Field(q, "contained");
      const json* found = nullptr;
      if (contained && contained->is_array())
        for (const auto& r : *contained)
          if (Str(r, "resourceType") == "ValueSet" && "#" + Str(r, "id") == vs) found = &r;
      if (!found) return Err(path + ".answerValueSet", fmt::format("contained value set {} not found", vs));
      const json* inc = Field(*found, "compose") ? Field(*Field(*found, "compose"), "include") : nullptr;
      if (!inc || !inc->is_array()) return Err(path + ".answerValueSet", "value set has no compose.include");
      for (size_t a = 0; a < inc->size(); ++a) {
        const json* concepts = Field((*inc)[a], "concept");
        if (!concepts || !concepts->is_array()) continue;
        if (system->empty()) *system = Str((*inc)[a], "system");
        for (size_t k = 0; k < concepts->size(); ++k) {
          const json& c = (*concepts)[k];
          std::string cp = fmt::format("contained[{}].compose.include[{}].concept[{}]", vs, a, k);
          XQ_ASSIGN_OR_RETURN(auto w, WeightOf(c, cp));
          std::string code = Str(c, "code"), display = Str(c, "display");
          if (code.empty()) return Err(cp, "concept without a code");
          weights.push_back(w);
          opts.push_back({{"code", code}, {"text", Text(display.empty() ? code : display, Field(c, "_display"))}});
        }
      }
    }
    if (opts.empty()) return Err(path, "a choice item needs answerOption or a contained answerValueSet");
    size_t n_weighted = std::count_if(weights.begin(), weights.end(), [](const auto& w) { return w.has_value(); });
    if (n_weighted != 0 && n_weighted != weights.size())
      return Err(path, "some answer options carry a weight and some do not");
    *has_weights = n_weighted > 0;
    std::set<int64_t> seen;
    for (size_t k = 0; k < opts.size(); ++k) {
      int64_t v = *has_weights ? *weights[k] : static_cast<int64_t>(k);
      if (!seen.insert(v).second)
        return Err(fmt::format("{}.answerOption[{}]", path, k), fmt::format("duplicate weight {}", v));
      opts[k]["value"] = v;
    }
    return opts;
  }

  absl::StatusOr<json> EnableWhen(const json& item, const std::string& path) {
    const json* ew = Field(item, "enableWhen");
    if (!ew) return json();
    if (!ew->is_array() || ew->empty()) return Err(path + ".enableWhen", "must be a non-empty array");
    json conds = json::array();
    for (size_t k = 0; k < ew->size(); ++k) {
      const json& e = (*ew)[k];
      std::string p = fmt::format("{}.enableWhen[{}]", path, k);
      std::string question = Str(e, "question"), op = Str(e, "operator");
      auto it = id_of_link.find(question);
      if (it == id_of_link.end()) return Err(p + ".question", fmt::format("\"{}\" is not an earlier item", question));
      const std::string& ref = it->second;
      json c;
      if (op == "exists") {
        const json* b = Field(e, "answerBoolean");
        c = {{"answered", ref}};
        if (b && b->is_boolean() && !b->get<bool>()) c = {{"not", c}};
      } else if (const json* ac = Field(e, "answerCoding")) {
        c = {{"item", ref}, {"is", Str(*ac, "code")}};
      } else if (const json* ab = Field(e, "answerBoolean"); ab && ab->is_boolean()) {
        c = {{"item", ref}, {"is", ab->get<bool>() ? "yes" : "no"}};
      } else if (const json* an = Field(e, "answerInteger") ? Field(e, "answerInteger") : Field(e, "answerDecimal");
                 an && an->is_number()) {
        c = {{"item", ref}, {"op", op == "=" ? "==" : op}, {"value", *an}};
        op = "=";  // the operator is inside the comparison
      } else if (const json* as = Field(e, "answerString"); as && as->is_string()) {
        c = {{"item", ref}, {"is", as->get<std::string>()}};
      } else {
        return Err(
            p,
            "unsupported enableWhen answer (answerCoding, answerBoolean, answerInteger, answerDecimal, answerString)");
      }
      if (op == "!=")
        c = {{"not", c}};
      else if (op != "=" && op != "exists")
        return Err(p + ".operator", fmt::format("operator {} is not supported here", op));
      conds.push_back(c);
    }
    if (conds.size() == 1) return conds[0];
    return json{{Str(item, "enableBehavior") == "any" ? "any" : "all", conds}};
  }

  absl::Status Walk(const json& list, const std::string& path, int depth) {
    if (depth > 16) return Err(path, "groups nest too deeply");
    if (!list.is_array()) return Err(path, "must be an array");
    for (size_t k = 0; k < list.size(); ++k) {
      const json& it = list[k];
      std::string p = fmt::format("{}[{}]", path, k);
      if (!it.is_object()) return Err(p, "must be an object");
      std::string type = Str(it, "type"), link = Str(it, "linkId");
      if (link.empty()) return Err(p + ".linkId", "is required");
      if (type == "group") {
        if (const json* sub = Field(it, "item")) XQ_RETURN_IF_ERROR(Walk(*sub, p + ".item", depth + 1));
        continue;
      }
      if (type == "display") continue;
      bool calculated = false;
      std::string expression;
      if (const json* ext = Field(it, "extension"); ext && ext->is_array())
        for (const auto& e : *ext)
          if (Str(e, "url").ends_with("calculatedExpression")) {
            calculated = true;
            if (const json* ve = Field(e, "valueExpression")) expression = Str(*ve, "expression");
          }
      const json* ro = Field(it, "readOnly");
      bool read_only = ro && ro->is_boolean() && ro->get<bool>();
      if ((type == "decimal" || type == "integer" || type == "quantity") && (calculated || read_only)) {
        ScoreItem s{link, Str(it, "text"), {}};
        // Our own export lists the summed items: ... linkId in ('a' | 'b') ...
        if (auto pos = expression.find("linkId in ("); pos != std::string::npos) {
          size_t end = expression.find(')', pos);
          std::string list_text = expression.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
          size_t a = 0;
          while ((a = list_text.find('\'', a)) != std::string::npos) {
            size_t b = list_text.find('\'', a + 1);
            if (b == std::string::npos) break;
            std::string l = list_text.substr(a + 1, b - a - 1);
            auto f = id_of_link.find(l);
            if (f == id_of_link.end())
              return Err(p, fmt::format("calculated score refers to unknown linkId \"{}\"", l));
            s.items.push_back(f->second);
            a = b + 1;
          }
        }
        score_items.push_back(std::move(s));
        continue;
      }
      if (id_of_link.count(link)) return Err(p + ".linkId", fmt::format("duplicate linkId \"{}\"", link));
      std::string id = SanitizeId(link, false);
      // linkIds that sanitize to the same id get a suffix.
      while (std::any_of(items.begin(), items.end(), [&](const json& j) { return j["id"] == id; })) {
        if (id.size() >= 64) return Err(p + ".linkId", "cannot derive a unique item id from this linkId");
        id += "_";
      }
      json out = {{"id", id}, {"text", Text(Str(it, "text").empty() ? link : Str(it, "text"), Field(it, "_text"))}};
      if (id != link) out["fhir"] = {{"link_id", link}};
      bool repeats = Field(it, "repeats") && (*Field(it, "repeats")) == true;
      if (type == "choice" || type == "open-choice" || type == "coding") {
        bool weights = false;
        std::string system;
        XQ_ASSIGN_OR_RETURN(json opts, Options(it, p, &weights, &system));
        out["type"] = repeats ? "multi" : "single";
        out["options"] = opts;
        if (!system.empty()) out["fhir"]["system"] = system;
        if (id != link) out["fhir"]["link_id"] = link;
        if (weights && !repeats) weighted.push_back(id);
      } else if (type == "boolean") {
        out["type"] = "yes_no";
        boolean_item[id] = true;
      } else if (type == "string" || type == "text") {
        out["type"] = "text";
      } else {
        return Err(p + ".type", fmt::format("item type \"{}\" cannot be imported (choice, coding, boolean, string, "
                                            "text, group, display, and read-only calculated scores)",
                                            type));
      }
      const json* req = Field(it, "required");
      if (!(req && req->is_boolean() && req->get<bool>())) out["required"] = false;
      XQ_ASSIGN_OR_RETURN(json cond, EnableWhen(it, p));
      if (!cond.is_null()) out["show_if"] = cond;
      id_of_link[link] = id;
      items.push_back(std::move(out));
    }
    return absl::OkStatus();
  }
};

// Gives every localized text every declared language (missing ones fall
// back to the primary text) so the result passes validation.
void CompleteLanguages(json& j, const std::vector<std::string>& langs, const std::string& primary) {
  if (j.is_object()) {
    bool is_text = !j.empty() && j.contains(primary) &&
                   std::all_of(j.begin(), j.end(), [](const json& v) { return v.is_string(); });
    if (is_text) {
      for (const auto& l : langs)
        if (!j.contains(l)) j[l] = j[primary];
      return;
    }
    for (auto& [k, v] : j.items())
      if (k != "fhir" && k != "provenance") CompleteLanguages(v, langs, primary);
  } else if (j.is_array()) {
    for (auto& v : j) CompleteLanguages(v, langs, primary);
  }
}

}  // namespace

absl::StatusOr<Definition> ImportQuestionnaire(std::string_view text) {
  XQ_ASSIGN_OR_RETURN(json q, ParseJsonObject(text));
  return ImportQuestionnaireJson(q);
}

absl::StatusOr<Definition> ImportQuestionnaireJson(const json& q) {
  if (!q.is_object() || Str(q, "resourceType") != "Questionnaire")
    return Err("resourceType", "expected a FHIR Questionnaire");
  Importer im{q, Str(q, "language").empty() ? "en" : Str(q, "language"), {}, json::array(), {}, {}, {}, {}, {}};
  const json* items = Field(q, "item");
  if (!items) return Err("item", "a Questionnaire without items cannot be imported");
  XQ_RETURN_IF_ERROR(im.Walk(*items, "item", 0));
  if (im.items.empty()) return Err("item", "no answerable items");

  std::string name = Str(q, "name").empty() ? Str(q, "id") : Str(q, "name");
  std::string id = SanitizeId(name.empty() ? "imported" : name, true);
  while (!id.empty() && (id[0] == '-' || id[0] == '.' || id[0] == '_')) id.erase(0, 1);
  if (id.empty()) id = "imported";
  std::vector<std::string> langs{im.primary};
  for (const auto& l : im.langs)
    if (l != im.primary) langs.push_back(l);

  json d = json::object();
  d["format"] = kFormat;
  d["id"] = id;
  d["version"] = Str(q, "version").empty() ? "1" : Str(q, "version");
  d["languages"] = langs;
  std::string title = Str(q, "title").empty() ? (name.empty() ? id : name) : Str(q, "title");
  d["title"] = im.Text(title, Field(q, "_title"));
  std::string url = Str(q, "url");
  std::string publisher = Str(q, "publisher");
  std::string citation = fmt::format("FHIR Questionnaire {}{}{}", url.empty() ? id : url,
                                     publisher.empty() ? "" : ", published by ", publisher);
  // Nothing in a Questionnaire says whether its texts are a validated
  // version: an import is `translation` until a person checks the source.
  d["provenance"] = {
      {"citation", citation},
      {"licence",
       {{"holder", publisher.empty() ? "unspecified (see the source Questionnaire)" : publisher},
        {"terms", Str(q, "copyright").empty() ? "unspecified (see the source Questionnaire)" : Str(q, "copyright")}}},
      {"wording_status", "translation"},
      {"wording_source", citation},
      {"notes",
       "Imported from a FHIR R4 Questionnaire; option values are the answer weights. "
       "Wording not checked against a validated version."}};
  d["items"] = im.items;
  json scores = json::array();
  if (!im.weighted.empty() && im.score_items.size() <= 1) {
    // One score item (LOINC panels' total) or none: the plain sum of the weights.
    std::vector<std::string> list = im.weighted;
    if (im.score_items.size() == 1 && !im.score_items[0].items.empty()) list = im.score_items[0].items;
    json s = {{"id", "total"}, {"method", "sum"}, {"items", list}};
    if (im.score_items.size() == 1 && !im.score_items[0].text.empty())
      s["label"] = im.Text(im.score_items[0].text, nullptr);
    scores.push_back(s);
  } else {
    std::set<std::string> used;
    for (size_t k = 0; k < im.score_items.size(); ++k) {
      const auto& si = im.score_items[k];
      std::string sid = SanitizeId(si.link_id, false);
      if (sid.empty() || sid[0] == '/' || used.count(sid)) sid = fmt::format("score_{}", k + 1);
      used.insert(sid);
      json s = {{"id", sid}, {"method", "sum"}, {"items", si.items.empty() ? json(im.weighted) : json(si.items)}};
      if (!si.text.empty()) s["label"] = im.Text(si.text, nullptr);
      if (!s["items"].empty()) scores.push_back(s);
    }
  }
  d["scores"] = scores;
  CompleteLanguages(d, langs, im.primary);
  auto def = DefinitionFromJson(d);
  if (!def.ok())
    return InvalidArgument(
        fmt::format("the Questionnaire does not map to a valid definition: {}", std::string(def.status().message())));
  return def;
}

std::string QuestionnaireUrl(const Definition& def) { return "urn:xinqiao:instrument:" + def.id; }

namespace {

bool ExportsAsBoolean(const Item& it) {
  return it.type == ItemType::kYesNo && !it.reverse && it.options.size() == 2 && it.options[0].code == "no" &&
         it.options[0].value == 0 && it.options[1].code == "yes" && it.options[1].value == 1;
}

std::string SystemOf(const Definition& def, const Item& it) {
  return it.fhir_system.empty() ? fmt::format("{}:{}", QuestionnaireUrl(def), it.id) : it.fhir_system;
}

std::string LinkOf(const Item& it) { return it.fhir_link_id.empty() ? it.id : it.fhir_link_id; }

std::string TextIn(const Text& t, std::string_view lang) {
  auto it = t.find(std::string(lang));
  if (it != t.end()) return it->second;
  return t.empty() ? std::string() : t.begin()->second;
}

json TranslationExt(const Text& t, std::string_view lang) {
  json ext = json::array();
  for (const auto& [l, c] : t) {
    if (l == lang) continue;
    ext.push_back(
        {{"url", kTranslationUrl},
         {"extension", json::array({{{"url", "lang"}, {"valueCode", l}}, {{"url", "content"}, {"valueString", c}}})}});
  }
  return ext;
}

// enableWhen for the simple show_if forms; nullopt when not expressible.
std::optional<json> EnableWhenOf(const Definition& def, const Condition& c, std::string* behavior) {
  using K = Condition::Kind;
  auto one = [&](const Condition& x, bool negate) -> std::optional<json> {
    int idx = def.ItemIndex(x.ref);
    if (idx < 0) return std::nullopt;
    const Item& it = def.items[idx];
    if (x.kind == K::kAnswered)
      return json{{"question", LinkOf(it)}, {"operator", "exists"}, {"answerBoolean", !negate}};
    if (x.kind != K::kItemCode || x.codes.size() != 1) return std::nullopt;
    json e = {{"question", LinkOf(it)}, {"operator", negate ? "!=" : "="}};
    if (ExportsAsBoolean(it))
      e["answerBoolean"] = x.codes[0] == "yes";
    else
      e["answerCoding"] = {{"system", SystemOf(def, it)}, {"code", x.codes[0]}};
    return e;
  };
  auto leaf = [&](const Condition& x) -> std::optional<json> {
    if (x.kind == K::kNot && x.children.size() == 1) return one(x.children[0], true);
    return one(x, false);
  };
  if (c.kind == K::kAll || c.kind == K::kAny) {
    json list = json::array();
    for (const auto& ch : c.children) {
      auto e = leaf(ch);
      if (!e) return std::nullopt;
      list.push_back(*e);
    }
    *behavior = c.kind == K::kAll ? "all" : "any";
    return list;
  }
  if (c.kind == K::kItemCode && c.codes.size() > 1) {
    json list = json::array();
    for (const auto& code : c.codes) {
      Condition x = c;
      x.codes = {code};
      auto e = one(x, false);
      if (!e) return std::nullopt;
      list.push_back(*e);
    }
    *behavior = "any";
    return list;
  }
  auto e = leaf(c);
  if (!e) return std::nullopt;
  return json::array({*e});
}

}  // namespace

json ExportQuestionnaire(const Definition& def, std::string_view lang_in) {
  std::string lang = lang_in.empty() ? def.languages.front() : std::string(lang_in);
  json q = {{"resourceType", "Questionnaire"},
            {"id", def.id},
            {"url", QuestionnaireUrl(def)},
            {"version", def.version},
            {"name", SanitizeId(def.id, true)},
            {"title", TextIn(def.title, lang)},
            {"status", "active"},
            {"language", lang}};
  if (auto ext = TranslationExt(def.title, lang); !ext.empty()) q["_title"] = {{"extension", ext}};
  if (!def.provenance.citation.empty()) q["description"] = def.provenance.citation;
  if (!def.provenance.licence.terms.empty()) q["copyright"] = def.provenance.licence.terms;
  if (!def.provenance.licence.holder.empty()) q["publisher"] = def.provenance.licence.holder;
  json items = json::array();
  for (const Item& it : def.items) {
    json j = {{"linkId", LinkOf(it)}, {"text", TextIn(it.text, lang)}};
    if (auto ext = TranslationExt(it.text, lang); !ext.empty()) j["_text"] = {{"extension", ext}};
    j["required"] = it.required;
    if (it.type == ItemType::kText) {
      j["type"] = "text";
    } else if (ExportsAsBoolean(it)) {
      j["type"] = "boolean";
    } else {
      j["type"] = "choice";
      if (it.type == ItemType::kMulti) j["repeats"] = true;
      int64_t lo = it.options.front().value, hi = lo;
      for (const auto& o : it.options) {
        lo = std::min(lo, o.value);
        hi = std::max(hi, o.value);
      }
      json opts = json::array();
      for (const auto& o : it.options) {
        json coding = {{"system", SystemOf(def, it)}, {"code", o.code}, {"display", TextIn(o.text, lang)}};
        if (auto ext = TranslationExt(o.text, lang); !ext.empty()) coding["_display"] = {{"extension", ext}};
        int64_t scored = it.reverse ? lo + hi - o.value : o.value;
        opts.push_back(
            {{"valueCoding", coding}, {"extension", json::array({{{"url", kOrdinalUrl}, {"valueDecimal", scored}}})}});
      }
      j["answerOption"] = opts;
    }
    if (it.show_if) {
      std::string behavior;
      if (auto ew = EnableWhenOf(def, *it.show_if, &behavior)) {
        j["enableWhen"] = *ew;
        if (!behavior.empty() && ew->size() > 1) j["enableBehavior"] = behavior;
      }
    }
    items.push_back(std::move(j));
  }
  // Plain sums of items become read-only calculated items.
  for (const auto& s : def.scores) {
    if (s.method != Method::kSum || s.items.empty()) continue;
    std::string list;
    for (const auto& id : s.items) {
      const Item& it = def.items[def.ItemIndex(id)];
      list += (list.empty() ? "'" : " | '") + LinkOf(it) + "'";
    }
    json j = {{"linkId", s.id},
              {"text", s.label.empty() ? s.id : TextIn(s.label, lang)},
              {"type", "integer"},
              {"readOnly", true}};
    j["extension"] = json::array(
        {{{"url", kCalculatedUrl},
          {"valueExpression",
           {{"language", "text/fhirpath"},
            {"expression",
             fmt::format("%resource.repeat(item).where(linkId in ({})).answer.value.ordinal().sum()", list)}}}}});
    items.push_back(std::move(j));
  }
  q["item"] = items;
  return q;
}

absl::StatusOr<Response> ResponseFromFhir(const ScoringPlan& plan, const json& qr) {
  if (!qr.is_object() || Str(qr, "resourceType") != "QuestionnaireResponse")
    return Err("resourceType", "expected a FHIR QuestionnaireResponse");
  const Definition& def = plan.definition();
  std::map<std::string, int> by_link;
  for (size_t i = 0; i < def.items.size(); ++i) by_link[LinkOf(def.items[i])] = static_cast<int>(i);
  std::set<std::string> score_ids;
  for (const auto& s : def.scores) score_ids.insert(s.id);
  Response r = plan.NewResponse();
  std::function<absl::Status(const json&, const std::string&, int)> walk =
      [&](const json& list, const std::string& path, int depth) -> absl::Status {
    if (depth > 16) return Err(path, "items nest too deeply");
    if (!list.is_array()) return Err(path, "must be an array");
    for (size_t k = 0; k < list.size(); ++k) {
      const json& it = list[k];
      std::string p = fmt::format("{}[{}]", path, k);
      std::string link = Str(it, "linkId");
      const json* answers = Field(it, "answer");
      auto f = by_link.find(link);
      if (f == by_link.end()) {
        // Computed values (a source's total score) are numeric; anything
        // else under an unknown linkId is a mismatched response.
        bool numeric_only = true;
        if (answers && answers->is_array())
          for (const auto& a : *answers)
            numeric_only =
                numeric_only && (Field(a, "valueDecimal") || Field(a, "valueInteger") || Field(a, "valueQuantity"));
        if (!score_ids.count(link) && answers && !answers->empty() && !numeric_only)
          return Err(p + ".linkId", fmt::format("\"{}\" is not an item of {}", link, def.id));
      } else if (answers && answers->is_array()) {
        const Item& item = def.items[f->second];
        int32_t mask = 0;
        for (size_t a = 0; a < answers->size(); ++a) {
          const json& ans = (*answers)[a];
          std::string ap = fmt::format("{}.answer[{}]", p, a);
          std::optional<int32_t> idx;
          if (item.type == ItemType::kText) break;
          if (const json* vc = Field(ans, "valueCoding")) {
            idx = plan.OptionByCode(f->second, Str(*vc, "code"));
            if (!idx)
              return Err(ap + ".valueCoding.code",
                         fmt::format("unknown option code \"{}\" for item {}", Str(*vc, "code"), item.id));
          } else if (const json* vb = Field(ans, "valueBoolean"); vb && vb->is_boolean()) {
            idx = plan.OptionByCode(f->second, vb->get<bool>() ? "yes" : "no");
            if (!idx) return Err(ap + ".valueBoolean", fmt::format("item {} is not a yes/no item", item.id));
          } else if (const json* vi = Field(ans, "valueInteger"); vi && vi->is_number_integer()) {
            idx = plan.OptionByValue(f->second, vi->get<int64_t>());
            if (!idx)
              return Err(ap + ".valueInteger",
                         fmt::format("no option with value {} for item {}", vi->get<int64_t>(), item.id));
          } else if (const json* vs = Field(ans, "valueString"); vs && vs->is_string()) {
            idx = plan.OptionByCode(f->second, vs->get<std::string>());
            if (!idx)
              return Err(ap + ".valueString",
                         fmt::format("unknown option \"{}\" for item {}", vs->get<std::string>(), item.id));
          } else {
            return Err(ap, "unsupported answer value (valueCoding, valueBoolean, valueInteger, valueString)");
          }
          if (item.type == ItemType::kMulti) {
            mask |= int32_t{1} << *idx;
          } else {
            if (a > 0) return Err(ap, fmt::format("item {} takes one answer", item.id));
            r.answers[f->second] = *idx;
          }
        }
        if (item.type == ItemType::kMulti) r.answers[f->second] = mask;
        for (const auto& ans : *answers)
          if (const json* sub = Field(ans, "item")) XQ_RETURN_IF_ERROR(walk(*sub, p + ".answer.item", depth + 1));
      }
      if (const json* sub = Field(it, "item")) XQ_RETURN_IF_ERROR(walk(*sub, p + ".item", depth + 1));
    }
    return absl::OkStatus();
  };
  if (const json* items = Field(qr, "item")) XQ_RETURN_IF_ERROR(walk(*items, "item", 0));
  return r;
}

json ResponseToFhir(const ScoringPlan& plan, const Response& r) {
  const Definition& def = plan.definition();
  const std::string lang = def.languages.front();
  json items = json::array();
  for (size_t i = 0; i < def.items.size() && i < r.answers.size(); ++i) {
    const Item& it = def.items[i];
    if (r.answers[i] < 0 || it.type == ItemType::kText) continue;
    json answers = json::array();
    auto coding = [&](int32_t k) {
      const Option& o = it.options[k];
      return json{
          {"valueCoding", {{"system", SystemOf(def, it)}, {"code", o.code}, {"display", TextIn(o.text, lang)}}}};
    };
    if (ExportsAsBoolean(it)) {
      answers.push_back({{"valueBoolean", r.answers[i] == 1}});
    } else if (it.type == ItemType::kMulti) {
      for (size_t k = 0; k < it.options.size(); ++k)
        if ((r.answers[i] >> k) & 1) answers.push_back(coding(static_cast<int32_t>(k)));
    } else if (static_cast<size_t>(r.answers[i]) < it.options.size()) {
      answers.push_back(coding(r.answers[i]));
    }
    if (!answers.empty()) items.push_back({{"linkId", LinkOf(it)}, {"answer", answers}});
  }
  return {{"resourceType", "QuestionnaireResponse"},
          {"questionnaire", QuestionnaireUrl(def)},
          {"status", "completed"},
          {"item", items}};
}

}  // namespace xq::instruments
