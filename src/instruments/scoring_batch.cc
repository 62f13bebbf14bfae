// Scoring column batches block by block (ScoringPlan::ScoreBatch); rows the
// vector loops cannot take fall back to the row evaluator.
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

}  // namespace xq::instruments
