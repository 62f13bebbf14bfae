// The records module's events (docs/design.md "Events"; cross-module
// contract 2):
//
//   records.changed  a unit's work records of one kind and school year
//                    changed (a form write, a delete, or one whole import).
//
// subject = "unit:<unit id>" (not a student); event.school_id = the school
// (0 for a district's or the city's record); payload = Encode(Changed), a
// JSON object {school_id, unit_id, kind, school_year}.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "db/database.h"

namespace xq::records {

inline constexpr char kRecordsChanged[] = "records.changed";

struct Changed {
  int64_t school_id = 0;
  int64_t unit_id = 0;
  std::string kind;
  int school_year = 0;
};

std::string Encode(const Changed& c);
absl::StatusOr<Changed> DecodeChanged(const std::string& payload);

// Publishes records.changed inside the caller's transaction.
absl::Status PublishChanged(soci::session& s, const Changed& c, int64_t now_micros);

}  // namespace xq::records
