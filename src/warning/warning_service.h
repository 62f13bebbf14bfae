// Urgent-warning inbox, follow-up queue, interview records and
// neutral attention levels (D4), each decided by policy::Decide:
//   warnings and follow-ups   D3 (results) of the student's class path
//   interview records         D5 write, setting a D4 level
//   attention levels          D4 read; school leaders see counts, named for 一级
// Objects outside the caller's scope are not found (404); reads naming a
// student and every denial are written to the audit log; a write's entry
// commits in the write's transaction (audit/audited.h), and a failed audit
// write fails the request.
// Thread-safe: stateless apart from the store, audit log and clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "policy/principal.h"
#include "nlohmann/json.hpp"
#include "warning/model.h"
#include "warning/warning_store.h"

namespace xq::warning {

struct InterviewInput {
  std::string outcome;   // confirmed | cleared
  int level = 0;         // 1..3 when confirmed
  std::string guidance;  // default per level when empty
  std::string notes;
  int valid_days = 180;  // a level lapses unless renewed by a review
};

// One page of a list: `total` counts every item in the caller's scope,
// `next` (empty at the end) is the cursor of the following page.
template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;
  std::string next;
};

class WarningService {
 public:
  WarningService(WarningStore& store, audit::AuditLog& audit, const Clock& clock)
      : store_(store), audit_(audit), clock_(clock) {}

  absl::StatusOr<std::vector<Warning>> ListWarnings(const policy::Principal& p, std::string_view state);
  // The same a page at a time (page_size 1..200; after: a `next` cursor).
  absl::StatusOr<Page<Warning>> ListWarningsPage(const policy::Principal& p, std::string_view state, int page_size,
                                                 std::string_view after);
  absl::StatusOr<Warning> Acknowledge(const policy::Principal& p, int64_t warning_id);

  absl::StatusOr<std::vector<FollowUp>> ListFollowUps(const policy::Principal& p, std::string_view state,
                                                      bool overdue_only);
  absl::StatusOr<Page<FollowUp>> ListFollowUpsPage(const policy::Principal& p, std::string_view state,
                                                   bool overdue_only, int page_size, std::string_view after);
  absl::StatusOr<FollowUp> RecordInterview(const policy::Principal& p, int64_t follow_up_id, const InterviewInput& in);

  // {"items":[...], "counts":{"1":n,"2":n,"3":n}}; items carry names only
  // where the caller's view allows (school leaders: 一级 only).
  absl::StatusOr<nlohmann::json> ListLevels(const policy::Principal& p);
  // The psychology staff's open work in their scope (home page to-dos and
  // menu badges); nullopt for an account without that role.
  struct OpenWork {
    int64_t open_warnings = 0;
    int64_t follow_ups_due = 0;      // open, due before `due_before`
    int64_t follow_ups_overdue = 0;  // open, due before now
  };
  absl::StatusOr<std::optional<OpenWork>> OpenWorkOf(const policy::Principal& p, int64_t now, int64_t due_before);

 private:
  audit::Event AuditEvent(const policy::Principal& p, std::string action, std::string object_type,
                          std::string object_id, int64_t student_id, std::string outcome,
                          std::string detail = {}) const;
  // Records a read or a denial; a failure fails the request (audit::Record).
  absl::Status Audit(const policy::Principal& p, std::string action, std::string object_type, std::string object_id,
                     int64_t student_id, std::string outcome, std::string detail = {});

  WarningStore& store_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

}  // namespace xq::warning
