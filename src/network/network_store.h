// Storage of the network's records (migration network/040). SQL only, no
// decisions: NetworkService decides with policy::Decide and passes the
// subtrees (materialised paths) the caller may see. Writes run `also` (the
// audit entry, the event) inside their transaction. Lists are keyset-paged
// in SQL. Thread-safe: every call borrows a pooled session.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audited.h"
#include "db/database.h"
#include "network/model.h"

namespace xq::network {

class NetworkStore {
 public:
  virtual ~NetworkStore() = default;

  // Active students whose class or dorm path lies under one of paths, or
  // whose id is in ids; ordered by id, after `after_id`, at most limit.
  virtual absl::StatusOr<std::vector<Pickable>> ListPickable(const std::vector<std::string>& paths,
                                                             const std::vector<int64_t>& ids, int64_t after_id,
                                                             int limit) = 0;
  virtual absl::StatusOr<std::optional<Pickable>> GetStudent(int64_t student_id) = 0;

  // Inserts o (and f, when given) and runs also, in one transaction.
  virtual absl::Status CreateObservation(const Observation& o, const std::optional<RiskFactor>& f,
                                         const audit::InTransaction& also) = 0;
  // Newest first: (created_at, id) before the cursor (0, 0: from the top).
  // reporter != 0: that reporter's only; else under one of paths.
  virtual absl::StatusOr<std::vector<Observation>> ListObservations(int64_t reporter,
                                                                    const std::vector<std::string>& paths,
                                                                    int64_t before_at, int64_t before_id,
                                                                    int limit) = 0;

  // False (nothing written) when the class has a report for that week.
  virtual absl::StatusOr<bool> CreateWeekly(const WeeklyReport& r, const audit::InTransaction& also) = 0;
  // Classes under one of paths with their report of `week`; only_silent:
  // those without a report in any of silent_weeks. Ordered by path, after
  // `after_path`, at most limit.
  virtual absl::StatusOr<std::vector<ClassWeek>> ListClassWeeks(const std::vector<std::string>& paths,
                                                                const std::string& week, bool only_silent,
                                                                const std::vector<std::string>& silent_weeks,
                                                                const std::string& after_path, int limit) = 0;
  virtual absl::StatusOr<std::optional<std::pair<int64_t, std::string>>> GetClass(int64_t class_id) = 0;

  virtual absl::Status CreateFactor(const RiskFactor& f, const audit::InTransaction& also) = 0;
  virtual absl::StatusOr<std::optional<RiskFactor>> GetFactor(int64_t id) = 0;
  virtual absl::Status ResolveFactor(int64_t id, const std::string& end_date, int64_t now,
                                     const audit::InTransaction& also) = 0;
  // Under one of paths; status "" = any; student_id 0 = every student.
  // Ordered by id descending, before `before_id` (0: from the top).
  virtual absl::StatusOr<std::vector<RiskFactor>> ListFactors(const std::vector<std::string>& paths,
                                                              const std::string& status, int64_t student_id,
                                                              int64_t before_id, int limit) = 0;
};

std::unique_ptr<NetworkStore> NewSociNetworkStore(db::Database& db);

}  // namespace xq::network
