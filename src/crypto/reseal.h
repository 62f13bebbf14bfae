// Re-sealing under the current key (`xinqiao keys rotate`). Every module
// that stores sealed values registers its columns (table, id column,
// sealed column, associated data "<prefix><id><suffix>"); Reseal walks each
// column by id in batches (one transaction per batch) and re-seals every
// value sealed under an older key. Values already under the current key
// are skipped, so a rotation stopped half way continues where it stopped
// when run again. A value is replaced only if it is still the one read
// (a concurrent write wins), so the server keeps running meanwhile. Empty
// values (a column not filled yet, e.g. a referral not answered) are not
// sealed and are left alone.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/keyring.h"
#include "db/database.h"

namespace xq::crypto {

struct SealedColumn {
  std::string table;      // e.g. "counselling_records"
  std::string id_column;  // e.g. "id" (an integer key)
  std::string column;     // e.g. "notes_sealed"
  std::string ad_prefix;  // e.g. "counselling_records:" (associated data = prefix + id + suffix)
  std::string ad_suffix;  // e.g. ":clinical" for "crisis_referrals:<id>:clinical"; mostly empty
  // A value that is not sealed text is plaintext stored before the column
  // was sealed, and is sealed (otherwise: data_loss, as for any value that
  // does not open).
  bool seal_plaintext = false;
};

// Adds a column to the process-wide list (idempotent). Thread-safe.
void RegisterSealedColumn(SealedColumn column);
std::vector<SealedColumn> RegisteredSealedColumns();

struct ResealOptions {
  int batch_rows = 1000;
  int64_t max_batches = 0;                           // 0: no limit (tests stop after some batches)
  std::function<void(const std::string&)> progress;  // one line per batch
};

struct ResealReport {
  int64_t scanned = 0;   // values read
  int64_t resealed = 0;  // re-sealed under the current key
  int64_t current = 0;   // already under the current key
  int64_t batches = 0;
  bool complete = true;  // false when max_batches stopped it
};

// Re-seals every value of columns not under ring.current_id(). data_loss
// if a value does not open (its key missing or the value tampered with);
// nothing of that batch is written then.
absl::StatusOr<ResealReport> Reseal(db::Database& db, const KeyRing& ring, const std::vector<SealedColumn>& columns,
                                    const ResealOptions& options);

}  // namespace xq::crypto
