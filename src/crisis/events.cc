#include "crisis/events.h"

#include "core/status.h"
#include "events/events.h"
#include "nlohmann/json.hpp"

namespace xq::crisis {

std::string EncodeCaseEvent(const CaseEvent& e) {
  nlohmann::json j = {{"student_id", e.student_id},
                      {"data_class", "D5"},
                      {"summary_zh", e.summary_zh},
                      {"ref_type", e.ref_type},
                      {"ref_id", e.ref_id ? e.ref_id : e.case_id},
                      {"occurred_at", e.occurred_at},
                      {"case_id", e.case_id}};
  if (!e.unit_path.empty()) j["unit_path"] = e.unit_path;
  if (e.referral_id) j["referral_id"] = e.referral_id;
  if (e.kind == kReturnPlanWritten) j["plan_text_neutral"] = e.plan_text_neutral;
  return j.dump();
}

absl::Status PublishCaseEvent(soci::session& s, const CaseEvent& e) {
  return events::Publish(s, {.school_id = e.school_id,
                             .kind = e.kind,
                             .subject = "student:" + std::to_string(e.student_id),
                             .payload = EncodeCaseEvent(e),
                             .created_at = e.occurred_at})
      .status();
}

std::string EventSummary(const std::string& payload) {
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.contains("summary_zh") || !j["summary_zh"].is_string()) return "";
  return j["summary_zh"].get<std::string>();
}

absl::StatusOr<RiskRecorded> DecodeRiskRecorded(const std::string& payload) {
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object()) return InvalidArgument("payload is not a JSON object", "payload");
  RiskRecorded r;
  auto num = [&](const char* k) -> int64_t {
    if (!j.contains(k)) return 0;
    if (j[k].is_number_integer()) return j[k].get<int64_t>();
    if (j[k].is_string()) {
      try {
        return std::stoll(j[k].get<std::string>());
      } catch (...) {
        return 0;
      }
    }
    return 0;
  };
  r.student_id = num("student_id");
  r.record_id = num("record_id");
  r.counsellor_account_id = num("counsellor_account_id");
  r.crisis_case_id = num("crisis_case_id");
  if (j.contains("risk") && j["risk"].is_string()) r.risk = j["risk"].get<std::string>();
  return r;
}

}  // namespace xq::crisis
