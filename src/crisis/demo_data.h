// Demo crisis data for `make run`: two partner hospitals (the demo liaison
// works for the first), cases at different steps in the demo school (one
// escalated to the district crisis group), a referral answered by the
// hospital with a return to school planned, a referral with no answer past
// its deadline (its job escalates it when the server starts), and a
// break-glass access by another school's psychology staff waiting for the
// auditor. Made through CrisisService, as the demo accounts would. Call
// after the demo city exists.
#pragma once

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "crypto/keyring.h"
#include "db/database.h"

namespace xq::crisis {

struct DemoCrisisSummary {
  int cases = 0;
  int referrals = 0;
};

absl::StatusOr<DemoCrisisSummary> SeedDemoCrisis(db::Database& db, const crypto::KeyRing& keys, const Clock& clock);

}  // namespace xq::crisis
