// Internals of the compiled scoring plan (instruments/scoring.h), shared by
// its three files: compiling (scoring.cc), scoring one response
// (scoring_row.cc) and scoring column batches (scoring_batch.cc). Not part
// of the public contract.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "instruments/scoring.h"

namespace xq::instruments {

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
inline size_t Words(size_t n) { return (n + 63) / 64; }

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

inline void BitsToIndices(const uint64_t* words, size_t n, std::vector<int>& out) {
  out.clear();
  for (size_t i = 0; i < n; ++i)
    if (GetBit(words, i)) out.push_back(static_cast<int>(i));
}

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

}  // namespace xq::instruments
