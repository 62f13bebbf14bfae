// Scores (sums, means, bands, validity) and norms of a definition
// (definition_internal.h).
#include <algorithm>
#include <cmath>
#include <set>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "instruments/definition_internal.h"

namespace xq::instruments::def_parse {

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

}  // namespace xq::instruments::def_parse
