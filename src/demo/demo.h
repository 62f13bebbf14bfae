// Deterministic synthetic city for demos, tests and benchmarks
// (`xinqiao demo --scale small|district|city --seed N`).
//
// small:    天津市 with 和平区 and 河西区, one school of every kind (a
//           university and a college under the city), ~3,000 students.
// district: 和平区 with ~100 K-12 schools and one university, ~150,000 students.
// city:     Tianjin's 16 districts, ~1,400 K-12 schools and 56 colleges and
//           universities, ~2,000,000 students, ~150,000 staff.
// Every student has a guardian, a class membership and a paired teacher
// . The same seed gives the same rows (ids are sequential from 1).
//
// Demo accounts (password kDemoPassword) exist at every scale, one per role
// of policy::Role and more; see DemoAccounts().
//
// Generation streams rows in batches (one transaction per ~50k rows, bulk
// binds), so memory stays flat whatever the scale. Not thread-safe: one
// generation per database at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"

namespace xq::demo {

inline constexpr std::string_view kDemoPassword = "Xinqiao@2026";

enum class Scale { kSmall, kDistrict, kCity };
std::optional<Scale> ScaleFromName(std::string_view name);

struct Options {
  Scale scale = Scale::kSmall;
  uint64_t seed = 1;
  size_t batch_rows = 50'000;
  // Called after each committed batch with a one-line progress message.
  std::function<void(const std::string&)> progress;
};

struct Summary {
  int64_t districts = 0;
  int64_t schools = 0;
  int64_t org_units = 0;
  int64_t students = 0;
  int64_t guardians = 0;
  int64_t staff = 0;
  int64_t pairings = 0;
  int64_t accounts = 0;
};

// Fills an empty, migrated database. FailedPrecondition if it already
// holds org units or accounts.
absl::StatusOr<Summary> Generate(db::Database& db, const Options& options);

struct DemoAccount {
  std::string username;
  std::string password;
  std::string role;        // policy role name
  std::string role_label;  // Chinese label
  int64_t scope_unit_id = 0;
  std::string scope_name;
  std::string display_name;
};

// The demo accounts present in db, in a fixed order (the table of roles).
absl::StatusOr<std::vector<DemoAccount>> DemoAccounts(db::Database& db);

}  // namespace xq::demo
