// Demo activity of the warning network for `make run`
// (`xinqiao demo … --with-network`): observations by the demo peer reporter
// and head teacher, weekly class reports (some classes silent), ledger
// entries, and open warnings at every owner step of the chain. Call after
// the demo city exists. Deterministic apart from the times (from clock).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "db/database.h"

namespace xq::network {

struct DemoNetworkSummary {
  int observations = 0;
  int weekly_reports = 0;
  int risk_factors = 0;
  int warnings = 0;
};

absl::StatusOr<DemoNetworkSummary> SeedDemoNetwork(db::Database& db, const Clock& clock);

}  // namespace xq::network
