// Facts of hotline awareness for the supervision indicators (contract 3):
//   awareness_students   active students of the school
//   awareness_confirmed  those who confirmed "我已知晓心理援助热线" since the
//                        last change of a line that applies to the school
//                        (city, district or school)
// Current state: school_year does not select older confirmations (only the
// latest one of each person is kept). Runs on the caller's session.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"

namespace xq::counselling {

absl::StatusOr<std::map<std::string, double>> SchoolFacts(soci::session& s, int64_t school_id, int school_year);

// A district's or the city's change (event.school_id 0) changes the facts of
// every school under it.
inline const std::vector<std::string> kFactEventKinds = {"hotlines.awareness_confirmed", "hotlines.changed"};

}  // namespace xq::counselling
