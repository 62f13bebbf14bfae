// Use cases of 一生一策 plans and periodic reviews (定期研判, R-32):
//   plans            D4 (neutral level and guidance) at the path where the
//                    student's archive is held: the psychology centre
//                    writes; head teachers and grade heads read in scope;
//                    school leaders only for 一级. Text is checked against
//                    the diagnostic words (plans are printed and shown to
//                    teachers).
//   overdue reviews  open plans past their review date, in scope
//   review meetings  D8 write at the unit (grade heads, psychology centre);
//                    each decision (keep/raise/lower/clear) renews or moves
//                    the student's attention level, which lapses at its
//                    expiry unless a later review renews it
// Objects outside scope answer NotFound; denials and reads are audited; a
// write's audit entry and its plans.* event commit with it.
// Thread-safe if the stores and audit log are (the SOCI ones are).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "archive/archive_service.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "plans/model.h"
#include "plans/plans_store.h"
#include "policy/model.h"

namespace xq::plans {

struct PlanInput {
  int level = 0;  // 0..3; 0: the student's current level
  std::string goals;
  std::string measures;
  std::vector<Responsible> responsible;
  std::string next_review_date;
};

struct ReviewInput {
  int64_t unit_id = 0;
  std::string held_on;
  std::vector<std::string> attendees;
  std::string next_review_date;
  int valid_days = 90;  // how long a kept or moved level lasts
  std::vector<Decision> decisions;
};

class PlansService {
 public:
  PlansService(PlansStore& store, archive::ArchiveService& archive, audit::AuditLog& audit, const Clock& clock)
      : store_(store), archive_(archive), audit_(audit), clock_(clock) {}

  absl::StatusOr<Plan> CurrentPlan(const policy::Actor& actor, int64_t student_id);
  absl::StatusOr<Plan> GetPlan(const policy::Actor& actor, int64_t plan_id);
  absl::StatusOr<Plan> CreatePlan(const policy::Actor& actor, int64_t student_id, const PlanInput& in);
  absl::StatusOr<Plan> UpdatePlan(const policy::Actor& actor, int64_t plan_id, const PlanInput& in);
  absl::StatusOr<Plan> AddNote(const policy::Actor& actor, int64_t plan_id, const std::string& note);
  absl::StatusOr<Plan> Close(const policy::Actor& actor, int64_t plan_id, const std::string& reason);
  absl::StatusOr<std::pair<std::vector<Plan>, std::string>> Overdue(const policy::Actor& actor, int page_size,
                                                                    std::string_view after);
  // Every open plan in the caller's D4 scope (在案的一生一策), the next review
  // first; a page and the cursor of the next ("" at the end).
  absl::StatusOr<std::pair<std::vector<Plan>, std::string>> OpenPlans(const policy::Actor& actor, int page_size,
                                                                      std::string_view after);

  absl::StatusOr<ReviewMeeting> RecordReview(const policy::Actor& actor, const ReviewInput& in);
  absl::StatusOr<std::pair<std::vector<ReviewMeeting>, std::string>> ListReviews(const policy::Actor& actor,
                                                                                 int page_size, std::string_view after);

 private:
  // Open plans in scope whose next review is before `before` (a date).
  absl::StatusOr<std::pair<std::vector<Plan>, std::string>> ListOpen(const policy::Actor& actor,
                                                                     const std::string& before, int page_size,
                                                                     std::string_view after);
  struct Located {
    archive::StudentArchive student;
    policy::Decision decision;
  };
  // The student's archive and the caller's D4 decision there; NotFound
  // (audited) when the caller may not `action` it.
  absl::StatusOr<Located> Check(const policy::Actor& actor, int64_t student_id, policy::Action action,
                                std::string_view object_type);
  absl::StatusOr<Plan> CheckedPlan(const policy::Actor& actor, int64_t plan_id, policy::Action action);
  absl::Status Validate(const PlanInput& in) const;
  // Grant paths where the caller reads `c` (scope prefixes for lists).
  std::vector<std::string> ScopesFor(const policy::Actor& actor, policy::DataClass c) const;

  PlansStore& store_;
  archive::ArchiveService& archive_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

}  // namespace xq::plans
