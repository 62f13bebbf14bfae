// The hotline editor and hotline awareness.
//
// Editing: each level keeps its own lines (policy::DecideHotlineEdit): the
// city admin the city's, the district admin the district's, the school data
// admin, a school leader or psychology staff the school's. A change replaces
// the unit's lines, is audited in its transaction and publishes
// hotlines.changed.
//
// Awareness: a student or guardian confirms "我已知晓心理援助热线" with one
// tap. They are asked to when they have not confirmed since the last change
// of a line that applies to them (city, district, school), or since a class
// meeting on the hotlines was marked held in the student's class. A
// confirmation publishes hotlines.awareness_confirmed. Rates (D7) count the
// students of a unit who confirmed since their school's last change,
// suppressed below k like every aggregate.
//
// Thread-safe: stateless apart from the store and the shared line cache.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "counselling/hotline_store.h"
#include "counselling/hotlines.h"
#include "policy/model.h"

namespace xq::counselling {

inline constexpr int kMaxLinesPerUnit = 10;

struct EditableUnit {
  HotlineUnit unit;
  std::vector<HotlineLine> lines;
  bool built_in = false;  // the city's built-in lines, not yet edited
};

struct AwarenessStatus {
  bool applies = false;        // a student or guardian
  bool needs_confirm = false;  // asked to confirm now
  int64_t last_change_at = 0;  // of the lines that apply (0: never changed)
  int64_t confirmed_at = 0;    // 0: never
  int64_t class_meeting_at = 0;
};

struct RateRow {
  HotlineUnit unit;
  int64_t students = 0;
  int64_t confirmed = 0;
  bool suppressed = false;  // counts withheld (D7 below k)
};

struct RateTable {
  RateRow total;              // the unit asked about
  std::vector<RateRow> rows;  // its children (a class: itself)
  int k = 0;
};

// Small-cell suppression for the rate table, supplied by the composer (the
// screening module owns the rule and the city's k).
struct RateGuard {
  // The k of the city holding path.
  std::function<absl::StatusOr<int>(const std::string& path)> k;
  // Which rows (students[i], confirmed[i]) to hide, and whether the total.
  std::function<std::vector<bool>(const std::vector<int64_t>& students, const std::vector<int64_t>& confirmed, int k,
                                  bool& total_hidden)>
      suppress;
};

class HotlineEditor {
 public:
  HotlineEditor(HotlineStore& store, HotlineService& cache, audit::AuditLog& audit, const Clock& clock, RateGuard guard)
      : store_(store), cache_(cache), audit_(audit), clock_(clock), guard_(std::move(guard)) {}

  // The units whose lines the actor may edit, with their lines.
  absl::StatusOr<std::vector<EditableUnit>> EditableUnits(const policy::Actor& actor);
  // Replaces the lines of unit_id. not_found for a unit the actor may not
  // edit; invalid_argument naming the field (lines[i].number) for bad input.
  absl::Status ReplaceLines(const policy::Actor& actor, int64_t unit_id, const std::vector<HotlineLine>& lines);

  absl::StatusOr<AwarenessStatus> MyAwareness(const policy::Actor& actor);
  // via: "sign_in" | "class_meeting". permission_denied for staff.
  absl::StatusOr<AwarenessStatus> Confirm(const policy::Actor& actor, const std::string& via);
  // not_found for a class the actor may not mark.
  absl::Status MarkClassMeeting(const policy::Actor& actor, int64_t class_id);
  // unit_id 0: the actor's first unit with D7 access.
  absl::StatusOr<RateTable> Rates(const policy::Actor& actor, int64_t unit_id);

 private:
  // The units whose lines apply to a person placed at path.
  absl::StatusOr<int64_t> LastChangeFor(const std::string& path);

  HotlineStore& store_;
  HotlineService& cache_;
  audit::AuditLog& audit_;
  const Clock& clock_;
  RateGuard guard_;
};

}  // namespace xq::counselling
