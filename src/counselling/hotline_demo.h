// Demo data of the hotline editor and awareness, written by the
// demo generator through this function: lines at the city, district and
// school, and confirmations of most students of one class and a few of
// another (so the head teacher sees a rate and small cells are suppressed).
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "db/database.h"

namespace xq::counselling {

struct HotlineDemoUnits {
  int64_t city_id = 0, district_id = 0, school_id = 0;
  int64_t class_id = 0;         // most of its students confirmed
  int64_t other_class_id = 0;   // a few confirmed
  int64_t skip_student_id = 0;  // left unconfirmed (the demo student sees the banner)
  int64_t at = 0;               // micros: the change; confirmations follow
};

// In the caller's transaction; ids are taken from `next_id`.
absl::Status SeedHotlineDemo(soci::session& s, const HotlineDemoUnits& u, int64_t (*next_id)(void*), void* gen);

}  // namespace xq::counselling
