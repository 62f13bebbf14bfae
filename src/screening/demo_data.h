// Demo screening data for `make run` and screenshots: one campaign from a
// template, created as a demo psychology-staff account, with answers for
// most of the school's students imported through the paper path (same
// validation, scoring, warnings and follow-ups as real submissions).
// Deterministic for a seed. Call after the demo city exists.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "db/database.h"
#include "policy/principal.h"

namespace xq::screening {

struct DemoScreeningOptions {
  std::string owner_username = "psych_staff";
  std::string template_id = "k12_junior";
  uint64_t seed = 1;
  double response_rate = 0.7;
};

struct DemoScreeningSummary {
  int64_t campaign_id = 0;
  int submissions = 0;
  int warnings = 0;
};

// The principal of a staff account with all its grants, as a session would
// resolve it; for seeding and benchmarks that act without signing in.
absl::StatusOr<policy::Principal> StaffPrincipal(db::Database& db, const std::string& username);

absl::StatusOr<DemoScreeningSummary> SeedDemoScreening(db::Database& db, const Clock& clock,
                                                       const DemoScreeningOptions& options = {});

}  // namespace xq::screening
