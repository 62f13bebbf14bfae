// Use cases of the org module: browse the org tree, read the roster,
// import rosters, pair teachers with students.
//
// Every decision comes from policy::Decide (ACCESS.md); scope is the
// subtree of the actor's grants. Objects outside the caller's scope answer
// NotFound (they do not reveal existence); denials are written to the
// audit log. Org names are public (D0), but browsing stays within scope;
// ancestors of a scope are visible by name for breadcrumbs.
//
// Thread-safe if the store and audit log are (the SOCI ones are).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "org/model.h"
#include "org/org_store.h"
#include "org/roster_import.h"
#include "policy/model.h"

namespace xq::org {

struct UnitDetail {
  OrgUnit unit;
  std::vector<OrgUnit> ancestors;   // root first, without the unit itself
  std::optional<int64_t> students;  // when the caller may read the roster there
};

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 200;

struct StudentListRequest {
  std::optional<int64_t> unit_id;    // default: all the caller's scopes
  std::string q;                     // name or 学号 prefix
  int page_size = kDefaultPageSize;  // 1..; capped at kMaxPageSize
  std::string after;                 // opaque cursor from a previous page
};

struct StudentItem {
  StudentRecord record;
  policy::View view = policy::View::kNone;  // what the caller may see of it
};

struct StudentList {
  std::vector<StudentItem> items;
  std::string next;  // empty on the last page
  int64_t total = 0;
};

struct StudentDetail {
  StudentRecord record;
  policy::View view = policy::View::kNone;
  std::vector<GuardianLink> guardians;  // only with View::kFull
};

struct ImportOutcome {
  OrgUnit school;
  int64_t total = 0;  // data rows in the file
  RosterApplyResult counts;
  std::vector<RosterError> errors;  // not empty: nothing was written
};

class OrgService {
 public:
  OrgService(OrgStore& store, audit::AuditLog& audit, const Clock& clock)
      : store_(store), audit_(audit), clock_(clock) {}

  // Children of parent_id (which must be in scope), or without a parent the
  // units the caller's grants are bound to.
  absl::StatusOr<std::vector<OrgUnit>> ListUnits(const policy::Actor& actor, std::optional<int64_t> parent_id);
  absl::StatusOr<UnitDetail> GetUnit(const policy::Actor& actor, int64_t id);

  absl::StatusOr<StudentList> ListStudents(const policy::Actor& actor, const StudentListRequest& req);
  absl::StatusOr<StudentDetail> GetStudent(const policy::Actor& actor, int64_t id);

  // D1 write in the school (school data admin). Validation errors come back
  // in ImportOutcome::errors with nothing written.
  absl::StatusOr<ImportOutcome> ImportRoster(const policy::Actor& actor, int64_t school_id, std::string_view csv);
  // The operator at the console (`xinqiao import roster`): no actor. Without
  // school_id the school is found by the name in the 学校 column.
  absl::StatusOr<ImportOutcome> ImportRosterAsOperator(std::optional<int64_t> school_id, std::string_view csv,
                                                       const ProgressFn& progress = {});

  // 教师包联学生: needs D1 write where the student is.
  absl::StatusOr<Pairing> Pair(const policy::Actor& actor, int64_t staff_id, int64_t student_id);
  absl::Status Unpair(const policy::Actor& actor, int64_t staff_id, int64_t student_id);
  // Share of students with a paired teacher under a unit (an indicator, D7).
  absl::StatusOr<PairingCoverage> Coverage(const policy::Actor& actor, int64_t unit_id);

 private:
  // NotFound, audited as a denial.
  absl::Status Denied(const policy::Actor& actor, std::string_view object_type, int64_t object_id, int64_t student_id,
                      int64_t school_id, std::string_view reason, absl::Status answer);
  absl::StatusOr<ImportOutcome> Import(const OrgUnit& school, std::string_view csv, const ProgressFn& progress);

  OrgStore& store_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

// Keyset cursor <-> opaque string (hex of its fields).
std::string EncodeCursor(const StudentCursor& c);
std::optional<StudentCursor> DecodeCursor(std::string_view s);

}  // namespace xq::org
