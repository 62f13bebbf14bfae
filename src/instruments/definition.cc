#include "instruments/definition.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"

namespace xq::instruments {

using nlohmann::json;

std::optional<Rational> Rational::FromDouble(double x) {
  if (!std::isfinite(x) || std::fabs(x) > 1e12) return std::nullopt;
  int64_t den = 1;
  for (int k = 0; k <= 6; ++k, den *= 10) {
    double scaled = x * static_cast<double>(den);
    double r = std::round(scaled);
    if (std::fabs(scaled - r) < 1e-6) return Rational(static_cast<int64_t>(r), den).Reduced();
  }
  return std::nullopt;
}

std::string Rational::ToString() const {
  Rational r = Reduced();
  if (r.den == 1) return std::to_string(r.num);
  return fmt::format("{}/{}", r.num, r.den);
}

int Definition::ItemIndex(std::string_view id) const {
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].id == id) return static_cast<int>(i);
  return -1;
}

int Definition::ScoreIndex(std::string_view id) const {
  for (size_t i = 0; i < scores.size(); ++i)
    if (scores[i].id == id) return static_cast<int>(i);
  return -1;
}

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
  }
  return "?";
}

std::string_view UrgencyName(Urgency u) {
  switch (u) {
    case Urgency::kLow:
      return "low";
    case Urgency::kModerate:
      return "moderate";
    case Urgency::kHigh:
      return "high";
    case Urgency::kUrgent:
      return "urgent";
  }
  return "?";
}

std::string_view AudienceName(Audience a) {
  switch (a) {
    case Audience::kStudent:
      return "student";
    case Audience::kCounsellor:
      return "counsellor";
    case Audience::kGuardian:
      return "guardian";
  }
  return "?";
}

bool Compare(const Rational& a, Op op, const Rational& b) {
  int c = Cmp(a, b);
  switch (op) {
    case Op::kEq:
      return c == 0;
    case Op::kNe:
      return c != 0;
    case Op::kGt:
      return c > 0;
    case Op::kGe:
      return c >= 0;
    case Op::kLt:
      return c < 0;
    case Op::kLe:
      return c <= 0;
  }
  return false;
}

namespace {

constexpr size_t kMaxItems = 5000;
constexpr size_t kMaxOptions = 64;
constexpr size_t kMaxMultiOptions = 30;
constexpr int64_t kMaxAbsValue = 1000000;
constexpr int kMaxDepth = 32;

std::string Key(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : fmt::format("{}.{}", base, key);
}
std::string Idx(const std::string& base, size_t i) { return fmt::format("{}[{}]", base, i); }

// First-error accumulator: parsing goes on harmlessly after an error, and
// the first error (with its JSON path) is what the caller sees.
struct Ctx {
  absl::Status st;
  std::vector<std::string> languages;
  std::set<std::string> all_item_ids;  // every item id in the document, for messages
  // Band and class level ids that some norm set gives a score / class:
  // conditions may name them although the definition's own bands lack them.
  std::map<std::string, std::set<std::string>> norm_band_ids, norm_level_ids;
  bool ok() const { return st.ok(); }
  void Fail(const std::string& path, std::string_view msg) {
    if (st.ok()) st = InvalidArgument(fmt::format("{}: {}", path.empty() ? "definition" : path, msg), path);
  }
};

class Obj {
 public:
  Obj(Ctx& c, const json& j, std::string path, std::initializer_list<std::string_view> allowed)
      : c_(c), j_(j), path_(std::move(path)) {
    if (!j_.is_object()) {
      c_.Fail(path_, "must be an object");
      bad_ = true;
      return;
    }
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
        c_.Fail(Key(path_, it.key()), "unknown field");
        return;
      }
    }
  }
  const std::string& path() const { return path_; }
  std::string At(std::string_view key) const { return Key(path_, key); }
  bool Has(std::string_view key) const { return !bad_ && j_.contains(key) && !j_.at(std::string(key)).is_null(); }
  const json* Get(std::string_view key, bool required) {
    if (bad_) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) {
      if (required) c_.Fail(At(key), "is required");
      return nullptr;
    }
    return &*it;
  }
  std::string Str(std::string_view key, bool required = true, size_t max = 10000) {
    const json* v = Get(key, required);
    if (!v) return {};
    if (!v->is_string()) {
      c_.Fail(At(key), "must be a string");
      return {};
    }
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max) c_.Fail(At(key), fmt::format("is longer than {} bytes", max));
    return s;
  }
  std::optional<int64_t> Int(std::string_view key, bool required = false) {
    const json* v = Get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) {
      c_.Fail(At(key), "must be an integer");
      return std::nullopt;
    }
    return v->get<int64_t>();
  }
  std::optional<Rational> Num(std::string_view key, bool required = false) {
    const json* v = Get(key, required);
    if (!v) return std::nullopt;
    if (v->is_number_integer()) {
      int64_t x = v->get<int64_t>();
      if (x > kMaxAbsValue * 1000 || x < -kMaxAbsValue * 1000) {
        c_.Fail(At(key), "is out of range");
        return std::nullopt;
      }
      return Rational(x);
    }
    if (!v->is_number()) {
      c_.Fail(At(key), "must be a number");
      return std::nullopt;
    }
    auto r = Rational::FromDouble(v->get<double>());
    if (!r) c_.Fail(At(key), "must be a number with at most 6 decimals");
    return r;
  }
  std::optional<bool> Bool(std::string_view key) {
    const json* v = Get(key, false);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) {
      c_.Fail(At(key), "must be a boolean");
      return std::nullopt;
    }
    return v->get<bool>();
  }
  const json* Array(std::string_view key, bool required, bool non_empty = false) {
    const json* v = Get(key, required);
    if (!v) return nullptr;
    if (!v->is_array()) {
      c_.Fail(At(key), "must be an array");
      return nullptr;
    }
    if (non_empty && v->empty()) {
      c_.Fail(At(key), "must not be empty");
      return nullptr;
    }
    return v;
  }
  std::vector<std::string> StrList(std::string_view key, bool required, bool non_empty = true) {
    std::vector<std::string> out;
    const json* a = Array(key, required, non_empty);
    if (!a) return out;
    for (size_t i = 0; i < a->size(); ++i) {
      if (!(*a)[i].is_string()) {
        c_.Fail(Idx(At(key), i), "must be a string");
        return {};
      }
      out.push_back((*a)[i].get<std::string>());
    }
    return out;
  }

 private:
  Ctx& c_;
  const json& j_;
  std::string path_;
  bool bad_ = false;
};

bool ValidId(std::string_view s, bool allow_colon = false) {
  if (s.empty() || s.size() > 64) return false;
  for (char ch : s) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '.' || ch == '/' || ch == '-' || (allow_colon && ch == ':');
    if (!ok) return false;
  }
  return true;
}

std::string CheckedId(Ctx& c, Obj& o, std::string_view key = "id") {
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

std::optional<Op> ParseOp(Ctx& c, Obj& o, bool required = true) {
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

// Bands and norm rows share the coverage rule.
struct Span {
  Rational min, upper;
  bool inclusive;
};

template <typename Row>
std::optional<Span> ParseSpan(Ctx& c, Obj& o) {
  auto mn = o.Num("min", true);
  bool has_max = o.Has("max"), has_below = o.Has("below");
  if (has_max == has_below) {
    c.Fail(o.path(), "needs exactly one of `max` (inclusive) or `below` (exclusive)");
    return std::nullopt;
  }
  auto up = o.Num(has_max ? "max" : "below", true);
  if (!mn || !up) return std::nullopt;
  return Span{*mn, *up, has_max};
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

// Forbidden in student-facing texts: feedback to students is supportive,
// never diagnostic (spec: INSTRUMENTS.md, feedback by audience).
constexpr std::string_view kDiagnosticWords[] = {
    "抑郁", "焦虑", "阳性", "障碍", "诊断", "精神病", "depress", "anxiety", "disorder", "diagnos", "positive screen"};

std::string Lower(std::string s) {
  for (char& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

struct Scope {
  int items = 0;  // items with index < items may be referenced
  bool scores = false;
  int classes = 0;  // classes with index < classes may be referenced
};

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

void ParseScore(Ctx& c, Definition& d, const json& j, const std::string& path, size_t index) {
  Obj o(c, j, path,
        {"id", "label", "method", "items", "scores", "count_if", "min_answered", "round", "decimals", "report", "bands",
         "band_sets"});
  Score s;
  s.id = CheckedId(c, o);
  if (o.Has("label")) s.label = ParseText(c, o.Get("label", false), o.At("label"));
  std::string m = o.Str("method");
  if (!c.ok()) return;
  if (m == "sum")
    s.method = Method::kSum;
  else if (m == "mean" || m == "prorated_mean")
    s.method = Method::kMean;
  else if (m == "prorated_sum")
    s.method = Method::kProratedSum;
  else if (m == "count")
    s.method = Method::kCount;
  else
    return c.Fail(o.At("method"),
                  fmt::format("unknown method \"{}\" (sum, mean, prorated_sum, prorated_mean, count)", m));
  for (size_t i = 0; i < index; ++i)
    if (d.scores[i].id == s.id) return c.Fail(o.At("id"), fmt::format("duplicate score id \"{}\"", s.id));
  bool has_items = o.Has("items"), has_scores = o.Has("scores");
  if (has_items == has_scores) return c.Fail(path, "needs exactly one of `items` or `scores`");
  if (has_items) {
    s.items = o.StrList("items", true);
    std::set<std::string> seen;
    for (size_t i = 0; i < s.items.size() && c.ok(); ++i) {
      int idx = d.ItemIndex(s.items[i]);
      if (idx < 0) return c.Fail(Idx(o.At("items"), i), fmt::format("unknown item \"{}\"", s.items[i]));
      if (d.items[idx].type == ItemType::kText)
        return c.Fail(Idx(o.At("items"), i), fmt::format("item \"{}\" is free text and cannot be scored", s.items[i]));
      if (!seen.insert(s.items[i]).second)
        return c.Fail(Idx(o.At("items"), i), fmt::format("item \"{}\" is listed twice", s.items[i]));
    }
  } else {
    s.scores = o.StrList("scores", true);
    if (s.method != Method::kSum && s.method != Method::kMean)
      return c.Fail(o.At("method"), "a score over scores must use sum or mean");
    for (size_t i = 0; i < s.scores.size() && c.ok(); ++i) {
      int idx = d.ScoreIndex(s.scores[i]);
      if (idx < 0 || static_cast<size_t>(idx) >= index)
        return c.Fail(Idx(o.At("scores"), i), fmt::format("\"{}\" is not an earlier score", s.scores[i]));
    }
  }
  if (o.Has("count_if")) {
    if (s.method != Method::kCount) return c.Fail(o.At("count_if"), "only for method count");
    Obj ci(c, *o.Get("count_if", true), o.At("count_if"), {"op", "value"});
    auto op = ParseOp(c, ci);
    auto v = ci.Int("value", true);
    if (op) s.count_op = *op;
    if (v) s.count_value = *v;
  } else if (s.method == Method::kCount) {
    return c.Fail(o.At("count_if"), "is required for method count");
  }
  s.min_answered = o.Int("min_answered");
  if (s.min_answered) {
    if (!has_items) return c.Fail(o.At("min_answered"), "only for scores over items");
    if (*s.min_answered < 0 || *s.min_answered > static_cast<int64_t>(s.items.size()))
      return c.Fail(o.At("min_answered"),
                    fmt::format("must be between 0 and {} (the number of items)", s.items.size()));
  }
  std::string round = o.Str("round", false);
  if (round == "half_up")
    s.round = Rounding::kHalfUp;
  else if (!round.empty() && round != "none")
    return c.Fail(o.At("round"), "must be none or half_up");
  if (s.round == Rounding::kHalfUp && s.method != Method::kProratedSum && s.method != Method::kMean)
    return c.Fail(o.At("round"), "only for prorated_sum and mean");
  if (auto dec = o.Int("decimals")) {
    if (*dec < 0 || *dec > 6) return c.Fail(o.At("decimals"), "must be 0–6");
    s.decimals = static_cast<int>(*dec);
  }
  if (auto r = o.Bool("report")) s.report = *r;
  if (!c.ok()) return;

  // Possible range of the score, used for band and norm coverage.
  if (has_items) {
    std::vector<int64_t> los, his;
    size_t fixed = 0;  // items that are always present when the score is available
    for (const auto& id : s.items) {
      const Item& it = d.items[d.ItemIndex(id)];
      auto [lo, hi] = ItemRange(it);
      los.push_back(lo);
      his.push_back(hi);
      bool absentable = it.show_if.has_value() || (s.min_answered && (d.allow_missing || !it.required));
      if (!absentable) ++fixed;
    }
    const int64_t n = static_cast<int64_t>(s.items.size());
    int64_t lo_min = *std::min_element(los.begin(), los.end());
    int64_t hi_max = *std::max_element(his.begin(), his.end());
    switch (s.method) {
      case Method::kSum: {
        size_t k = std::max<size_t>(fixed, s.min_answered.value_or(0));
        std::sort(los.begin(), los.end());
        std::sort(his.begin(), his.end(), std::greater<>());
        int64_t lo = 0, hi = 0;
        for (size_t i = 0; i < los.size(); ++i) {
          lo += i < k ? los[i] : std::min<int64_t>(los[i], 0);
          hi += i < k ? his[i] : std::max<int64_t>(his[i], 0);
        }
        s.range_min = lo;
        s.range_max = hi;
        break;
      }
      case Method::kCount:
        s.range_min = 0;
        s.range_max = n;
        break;
      case Method::kMean:
        s.range_min = lo_min;
        s.range_max = hi_max;
        s.integer_valued = s.round == Rounding::kHalfUp;
        break;
      case Method::kProratedSum:
        s.range_min = lo_min * n;
        s.range_max = hi_max * n;
        s.integer_valued = s.round == Rounding::kHalfUp;
        break;
    }
  } else {
    bool first = true;
    for (const auto& id : s.scores) {
      const Score& in = d.scores[d.ScoreIndex(id)];
      if (s.method == Method::kSum) {
        s.range_min = first ? in.range_min : s.range_min + in.range_min;
        s.range_max = first ? in.range_max : s.range_max + in.range_max;
        s.integer_valued = s.integer_valued && in.integer_valued;
      } else {
        s.range_min = first ? in.range_min : std::min(s.range_min, in.range_min);
        s.range_max = first ? in.range_max : std::max(s.range_max, in.range_max);
        s.integer_valued = false;
        if (s.round == Rounding::kHalfUp) s.integer_valued = true;
      }
      first = false;
    }
  }
  if (s.round == Rounding::kHalfUp) {
    s.range_min = s.range_min.RoundHalfUp();
    s.range_max = s.range_max.RoundHalfUp();
  }

  if (o.Has("bands")) {
    BandSet bs;
    bs.bands = ParseBands(c, o.Get("bands", true), o.At("bands"), s);
    s.band_sets.push_back(std::move(bs));
  }
  if (const json* sets = o.Array("band_sets", false)) {
    for (size_t i = 0; i < sets->size() && c.ok(); ++i) {
      Obj so(c, (*sets)[i], Idx(o.At("band_sets"), i), {"id", "bands"});
      BandSet bs;
      bs.id = CheckedId(c, so);
      if (!c.ok()) return;
      for (const auto& other : s.band_sets)
        if (other.id == bs.id) return c.Fail(so.At("id"), fmt::format("duplicate band set \"{}\"", bs.id));
      bs.bands = ParseBands(c, so.Get("bands", true), so.At("bands"), s);
      s.band_sets.push_back(std::move(bs));
    }
  }
  d.scores.push_back(std::move(s));
}

void ParseNorm(Ctx& c, Definition& d, const json& j, const std::string& path) {
  Obj o(c, j, path, {"id", "score", "kind", "by", "groups"});
  Norm n;
  n.id = CheckedId(c, o);
  n.score = o.Str("score");
  std::string kind = o.Str("kind"), by = o.Str("by");
  if (!c.ok()) return;
  for (const auto& other : d.norms)
    if (other.id == n.id) return c.Fail(o.At("id"), fmt::format("duplicate norm id \"{}\"", n.id));
  int si = d.ScoreIndex(n.score);
  if (si < 0) return c.Fail(o.At("score"), fmt::format("unknown score \"{}\"", n.score));
  if (kind == "t_score")
    n.kind = NormKind::kTScore;
  else if (kind == "percentile")
    n.kind = NormKind::kPercentile;
  else if (kind == "standard_score")
    n.kind = NormKind::kStandardScore;
  else
    return c.Fail(o.At("kind"), "must be t_score, percentile or standard_score");
  if (by == "age")
    n.by = NormBy::kAge;
  else if (by == "grade")
    n.by = NormBy::kGrade;
  else
    return c.Fail(o.At("by"), "must be age or grade");
  const Score& s = d.scores[si];
  const json* groups = o.Array("groups", true, true);
  if (!groups) return;
  for (size_t g = 0; g < groups->size() && c.ok(); ++g) {
    std::string gp = Idx(o.At("groups"), g);
    Obj go(c, (*groups)[g], gp, {"sex", "from", "to", "rows"});
    NormGroup grp;
    std::string sex = go.Str("sex");
    auto from = go.Int("from", true), to = go.Int("to", true);
    if (!c.ok()) return;
    if (sex == "male")
      grp.sex = Sex::kMale;
    else if (sex == "female")
      grp.sex = Sex::kFemale;
    else if (sex == "any")
      grp.sex = Sex::kAny;
    else
      return c.Fail(go.At("sex"), "must be male, female or any");
    if (*from > *to) return c.Fail(go.At("to"), "is below `from`");
    grp.from = *from;
    grp.to = *to;
    const json* rows = go.Array("rows", true, true);
    if (!rows) return;
    std::vector<Span> spans;
    for (size_t r = 0; r < rows->size() && c.ok(); ++r) {
      Obj ro(c, (*rows)[r], Idx(go.At("rows"), r), {"min", "max", "below", "value"});
      auto sp = ParseSpan<NormRow>(c, ro);
      auto v = ro.Num("value", true);
      if (!c.ok()) return;
      NormRow row{sp->min, sp->upper, sp->inclusive, v->ToDouble()};
      if (!grp.rows.empty() && row.value < grp.rows.back().value)
        return c.Fail(ro.At("value"),
                      fmt::format("norm table is not monotone: {} after {}", row.value, grp.rows.back().value));
      spans.push_back(*sp);
      grp.rows.push_back(row);
    }
    CheckCoverage(c, spans, go.At("rows"), s, "norm row");
    for (const auto& other : n.groups) {
      bool clash = other.sex == grp.sex && !(grp.to < other.from || other.to < grp.from);
      if (clash) return c.Fail(go.At("from"), fmt::format("{} {}–{} overlaps another group", sex, grp.from, grp.to));
      if ((other.sex == Sex::kAny) != (grp.sex == Sex::kAny))
        return c.Fail(go.At("sex"), "do not mix sex-specific groups with `any`");
    }
    n.groups.push_back(std::move(grp));
  }
  if (!c.ok()) return;
  // A sex-specific table must be complete for both sexes.
  for (const auto& g : n.groups) {
    if (g.sex == Sex::kAny) continue;
    Sex other = g.sex == Sex::kMale ? Sex::kFemale : Sex::kMale;
    bool found = std::any_of(n.groups.begin(), n.groups.end(),
                             [&](const NormGroup& h) { return h.sex == other && h.from == g.from && h.to == g.to; });
    if (!found)
      return c.Fail(o.At("groups"), fmt::format("incomplete norm table: {} {}–{} has no {} counterpart",
                                                g.sex == Sex::kMale ? "male" : "female", g.from, g.to,
                                                other == Sex::kMale ? "male" : "female"));
  }
  d.norms.push_back(std::move(n));
}

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

}  // namespace

const NormSet* Definition::FindNormSet(std::string_view id) const {
  for (const auto& n : norm_sets)
    if (n.id == id) return &n;
  return nullptr;
}

absl::StatusOr<Definition> WithNormSet(const Definition& def, std::string_view id) {
  if (def.norm_sets.empty()) {
    if (id.empty()) return def;
    return WithField(NotFound(fmt::format("{} has no norm sets", def.id)), "norm_set");
  }
  const NormSet* ns = def.FindNormSet(id.empty() ? std::string_view(def.default_norm_set) : id);
  if (!ns) return WithField(NotFound(fmt::format("{} has no norm set \"{}\"", def.id, id)), "norm_set");
  // Every set names the same scores and classes (ParseNormSets completes
  // them), so applying one replaces whatever another set put in place.
  Definition out = def;
  for (const auto& [sid, bands] : ns->bands) out.scores[out.ScoreIndex(sid)].band_sets[0].bands = bands;
  for (const auto& [cid, levels] : ns->classes)
    for (auto& cl : out.classes)
      if (cl.id == cid) cl.levels = levels;
  out.applied_norm_set = ns->id;
  return out;
}

absl::StatusOr<Definition> DefinitionFromJson(const json& doc) {
  Ctx c;
  CollectNormIds(doc, c);
  Definition d = ParseAll(c, doc);
  if (!c.ok()) return c.st;
  ParseNormSets(c, doc, d);
  if (!c.ok()) return c.st;
  d.source = doc;
  return d;
}

absl::StatusOr<Definition> ParseDefinition(std::string_view text) {
  XQ_ASSIGN_OR_RETURN(json doc, ParseJson(text));
  return DefinitionFromJson(doc);
}

}  // namespace xq::instruments
