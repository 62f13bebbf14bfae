// Counselling's part of the demo city (`xinqiao demo --with-screening`):
// the psychology centre's week (slots of psych_staff, some booked by
// students of class 1, one no-show), a referral from head_teacher, and a
// few session records sealed with the server's key ring, so the counsellor
// sees a day. psych_staff heads the centre.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "crypto/keyring.h"
#include "db/database.h"

namespace xq::counselling {

struct DemoCounsellingSummary {
  int64_t slots = 0;
  int64_t bookings = 0;
  int64_t records = 0;
};

absl::StatusOr<DemoCounsellingSummary> SeedDemoCounselling(db::Database& db, const crypto::KeyRing& keys,
                                                           const Clock& clock);

}  // namespace xq::counselling
