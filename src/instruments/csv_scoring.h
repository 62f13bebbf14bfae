// Scoring a CSV of responses (the `xinqiao score` command), pure: text in,
// text out; the CLI does the file I/O.
//
// Input: a header row with `respondent_id` and one column per item id
// (cells hold option codes, or option values with by_value; `multi` cells
// hold codes/values separated by '|'; empty = unanswered), plus optional
// `elapsed_seconds`, `sex` (male/female/m/f/男/女), `age`, `grade`.
// Output: one row per respondent that scored (CSV or JSON lines); each bad
// row is reported as "line N: message" and does not stop the others.
// Thread-safe: stateless functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "instruments/scoring.h"

namespace xq::instruments {

enum class OutputFormat { kCsv, kJsonl };

struct CsvScoreOptions {
  bool by_value = false;
  OutputFormat format = OutputFormat::kJsonl;
};

struct CsvScoreOutput {
  std::string output;               // scored rows
  std::vector<std::string> errors;  // "line N: respondent R: message"
  size_t rows = 0;                  // data rows read
  size_t scored = 0;                // rows scored
};

// Fails only when the header is unusable (no respondent_id, unknown or
// duplicate column); row problems go to `errors`.
[[nodiscard]] absl::StatusOr<CsvScoreOutput> ScoreCsv(const ScoringPlan& plan, std::string_view csv,
                                                      const CsvScoreOptions& options);

// Parses one answer cell for item `item` into the Response encoding
// (option index, or a bit mask for multi items; "" → kMissing).
[[nodiscard]] absl::StatusOr<int32_t> ParseAnswerCell(const ScoringPlan& plan, size_t item, std::string_view cell,
                                                      bool by_value);

// Splits CSV text into records of fields (RFC 4180 quoting). Each record
// carries the 1-based line on which it starts.
struct CsvRecord {
  size_t line = 0;
  std::vector<std::string> fields;
};
[[nodiscard]] absl::StatusOr<std::vector<CsvRecord>> ParseCsv(std::string_view text);

}  // namespace xq::instruments
