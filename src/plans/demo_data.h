// Demo data of the archive and plans (`xinqiao demo --with-screening`):
// home visits and talks by the demo teachers, a 一生一策 with a progress
// note, a review meeting that sets a level, and a transfer with consent to
// the demo university, all written through the services (so with their
// events and audit entries). Run once on a fresh demo database.
#pragma once

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "db/database.h"

namespace xq::plans {

struct DemoArchiveSummary {
  int contacts = 0;
  int plans = 0;
  int reviews = 0;
  int transfers = 0;
};

absl::StatusOr<DemoArchiveSummary> SeedDemoArchive(db::Database& db, const Clock& clock);

}  // namespace xq::plans
