// Events the counselling module publishes (docs/design.md "Events"; the
// timeline convention of every event about one student: subject
// "student:<id>", payload student_id, data_class, summary_zh, ref_type,
// ref_id, occurred_at).
//   counselling.risk_recorded  a session record was written; the warning
//     module raises a 二级 warning on "high" and a 一级 on "imminent", the
//     crisis module opens a case on "imminent" (under crisis_case_id).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace xq::counselling {

inline constexpr std::string_view kRiskRecorded = "counselling.risk_recorded";

struct RiskRecorded {
  int64_t student_id = 0;
  int64_t record_id = 0;
  std::string risk;  // none | low | medium | high | imminent
  int64_t counsellor_account_id = 0;
  int64_t occurred_at = 0;  // micros: when the session was held
  // imminent: the id the crisis module opens its case under, chosen here so
  // that the answer to the write names the case (0: none).
  int64_t crisis_case_id = 0;
};

// JSON object text with the timeline fields ("D5", summary_zh
// "记录了一次心理辅导": no risk word, no name).
std::string EncodeRiskRecorded(const RiskRecorded& e);
absl::StatusOr<RiskRecorded> DecodeRiskRecorded(std::string_view payload);

}  // namespace xq::counselling
