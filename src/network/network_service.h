// Use cases of the warning network, each decided by
// policy::Decide on D6 (reports) of the student's class or dorm path:
//   picking a student   D1 read (peers: names of their class or dorm;
//                       subject teachers: paired students) and D6 write
//   observations        D6 write; reporters read back their own only
//                       (View own_only), head teachers their classes,
//                       grade heads their grade, the psychology centre the
//                       school
//   weekly report       D6 write by a reporter bound to the class itself
//                       (the class's 心理委员, or its head teacher); one per
//                       class and ISO week, "nothing to report" included
//   class status        D6 read of the class (filed or not; silent classes)
//   risk-factor ledger  D6 read of the unit's reports to read and to write
//                       (head teachers, grade heads, the psychology centre)
// Free text reaches views outside the psychology centre only when it holds
// no diagnostic word (policy/neutral_words); otherwise it is withheld.
// Objects outside the caller's view are not found; denials and reads naming
// a student are audited; writes audit in their transaction.
// Thread-safe: stateless apart from the store, audit log and clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "network/model.h"
#include "network/network_store.h"
#include "policy/model.h"

namespace xq::network {

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next;  // empty at the end
};

struct ObservationInput {
  int64_t student_id = 0;
  std::string category;
  std::string urgency;
  std::string what_seen;
  std::optional<bool> add_factor;  // default: yes unless urgency is "record"
};

struct ObservationView {
  Observation o;
  bool own = false;            // written by the caller
  bool text_withheld = false;  // what_seen held a diagnostic word
};

struct WeeklyInput {
  int64_t class_id = 0;
  std::string week;  // "" = this week
  bool nothing_to_report = false;
  std::string note;
};

struct ClassWeekQuery {
  std::string week;  // "" = this week
  bool only_silent = false;
  int silent_weeks = 2;  // 1..12: no report in any of the last n weeks
  int page_size = 50;
  std::string after;
};

struct FactorInput {
  int64_t student_id = 0;
  std::string factor;
  std::string source = "manual";
  int64_t source_id = 0;
  std::string start_date;  // "" = today
  std::string note;
};

struct FactorView {
  RiskFactor f;
  bool note_withheld = false;
};

class NetworkService {
 public:
  NetworkService(NetworkStore& store, audit::AuditLog& audit, const Clock& clock)
      : store_(store), audit_(audit), clock_(clock) {}

  // The students the caller may report on (names only).
  absl::StatusOr<Page<Pickable>> ListPickable(const policy::Actor& actor, int page_size, std::string_view after);

  absl::StatusOr<ObservationView> Report(const policy::Actor& actor, const ObservationInput& in);
  // mine: the caller's own; else what the caller may read in its scope.
  absl::StatusOr<Page<ObservationView>> ListObservations(const policy::Actor& actor, bool mine, int page_size,
                                                         std::string_view after);

  absl::StatusOr<WeeklyReport> FileWeekly(const policy::Actor& actor, const WeeklyInput& in);
  absl::StatusOr<Page<ClassWeek>> ListClassWeeks(const policy::Actor& actor, const ClassWeekQuery& q);
  // The classes whose peer reporter (心理委员) the actor is and that have no
  // report for this week yet (the home page's to-do); empty for others.
  absl::StatusOr<std::vector<ClassWeek>> WeeklyDue(const policy::Actor& actor);

  absl::StatusOr<FactorView> AddFactor(const policy::Actor& actor, const FactorInput& in);
  absl::StatusOr<FactorView> ResolveFactor(const policy::Actor& actor, int64_t id, std::string_view end_date);
  absl::StatusOr<Page<FactorView>> ListFactors(const policy::Actor& actor, std::string_view status, int64_t student_id,
                                               int page_size, std::string_view after);

  const Clock& clock() const { return clock_; }

 private:
  absl::Status Audit(const policy::Actor& actor, std::string action, std::string object_type, int64_t object_id,
                     int64_t student_id, int64_t school_id, std::string outcome, std::string detail = {});
  audit::Event Entry(const policy::Actor& actor, std::string action, std::string object_type, int64_t object_id,
                     int64_t student_id, int64_t school_id) const;
  // Paths under which the actor may read D6 of others (kFull).
  std::vector<std::string> ReadScopes(const policy::Actor& actor) const;

  NetworkStore& store_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

}  // namespace xq::network
