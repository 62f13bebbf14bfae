// Warnings from any source with an owner, deadlines and escalation (R-31,
// docs/design.md "Warning escalation").
//
// A warning has a level (1 = 一级 … 3 = 三级), an owner step and two
// deadlines from the school's settings (defaults: acknowledge within 1 h,
// 24 h, 72 h; act within 24 h, 72 h, 7 d). Raising it schedules the job
// warning.ack_due for its step in the raising transaction; acknowledging
// cancels that job and schedules warning.action_due. A job that falls due
// while its step is still the warning's (not acknowledged, resp. not
// closed) moves the warning one step up the chain:
//   K-12:             class → grade → psych_centre → school_leader → district_crisis → city_crisis
//   higher education: class → department → psych_centre → school_leader → city_crisis
// Each step posts notices to the next owners, writes an audit entry and
// publishes warning.escalated, all in the job's transaction, and schedules
// the next step's job. The job key names the step, so each step happens
// exactly once; a job for a step the warning has left does nothing.
// Closing (or lowering) needs a reason and cancels the pending jobs.
//
// Functions taking a session run inside the caller's open transaction.
// Thread-safe: no state.
#pragma once

#include <array>
#include <optional>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "db/database.h"
#include "jobs/jobs.h"
#include "warning/model.h"

namespace xq::warning {

inline constexpr char kAckDueJob[] = "warning.ack_due";
inline constexpr char kActionDueJob[] = "warning.action_due";
inline constexpr char kWarningAcknowledged[] = "warning.acknowledged";
inline constexpr char kWarningEscalated[] = "warning.escalated";
inline constexpr char kWarningClosed[] = "warning.closed";

// Step names, also stored in warnings.owner_step.
inline constexpr std::string_view kStepClass = "class";
inline constexpr std::string_view kStepGrade = "grade";
inline constexpr std::string_view kStepDepartment = "department";
inline constexpr std::string_view kStepPsychCentre = "psych_centre";
inline constexpr std::string_view kStepSchoolLeader = "school_leader";
inline constexpr std::string_view kStepDistrictCrisis = "district_crisis";
inline constexpr std::string_view kStepCityCrisis = "city_crisis";

// The chain of a school stage, lowest owner first.
const std::vector<std::string_view>& Chain(bool higher_ed);
// The step after `step` in the chain; "" at the top or for an unknown step.
std::string_view NextStep(bool higher_ed, std::string_view step);
// Position of a step in the K-12 chain (department ranks as grade):
// class 0 … city_crisis 5; -1 when unknown.
int StepRank(std::string_view step);
bool IsSource(std::string_view source);

// Per-school deadlines in seconds, index level − 1.
struct Deadlines {
  std::array<int64_t, 3> ack = {3600, 86400, 259200};
  std::array<int64_t, 3> action = {86400, 259200, 604800};
};
Deadlines DeadlinesIn(soci::session& s, int64_t school_id);
void SaveDeadlinesIn(soci::session& s, int64_t school_id, const Deadlines& d, int64_t by, int64_t now);

// Raises w (id, school, student, unit_path, source, level, summary, ref set
// by the caller; owner_step defaults to the chain's first step): finds the
// school's stage, sets the deadlines, inserts the row, schedules the
// acknowledgement job, tells the first owners and publishes warning.raised
// (timeline convention). extra_payload: more fields for the event (may be
// empty).
absl::Status RaiseIn(soci::session& s, Warning& w, int64_t now, const std::string& extra_payload_json = "");

// After a warning was acknowledged (state set by the caller): cancels the
// acknowledgement job of its step, schedules the action job and publishes
// warning.acknowledged.
absl::Status AcknowledgedIn(soci::session& s, const Warning& w, int64_t by, int64_t now);

// After a warning was closed (state set by the caller): cancels its jobs
// and publishes warning.closed {reason}.
absl::Status ClosedIn(soci::session& s, const Warning& w, std::string_view reason, int64_t now);
// Sets a new level (1..3): new deadlines from now for the current step,
// state open again (the owner acknowledges anew), the old jobs cancelled.
absl::Status LevelChangedIn(soci::session& s, Warning& w, int level, int64_t now);

// The job handler of kAckDueJob and kActionDueJob: escalates when the
// warning is still at the job's step and still unacknowledged (ack) or open
// (action); otherwise does nothing.
absl::Status HandleDueIn(soci::session& s, const jobs::Job& job, audit::AuditLog& audit, int64_t now);
// The same for several due jobs (jobs::BatchJobHandler): the effect of
// HandleDueIn on each in order, with the warnings, deadlines and owners
// read once for all and each kind of row written through one statement.
absl::Status HandleDueBatchIn(soci::session& s, const std::vector<jobs::Job>& jobs, audit::AuditLog& audit,
                              int64_t now);

// Reads one warning (with the student's name) inside a transaction.
absl::StatusOr<std::optional<Warning>> GetWarningIn(soci::session& s, int64_t id);

// Accounts owning a step for a unit path (the head teachers of the class,
// the grade head, the school's psychology staff, its leaders, the crisis
// group of the district or city).
std::vector<int64_t> OwnersOf(soci::session& s, std::string_view step, const std::string& unit_path);

}  // namespace xq::warning
