// Unit tests of the rate suppression (issue 17.5): small numerators,
// complements (a 100 % cell), small denominators and complementary
// suppression across the totals.
#include "screening/suppression.h"

#include <random>

#include "gtest/gtest.h"

namespace xq::screening {
namespace {

using Table = std::vector<std::vector<int64_t>>;

// Every line with its margin has 0 or at least 2 hidden entries.
void ExpectNoLoneHidden(const RateSuppression& s) {
  const size_t rows = s.cell.size(), cols = rows ? s.cell[0].size() : 0;
  const bool row_totals = cols > 1;
  for (size_t r = 0; r < rows && row_totals; ++r) {
    int hidden = s.row_total[r] ? 1 : 0;
    for (size_t c = 0; c < cols; ++c) hidden += s.cell[r][c] ? 1 : 0;
    EXPECT_NE(hidden, 1) << "row " << r;
  }
  for (size_t c = 0; c < cols; ++c) {
    int hidden = s.col_total[c] ? 1 : 0;
    for (size_t r = 0; r < rows; ++r) hidden += s.cell[r][c] ? 1 : 0;
    EXPECT_NE(hidden, 1) << "column " << c;
  }
  if (row_totals) {
    int hidden = s.grand_total ? 1 : 0;
    for (size_t c = 0; c < cols; ++c) hidden += s.col_total[c] ? 1 : 0;
    EXPECT_NE(hidden, 1) << "column totals";
    hidden = s.grand_total ? 1 : 0;
    for (size_t r = 0; r < rows; ++r) hidden += s.row_total[r] ? 1 : 0;
    EXPECT_NE(hidden, 1) << "row totals";
  }
}

TEST(SmallRateCell, NumeratorComplementDenominator) {
  EXPECT_FALSE(SmallRateCell(0, 0, 10));     // nobody: nothing disclosed
  EXPECT_TRUE(SmallRateCell(9, 0, 10));      // small denominator
  EXPECT_TRUE(SmallRateCell(10, 4, 10));     // small numerator (the 9年级 · 女)
  EXPECT_TRUE(SmallRateCell(30, 25, 10));    // complement 5
  EXPECT_TRUE(SmallRateCell(12, 12, 10));    // 100 %: complement 0
  EXPECT_TRUE(SmallRateCell(500, 500, 10));  // 100 % of a large cell too
  EXPECT_FALSE(SmallRateCell(30, 0, 10));    // 0 %: numerator 0, complement 30
  EXPECT_FALSE(SmallRateCell(30, 10, 10));   // 10 positive, 20 not
  EXPECT_TRUE(SmallRateCell(30, 10, 11));    // k higher: 10 < 11
}

TEST(SuppressRates, SmallNumeratorIsHiddenAndProtected) {
  // 2 x 2: girls of grade 9 have 4 positive of 40; everything else is large.
  Table n = {{40, 40}, {40, 40}}, p = {{4, 20}, {20, 20}};
  auto s = SuppressRates(n, p, 10);
  EXPECT_TRUE(s.cell[0][0]);
  // Its row and column must not leave it alone: another cell of each line
  // (or the totals) is hidden too.
  ExpectNoLoneHidden(s);
  int hidden = 0;
  for (auto& row : s.cell)
    for (bool h : row) hidden += h ? 1 : 0;
  EXPECT_GE(hidden, 2);
}

TEST(SuppressRates, HundredPercentCellIsHidden) {
  // 12 of 12 positive: the rate would disclose every member's status,
  // though 12 is not below k.
  Table n = {{12, 40}, {40, 40}}, p = {{12, 20}, {20, 20}};
  auto s = SuppressRates(n, p, 10);
  EXPECT_TRUE(s.cell[0][0]);
  ExpectNoLoneHidden(s);
}

TEST(SuppressRates, ComplementIsHidden) {
  // 33 of 35 positive: two students are the only ones not flagged.
  Table n = {{35}, {50}, {60}}, p = {{33}, {20}, {30}};
  auto s = SuppressRates(n, p, 10);
  EXPECT_TRUE(s.cell[0][0]);
  EXPECT_TRUE(s.cell[1][0]) << "the smallest other cell protects it in its column";
  EXPECT_FALSE(s.cell[2][0]);
  ExpectNoLoneHidden(s);
}

TEST(SuppressRates, TotalsWithSmallNumeratorAreHidden) {
  // Every cell has 0 positive (shown), but the grand total's 3 positive of
  // 120 is a small numerator... spread over zero cells, so the column total
  // hides, and with one column the grand total is that column total.
  Table n = {{40}, {40}, {40}}, p = {{0}, {0}, {3}};
  auto s = SuppressRates(n, p, 10);
  EXPECT_TRUE(s.cell[2][0]);
  EXPECT_TRUE(s.col_total[0]);
  EXPECT_TRUE(s.grand_total);
  ExpectNoLoneHidden(s);
}

TEST(SuppressRates, ComplementarySuppressionAcrossTotals) {
  // One hidden column total beside a shown grand total is recoverable:
  // grand − the other column totals.
  Table n = {{40, 40, 40}, {40, 40, 40}}, p = {{2, 20, 20}, {3, 20, 20}};
  auto s = SuppressRates(n, p, 10);
  EXPECT_TRUE(s.cell[0][0]);
  EXPECT_TRUE(s.cell[1][0]);
  EXPECT_TRUE(s.col_total[0]) << "5 positive of 80";
  ExpectNoLoneHidden(s);
  EXPECT_TRUE(s.grand_total || s.col_total[1] || s.col_total[2]);
}

TEST(SuppressRates, LargeTablesStayShown) {
  Table n = {{50, 60}, {70, 80}}, p = {{20, 30}, {30, 40}};
  auto s = SuppressRates(n, p, 10);
  for (auto& row : s.cell)
    for (bool h : row) EXPECT_FALSE(h);
  EXPECT_FALSE(s.grand_total);
  EXPECT_FALSE(s.col_total[0]);
  EXPECT_FALSE(s.row_total[0]);
}

TEST(SuppressRates, RandomTablesNeverLeaveALoneHiddenEntry) {
  std::mt19937 rng(7);
  for (int t = 0; t < 500; ++t) {
    const size_t rows = 1 + rng() % 5, cols = 1 + rng() % 4;
    Table n(rows, std::vector<int64_t>(cols)), p = n;
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) {
        n[r][c] = rng() % 3 == 0 ? 0 : static_cast<int64_t>(rng() % 60);
        p[r][c] = n[r][c] ? static_cast<int64_t>(rng() % (n[r][c] + 1)) : 0;
      }
    auto s = SuppressRates(n, p, 10);
    ExpectNoLoneHidden(s);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c)
        if (SmallRateCell(n[r][c], p[r][c], 10)) {
          EXPECT_TRUE(s.cell[r][c]);
        }
  }
}

}  // namespace
}  // namespace xq::screening
