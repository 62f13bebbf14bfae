// Scoring one response: the row evaluator (ScoringPlan::Score, RowOf).
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

}  // namespace xq::instruments
