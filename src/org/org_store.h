// Storage of the org tree, people and pairings behind one interface, with a
// SOCI implementation that runs the same SQL on SQLite and PostgreSQL
// (contract suite: tests/contract/org_contract_test.cc). SQL lives only in
// org_store.cc. The store does not decide access; OrgService does.
//
// Thread-safe: every call borrows a pooled session from the Database.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "db/database.h"
#include "org/model.h"

namespace xq::org {

// Keyset position in the student listing order (unit_path, name, id).
struct StudentCursor {
  std::string unit_path;
  std::string name;
  int64_t id = 0;
};

// Which students to list. A student matches when its class path or dorm
// path lies under one of path_prefixes, or its id is in student_ids; and
// (when set) it lies under within_path; and (when set) its name or 学号
// starts with q.
struct StudentQuery {
  std::vector<std::string> path_prefixes;  // well-formed paths (IsWellFormedPath)
  std::vector<int64_t> student_ids;
  std::string within_path;
  std::string q;
  std::optional<StudentCursor> after;
  int limit = 50;
};

struct StudentPage {
  std::vector<StudentRecord> items;
  bool more = false;  // another page follows
  int64_t total = 0;  // matches over all pages
};

// Progress of a long operation: (done, total).
using ProgressFn = std::function<void(size_t, size_t)>;

class OrgStore {
 public:
  virtual ~OrgStore() = default;

  // --- org tree
  // Creates a unit under unit.parent_id (0 only for the city); id 0 means
  // "generate one". Path, school_id and district_id are derived from the
  // parent. InvalidArgument when the kind may not hang under the parent.
  virtual absl::StatusOr<OrgUnit> CreateUnit(OrgUnit unit) = 0;
  virtual absl::StatusOr<OrgUnit> GetUnit(int64_t id) = 0;  // NotFound
  // The units that exist among ids, in the order given.
  virtual absl::StatusOr<std::vector<OrgUnit>> GetUnits(const std::vector<int64_t>& ids) = 0;
  // Children ordered by kind, name, id, with has_children filled.
  virtual absl::StatusOr<std::vector<OrgUnit>> ListChildren(int64_t parent_id) = 0;
  virtual absl::StatusOr<std::vector<OrgUnit>> FindSchoolsByName(std::string_view name) = 0;
  // Active students whose class path (unit_path) lies under unit_path.
  virtual absl::StatusOr<int64_t> CountStudents(std::string_view unit_path) = 0;

  // --- students
  // Inserts the student (id 0: generated) and its first class membership
  // starting at start_date; unit_path and grade_id derive from class_id.
  virtual absl::StatusOr<Student> CreateStudent(Student s, std::string_view start_date) = 0;
  virtual absl::StatusOr<StudentRecord> GetStudent(int64_t id) = 0;  // NotFound
  virtual absl::StatusOr<std::optional<Student>> FindStudentByNo(int64_t school_id, std::string_view student_no) = 0;
  // Moves a student to another class of the same school: ends the current
  // membership on date and starts a new one (R-02 history).
  virtual absl::Status TransferStudent(int64_t student_id, int64_t class_id, std::string_view date) = 0;
  // Oldest first.
  virtual absl::StatusOr<std::vector<ClassMembership>> Memberships(int64_t student_id) = 0;
  virtual absl::StatusOr<StudentPage> ListStudents(const StudentQuery& q) = 0;

  // --- guardians and staff
  virtual absl::StatusOr<Guardian> AddGuardian(int64_t student_id, Guardian g, std::string_view relation) = 0;
  virtual absl::StatusOr<std::vector<GuardianLink>> GuardiansOf(int64_t student_id) = 0;
  virtual absl::StatusOr<Staff> CreateStaff(Staff s) = 0;
  virtual absl::StatusOr<Staff> GetStaff(int64_t id) = 0;  // NotFound

  // --- pairings
  virtual absl::StatusOr<Pairing> Pair(int64_t staff_id, int64_t student_id) = 0;  // Conflict if paired
  virtual absl::Status Unpair(int64_t staff_id, int64_t student_id) = 0;           // NotFound if not paired
  virtual absl::StatusOr<std::vector<int64_t>> PairedStudentIds(int64_t staff_id) = 0;
  // Active students under unit_path and how many of them have a pairing.
  virtual absl::StatusOr<PairingCoverage> Coverage(std::string_view unit_path) = 0;

  // --- roster import
  // Writes validated rows into school in one transaction: grades or
  // departments, classes and dorms are created by name when missing;
  // students are matched by (school, 学号) and updated, class moves write
  // the membership history; guardians are matched by name per student.
  // All or nothing.
  virtual absl::StatusOr<RosterApplyResult> ApplyRoster(const OrgUnit& school, const std::vector<RosterEntry>& rows,
                                                        const ProgressFn& progress = {}) = 0;
};

// The SOCI implementation. db and clock must outlive the store.
std::unique_ptr<OrgStore> NewSociOrgStore(db::Database& db, const Clock& clock);

// "YYYY-MM-DD" of a time in Asia/Shanghai (the school calendar).
std::string DateOf(int64_t unix_micros);

}  // namespace xq::org
