// Use cases of 工作台账 (R-50…R-55): list, add, change and delete a unit's
// work records, download a kind's Excel template and import a filled one
// (all or nothing, with a preview).
//
// Every decision comes from policy::DecideUnitRecord (ACCESS.md D8): a
// school's psychology staff, leader and data admin read and write their
// school's records; a district reads its schools' and writes its own; the
// city reads all and writes its own. A unit outside the caller's scope is
// NotFound; a role without any work-record access gets PermissionDenied.
// Denials and every write are audited; every write publishes
// records.changed (one per import) in its transaction.
// Thread-safe if the store and audit log are (the SOCI ones are).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "policy/model.h"
#include "records/model.h"
#include "records/records_store.h"

namespace xq::records {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 200;

// A unit whose records the caller may read (its grant's unit).
struct Scope {
  UnitInfo unit;
  bool writable = false;  // the caller may write the unit's own records
};

struct ListRequest {
  std::string kind;
  std::optional<int64_t> unit_id;  // default: every scope of the caller
  int school_year = 0;             // 0: every year
  int page_size = kDefaultPageSize;
  std::string after;  // opaque cursor
};

struct RecordList {
  std::vector<Record> items;
  std::string next;  // empty on the last page
  int64_t total = 0;
};

// A form's input: raw text per field (as a file cell would give it).
struct RecordInput {
  std::string kind;
  int64_t unit_id = 0;
  int school_year = 0;
  std::map<std::string, std::string> fields;
};

struct ImportRequest {
  std::string kind;
  int64_t unit_id = 0;
  int school_year = 0;
  std::string file_name;  // echoed in errors
  bool dry_run = false;
};

struct ImportOutcome {
  std::vector<Values> rows;        // what was (or, in a preview, would be) written
  int64_t replaced = 0;            // existing records of that unit, kind and year
  std::vector<FieldError> errors;  // not empty: nothing was written
  bool written = false;
};

class RecordsService {
 public:
  RecordsService(RecordsStore& store, audit::AuditLog& audit, const Clock& clock)
      : store_(store), audit_(audit), clock_(clock) {}

  absl::StatusOr<std::vector<Scope>> Scopes(const policy::Actor& actor);
  absl::StatusOr<RecordList> List(const policy::Actor& actor, const ListRequest& req);
  absl::StatusOr<Record> Get(const policy::Actor& actor, int64_t id);
  // Validation errors: InvalidArgument naming the first bad field; all of
  // them in *errors when given.
  absl::StatusOr<Record> Create(const policy::Actor& actor, const RecordInput& in,
                                std::vector<FieldError>* errors = nullptr);
  absl::StatusOr<Record> Update(const policy::Actor& actor, int64_t id,
                                const std::map<std::string, std::string>& fields,
                                std::vector<FieldError>* errors = nullptr);
  absl::Status Delete(const policy::Actor& actor, int64_t id);

  // The kind's template (.xlsx bytes); for anyone who keeps work records.
  absl::StatusOr<std::string> Template(const policy::Actor& actor, std::string_view kind);
  absl::StatusOr<ImportOutcome> Import(const policy::Actor& actor, const ImportRequest& req, std::string_view file);

 private:
  absl::StatusOr<const KindSpec*> KindOf(std::string_view kind);
  // The unit, checked for the action: NotFound outside the caller's read
  // scope, PermissionDenied for a write it may only read.
  absl::StatusOr<UnitInfo> UnitFor(const policy::Actor& actor, int64_t unit_id, policy::Action action);
  absl::Status Deny(const policy::Actor& actor, std::string_view object_type, int64_t object_id, int64_t school_id,
                    std::string_view reason, absl::Status answer);
  audit::InTransaction AfterWrite(const policy::Actor& actor, std::string action, const Record& r, std::string detail);

  RecordsStore& store_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

// Keyset cursor <-> opaque string.
std::string EncodeCursor(int64_t after_id);
std::optional<int64_t> DecodeCursor(std::string_view s);

}  // namespace xq::records
