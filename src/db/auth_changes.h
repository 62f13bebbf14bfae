// The auth change log (migration 012): every change that alters a
// signed-in session's identity or grants is recorded in the transaction
// that makes it, so that servers holding resolved sessions in memory drop
// them (auth::AuthService::ApplyAuthChanges).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"

namespace xq::db {

struct AuthChange {
  int64_t at = 0;
  int64_t account_id = 0;
  std::string token_hash;  // empty: every session of the account
};

// Inside the transaction that makes the change; `at` is the wall clock
// (SystemClock, whatever clock the caller's service runs on).
void RecordSessionEnded(soci::session& s, int64_t account_id, const std::string& token_hash);
void RecordAccountChanged(soci::session& s, int64_t account_id);
// Every account of a staff member (pairings change what it may see).
void RecordStaffChanged(soci::session& s, int64_t staff_id);

// Changes recorded at or after `since` (wall-clock microseconds).
absl::StatusOr<std::vector<AuthChange>> AuthChangesSince(Database& db, int64_t since);
// Removes changes older than `before`.
absl::Status PruneAuthChanges(Database& db, int64_t before);

}  // namespace xq::db
