// Reminders and the home page's to-dos.
//
// 提醒未完成的同学 writes one reminder per recipient (ReminderStore): the
// student, and for a minor the guardian; for a student still waiting for
// consent only the guardian. A reminder is a to-do on the recipient's home
// page; delivered_at stays empty until an outbound channel (SMS, WeChat)
// sends it, so staff are never told that something was delivered.
//
// TodoService::ForHome gathers what the caller has to do today, each part
// decided by the service that owns it:
//   student         open surveys (ScreeningService::ListAssignments)
//   guardian        consents to give (ConsentRequests) and surveys of a
//                   child the guardian was reminded of
//   psychology staff open urgent warnings, follow-ups due within a day,
//                   campaigns in progress (D3 / D8 in scope)
//   the network     warnings waiting for the caller's acknowledgement, and
//                   a peer reporter's classes without this week's report
//   counselling     a counsellor's appointments today and the referrals
//                   waiting
//   crisis          open crisis cases and those with a step overdue, and a
//                   guardian's notices (告知书) to confirm (TodoSources, composed by app from the warning,
//                   network, counselling and crisis modules)
// and the menu's badge counts.
// Thread-safe: stateless apart from its collaborators.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "db/database.h"
#include "policy/principal.h"
#include "screening/model.h"
#include "warning/warning_service.h"

namespace xq::screening {

class ScreeningService;

struct Reminder {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t campaign_id = 0;
  int64_t student_id = 0;
  std::string recipient;  // student | guardian
  std::string reason;     // answer | consent
  int64_t created_by = 0;
  int64_t created_at = 0;
};

class ReminderStore {
 public:
  explicit ReminderStore(db::Database& db) : db_(db) {}
  // In one transaction.
  absl::Status Add(const std::vector<Reminder>& reminders);
  // Those of student_ids with at least one guardian who has an account.
  absl::StatusOr<std::set<int64_t>> WithGuardianAccount(const std::vector<int64_t>& student_ids);
  // Latest reminder per campaign for the student and recipient: campaign → created_at.
  absl::StatusOr<std::map<int64_t, int64_t>> Latest(int64_t student_id, std::string_view recipient);

 private:
  db::Database& db_;
};

// The parts of the home page that other modules own; either may be empty.
struct TodoSources {
  // Network warnings the actor may acknowledge now; nullopt: the actor has
  // no warning board.
  std::function<absl::StatusOr<std::optional<HomeTodos::NetworkWarnings>>(const policy::Actor&)> network_warnings;
  // The actor's classes (as their peer reporter) without this week's report.
  std::function<absl::StatusOr<std::vector<WeeklyReportTodo>>(const policy::Actor&)> weekly_reports;
  // A counsellor's day; nullopt for those who do not counsel.
  std::function<absl::StatusOr<std::optional<HomeTodos::CounsellingDay>>(const policy::Actor&)> counselling_day;
  // Open crisis cases in the actor's view; nullopt for those who see none.
  std::function<absl::StatusOr<std::optional<HomeTodos::CrisisCases>>(const policy::Actor&)> crisis_cases;
  // A guardian's notices (告知书) still to confirm.
  std::function<absl::StatusOr<int64_t>(const policy::Actor&)> guardian_notices;
};

class TodoService {
 public:
  TodoService(ScreeningService& screening, db::Database& db, warning::WarningService& warnings, const Clock& clock,
              TodoSources sources = {})
      : screening_(screening), reminders_(db), warnings_(warnings), clock_(clock), sources_(std::move(sources)) {}

  // What the caller has to do, a part for each role that has one
  // (TodosToJson renders it).
  absl::StatusOr<HomeTodos> ForHome(const policy::Principal& p);

 private:
  ScreeningService& screening_;
  ReminderStore reminders_;
  warning::WarningService& warnings_;
  const Clock& clock_;
  TodoSources sources_;
};

}  // namespace xq::screening
