// The definition parser's internals (instruments/definition.h), shared by
// its files: the parts — ids, texts, conditions, options, bands, reference
// resolution (definition_parts.cc) —, scores and norms (score_parse.cc), and
// the whole document with its norm sets (definition_parse.cc). Not part of
// the public contract.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "fmt/format.h"
#include "instruments/definition.h"

namespace xq::instruments::def_parse {

using nlohmann::json;

constexpr size_t kMaxItems = 5000;
constexpr size_t kMaxOptions = 64;
constexpr size_t kMaxMultiOptions = 30;
constexpr int64_t kMaxAbsValue = 1000000;
constexpr int kMaxDepth = 32;

inline std::string Key(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : fmt::format("{}.{}", base, key);
}
inline std::string Idx(const std::string& base, size_t i) { return fmt::format("{}[{}]", base, i); }

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

// Forbidden in student-facing texts: feedback to students is supportive,
// never diagnostic (spec: INSTRUMENTS.md, feedback by audience).
inline constexpr std::string_view kDiagnosticWords[] = {
    "抑郁", "焦虑", "阳性", "障碍", "诊断", "精神病", "depress", "anxiety", "disorder", "diagnos", "positive screen"};

inline std::string Lower(std::string s) {
  for (char& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

struct Scope {
  int items = 0;  // items with index < items may be referenced
  bool scores = false;
  int classes = 0;  // classes with index < classes may be referenced
};

// Parts (definition_parts.cc).
bool ValidId(std::string_view s, bool allow_colon = false);
std::string CheckedId(Ctx& c, Obj& o, std::string_view key = "id");
Text ParseText(Ctx& c, const json* j, const std::string& path);
std::optional<Op> ParseOp(Ctx& c, Obj& o, bool required = true);
void ParseIsIn(Ctx& c, Obj& o, Condition& cond);
Condition ParseCondition(Ctx& c, const json& j, const std::string& path, int depth);
std::vector<Option> ParseOptions(Ctx& c, const json& a, const std::string& path);
std::vector<Option> DefaultYesNo(const std::vector<std::string>& langs);
void CheckCoverage(Ctx& c, const std::vector<Span>& spans, const std::string& path, const Score& s,
                   std::string_view what);
std::vector<Band> ParseBands(Ctx& c, const json* a, const std::string& path, const Score& s);
void Resolve(Ctx& c, const Definition& d, const Condition& cond, const std::string& path, const Scope& sc);
std::pair<int64_t, int64_t> ItemRange(const Item& it);
// Scores and norms (score_parse.cc).
void ParseScore(Ctx& c, Definition& d, const json& j, const std::string& path, size_t index);
void ParseNorm(Ctx& c, Definition& d, const json& j, const std::string& path);
// The whole document and its norm sets (definition_parse.cc).
Definition ParseAll(Ctx& c, const json& doc);
void CollectNormIds(const json& doc, Ctx& c);
void ParseNormSets(Ctx& c, const json& doc, Definition& d);

}  // namespace xq::instruments::def_parse
