// Facts of the archive for the supervision indicators (R-53 home visits),
// per school and school year (2026 for 2026-27):
//   visit_quota_staff       staff (per quota role held) with a home-visit quota
//   visit_quota_met         of those, the ones whose quota is met
//   class_students          students of head teachers' classes
//   class_students_visited  of those, visited at least once by their head teacher
// They change after the events in kFactEventKinds (for event.school_id).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "soci/soci.h"

namespace xq::archive {

absl::StatusOr<std::map<std::string, double>> SchoolFacts(soci::session& s, int64_t school_id, int school_year);

inline const std::vector<std::string> kFactEventKinds = {"archive.talk_recorded", "archive.home_visit_recorded"};

}  // namespace xq::archive
