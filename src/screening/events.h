// The screening module's events (docs/design.md "Events"): what other
// modules may learn from it without reading its tables.
//
//   screening.critical_answer  a submission with a critical item (urgent)
//   screening.positive_result  a submission above a cut-off, none critical
//
// Both come from the log "screening.submissions": the append-only
// submissions table read by cursor (only the rows that need following up,
// through a partial index), so the writer adds no event row per
// submission. Event id = submission id; subject = "student:<id>"; payload
// = Encode(ScreeningResult).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"
#include "events/events.h"

namespace xq::screening {

inline constexpr char kSubmissionLog[] = "screening.submissions";
inline constexpr char kCriticalAnswer[] = "screening.critical_answer";
inline constexpr char kPositiveResult[] = "screening.positive_result";

struct CriticalHit {
  std::string critical_id;
  std::string item_id;  // may be empty (a rule over several items)
  std::string urgency;  // instruments::UrgencyName
  std::string label;    // the rule's label (zh-CN)
};

struct ScreeningResult {
  int64_t submission_id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string unit_path;  // the student's class path
  int64_t campaign_id = 0;
  std::string instrument_id;
  bool critical = false;
  bool positive = false;
  int64_t submitted_at = 0;
  // When the psychology centre should have followed up: the campaign's
  // urgent_due_hours after a critical answer, other_due_days otherwise.
  int64_t follow_up_due_at = 0;
  std::vector<CriticalHit> hits;
};

std::string Encode(const ScreeningResult& r);
absl::StatusOr<ScreeningResult> DecodeScreeningResult(std::string_view payload);

// The log "screening.submissions" (for events::Dispatcher::AddLog).
std::unique_ptr<events::Log> NewSubmissionLog(db::Database& db);

}  // namespace xq::screening
