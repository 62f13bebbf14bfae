#include "counselling/events.h"

#include "core/json.h"
#include "core/status.h"

namespace xq::counselling {

std::string EncodeRiskRecorded(const RiskRecorded& e) {
  Json j = {
      {"student_id", e.student_id},       {"data_class", "D5"},    {"summary_zh", "记录了一次心理辅导"},
      {"ref_type", "counselling_record"}, {"ref_id", e.record_id}, {"occurred_at", e.occurred_at},
      {"record_id", e.record_id},         {"risk", e.risk},        {"counsellor_account_id", e.counsellor_account_id}};
  if (e.crisis_case_id != 0) j["crisis_case_id"] = e.crisis_case_id;
  return j.dump();
}

absl::StatusOr<RiskRecorded> DecodeRiskRecorded(std::string_view payload) {
  XQ_ASSIGN_OR_RETURN(Json j, ParseJsonObject(payload));
  RiskRecorded e;
  try {
    e.student_id = j.at("student_id").get<int64_t>();
    e.record_id = j.at("record_id").get<int64_t>();
    e.risk = j.at("risk").get<std::string>();
    e.counsellor_account_id = j.at("counsellor_account_id").get<int64_t>();
    e.occurred_at = j.at("occurred_at").get<int64_t>();
    e.crisis_case_id = j.value("crisis_case_id", int64_t{0});
  } catch (const std::exception& ex) {
    return InvalidArgument(std::string("counselling.risk_recorded payload: ") + ex.what());
  }
  return e;
}

}  // namespace xq::counselling
