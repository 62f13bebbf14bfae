#include "screening/suppression.h"

#include <optional>
#include <utility>

namespace xq::screening {

bool SmallRateCell(int64_t screened, int64_t positive, int k) {
  auto small = [k](int64_t v) { return v >= 1 && v < k; };
  // The complement counts from 0: a rate of 100 % discloses every member's
  // status however large the cell.
  return small(screened) || small(positive) || (screened > 0 && screened - positive < k);
}

RateSuppression SuppressRates(const std::vector<std::vector<int64_t>>& screened,
                              const std::vector<std::vector<int64_t>>& positive, int k) {
  const size_t rows = screened.size(), cols = rows ? screened[0].size() : 0;
  RateSuppression out;
  out.cell.assign(rows, std::vector<bool>(cols, false));
  out.row_total.assign(rows, true);
  out.col_total.assign(cols, false);
  if (rows == 0 || cols == 0) return out;
  // The table with its margins as one grid: row `rows` holds the column
  // totals; column `cols` (only when there are several columns) the row
  // totals; their corner the grand total. With one column the grand total
  // is the column total, so the grid is (rows + 1) x 1.
  const bool row_totals = cols > 1;
  const size_t R = rows + 1, C = row_totals ? cols + 1 : cols;
  std::vector<std::vector<int64_t>> n(R, std::vector<int64_t>(C, 0)), p = n;
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) {
      const int64_t sn = screened[r][c], sp = positive[r][c];
      n[r][c] += sn, p[r][c] += sp;
      n[rows][c] += sn, p[rows][c] += sp;
      if (row_totals) {
        n[r][cols] += sn, p[r][cols] += sp;
        n[rows][cols] += sn, p[rows][cols] += sp;
      }
    }
  std::vector<std::vector<bool>> hide(R, std::vector<bool>(C, false));
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) hide[r][c] = SmallRateCell(n[r][c], p[r][c], k);

  // A line with exactly one hidden entry gives it away: hide the smallest
  // other entry (non-zero first, so a structural zero is not relied on).
  auto fix = [&](const std::vector<std::pair<size_t, size_t>>& line) {
    int hidden = 0;
    for (auto [r, c] : line) hidden += hide[r][c] ? 1 : 0;
    if (hidden != 1) return false;
    std::optional<std::pair<size_t, size_t>> best;
    auto better = [&](std::pair<size_t, size_t> a, std::pair<size_t, size_t> b) {
      const int64_t na = n[a.first][a.second], nb = n[b.first][b.second];
      if ((na > 0) != (nb > 0)) return na > 0;
      return na < nb;
    };
    for (auto e : line)
      if (!hide[e.first][e.second] && (!best || better(e, *best))) best = e;
    if (!best) return false;
    hide[best->first][best->second] = true;
    return true;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < R; ++r) {
      std::vector<std::pair<size_t, size_t>> line;
      for (size_t c = 0; c < C; ++c) line.emplace_back(r, c);
      if (C > 1) changed = fix(line) || changed;
    }
    for (size_t c = 0; c < C; ++c) {
      std::vector<std::pair<size_t, size_t>> line;
      for (size_t r = 0; r < R; ++r) line.emplace_back(r, c);
      changed = fix(line) || changed;
    }
  }
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) out.cell[r][c] = hide[r][c];
    out.row_total[r] = row_totals ? hide[r][cols] : true;
  }
  for (size_t c = 0; c < cols; ++c) out.col_total[c] = hide[rows][c];
  out.grand_total = hide[rows][C - 1];
  return out;
}

}  // namespace xq::screening
