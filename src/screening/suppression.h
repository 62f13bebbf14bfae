// Small-cell suppression of a table of screening rates (issue 17.5): pure
// functions of the counts, no I/O; thread-safe.
//
// A table has cells screened[r][c] / positive[r][c], row totals (shown
// only when there is more than one column), column totals and a grand
// total. An entry (a cell or a total) is suppressed (primary) when
//   - its screened count lies in [1, k-1] (small denominator),
//   - its positive count lies in [1, k-1] (small numerator), or
//   - its complement, screened - positive, lies in [0, k-1] for a non-empty
//     entry (0 is a rate of 100 %: everybody's status would be disclosed).
// Then further entries are suppressed (complementary) until no line of the
// table with its margin (a row with its total, a column with its total,
// the column totals with the grand total, the row totals with the grand
// total) has exactly one suppressed entry, so no suppressed count can be
// recovered by subtracting the shown ones from a total. The smallest shown
// entry of the line (a non-zero one first) is hidden next.
#pragma once

#include <cstdint>
#include <vector>

namespace xq::screening {

// Which entries to hide; row_total is always true when the table has one
// column (the row total is the cell itself and is not shown).
struct RateSuppression {
  std::vector<std::vector<bool>> cell;
  std::vector<bool> row_total;
  std::vector<bool> col_total;
  bool grand_total = false;
};

// True if a count of screened with positive of them may not be shown on
// its own: a denominator or numerator in [1, k-1], or a complement in
// [0, k-1] (screened > 0).
bool SmallRateCell(int64_t screened, int64_t positive, int k);

// screened and positive have the same shape (rows x cols); k >= 1.
RateSuppression SuppressRates(const std::vector<std::vector<int64_t>>& screened,
                              const std::vector<std::vector<int64_t>>& positive, int k);

}  // namespace xq::screening
