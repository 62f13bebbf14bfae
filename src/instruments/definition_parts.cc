// Parts of a definition: ids, texts, conditions, options, bands and the
// resolution of references (definition_internal.h).
#include <algorithm>
#include <cmath>
#include <set>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "instruments/definition_internal.h"

namespace xq::instruments::def_parse {

bool ValidId(std::string_view s, bool allow_colon) {
  if (s.empty() || s.size() > 64) return false;
  for (char ch : s) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '.' || ch == '/' || ch == '-' || (allow_colon && ch == ':');
    if (!ok) return false;
  }
  return true;
}

std::string CheckedId(Ctx& c, Obj& o, std::string_view key) {
  std::string id = o.Str(key);
  if (c.ok() && !ValidId(id))
    c.Fail(o.At(key), fmt::format("\"{}\" is not a valid id ([A-Za-z0-9_./-], 1–64 chars)", id));
  return id;
}

Text ParseText(Ctx& c, const json* j, const std::string& path) {
  Text t;
  if (!j) return t;
  if (!j->is_object()) {
    c.Fail(path, "must be an object of language → text");
    return t;
  }
  for (auto it = j->begin(); it != j->end(); ++it) {
    if (!it->is_string()) {
      c.Fail(Key(path, it.key()), "must be a string");
      return t;
    }
    if (std::find(c.languages.begin(), c.languages.end(), it.key()) == c.languages.end()) {
      c.Fail(Key(path, it.key()), "language is not declared in `languages`");
      return t;
    }
    t[it.key()] = it->get<std::string>();
  }
  for (const auto& lang : c.languages) {
    if (!t.contains(lang)) {
      c.Fail(Key(path, lang), "missing text for a declared language");
      return t;
    }
  }
  return t;
}

std::optional<Op> ParseOp(Ctx& c, Obj& o, bool required) {
  std::string s = o.Str("op", required);
  if (!c.ok() || s.empty()) return std::nullopt;
  static const std::pair<std::string_view, Op> kOps[] = {{"==", Op::kEq}, {"!=", Op::kNe}, {">", Op::kGt},
                                                         {">=", Op::kGe}, {"<", Op::kLt},  {"<=", Op::kLe}};
  for (const auto& [n, op] : kOps)
    if (n == s) return op;
  c.Fail(o.At("op"), fmt::format("unknown operator \"{}\" (==, !=, >, >=, <, <=)", s));
  return std::nullopt;
}

Condition ParseCondition(Ctx& c, const json& j, const std::string& path, int depth);

void ParseIsIn(Ctx& c, Obj& o, Condition& cond) {
  bool has_is = o.Has("is"), has_in = o.Has("in");
  if (has_is == has_in) {
    c.Fail(o.path(), "needs exactly one of `is` or `in`");
    return;
  }
  if (has_is) {
    cond.codes.push_back(o.Str("is"));
  } else {
    cond.codes = o.StrList("in", true);
  }
}

Condition ParseCondition(Ctx& c, const json& j, const std::string& path, int depth) {
  Condition cond;
  if (depth > kMaxDepth) {
    c.Fail(path, "conditions nest too deeply");
    return cond;
  }
  Obj o(c, j, path,
        {"item", "score", "band", "class", "answered", "all", "any", "not", "count", "op", "value", "is", "in"});
  if (!c.ok()) return cond;
  int kinds = 0;
  for (std::string_view k : {"item", "score", "band", "class", "answered", "all", "any", "not", "count"})
    if (o.Has(k)) ++kinds;
  if (kinds != 1) {
    c.Fail(path, "a condition needs exactly one of item, score, band, class, answered, all, any, not, count");
    return cond;
  }
  auto compare = [&]() {
    auto op = ParseOp(c, o);
    auto v = o.Num("value", true);
    if (op) cond.op = *op;
    if (v) cond.value = *v;
  };
  auto no_compare = [&]() {
    for (std::string_view k : {"op", "value", "is", "in"})
      if (o.Has(k)) c.Fail(o.At(k), "not allowed here");
  };
  auto children = [&](std::string_view key) {
    const json* a = o.Array(key, true, true);
    if (!a) return;
    for (size_t i = 0; i < a->size() && c.ok(); ++i)
      cond.children.push_back(ParseCondition(c, (*a)[i], Idx(o.At(key), i), depth + 1));
  };
  if (o.Has("item")) {
    cond.ref = o.Str("item");
    if (o.Has("is") || o.Has("in")) {
      cond.kind = Condition::Kind::kItemCode;
      if (o.Has("op") || o.Has("value")) c.Fail(path, "use either op/value or is/in, not both");
      ParseIsIn(c, o, cond);
    } else {
      cond.kind = Condition::Kind::kItemCompare;
      compare();
    }
  } else if (o.Has("score")) {
    cond.kind = Condition::Kind::kScoreCompare;
    cond.ref = o.Str("score");
    compare();
  } else if (o.Has("band")) {
    cond.kind = Condition::Kind::kBand;
    cond.ref = o.Str("band");
    ParseIsIn(c, o, cond);
  } else if (o.Has("class")) {
    cond.kind = Condition::Kind::kClass;
    cond.ref = o.Str("class");
    ParseIsIn(c, o, cond);
  } else if (o.Has("answered")) {
    cond.kind = Condition::Kind::kAnswered;
    cond.ref = o.Str("answered");
    no_compare();
  } else if (o.Has("all") || o.Has("any")) {
    bool all = o.Has("all");
    cond.kind = all ? Condition::Kind::kAll : Condition::Kind::kAny;
    no_compare();
    children(all ? "all" : "any");
  } else if (o.Has("not")) {
    cond.kind = Condition::Kind::kNot;
    no_compare();
    cond.children.push_back(ParseCondition(c, *o.Get("not", true), o.At("not"), depth + 1));
  } else {
    cond.kind = Condition::Kind::kCount;
    const json* cj = o.Get("count", true);
    if (cj && cj->is_array()) {
      children("count");
    } else if (cj && cj->is_object()) {
      // Short form: the same item test over a list of items.
      Obj s(c, *cj, o.At("count"), {"items", "op", "value", "is", "in"});
      auto items = s.StrList("items", true);
      Condition proto;
      if (s.Has("is") || s.Has("in")) {
        proto.kind = Condition::Kind::kItemCode;
        ParseIsIn(c, s, proto);
      } else {
        proto.kind = Condition::Kind::kItemCompare;
        auto op = ParseOp(c, s);
        auto v = s.Num("value", true);
        if (op) proto.op = *op;
        if (v) proto.value = *v;
      }
      for (const auto& id : items) {
        Condition ch = proto;
        ch.ref = id;
        cond.children.push_back(std::move(ch));
      }
    } else if (cj) {
      c.Fail(o.At("count"), "must be an array of conditions or {items, op, value}");
    }
    if (o.Has("is") || o.Has("in")) c.Fail(path, "`count` takes op and value");
    compare();
  }
  return cond;
}

std::vector<Option> ParseOptions(Ctx& c, const json& a, const std::string& path) {
  std::vector<Option> out;
  if (!a.is_array() || a.empty()) {
    c.Fail(path, "must be a non-empty array of options");
    return out;
  }
  if (a.size() > kMaxOptions) {
    c.Fail(path, fmt::format("at most {} options", kMaxOptions));
    return out;
  }
  std::set<std::string> codes;
  std::set<int64_t> values;
  for (size_t i = 0; i < a.size() && c.ok(); ++i) {
    std::string p = Idx(path, i);
    Obj o(c, a[i], p, {"code", "value", "text"});
    Option opt;
    opt.code = o.Str("code", true, 64);
    auto v = o.Int("value", true);
    opt.text = ParseText(c, o.Get("text", true), o.At("text"));
    if (!c.ok()) break;
    if (opt.code.empty()) c.Fail(o.At("code"), "must not be empty");
    if (opt.code.find('|') != std::string::npos) c.Fail(o.At("code"), "must not contain '|'");
    if (*v > kMaxAbsValue || *v < -kMaxAbsValue) c.Fail(o.At("value"), "is out of range (±1000000)");
    opt.value = *v;
    if (!codes.insert(opt.code).second) c.Fail(o.At("code"), fmt::format("duplicate option code \"{}\"", opt.code));
    if (!values.insert(opt.value).second) c.Fail(o.At("value"), fmt::format("duplicate option value {}", opt.value));
    out.push_back(std::move(opt));
  }
  return out;
}

std::vector<Option> DefaultYesNo(const std::vector<std::string>& langs) {
  Option no{"no", 0, {}}, yes{"yes", 1, {}};
  for (const auto& l : langs) {
    bool zh = l.starts_with("zh");
    no.text[l] = zh ? "否" : "No";
    yes.text[l] = zh ? "是" : "Yes";
  }
  return {no, yes};
}

void CheckCoverage(Ctx& c, const std::vector<Span>& spans, const std::string& path, const Score& s,
                   std::string_view what) {
  for (size_t i = 0; i < spans.size() && c.ok(); ++i) {
    const Span& b = spans[i];
    std::string p = Idx(path, i);
    if (b.upper < b.min || (b.upper == b.min && !b.inclusive)) {
      c.Fail(Key(p, "min"),
             fmt::format("empty {}: min {} is above its upper bound {}", what, b.min.ToString(), b.upper.ToString()));
      return;
    }
    if (i == 0) {
      if (b.min > s.range_min)
        c.Fail(Key(p, "min"), fmt::format("gap: first {} starts at {} but score \"{}\" can be as low as {}", what,
                                          b.min.ToString(), s.id, s.range_min.ToString()));
      continue;
    }
    const Span& prev = spans[i - 1];
    Rational expected;
    if (prev.inclusive) {
      if (!s.integer_valued) {
        c.Fail(Key(Idx(path, i - 1), "max"),
               fmt::format("score \"{}\" is fractional: every {} but the last must end with `below`", s.id, what));
        return;
      }
      expected = prev.upper.IsInteger() ? Rational(prev.upper.Floor() + 1) : Rational(prev.upper.Ceil());
    } else {
      expected = prev.upper;
    }
    if (b.min > expected)
      c.Fail(Key(p, "min"), fmt::format("gap: {} starts at {} but the previous one ends at {}", what, b.min.ToString(),
                                        prev.upper.ToString()));
    else if (b.min < expected)
      c.Fail(Key(p, "min"), fmt::format("overlap: {} starts at {} but the previous one ends at {}", what,
                                        b.min.ToString(), prev.upper.ToString()));
  }
  if (!c.ok() || spans.empty()) return;
  const Span& last = spans.back();
  bool covers = last.inclusive ? last.upper >= s.range_max : last.upper > s.range_max;
  if (!covers)
    c.Fail(Key(Idx(path, spans.size() - 1), last.inclusive ? "max" : "below"),
           fmt::format("gap: last {} ends at {} but score \"{}\" can reach {}", what, last.upper.ToString(), s.id,
                       s.range_max.ToString()));
}

std::vector<Band> ParseBands(Ctx& c, const json* a, const std::string& path, const Score& s) {
  std::vector<Band> out;
  if (!a) return out;
  if (!a->is_array() || a->empty()) {
    c.Fail(path, "must be a non-empty array of bands");
    return out;
  }
  std::set<std::string> ids;
  std::vector<Span> spans;
  for (size_t i = 0; i < a->size() && c.ok(); ++i) {
    Obj o(c, (*a)[i], Idx(path, i), {"id", "label", "min", "max", "below"});
    Band b;
    b.id = CheckedId(c, o);
    if (o.Has("label")) b.label = ParseText(c, o.Get("label", false), o.At("label"));
    auto sp = ParseSpan<Band>(c, o);
    if (!c.ok()) break;
    if (!ids.insert(b.id).second) c.Fail(o.At("id"), fmt::format("duplicate band id \"{}\"", b.id));
    b.min = sp->min;
    b.upper = sp->upper;
    b.upper_inclusive = sp->inclusive;
    spans.push_back(*sp);
    out.push_back(std::move(b));
  }
  if (c.ok()) CheckCoverage(c, spans, path, s, "band");
  return out;
}

void Resolve(Ctx& c, const Definition& d, const Condition& cond, const std::string& path, const Scope& sc) {
  using K = Condition::Kind;
  switch (cond.kind) {
    case K::kItemCompare:
    case K::kItemCode:
    case K::kAnswered: {
      int idx = d.ItemIndex(cond.ref);
      if (idx < 0 && !c.all_item_ids.contains(cond.ref))
        return c.Fail(path, fmt::format("unknown item \"{}\"", cond.ref));
      if (idx < 0 || idx >= sc.items)
        return c.Fail(path,
                      fmt::format("item \"{}\" is not an earlier item (skip logic may only look back)", cond.ref));
      const Item& it = d.items[idx];
      if (cond.kind != K::kAnswered && it.type == ItemType::kText)
        return c.Fail(path, fmt::format("item \"{}\" is free text and has no value", cond.ref));
      if (cond.kind == K::kItemCode) {
        for (const auto& code : cond.codes) {
          bool found =
              std::any_of(it.options.begin(), it.options.end(), [&](const Option& o) { return o.code == code; });
          if (!found) return c.Fail(path, fmt::format("item \"{}\" has no option \"{}\"", cond.ref, code));
        }
      }
      return;
    }
    case K::kScoreCompare:
    case K::kBand: {
      if (!sc.scores) return c.Fail(path, "scores cannot be used here");
      if (cond.kind == K::kScoreCompare) {
        if (d.ScoreIndex(cond.ref) < 0) return c.Fail(path, fmt::format("unknown score \"{}\"", cond.ref));
        return;
      }
      const BandSet* set = nullptr;
      int si = d.ScoreIndex(cond.ref);
      if (si >= 0 && !d.scores[si].band_sets.empty() && d.scores[si].band_sets[0].id.empty()) {
        set = &d.scores[si].band_sets[0];
      } else if (auto dot = cond.ref.rfind('.'); dot != std::string::npos) {
        int si2 = d.ScoreIndex(std::string_view(cond.ref).substr(0, dot));
        if (si2 >= 0)
          for (const auto& bs : d.scores[si2].band_sets)
            if (bs.id == std::string_view(cond.ref).substr(dot + 1)) set = &bs;
      }
      if (!set)
        return c.Fail(path, fmt::format("unknown band set \"{}\" (a score with bands, or score.set)", cond.ref));
      for (const auto& code : cond.codes)
        if (std::none_of(set->bands.begin(), set->bands.end(), [&](const Band& b) { return b.id == code; }) &&
            !(set->id.empty() && c.norm_band_ids[cond.ref].contains(code)))
          return c.Fail(path, fmt::format("band set \"{}\" has no band \"{}\"", cond.ref, code));
      return;
    }
    case K::kClass: {
      int ci = -1;
      for (size_t i = 0; i < d.classes.size(); ++i)
        if (d.classes[i].id == cond.ref) ci = static_cast<int>(i);
      if (ci < 0) return c.Fail(path, fmt::format("unknown class \"{}\"", cond.ref));
      if (ci >= sc.classes) return c.Fail(path, fmt::format("class \"{}\" is not an earlier class", cond.ref));
      for (const auto& code : cond.codes)
        if (std::none_of(d.classes[ci].levels.begin(), d.classes[ci].levels.end(),
                         [&](const ClassLevel& l) { return l.id == code; }) &&
            !c.norm_level_ids[cond.ref].contains(code))
          return c.Fail(path, fmt::format("class \"{}\" has no level \"{}\"", cond.ref, code));
      return;
    }
    case K::kAll:
    case K::kAny:
    case K::kNot:
    case K::kCount:
      for (size_t i = 0; i < cond.children.size() && c.ok(); ++i)
        Resolve(c, d, cond.children[i], Idx(path + ".children", i), sc);
      return;
  }
}

// Range of the scored value of one item.
std::pair<int64_t, int64_t> ItemRange(const Item& it) {
  if (it.type == ItemType::kMulti) {
    int64_t lo = 0, hi = 0;
    for (const auto& o : it.options) (o.value < 0 ? lo : hi) += o.value;
    return {lo, hi};
  }
  int64_t lo = it.options.front().value, hi = lo;
  for (const auto& o : it.options) {
    lo = std::min(lo, o.value);
    hi = std::max(hi, o.value);
  }
  return {lo, hi};
}

}  // namespace xq::instruments::def_parse
