// Events the crisis module publishes (docs/design.md "Events"; the
// timeline convention of the cross-module contract): subject
// "student:<id>", a JSON object with student_id, data_class "D5", a neutral
// summary_zh, ref_type, ref_id and occurred_at, plus the fields below.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "db/database.h"

namespace xq::crisis {

inline constexpr char kCaseOpened[] = "crisis.case_opened";                 // {case_id}
inline constexpr char kCaseEscalated[] = "crisis.case_escalated";           // {case_id, unit_path}
inline constexpr char kCaseClosed[] = "crisis.case_closed";                 // {case_id}
inline constexpr char kReferralSent[] = "crisis.referral_sent";             // {case_id, referral_id}
inline constexpr char kReferralAnswered[] = "crisis.referral_answered";     // {case_id, referral_id}
inline constexpr char kReturnPlanWritten[] = "crisis.return_plan_written";  // {case_id, plan_text_neutral}

struct CaseEvent {
  std::string kind;
  int64_t school_id = 0;
  int64_t student_id = 0;
  int64_t case_id = 0;
  std::string summary_zh;
  std::string ref_type = "crisis_case";
  int64_t ref_id = 0;  // 0: the case
  int64_t occurred_at = 0;
  std::string unit_path;          // crisis.case_escalated
  int64_t referral_id = 0;        // referral events
  std::string plan_text_neutral;  // crisis.return_plan_written
};

std::string EncodeCaseEvent(const CaseEvent& e);
// Publishes e in the caller's transaction.
absl::Status PublishCaseEvent(soci::session& s, const CaseEvent& e);

// The summary_zh of a timeline event's payload ("" when it has none).
std::string EventSummary(const std::string& payload);

// counselling.risk_recorded, as the crisis module reads it.
struct RiskRecorded {
  int64_t student_id = 0;
  int64_t record_id = 0;
  std::string risk;
  int64_t counsellor_account_id = 0;
  int64_t crisis_case_id = 0;  // the id to open the case under (0: a new one)
};
absl::StatusOr<RiskRecorded> DecodeRiskRecorded(const std::string& payload);

}  // namespace xq::crisis
