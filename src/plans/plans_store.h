// Storage of 一生一策 plans and review meetings (SQLite and PostgreSQL
// through SOCI). SQL only; plans_service.h decides.
//
// A review's level decisions are written to the attention levels
// (attention_levels, D4) in the meeting's transaction: renewed on keep,
// moved on raise/lower, cleared on clear. The warning module sets levels
// from interviews; reviews renew them, so the one row per student holds
// both (docs/design.md "Student archive").
// Thread-safe: every call takes its own pooled session.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"
#include "plans/model.h"

namespace xq::plans {

using Also = std::function<absl::Status(soci::session& s)>;

struct Unit {
  int64_t id = 0;
  int64_t school_id = 0;
  std::string path;
  std::string kind;
  std::string name;
};

class PlansStore {
 public:
  virtual ~PlansStore() = default;
  // The open plan of a student, else the newest closed one; with notes.
  virtual absl::StatusOr<std::optional<Plan>> CurrentPlan(int64_t student_id) = 0;
  virtual absl::StatusOr<std::optional<Plan>> GetPlan(int64_t id) = 0;
  virtual absl::Status InsertPlan(const Plan& p, const Also& also) = 0;
  // Conflict if the plan is not open any more.
  virtual absl::Status UpdatePlan(const Plan& p, const Also& also) = 0;
  virtual absl::Status AddNote(int64_t plan_id, int64_t school_id, const Note& n, const Also& also) = 0;
  virtual absl::Status ClosePlan(int64_t id, const std::string& reason, int64_t now, const Also& also) = 0;
  // Open plans whose next review date is before `today` (a date far ahead:
  // every open plan), of students under
  // one of the path prefixes; by date, then id (keyset after (date, id)).
  virtual absl::StatusOr<std::vector<Plan>> ListOverdue(const std::vector<std::string>& prefixes,
                                                        const std::string& today, const std::string& after_date,
                                                        int64_t after_id, int limit) = 0;
  virtual absl::StatusOr<std::optional<Unit>> FindUnit(int64_t id) = 0;
  // Writes the meeting, its decisions, the attention levels they decide
  // (valid until expires_at) and moves the next review date of the
  // students' open plans.
  virtual absl::Status InsertReview(const ReviewMeeting& m, int64_t expires_at, const Also& also) = 0;
  virtual absl::StatusOr<std::vector<ReviewMeeting>> ListReviews(const std::vector<std::string>& prefixes,
                                                                 int64_t before_id, int limit) = 0;
};

std::unique_ptr<PlansStore> NewSociPlansStore(db::Database& db);

// Inside another transaction (a subscription): the student's open plan id,
// or 0.
absl::StatusOr<int64_t> OpenPlanIdIn(soci::session& s, int64_t student_id);
absl::Status InsertPlanIn(soci::session& s, const Plan& p);
absl::Status InsertNoteIn(soci::session& s, int64_t plan_id, int64_t school_id, const Note& n);

}  // namespace xq::plans
