// Scoring engine: a Definition compiles once into an immutable ScoringPlan,
// which scores one response (submission path) or a column-wise batch
// (re-scoring a whole campaign). Deterministic and exact: integer scores are
// integer arithmetic, fractional scores are exact fractions (Rational).
//
//   XQ_ASSIGN_OR_RETURN(auto def, ParseDefinition(text));
//   XQ_ASSIGN_OR_RETURN(auto plan, Compile(def));
//   Response r = plan.NewResponse();
//   r.answers[plan.ItemIndex("q1")] = *plan.OptionByCode(0, "2");
//   XQ_ASSIGN_OR_RETURN(Result res, plan.Score(r));
//   Json out = ResultToJson(plan, res);
//
// Answers are 0-based option indices in the item's option order (kMissing
// when unanswered; `multi` items hold a bit mask of chosen indices; `text`
// items are ignored). Missing or out-of-range answers are errors naming the
// item unless the definition accepts missing data.
//
// Thread-safety: a ScoringPlan is immutable after Compile(); Score and
// ScoreBatch are const and may run concurrently. The plan keeps its own copy
// of the Definition.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "instruments/definition.h"
#include "nlohmann/json.hpp"

namespace xq::instruments {

inline constexpr int32_t kMissing = -1;

struct Response {
  std::vector<int32_t> answers;           // one per item, definition order
  std::optional<double> elapsed_seconds;  // for too_fast validity rules
  Sex sex = Sex::kUnknown;                // for norms
  std::optional<int> age;                 // years
  std::optional<int> grade;               // 1–12 school, 13–16 university
};

struct ScoreValue {
  bool available = false;  // false: too few answers (min_answered)
  Rational value;
};

struct CriticalHit {
  int index = 0;  // into Definition::critical
  Urgency urgency = Urgency::kUrgent;
};

struct Result {
  std::vector<ScoreValue> scores;            // by score index
  std::vector<int16_t> bands;                // by plan band-set index; -1 = none
  std::vector<std::optional<double>> norms;  // by norm index
  std::vector<int16_t> classes;              // level index by class index
  std::vector<CriticalHit> critical;         // in definition order
  bool valid = true;
  std::vector<int> validity_flags;  // indices into Definition::validity
  std::vector<int> insufficient;    // score indices lacking answers
  std::vector<int> feedback;        // indices into Definition::feedback
};

// Answers of many respondents, one column per item (rows = respondents).
struct ColumnBatch {
  size_t rows = 0;
  std::vector<std::vector<int32_t>> answers;  // [item][row]
  std::vector<double> elapsed_seconds;        // empty, or [row] (NaN = unknown)
  std::vector<Sex> sex;                       // empty, or [row]
  std::vector<int16_t> age, grade;            // empty, or [row] (-1 = unknown)
};

// Column-wise results. Bit sets hold `words` uint64 per row.
struct BatchResult {
  size_t rows = 0;
  std::vector<uint8_t> ok;                              // [row]: 0 when the row had an error
  std::vector<std::pair<size_t, absl::Status>> errors;  // (row, error), in row order
  std::vector<std::vector<int64_t>> score_num;          // [score][row]
  std::vector<std::vector<int64_t>> score_den;          // [score][row]; 0 = unavailable
  std::vector<std::vector<int16_t>> bands;              // [band set][row]
  std::vector<std::vector<double>> norms;               // [norm][row] (NaN = none)
  std::vector<std::vector<int16_t>> classes;            // [class][row]
  std::vector<uint8_t> valid;                           // [row]
  size_t critical_words = 0, flag_words = 0, insufficient_words = 0, feedback_words = 0;
  std::vector<uint64_t> critical, flags, insufficient, feedback;
};

class ScoringPlan {
 public:
  ScoringPlan(ScoringPlan&&) noexcept;
  ScoringPlan& operator=(ScoringPlan&&) noexcept;
  ~ScoringPlan();

  const Definition& definition() const;
  size_t item_count() const;
  int ItemIndex(std::string_view id) const;  // -1 when unknown
  // Option index for a stored code / value of item `item`; nullopt if none.
  std::optional<int32_t> OptionByCode(size_t item, std::string_view code) const;
  std::optional<int32_t> OptionByValue(size_t item, int64_t value) const;

  // Band sets in result order: (score index, set index within the score).
  struct BandSetRef {
    int score;
    int set;
    std::string name;  // "total" or "total.four_band"
  };
  const std::vector<BandSetRef>& band_sets() const;

  Response NewResponse() const;  // every answer kMissing
  [[nodiscard]] absl::StatusOr<Result> Score(const Response& r) const;
  BatchResult ScoreBatch(const ColumnBatch& batch) const;
  // Same, reusing `out`'s memory (re-scoring a campaign chunk by chunk).
  void ScoreBatch(const ColumnBatch& batch, BatchResult& out) const;
  // Materializes one row of a batch (a row with an error gives an empty Result).
  Result RowOf(const BatchResult& batch, size_t row) const;

  struct Impl;

 private:
  friend absl::StatusOr<ScoringPlan> Compile(const Definition& def);
  friend absl::StatusOr<ScoringPlan> Compile(const Definition& def, std::string_view norm_set);
  explicit ScoringPlan(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A definition with norm sets compiles with its default set unless
// WithNormSet() has put another in place; the second form picks the set
// (empty: the default). Both scoring paths of the plan use the set's
// cut-offs, and every result names it ("norm_set").
[[nodiscard]] absl::StatusOr<ScoringPlan> Compile(const Definition& def);
[[nodiscard]] absl::StatusOr<ScoringPlan> Compile(const Definition& def, std::string_view norm_set);

// {"scores":{...},"bands":{...},"norms":{...},"classes":{...},"critical":[...],
//  "valid":true,"flags":[...],"feedback":[...]}
nlohmann::json ResultToJson(const ScoringPlan& plan, const Result& r);
// ResultToJson(plan, r).dump(), byte for byte (keys sorted as the DOM sorts
// them), written without a DOM: the submission path stores it as is.
std::string ResultJsonText(const ScoringPlan& plan, const Result& r);
// The printed value of a score (integer, or rounded to the score's decimals).
nlohmann::json ScoreJson(const Score& s, const Rational& v);

}  // namespace xq::instruments
