// Home-visit quotas of R-53 and the school calendar they count in. Pure
// functions; thread-safe.
//   school leader   >= 5 a year and >= 1 at each semester start
//   grade head      >= 10 a year (middle managers)
//   head teacher    every student of their classes at least once
//   subject teacher >= 10 a year
#pragma once

#include <optional>
#include <string_view>

#include "archive/model.h"

namespace xq::archive {

// The school year a date falls in: 2026 for 2026-09-01 … 2027-08-31.
// nullopt for a malformed date.
std::optional<int> SchoolYearOf(std::string_view date);
// 1 for September (first semester start), 2 for February or March
// (second semester start), 0 otherwise.
int SemesterStartOf(std::string_view date);
// Whether role has a home-visit quota (and is counted in the facts).
bool HasQuota(std::string_view role);
QuotaProgress Progress(const QuotaCounts& c);

}  // namespace xq::archive
