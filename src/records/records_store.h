// Storage of 工作台账 (work records) behind an interface: SQL only, no
// decisions (docs/design.md "Adding a module"). A record is a row of
// work_records and its field values rows of work_record_values.
// Thread-safe: the SOCI store borrows a pooled session per call.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audited.h"
#include "db/database.h"
#include "records/model.h"

namespace xq::records {

// The org unit a record belongs to, as the service needs it.
struct UnitInfo {
  int64_t id = 0;
  std::string kind;  // "city" "district" "school" ...
  std::string name;
  std::string path;
  int64_t school_id = 0;  // the school itself for a school
  std::string school_kind;
};

struct ListQuery {
  std::string kind;
  int school_year = 0;     // 0: every year
  std::string scope_path;  // records of units under this path
  int page_size = 50;
  int64_t after_id = 0;  // keyset cursor: records with id > after_id
};

struct RecordPage {
  std::vector<Record> items;
  int64_t next_after = 0;  // 0 on the last page
  int64_t total = 0;
};

class RecordsStore {
 public:
  virtual ~RecordsStore() = default;
  virtual absl::StatusOr<std::optional<UnitInfo>> GetUnit(int64_t id) = 0;
  virtual absl::StatusOr<RecordPage> List(const ListQuery& q) = 0;
  virtual absl::StatusOr<std::optional<Record>> Get(int64_t id) = 0;
  // Each write runs in one transaction; `then` runs in it after the change
  // (audit entry, event), and a failure of either rolls everything back.
  virtual absl::Status Insert(const Record& r, const audit::InTransaction& then) = 0;
  virtual absl::Status Update(const Record& r, const audit::InTransaction& then) = 0;
  virtual absl::Status Delete(int64_t id, const audit::InTransaction& then) = 0;
  // Replaces the unit's records of kind and school year by `records` (an
  // import): all or nothing. Returns how many were replaced.
  virtual absl::StatusOr<int64_t> Replace(const std::string& kind, int64_t unit_id, int school_year,
                                          const std::vector<Record>& records, const audit::InTransaction& then) = 0;
  virtual absl::StatusOr<int64_t> Count(const std::string& kind, int64_t unit_id, int school_year) = 0;
};

std::unique_ptr<RecordsStore> NewSociRecordsStore(db::Database& db);

// Inserts records (ids set by the caller) on an open session, with
// prepared statements: the store's writes and the demo's bulk fill.
absl::Status InsertRecordsIn(soci::session& s, const std::vector<Record>& records);

}  // namespace xq::records
