// Compiling a definition into a scoring plan, and the plan's accessors
// (instruments/scoring.h; the row and batch scorers are in scoring_row.cc
// and scoring_batch.cc).
#include "instruments/scoring.h"
#include "instruments/scoring_internal.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"

namespace xq::instruments {

using nlohmann::json;

absl::StatusOr<int32_t> ScoringPlan::Impl::CompileNode(const Condition& c) {
  using K = Condition::Kind;
  CNode n{c.kind, -1, c.op, c.value, 0, 0, 0};
  switch (c.kind) {
    case K::kItemCompare:
    case K::kAnswered:
    case K::kItemCode: {
      n.ref = def.ItemIndex(c.ref);
      if (n.ref < 0) return Internal(fmt::format("unresolved item {}", c.ref));
      const Item& it = def.items[n.ref];
      for (const auto& code : c.codes)
        for (size_t k = 0; k < it.options.size(); ++k)
          if (it.options[k].code == code) n.mask |= uint64_t{1} << k;
      break;
    }
    case K::kScoreCompare:
      n.ref = def.ScoreIndex(c.ref);
      if (n.ref < 0) return Internal(fmt::format("unresolved score {}", c.ref));
      break;
    case K::kBand: {
      for (size_t i = 0; i < band_refs.size(); ++i)
        if (band_refs[i].name == c.ref) n.ref = static_cast<int32_t>(i);
      if (n.ref < 0) return Internal(fmt::format("unresolved band set {}", c.ref));
      const auto& bands = band_sets[n.ref].bands;
      for (const auto& code : c.codes)
        for (size_t k = 0; k < bands.size(); ++k)
          if (bands[k].id == code) n.mask |= uint64_t{1} << k;
      break;
    }
    case K::kClass: {
      for (size_t i = 0; i < def.classes.size(); ++i)
        if (def.classes[i].id == c.ref) n.ref = static_cast<int32_t>(i);
      if (n.ref < 0) return Internal(fmt::format("unresolved class {}", c.ref));
      const auto& levels = def.classes[n.ref].levels;
      for (const auto& code : c.codes)
        for (size_t k = 0; k < levels.size(); ++k)
          if (levels[k].id == code) n.mask |= uint64_t{1} << k;
      break;
    }
    default:
      break;
  }
  std::vector<int32_t> kids;
  for (const auto& ch : c.children) {
    XQ_ASSIGN_OR_RETURN(int32_t k, CompileNode(ch));
    kids.push_back(k);
  }
  n.child_begin = static_cast<int32_t>(children.size());
  n.child_count = static_cast<int32_t>(kids.size());
  children.insert(children.end(), kids.begin(), kids.end());
  nodes.push_back(n);
  return static_cast<int32_t>(nodes.size() - 1);
}

absl::Status ScoringPlan::Impl::Init() {
  for (const Item& it : def.items) {
    CItem ci{
        it.type, it.required, -1, static_cast<int32_t>(raw_values.size()), static_cast<int32_t>(it.options.size()), 0,
        0};
    if (!it.options.empty()) {
      int64_t lo = it.options[0].value, hi = lo;
      for (const auto& o : it.options) {
        lo = std::min(lo, o.value);
        hi = std::max(hi, o.value);
      }
      ci.raw_min = lo;
      ci.raw_max = hi;
      for (const auto& o : it.options) {
        raw_values.push_back(o.value);
        scored_values.push_back(it.reverse ? lo + hi - o.value : o.value);
        raw_values32.push_back(static_cast<int32_t>(raw_values.back()));
        scored_values32.push_back(static_cast<int32_t>(scored_values.back()));
      }
    }
    if (it.show_if) {
      XQ_ASSIGN_OR_RETURN(ci.show_if, CompileNode(*it.show_if));
      any_show_if = true;
    }
    items.push_back(ci);
  }
  for (size_t si = 0; si < def.scores.size(); ++si) {
    const instruments::Score& s = def.scores[si];
    CScore cs{s.method, !s.scores.empty(), {}, s.min_answered.value_or(-1), s.count_op, s.count_value, s.round};
    for (const auto& id : s.items) cs.inputs.push_back(def.ItemIndex(id));
    for (const auto& id : s.scores) cs.inputs.push_back(def.ScoreIndex(id));
    cs.always_complete = s.method == Method::kSum && !cs.of_scores && !def.allow_missing && cs.min_answered < 0;
    for (const auto& id : s.items) {
      const Item& it = def.items[def.ItemIndex(id)];
      cs.always_complete = cs.always_complete && it.required && !it.show_if;
    }
    scores.push_back(std::move(cs));
    for (size_t k = 0; k < s.band_sets.size(); ++k) {
      const BandSet& bs = s.band_sets[k];
      if (bs.bands.size() > 64) return InvalidArgument(fmt::format("scores[{}]: at most 64 bands per set", si));
      CBandSet cb{static_cast<int>(si), bs.bands, 0, {}};
      if (s.integer_valued) {
        int64_t lo = s.range_min.Floor(), hi = s.range_max.Ceil();
        if (hi - lo < kMaxBandTable) {
          std::vector<int16_t> table(static_cast<size_t>(hi - lo + 1), -1);
          for (int64_t v = lo; v <= hi; ++v) table[v - lo] = BandOf(cb, Rational(v));
          cb.table_lo = lo;
          cb.table = std::move(table);
        }
      }
      band_sets.push_back(std::move(cb));
      band_refs.push_back({static_cast<int>(si), static_cast<int>(k), bs.id.empty() ? s.id : s.id + "." + bs.id});
    }
  }
  for (const auto& c : def.classes) {
    if (c.levels.size() > 64) return InvalidArgument(fmt::format("class {}: at most 64 levels", c.id));
    std::vector<int32_t> lv;
    for (const auto& l : c.levels) {
      if (l.when) {
        XQ_ASSIGN_OR_RETURN(int32_t n, CompileNode(*l.when));
        lv.push_back(n);
      } else {
        lv.push_back(-1);
      }
    }
    class_levels.push_back(std::move(lv));
  }
  for (const auto& c : def.critical) {
    XQ_ASSIGN_OR_RETURN(int32_t n, CompileNode(c.when));
    critical_nodes.push_back(n);
  }
  for (const auto& v : def.validity) {
    CValidity cv{v.kind,
                 v.effect == Effect::kInvalidate,
                 def.ScoreIndex(v.score),
                 v.op,
                 v.value,
                 {},
                 v.min_answered,
                 v.min_seconds,
                 {},
                 v.opposite,
                 v.max_diff,
                 v.max_count,
                 -1};
    for (const auto& id : v.items) cv.items.push_back(def.ItemIndex(id));
    for (const auto& [a, b] : v.pairs) cv.pairs.emplace_back(def.ItemIndex(a), def.ItemIndex(b));
    if (v.when) {
      XQ_ASSIGN_OR_RETURN(cv.node, CompileNode(*v.when));
    }
    validity.push_back(std::move(cv));
  }
  for (const auto& f : def.feedback) {
    XQ_ASSIGN_OR_RETURN(int32_t n, CompileNode(f.when));
    feedback_nodes.push_back(n);
  }
  return absl::OkStatus();
}

int16_t ScoringPlan::Impl::BandOf(const CBandSet& bs, const Rational& v) const {
  if (v.den == 1 && !bs.table.empty()) {
    int64_t off = v.num - bs.table_lo;
    if (off >= 0 && off < static_cast<int64_t>(bs.table.size())) return bs.table[off];
  }
  for (size_t i = 0; i < bs.bands.size(); ++i) {
    const Band& b = bs.bands[i];
    if (v < b.min) continue;
    if (b.upper_inclusive ? v <= b.upper : v < b.upper) return static_cast<int16_t>(i);
  }
  return -1;
}

ScoringPlan::ScoringPlan(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScoringPlan::ScoringPlan(ScoringPlan&&) noexcept = default;
ScoringPlan& ScoringPlan::operator=(ScoringPlan&&) noexcept = default;
ScoringPlan::~ScoringPlan() = default;

const Definition& ScoringPlan::definition() const { return impl_->def; }
size_t ScoringPlan::item_count() const { return impl_->items.size(); }
int ScoringPlan::ItemIndex(std::string_view id) const { return impl_->def.ItemIndex(id); }
const std::vector<ScoringPlan::BandSetRef>& ScoringPlan::band_sets() const { return impl_->band_refs; }

std::optional<int32_t> ScoringPlan::OptionByCode(size_t item, std::string_view code) const {
  if (item >= impl_->def.items.size()) return std::nullopt;
  const auto& opts = impl_->def.items[item].options;
  for (size_t k = 0; k < opts.size(); ++k)
    if (opts[k].code == code) return static_cast<int32_t>(k);
  return std::nullopt;
}

std::optional<int32_t> ScoringPlan::OptionByValue(size_t item, int64_t value) const {
  if (item >= impl_->def.items.size()) return std::nullopt;
  const auto& opts = impl_->def.items[item].options;
  for (size_t k = 0; k < opts.size(); ++k)
    if (opts[k].value == value) return static_cast<int32_t>(k);
  return std::nullopt;
}

Response ScoringPlan::NewResponse() const {
  Response r;
  r.answers.assign(impl_->items.size(), kMissing);
  return r;
}

absl::StatusOr<ScoringPlan> Compile(const Definition& def) {
  auto impl = std::make_unique<ScoringPlan::Impl>();
  if (!def.norm_sets.empty() && def.applied_norm_set.empty()) {
    XQ_ASSIGN_OR_RETURN(impl->def, WithNormSet(def, def.default_norm_set));
  } else {
    impl->def = def;
  }
  XQ_RETURN_IF_ERROR(impl->Init());
  return ScoringPlan(std::move(impl));
}

absl::StatusOr<ScoringPlan> Compile(const Definition& def, std::string_view norm_set) {
  if (norm_set.empty()) return Compile(def);
  XQ_ASSIGN_OR_RETURN(Definition with, WithNormSet(def, norm_set));
  return Compile(with);
}

}  // namespace xq::instruments
