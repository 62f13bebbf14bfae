#include "instruments/scoring.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"

namespace xq::instruments {

using nlohmann::json;

namespace {

constexpr uint8_t kStateMissing = 0;
constexpr uint8_t kStateAnswered = 1;
constexpr uint8_t kStateHidden = 2;
constexpr int64_t kMaxBandTable = 4096;

struct CItem {
  ItemType type;
  bool required;
  int32_t show_if;  // node index or -1
  int32_t opt_begin;
  int32_t opt_count;
  int64_t raw_min, raw_max;  // over option values (for "opposite" pairs)
};

struct CNode {
  Condition::Kind kind;
  int32_t ref;  // item / score / band set / class index
  Op op;
  Rational value;
  uint64_t mask;  // option, band or level indices
  int32_t child_begin;
  int32_t child_count;
};

struct CScore {
  Method method;
  bool of_scores;
  std::vector<int32_t> inputs;  // item or score indices
  int64_t min_answered;         // -1: default
  Op count_op;
  int64_t count_value;
  Rounding round;
  bool always_complete = false;  // plain sum of required, never-hidden items
};

struct CBandSet {
  int score;
  std::vector<Band> bands;
  int64_t table_lo = 0;
  std::vector<int16_t> table;  // integer fast path
};

struct CValidity {
  ValidityKind kind;
  bool invalidate;
  int32_t score;
  Op op;
  Rational value;
  std::vector<int32_t> items;
  int64_t min_answered;
  double min_seconds;
  std::vector<std::pair<int32_t, int32_t>> pairs;
  bool opposite;
  int64_t max_diff, max_count;
  int32_t node;
};

// Per-row working state, reused across rows (and per thread for Score()).
struct RowBuf {
  std::vector<uint8_t> state;
  std::vector<int32_t> answer;
  std::vector<int64_t> raw, scored;
  std::vector<ScoreValue> scores;
  std::vector<int16_t> bands, classes;
  std::vector<double> norms;  // NaN = none
  std::vector<uint64_t> critical, flags, insufficient, feedback;
  bool valid = true;
  double elapsed = std::numeric_limits<double>::quiet_NaN();
  Sex sex = Sex::kUnknown;
  int age = -1, grade = -1;
};

inline void SetBit(std::vector<uint64_t>& v, size_t i) { v[i >> 6] |= uint64_t{1} << (i & 63); }
inline bool GetBit(const uint64_t* v, size_t i) { return (v[i >> 6] >> (i & 63)) & 1; }
size_t Words(size_t n) { return (n + 63) / 64; }

// Column-wise working state for one block of rows (ScoreBatch). Every
// stage runs as a loop over the block so the common cases (table lookups,
// integer sums, comparisons) compile to tight, branch-light loops.
constexpr size_t kBlockRows = 512;

struct Block {
  Block(size_t items, size_t scores, size_t band_sets, size_t classes, size_t nodes)
      : answer(items),
        raw(items * kBlockRows),
        scored(items * kBlockRows),
        state(items * kBlockRows),
        num(scores * kBlockRows),
        den(scores * kBlockRows),
        avail(scores * kBlockRows),
        bands(band_sets * kBlockRows),
        classes(classes * kBlockRows),
        node(nodes * kBlockRows),
        counts(kBlockRows),
        err(kBlockRows),
        valid(kBlockRows),
        sum(kBlockRows),
        visible(kBlockRows),
        answered(kBlockRows) {}
  std::vector<const int32_t*> answer;  // per item: the batch column at this block
  std::vector<int32_t> raw, scored;
  std::vector<uint8_t> state;
  std::vector<int64_t> num, den;
  std::vector<uint8_t> avail;
  std::vector<int16_t> bands, classes;
  std::vector<uint8_t> node;
  std::vector<int32_t> counts;
  std::vector<uint8_t> err, valid;
  std::vector<int64_t> sum, visible, answered;
};

// a op (num/den) for an integer a, exactly.
inline bool CompareInt(int64_t a, Op op, const Rational& v) {
  if (v.den == 1) {
    switch (op) {
      case Op::kEq:
        return a == v.num;
      case Op::kNe:
        return a != v.num;
      case Op::kGt:
        return a > v.num;
      case Op::kGe:
        return a >= v.num;
      case Op::kLt:
        return a < v.num;
      case Op::kLe:
        return a <= v.num;
    }
  }
  return Compare(Rational(a), op, v);
}

}  // namespace

struct ScoringPlan::Impl {
  Definition def;
  std::vector<CItem> items;
  std::vector<int64_t> raw_values, scored_values;
  std::vector<int32_t> raw_values32, scored_values32;  // same, for the batch loops
  std::vector<CNode> nodes;
  std::vector<int32_t> children;
  std::vector<CScore> scores;
  std::vector<CBandSet> band_sets;
  std::vector<BandSetRef> band_refs;
  std::vector<std::vector<int32_t>> class_levels;  // node per level (-1 = default)
  std::vector<int32_t> critical_nodes;
  std::vector<CValidity> validity;
  std::vector<int32_t> feedback_nodes;
  bool any_show_if = false;

  absl::StatusOr<int32_t> CompileNode(const Condition& c);
  absl::Status Init();
  absl::Status EvalRow(RowBuf& b) const;
  bool Eval(int32_t node, const RowBuf& b) const;
  int16_t BandOf(const CBandSet& bs, const Rational& v) const;
  void Resize(RowBuf& b) const;
  // Column-wise scoring of rows [row0, row0 + rows) into `out`.
  void ScoreBlock(const ColumnBatch& batch, size_t row0, size_t rows, Block& b, BatchResult& out) const;
  void EvalVec(int32_t node, size_t rows, Block& b) const;
};

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

bool ScoringPlan::Impl::Eval(int32_t idx, const RowBuf& b) const {
  using K = Condition::Kind;
  const CNode& n = nodes[idx];
  switch (n.kind) {
    case K::kItemCompare:
      return b.state[n.ref] == kStateAnswered && Compare(Rational(b.raw[n.ref]), n.op, n.value);
    case K::kItemCode: {
      if (b.state[n.ref] != kStateAnswered) return false;
      uint64_t chosen = items[n.ref].type == ItemType::kMulti ? static_cast<uint64_t>(b.answer[n.ref])
                                                              : uint64_t{1} << b.answer[n.ref];
      return (chosen & n.mask) != 0;
    }
    case K::kAnswered:
      return b.state[n.ref] == kStateAnswered;
    case K::kScoreCompare:
      return b.scores[n.ref].available && Compare(b.scores[n.ref].value, n.op, n.value);
    case K::kBand: {
      int16_t band = b.bands[n.ref];
      return band >= 0 && ((n.mask >> band) & 1);
    }
    case K::kClass: {
      int16_t level = b.classes[n.ref];
      return level >= 0 && ((n.mask >> level) & 1);
    }
    case K::kAll:
      for (int32_t k = 0; k < n.child_count; ++k)
        if (!Eval(children[n.child_begin + k], b)) return false;
      return true;
    case K::kAny:
      for (int32_t k = 0; k < n.child_count; ++k)
        if (Eval(children[n.child_begin + k], b)) return true;
      return false;
    case K::kNot:
      return !Eval(children[n.child_begin], b);
    case K::kCount: {
      int64_t count = 0;
      for (int32_t k = 0; k < n.child_count; ++k) count += Eval(children[n.child_begin + k], b) ? 1 : 0;
      return Compare(Rational(count), n.op, n.value);
    }
  }
  return false;
}

void ScoringPlan::Impl::Resize(RowBuf& b) const {
  size_t ni = items.size();
  b.state.resize(ni);
  b.answer.resize(ni);
  b.raw.resize(ni);
  b.scored.resize(ni);
  b.scores.resize(scores.size());
  b.bands.resize(band_sets.size());
  b.classes.resize(class_levels.size());
  b.norms.resize(def.norms.size());
  b.critical.assign(Words(critical_nodes.size()), 0);
  b.flags.assign(Words(validity.size()), 0);
  b.insufficient.assign(Words(scores.size()), 0);
  b.feedback.assign(Words(feedback_nodes.size()), 0);
  b.valid = true;
}

// Scores b.answer (already filled) into b. Errors name the item.
absl::Status ScoringPlan::Impl::EvalRow(RowBuf& b) const {
  const size_t ni = items.size();
  for (size_t i = 0; i < ni; ++i) {
    const CItem& it = items[i];
    if (it.show_if >= 0 && !Eval(it.show_if, b)) {
      b.state[i] = kStateHidden;
      continue;
    }
    int32_t a = b.answer[i];
    if (it.type == ItemType::kText) {
      b.state[i] = kStateMissing;
      continue;
    }
    if (a < 0) {
      if (it.required && !def.allow_missing)
        return InvalidArgument(fmt::format("item {}: no answer", def.items[i].id), def.items[i].id);
      b.state[i] = kStateMissing;
      continue;
    }
    if (it.type == ItemType::kMulti) {
      if (a >= (int32_t{1} << it.opt_count))
        return InvalidArgument(
            fmt::format("item {}: chosen options {:#x} out of range ({} options)", def.items[i].id, a, it.opt_count),
            def.items[i].id);
      int64_t v = 0;
      for (int32_t k = 0; k < it.opt_count; ++k)
        if ((a >> k) & 1) v += raw_values[it.opt_begin + k];
      b.raw[i] = b.scored[i] = v;
    } else {
      if (a >= it.opt_count)
        return InvalidArgument(
            fmt::format("item {}: option index {} out of range (0–{})", def.items[i].id, a, it.opt_count - 1),
            def.items[i].id);
      b.raw[i] = raw_values[it.opt_begin + a];
      b.scored[i] = scored_values[it.opt_begin + a];
    }
    b.state[i] = kStateAnswered;
  }

  for (size_t s = 0; s < scores.size(); ++s) {
    const CScore& cs = scores[s];
    ScoreValue& out = b.scores[s];
    out.available = false;
    out.value = Rational();
    if (cs.of_scores) {
      Rational sum;
      bool ok = true;
      for (int32_t in : cs.inputs) {
        if (!b.scores[in].available) {
          ok = false;
          break;
        }
        sum = sum + b.scores[in].value;
      }
      if (ok) {
        out.available = true;
        out.value = cs.method == Method::kMean
                        ? Rational(sum.num, sum.den * static_cast<int64_t>(cs.inputs.size())).Reduced()
                        : sum;
        if (cs.round == Rounding::kHalfUp) out.value = out.value.RoundHalfUp();
      }
    } else {
      int64_t sum = 0, visible = 0, answered = 0;
      if (cs.method == Method::kCount) {
        const Rational threshold(cs.count_value);
        for (int32_t in : cs.inputs) {
          uint8_t st = b.state[in];
          visible += st != kStateHidden;
          if (st == kStateAnswered) {
            ++answered;
            sum += Compare(Rational(b.raw[in]), cs.count_op, threshold) ? 1 : 0;
          }
        }
      } else {
        for (int32_t in : cs.inputs) {
          uint8_t st = b.state[in];
          visible += st != kStateHidden;
          if (st == kStateAnswered) {
            ++answered;
            sum += b.scored[in];
          }
        }
      }
      int64_t need = cs.min_answered >= 0
                         ? cs.min_answered
                         : ((cs.method == Method::kMean || cs.method == Method::kProratedSum) ? 1 : visible);
      bool ok = answered >= need && (answered > 0 || (cs.method != Method::kMean && cs.method != Method::kProratedSum));
      if (ok) {
        out.available = true;
        switch (cs.method) {
          case Method::kSum:
          case Method::kCount:
            out.value = Rational(sum);
            break;
          case Method::kMean:
            out.value = Rational(sum, answered).Reduced();
            break;
          case Method::kProratedSum:
            out.value = Rational(sum * visible, answered).Reduced();
            break;
        }
        if (cs.round == Rounding::kHalfUp) out.value = out.value.RoundHalfUp();
      } else if (visible > 0) {
        SetBit(b.insufficient, s);
      }
    }
  }

  for (size_t k = 0; k < band_sets.size(); ++k) {
    const ScoreValue& sv = b.scores[band_sets[k].score];
    b.bands[k] = sv.available ? BandOf(band_sets[k], sv.value) : int16_t{-1};
  }

  for (size_t k = 0; k < def.norms.size(); ++k) {
    b.norms[k] = std::numeric_limits<double>::quiet_NaN();
    const Norm& n = def.norms[k];
    const ScoreValue& sv = b.scores[def.ScoreIndex(n.score)];
    int key = n.by == NormBy::kAge ? b.age : b.grade;
    if (!sv.available || key < 0) continue;
    for (const NormGroup& g : n.groups) {
      if (g.sex != Sex::kAny && g.sex != b.sex) continue;
      if (key < g.from || key > g.to) continue;
      for (const NormRow& row : g.rows) {
        if (sv.value < row.min) continue;
        if (row.upper_inclusive ? sv.value <= row.upper : sv.value < row.upper) {
          b.norms[k] = row.value;
          break;
        }
      }
      break;
    }
  }

  for (size_t c = 0; c < class_levels.size(); ++c) {
    const auto& lv = class_levels[c];
    b.classes[c] = -1;
    for (size_t l = 0; l < lv.size(); ++l) {
      if (lv[l] < 0 || Eval(lv[l], b)) {
        b.classes[c] = static_cast<int16_t>(l);
        break;
      }
    }
  }

  for (size_t k = 0; k < critical_nodes.size(); ++k)
    if (Eval(critical_nodes[k], b)) SetBit(b.critical, k);

  for (size_t k = 0; k < validity.size(); ++k) {
    const CValidity& v = validity[k];
    bool tripped = false;
    switch (v.kind) {
      case ValidityKind::kLieScale:
        tripped = b.scores[v.score].available && Compare(b.scores[v.score].value, v.op, v.value);
        break;
      case ValidityKind::kAllSame: {
        int64_t answered = 0;
        bool same = true;
        int64_t first = 0;
        for (int32_t i : v.items) {
          if (b.state[i] != kStateAnswered) continue;
          if (answered == 0)
            first = b.raw[i];
          else if (b.raw[i] != first)
            same = false;
          ++answered;
        }
        tripped = same && answered >= v.min_answered;
        break;
      }
      case ValidityKind::kTooFast:
        tripped = !std::isnan(b.elapsed) && b.elapsed < v.min_seconds;
        break;
      case ValidityKind::kInconsistentPairs: {
        int64_t bad = 0;
        for (const auto& [x, y] : v.pairs) {
          if (b.state[x] != kStateAnswered || b.state[y] != kStateAnswered) continue;
          int64_t other = v.opposite ? items[y].raw_min + items[y].raw_max - b.raw[y] : b.raw[y];
          int64_t diff = b.raw[x] - other;
          if (diff < 0) diff = -diff;
          if (diff > v.max_diff) ++bad;
        }
        tripped = bad > v.max_count;
        break;
      }
      case ValidityKind::kRule:
        tripped = Eval(v.node, b);
        break;
    }
    if (tripped) {
      SetBit(b.flags, k);
      if (v.invalidate) b.valid = false;
    }
  }

  for (size_t k = 0; k < feedback_nodes.size(); ++k)
    if (Eval(feedback_nodes[k], b)) SetBit(b.feedback, k);
  return absl::OkStatus();
}

void ScoringPlan::Impl::EvalVec(int32_t idx, size_t rows, Block& b) const {
  using K = Condition::Kind;
  const CNode& n = nodes[idx];
  uint8_t* out = &b.node[idx * kBlockRows];
  switch (n.kind) {
    case K::kItemCompare: {
      const uint8_t* st = &b.state[n.ref * kBlockRows];
      const int32_t* raw = &b.raw[n.ref * kBlockRows];
      if (n.value.den == 1) {
        const int64_t v = n.value.num;
        auto loop = [&](auto cmp) {
          for (size_t r = 0; r < rows; ++r) out[r] = (st[r] == kStateAnswered) & cmp(int64_t{raw[r]}, v);
        };
        switch (n.op) {
          case Op::kEq:
            loop(std::equal_to<int64_t>());
            return;
          case Op::kNe:
            loop(std::not_equal_to<int64_t>());
            return;
          case Op::kGt:
            loop(std::greater<int64_t>());
            return;
          case Op::kGe:
            loop(std::greater_equal<int64_t>());
            return;
          case Op::kLt:
            loop(std::less<int64_t>());
            return;
          case Op::kLe:
            loop(std::less_equal<int64_t>());
            return;
        }
      }
      for (size_t r = 0; r < rows; ++r) out[r] = st[r] == kStateAnswered && CompareInt(raw[r], n.op, n.value);
      return;
    }
    case K::kItemCode: {
      const uint8_t* st = &b.state[n.ref * kBlockRows];
      const int32_t* ans = b.answer[n.ref];
      const bool multi = items[n.ref].type == ItemType::kMulti;
      if (!multi) {
        for (size_t r = 0; r < rows; ++r)
          out[r] =
              (st[r] == kStateAnswered) & static_cast<uint8_t>((n.mask >> (static_cast<uint32_t>(ans[r]) & 63)) & 1);
        return;
      }
      for (size_t r = 0; r < rows; ++r)
        out[r] = st[r] == kStateAnswered && (static_cast<uint64_t>(ans[r]) & n.mask) != 0;
      return;
    }
    case K::kAnswered: {
      const uint8_t* st = &b.state[n.ref * kBlockRows];
      for (size_t r = 0; r < rows; ++r) out[r] = st[r] == kStateAnswered;
      return;
    }
    case K::kScoreCompare: {
      const uint8_t* av = &b.avail[n.ref * kBlockRows];
      const int64_t* num = &b.num[n.ref * kBlockRows];
      const int64_t* den = &b.den[n.ref * kBlockRows];
      for (size_t r = 0; r < rows; ++r)
        out[r] = av[r] &&
                 (den[r] == 1 ? CompareInt(num[r], n.op, n.value) : Compare(Rational(num[r], den[r]), n.op, n.value));
      return;
    }
    case K::kBand: {
      const int16_t* band = &b.bands[n.ref * kBlockRows];
      for (size_t r = 0; r < rows; ++r)
        out[r] = (band[r] >= 0) & static_cast<uint8_t>((n.mask >> (static_cast<uint16_t>(band[r]) & 63)) & 1);
      return;
    }
    case K::kClass: {
      const int16_t* level = &b.classes[n.ref * kBlockRows];
      for (size_t r = 0; r < rows; ++r)
        out[r] = (level[r] >= 0) & static_cast<uint8_t>((n.mask >> (static_cast<uint16_t>(level[r]) & 63)) & 1);
      return;
    }
    case K::kAll:
    case K::kAny:
    case K::kNot: {
      for (int32_t k = 0; k < n.child_count; ++k) EvalVec(children[n.child_begin + k], rows, b);
      const uint8_t* first = &b.node[children[n.child_begin] * kBlockRows];
      if (n.kind == K::kNot) {
        for (size_t r = 0; r < rows; ++r) out[r] = !first[r];
        return;
      }
      std::copy(first, first + rows, out);
      for (int32_t k = 1; k < n.child_count; ++k) {
        const uint8_t* c = &b.node[children[n.child_begin + k] * kBlockRows];
        if (n.kind == K::kAll)
          for (size_t r = 0; r < rows; ++r) out[r] &= c[r];
        else
          for (size_t r = 0; r < rows; ++r) out[r] |= c[r];
      }
      return;
    }
    case K::kCount: {
      for (int32_t k = 0; k < n.child_count; ++k) EvalVec(children[n.child_begin + k], rows, b);
      int32_t* cnt = b.counts.data();
      std::fill(cnt, cnt + rows, 0);
      for (int32_t k = 0; k < n.child_count; ++k) {
        const uint8_t* c = &b.node[children[n.child_begin + k] * kBlockRows];
        for (size_t r = 0; r < rows; ++r) cnt[r] += c[r];
      }
      for (size_t r = 0; r < rows; ++r) out[r] = CompareInt(cnt[r], n.op, n.value);
      return;
    }
  }
}

void ScoringPlan::Impl::ScoreBlock(const ColumnBatch& batch, size_t row0, size_t rows, Block& b,
                                   BatchResult& out) const {
  uint8_t* err = b.err.data();
  std::fill(err, err + rows, 0);
  const bool strict = !def.allow_missing;

  // Items: visibility, validation, raw and scored values.
  for (size_t i = 0; i < items.size(); ++i) {
    const CItem& it = items[i];
    const int32_t* col = batch.answers[i].data() + row0;
    const int32_t* ans = col;
    b.answer[i] = col;
    int32_t* raw = &b.raw[i * kBlockRows];
    int32_t* sc = &b.scored[i * kBlockRows];
    uint8_t* st = &b.state[i * kBlockRows];
    const uint8_t* vis = nullptr;
    if (it.show_if >= 0) {
      EvalVec(it.show_if, rows, b);
      vis = &b.node[it.show_if * kBlockRows];
    }
    if (it.type == ItemType::kText) {
      for (size_t r = 0; r < rows; ++r) st[r] = (vis && !vis[r]) ? kStateHidden : kStateMissing;
      continue;
    }
    const int64_t* rv = raw_values.data() + it.opt_begin;
    const int64_t* sv = scored_values.data() + it.opt_begin;
    const bool must = it.required && strict;
    if (it.type == ItemType::kMulti) {
      for (size_t r = 0; r < rows; ++r) {
        if (vis && !vis[r]) {
          st[r] = kStateHidden;
          continue;
        }
        int32_t a = ans[r];
        if (a < 0) {
          st[r] = kStateMissing;
          err[r] |= must;
          continue;
        }
        if (a >= (int32_t{1} << it.opt_count)) {
          st[r] = kStateMissing;
          err[r] = 1;
          continue;
        }
        int64_t v = 0;
        for (int32_t k = 0; k < it.opt_count; ++k)
          if ((a >> k) & 1) v += rv[k];
        raw[r] = sc[r] = static_cast<int32_t>(v);
        st[r] = kStateAnswered;
      }
      continue;
    }
    const uint32_t count = static_cast<uint32_t>(it.opt_count);
    if (!vis) {
      // Common case, branch-free: look up both values, flag bad answers.
      const int32_t* rv32 = &raw_values32[it.opt_begin];
      const int32_t* sv32 = &scored_values32[it.opt_begin];
      const uint8_t must8 = must;
      for (size_t r = 0; r < rows; ++r) {
        const int32_t a = ans[r];
        const bool in_range = static_cast<uint32_t>(a) < count;
        const uint32_t idx = in_range ? static_cast<uint32_t>(a) : 0;
        raw[r] = in_range ? rv32[idx] : 0;
        sc[r] = in_range ? sv32[idx] : 0;
        st[r] = in_range ? kStateAnswered : kStateMissing;
        err[r] |= in_range ? uint8_t{0} : (a >= 0 ? uint8_t{1} : must8);
      }
      continue;
    }
    for (size_t r = 0; r < rows; ++r) {
      int32_t a = ans[r];
      if (static_cast<uint32_t>(a) < count && (!vis || vis[r])) {
        raw[r] = static_cast<int32_t>(rv[a]);
        sc[r] = static_cast<int32_t>(sv[a]);
        st[r] = kStateAnswered;
        continue;
      }
      raw[r] = sc[r] = 0;
      if (vis && !vis[r]) {
        st[r] = kStateHidden;
      } else {
        st[r] = kStateMissing;
        err[r] |= a >= 0 ? 1 : must;
      }
    }
  }

  // Scores.
  int64_t* sum = b.sum.data();
  int64_t* visible = b.visible.data();
  int64_t* answered = b.answered.data();
  for (size_t s = 0; s < scores.size(); ++s) {
    const CScore& cs = scores[s];
    int64_t* num = &b.num[s * kBlockRows];
    int64_t* den = &b.den[s * kBlockRows];
    uint8_t* av = &b.avail[s * kBlockRows];
    if (cs.of_scores) {
      for (size_t r = 0; r < rows; ++r) {
        Rational total;
        bool ok = true;
        for (int32_t in : cs.inputs) {
          if (!b.avail[in * kBlockRows + r]) {
            ok = false;
            break;
          }
          total = total + Rational(b.num[in * kBlockRows + r], b.den[in * kBlockRows + r]);
        }
        Rational v;
        if (ok) {
          v = cs.method == Method::kMean
                  ? Rational(total.num, total.den * static_cast<int64_t>(cs.inputs.size())).Reduced()
                  : total;
          if (cs.round == Rounding::kHalfUp) v = v.RoundHalfUp();
        }
        av[r] = ok;
        num[r] = v.num;
        den[r] = v.den;
      }
      continue;
    }
    if (cs.always_complete) {
      // Every item is required and never hidden: a row without an error
      // has them all, so the sum is the whole story.
      std::fill(num, num + rows, 0);
      for (int32_t in : cs.inputs) {
        const int32_t* vals = &b.scored[in * kBlockRows];
        for (size_t r = 0; r < rows; ++r) num[r] += vals[r];
      }
      std::fill(den, den + rows, 1);
      std::fill(av, av + rows, 1);
      continue;
    }
    std::fill(sum, sum + rows, 0);
    std::fill(visible, visible + rows, 0);
    std::fill(answered, answered + rows, 0);
    const Rational threshold(cs.count_value);
    for (int32_t in : cs.inputs) {
      const uint8_t* st = &b.state[in * kBlockRows];
      const int32_t* vals = cs.method == Method::kCount ? &b.raw[in * kBlockRows] : &b.scored[in * kBlockRows];
      if (cs.method == Method::kCount) {
        for (size_t r = 0; r < rows; ++r) {
          const bool a = st[r] == kStateAnswered;
          visible[r] += st[r] != kStateHidden;
          answered[r] += a;
          sum[r] += a && CompareInt(vals[r], cs.count_op, threshold);
        }
      } else {
        for (size_t r = 0; r < rows; ++r) {
          const bool a = st[r] == kStateAnswered;
          visible[r] += st[r] != kStateHidden;
          answered[r] += a;
          sum[r] += a ? vals[r] : 0;
        }
      }
    }
    const bool averaged = cs.method == Method::kMean || cs.method == Method::kProratedSum;
    for (size_t r = 0; r < rows; ++r) {
      int64_t need = cs.min_answered >= 0 ? cs.min_answered : (averaged ? 1 : visible[r]);
      bool ok = answered[r] >= need && (answered[r] > 0 || !averaged);
      av[r] = ok;
      if (!ok) {
        num[r] = 0;
        den[r] = 1;
        continue;
      }
      Rational v;
      switch (cs.method) {
        case Method::kSum:
        case Method::kCount:
          v = Rational(sum[r]);
          break;
        case Method::kMean:
          v = Rational(sum[r], answered[r]).Reduced();
          break;
        case Method::kProratedSum:
          v = Rational(sum[r] * visible[r], answered[r]).Reduced();
          break;
      }
      if (cs.round == Rounding::kHalfUp) v = v.RoundHalfUp();
      num[r] = v.num;
      den[r] = v.den;
    }
    for (size_t r = 0; r < rows; ++r)
      if (!av[r] && visible[r] > 0 && !err[r])
        out.insufficient[(row0 + r) * out.insufficient_words + (s >> 6)] |= uint64_t{1} << (s & 63);
  }

  // Bands.
  for (size_t k = 0; k < band_sets.size(); ++k) {
    const CBandSet& bs = band_sets[k];
    const size_t s = static_cast<size_t>(bs.score);
    const uint8_t* av = &b.avail[s * kBlockRows];
    const int64_t* num = &b.num[s * kBlockRows];
    const int64_t* den = &b.den[s * kBlockRows];
    int16_t* band = &b.bands[k * kBlockRows];
    const int64_t lo = bs.table_lo, size = static_cast<int64_t>(bs.table.size());
    for (size_t r = 0; r < rows; ++r) {
      if (!av[r]) {
        band[r] = -1;
        continue;
      }
      int64_t off = num[r] - lo;
      band[r] = (den[r] == 1 && off >= 0 && off < size) ? bs.table[off] : BandOf(bs, Rational(num[r], den[r]));
    }
  }

  // Norms (rare; per row).
  for (size_t k = 0; k < def.norms.size(); ++k) {
    const Norm& nm = def.norms[k];
    const size_t s = static_cast<size_t>(def.ScoreIndex(nm.score));
    const std::vector<int16_t>& keys = nm.by == NormBy::kAge ? batch.age : batch.grade;
    for (size_t r = 0; r < rows; ++r) {
      const size_t row = row0 + r;
      int key = keys.size() > row ? keys[row] : -1;
      Sex sex = batch.sex.size() > row ? batch.sex[row] : Sex::kUnknown;
      if (!b.avail[s * kBlockRows + r] || key < 0 || err[r]) continue;
      Rational v(b.num[s * kBlockRows + r], b.den[s * kBlockRows + r]);
      for (const NormGroup& g : nm.groups) {
        if ((g.sex != Sex::kAny && g.sex != sex) || key < g.from || key > g.to) continue;
        for (const NormRow& nr : g.rows) {
          if (v < nr.min) continue;
          if (nr.upper_inclusive ? v <= nr.upper : v < nr.upper) {
            out.norms[k][row] = nr.value;
            break;
          }
        }
        break;
      }
    }
  }

  // Classes: the first level whose condition holds.
  for (size_t c = 0; c < class_levels.size(); ++c) {
    int16_t* level = &b.classes[c * kBlockRows];
    std::fill(level, level + rows, int16_t{-1});
    const auto& lv = class_levels[c];
    for (size_t l = 0; l < lv.size(); ++l) {
      if (lv[l] < 0) {
        for (size_t r = 0; r < rows; ++r)
          if (level[r] < 0) level[r] = static_cast<int16_t>(l);
        break;
      }
      EvalVec(lv[l], rows, b);
      const uint8_t* cond = &b.node[lv[l] * kBlockRows];
      for (size_t r = 0; r < rows; ++r) level[r] = (level[r] < 0 && cond[r]) ? static_cast<int16_t>(l) : level[r];
    }
  }

  auto set_bits = [&](int32_t node, size_t bit, std::vector<uint64_t>& dst, size_t words) {
    EvalVec(node, rows, b);
    const uint8_t* cond = &b.node[node * kBlockRows];
    const uint64_t mask = uint64_t{1} << (bit & 63);
    // Branch-free: conditions are data-dependent and mispredict often.
    uint64_t* word = dst.data() + row0 * words + (bit >> 6);
    for (size_t r = 0; r < rows; ++r, word += words)
      *word |= mask & (uint64_t{0} - static_cast<uint64_t>(cond[r] & (err[r] ^ 1)));
  };
  for (size_t k = 0; k < critical_nodes.size(); ++k) set_bits(critical_nodes[k], k, out.critical, out.critical_words);

  uint8_t* valid = b.valid.data();
  std::fill(valid, valid + rows, 1);
  for (size_t k = 0; k < validity.size(); ++k) {
    const CValidity& v = validity[k];
    const uint64_t mask = uint64_t{1} << (k & 63);
    auto trip = [&](size_t r) {
      if (err[r]) return;
      out.flags[(row0 + r) * out.flag_words + (k >> 6)] |= mask;
      if (v.invalidate) valid[r] = 0;
    };
    switch (v.kind) {
      case ValidityKind::kLieScale: {
        const size_t s = static_cast<size_t>(v.score);
        for (size_t r = 0; r < rows; ++r) {
          int64_t nu = b.num[s * kBlockRows + r], de = b.den[s * kBlockRows + r];
          if (b.avail[s * kBlockRows + r] && Compare(Rational(nu, de), v.op, v.value)) trip(r);
        }
        break;
      }
      case ValidityKind::kAllSame:
        for (size_t r = 0; r < rows; ++r) {
          int64_t count = 0, first = 0;
          bool same = true;
          for (int32_t i : v.items) {
            if (b.state[i * kBlockRows + r] != kStateAnswered) continue;
            int64_t x = b.raw[i * kBlockRows + r];
            if (count == 0)
              first = x;
            else if (x != first)
              same = false;
            ++count;
          }
          if (same && count >= v.min_answered) trip(r);
        }
        break;
      case ValidityKind::kTooFast:
        for (size_t r = 0; r < rows; ++r) {
          const size_t row = row0 + r;
          double e = batch.elapsed_seconds.size() > row ? batch.elapsed_seconds[row]
                                                        : std::numeric_limits<double>::quiet_NaN();
          if (!std::isnan(e) && e < v.min_seconds) trip(r);
        }
        break;
      case ValidityKind::kInconsistentPairs:
        for (size_t r = 0; r < rows; ++r) {
          int64_t bad = 0;
          for (const auto& [x, y] : v.pairs) {
            if (b.state[x * kBlockRows + r] != kStateAnswered || b.state[y * kBlockRows + r] != kStateAnswered)
              continue;
            int64_t ry = b.raw[y * kBlockRows + r];
            int64_t other = v.opposite ? items[y].raw_min + items[y].raw_max - ry : ry;
            int64_t diff = b.raw[x * kBlockRows + r] - other;
            if ((diff < 0 ? -diff : diff) > v.max_diff) ++bad;
          }
          if (bad > v.max_count) trip(r);
        }
        break;
      case ValidityKind::kRule: {
        EvalVec(v.node, rows, b);
        const uint8_t* cond = &b.node[v.node * kBlockRows];
        for (size_t r = 0; r < rows; ++r)
          if (cond[r]) trip(r);
        break;
      }
    }
  }
  for (size_t k = 0; k < feedback_nodes.size(); ++k) set_bits(feedback_nodes[k], k, out.feedback, out.feedback_words);

  // Write the block's columns; rows with an error keep the defaults and get
  // the exact message of the single-response path.
  for (size_t s = 0; s < scores.size(); ++s) {
    const uint8_t* av = &b.avail[s * kBlockRows];
    const int64_t* num = &b.num[s * kBlockRows];
    const int64_t* den = &b.den[s * kBlockRows];
    int64_t* onum = out.score_num[s].data() + row0;
    int64_t* oden = out.score_den[s].data() + row0;
    for (size_t r = 0; r < rows; ++r) {
      const bool keep = !err[r];
      onum[r] = keep && av[r] ? num[r] : 0;
      oden[r] = keep && av[r] ? den[r] : 0;
    }
  }
  for (size_t k = 0; k < band_sets.size(); ++k) {
    const int16_t* band = &b.bands[k * kBlockRows];
    int16_t* ob = out.bands[k].data() + row0;
    for (size_t r = 0; r < rows; ++r) ob[r] = err[r] ? int16_t{-1} : band[r];
  }
  for (size_t c = 0; c < class_levels.size(); ++c) {
    const int16_t* level = &b.classes[c * kBlockRows];
    int16_t* oc = out.classes[c].data() + row0;
    for (size_t r = 0; r < rows; ++r) oc[r] = err[r] ? int16_t{-1} : level[r];
  }
  bool any_error = false;
  for (size_t r = 0; r < rows; ++r) {
    out.ok[row0 + r] = !err[r];
    out.valid[row0 + r] = !err[r] && valid[r];
    any_error |= err[r] != 0;
  }
  if (!any_error) return;
  RowBuf rb;
  Resize(rb);
  for (size_t r = 0; r < rows; ++r) {
    if (!err[r]) continue;
    const size_t row = row0 + r;
    for (size_t i = 0; i < items.size(); ++i) rb.answer[i] = batch.answers[i][row];
    absl::Status st = EvalRow(rb);
    out.errors.emplace_back(row, st.ok() ? Internal("batch and single scoring disagree") : std::move(st));
  }
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

namespace {

void BitsToIndices(const uint64_t* words, size_t n, std::vector<int>& out) {
  out.clear();
  for (size_t i = 0; i < n; ++i)
    if (GetBit(words, i)) out.push_back(static_cast<int>(i));
}

}  // namespace

absl::StatusOr<Result> ScoringPlan::Score(const Response& r) const {
  const Impl& im = *impl_;
  if (r.answers.size() != im.items.size())
    return InvalidArgument(
        fmt::format("response has {} answers, the instrument has {} items", r.answers.size(), im.items.size()),
        "answers");
  // Buffers are reused per thread; they hold no reference to the plan.
  thread_local RowBuf b;
  im.Resize(b);
  std::copy(r.answers.begin(), r.answers.end(), b.answer.begin());
  b.elapsed = r.elapsed_seconds.value_or(std::numeric_limits<double>::quiet_NaN());
  b.sex = r.sex;
  b.age = r.age.value_or(-1);
  b.grade = r.grade.value_or(-1);
  XQ_RETURN_IF_ERROR(im.EvalRow(b));
  Result res;
  res.scores = b.scores;
  res.bands = b.bands;
  res.classes = b.classes;
  res.valid = b.valid;
  if (!b.norms.empty()) {
    res.norms.resize(b.norms.size());
    for (size_t k = 0; k < b.norms.size(); ++k)
      if (!std::isnan(b.norms[k])) res.norms[k] = b.norms[k];
  }
  for (size_t k = 0; k < im.critical_nodes.size(); ++k)
    if (GetBit(b.critical.data(), k)) res.critical.push_back({static_cast<int>(k), im.def.critical[k].urgency});
  if (!im.validity.empty()) BitsToIndices(b.flags.data(), im.validity.size(), res.validity_flags);
  BitsToIndices(b.insufficient.data(), im.scores.size(), res.insufficient);
  if (!im.feedback_nodes.empty()) BitsToIndices(b.feedback.data(), im.feedback_nodes.size(), res.feedback);
  return res;
}

BatchResult ScoringPlan::ScoreBatch(const ColumnBatch& batch) const {
  BatchResult out;
  ScoreBatch(batch, out);
  return out;
}

void ScoringPlan::ScoreBatch(const ColumnBatch& batch, BatchResult& out) const {
  const Impl& im = *impl_;
  const size_t n = batch.rows;
  out.errors.clear();
  out.rows = n;
  out.ok.assign(n, 0);
  out.valid.assign(n, 0);
  // Reuses out's memory when it already has the right shape: score and
  // band columns are overwritten block by block.
  auto shape = [n](auto& cols, size_t count, auto fill) {
    cols.resize(count);
    for (auto& c : cols) c.assign(n, fill);
  };
  shape(out.score_num, im.scores.size(), int64_t{0});
  shape(out.score_den, im.scores.size(), int64_t{0});
  shape(out.bands, im.band_sets.size(), int16_t{-1});
  shape(out.norms, im.def.norms.size(), std::numeric_limits<double>::quiet_NaN());
  shape(out.classes, im.class_levels.size(), int16_t{-1});
  out.critical_words = Words(im.critical_nodes.size());
  out.flag_words = Words(im.validity.size());
  out.insufficient_words = Words(im.scores.size());
  out.feedback_words = Words(im.feedback_nodes.size());
  out.critical.assign(n * out.critical_words, 0);
  out.flags.assign(n * out.flag_words, 0);
  out.insufficient.assign(n * out.insufficient_words, 0);
  out.feedback.assign(n * out.feedback_words, 0);

  const size_t ni = im.items.size();
  if (batch.answers.size() != ni) {
    for (size_t r = 0; r < n; ++r)
      out.errors.emplace_back(r, InvalidArgument(fmt::format("batch has {} answer columns, the instrument has {} items",
                                                             batch.answers.size(), ni),
                                                 "answers"));
    return;
  }
  for (size_t i = 0; i < ni; ++i) {
    if (batch.answers[i].size() < n) {
      for (size_t r = 0; r < n; ++r)
        out.errors.emplace_back(r, InvalidArgument(fmt::format("column {} is shorter than the batch", i), "answers"));
      return;
    }
  }
  Block blk(im.items.size(), im.scores.size(), im.band_sets.size(), im.class_levels.size(), im.nodes.size());
  for (size_t row0 = 0; row0 < n; row0 += kBlockRows) {
    const size_t rows = std::min(kBlockRows, n - row0);
    im.ScoreBlock(batch, row0, rows, blk, out);
  }
}

Result ScoringPlan::RowOf(const BatchResult& br, size_t r) const {
  const Impl& im = *impl_;
  Result res;
  if (r >= br.rows || !br.ok[r]) return res;
  res.valid = br.valid[r];
  for (size_t s = 0; s < br.score_num.size(); ++s) {
    ScoreValue v;
    v.available = br.score_den[s][r] != 0;
    v.value = v.available ? Rational(br.score_num[s][r], br.score_den[s][r]) : Rational();
    res.scores.push_back(v);
  }
  for (const auto& b : br.bands) res.bands.push_back(b[r]);
  for (const auto& nv : br.norms) {
    if (std::isnan(nv[r]))
      res.norms.emplace_back();
    else
      res.norms.emplace_back(nv[r]);
  }
  for (const auto& c : br.classes) res.classes.push_back(c[r]);
  for (size_t k = 0; k < im.critical_nodes.size(); ++k)
    if (GetBit(br.critical.data() + r * br.critical_words, k))
      res.critical.push_back({static_cast<int>(k), im.def.critical[k].urgency});
  BitsToIndices(br.flags.data() + r * br.flag_words, im.validity.size(), res.validity_flags);
  BitsToIndices(br.insufficient.data() + r * br.insufficient_words, im.scores.size(), res.insufficient);
  BitsToIndices(br.feedback.data() + r * br.feedback_words, im.feedback_nodes.size(), res.feedback);
  return res;
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
