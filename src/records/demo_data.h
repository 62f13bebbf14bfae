// Demo work records (`xinqiao demo … --with-records`, and the small demo
// of `make run`): one school year of realistic, uneven 工作台账 for every
// school of the demo city and for its districts and the city: most schools
// meet the targets, a few have no psychology teacher, some districts lag
// on funding or training. Deterministic for a seed. One transaction with
// prepared statements; one records.changed per unit and kind. Call after
// the demo city exists.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "db/database.h"

namespace xq::records {

struct DemoRecordsOptions {
  int school_year = 0;  // 0: the current school year (from September)
  uint64_t seed = 1;
};

struct DemoRecordsSummary {
  int school_year = 0;
  int64_t schools = 0;
  int64_t units = 0;  // districts and the city
  int64_t records = 0;
  int64_t values = 0;
};

absl::StatusOr<DemoRecordsSummary> SeedDemoRecords(db::Database& db, const Clock& clock,
                                                   const DemoRecordsOptions& options = {});

}  // namespace xq::records
