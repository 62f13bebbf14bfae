// Storage of the hotline editor and of awareness, migration
// counselling/070. SQL only; HotlineEditor decides access. The same SQL runs
// on SQLite and PostgreSQL.
// Thread-safe: every call borrows a pooled session from the Database.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audited.h"
#include "db/database.h"
#include "events/events.h"

namespace xq::counselling {

struct HotlineUnit {
  int64_t id = 0;
  std::string kind;  // city district school grade class ...
  std::string name;
  std::string path;
  int64_t school_id = 0;  // 0 above schools
};

// One line as its unit's editor keeps it.
struct HotlineLine {
  std::string name;
  std::string number;
  std::string hours;
  std::string note;
};

// Where a student (or a guardian's child) belongs.
struct StudentPlace {
  int64_t student_id = 0;
  int64_t school_id = 0;
  int64_t class_id = 0;
  std::string unit_path;
};

struct AwarenessRecord {
  std::string person_type;  // student | guardian
  int64_t person_id = 0;
  int64_t school_id = 0;
  int64_t class_id = 0;
  int64_t account_id = 0;
  std::string via;  // sign_in | class_meeting
  int64_t confirmed_at = 0;
};

// Students of a class and how many confirmed since a given time.
struct ClassCount {
  int64_t class_id = 0;
  std::string class_path;
  int64_t students = 0;
  int64_t confirmed = 0;
};

class HotlineStore {
 public:
  virtual ~HotlineStore() = default;
  virtual absl::StatusOr<std::optional<HotlineUnit>> Unit(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<HotlineUnit>> Children(int64_t id) = 0;
  // Schools whose path lies under path (the school itself for a school or below).
  virtual absl::StatusOr<std::vector<HotlineUnit>> SchoolsUnder(const std::string& path) = 0;
  virtual absl::StatusOr<std::vector<HotlineLine>> Lines(int64_t unit_id) = 0;
  // Replaces the unit's lines, records the change, then runs `after`
  // (audit, event) in the same transaction.
  virtual absl::Status ReplaceLines(const HotlineUnit& unit, const std::vector<HotlineLine>& lines, int64_t by,
                                    int64_t now, const audit::InTransaction& after) = 0;
  // The newest change of any of the units (0: never changed).
  virtual absl::StatusOr<int64_t> LastChange(const std::vector<int64_t>& unit_ids) = 0;
  virtual absl::StatusOr<std::optional<StudentPlace>> PlaceOf(int64_t student_id) = 0;
  virtual absl::StatusOr<std::optional<AwarenessRecord>> Awareness(const std::string& person_type,
                                                                   int64_t person_id) = 0;
  // The newest class meeting of the class (0: none).
  virtual absl::StatusOr<int64_t> LastClassMeeting(int64_t class_id) = 0;
  // Upserts the record and runs `after` (the event) in the same transaction.
  virtual absl::Status Confirm(const AwarenessRecord& r, const audit::InTransaction& after) = 0;
  virtual absl::Status MarkClassMeeting(int64_t school_id, int64_t class_id, int64_t by, int64_t now,
                                        const audit::InTransaction& after) = 0;
  // Active students of the school under within_path by class, and those
  // who confirmed at or after since.
  virtual absl::StatusOr<std::vector<ClassCount>> CountByClass(int64_t school_id, const std::string& within_path,
                                                               int64_t since) = 0;
};

std::unique_ptr<HotlineStore> NewSociHotlineStore(db::Database& db);

// The ancestor unit ids named by a materialised path "/1/7/42/".
std::vector<int64_t> PathIds(const std::string& path);

}  // namespace xq::counselling
