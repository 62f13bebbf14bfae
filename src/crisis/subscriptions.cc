#include "crisis/subscriptions.h"

#include "core/ids.h"
#include "core/status.h"
#include "crisis/crisis_service.h"
#include "crisis/crisis_store.h"
#include "crisis/events.h"
#include "spdlog/spdlog.h"

namespace xq::crisis {
namespace {

absl::Status OpenFromRisk(const Clock& clock, soci::session& s, const events::Event& e) {
  absl::StatusOr<RiskRecorded> r = DecodeRiskRecorded(e.payload);
  if (!r.ok() || r->risk != "imminent" || r->student_id == 0 || r->record_id == 0) {
    if (!r.ok()) spdlog::warn("crisis: unreadable {} event {}: {}", e.kind, e.id, r.status().ToString());
    return absl::OkStatus();
  }
  XQ_ASSIGN_OR_RETURN(int64_t existing, CaseOfSourceIn(s, "counselling", r->record_id));
  if (existing != 0) return absl::OkStatus();
  XQ_ASSIGN_OR_RETURN(auto place, StudentPlaceIn(s, r->student_id));
  if (!place) return absl::OkStatus();
  Case c;
  // The counselling record's answer already named this id (imminent risk).
  c.id = r->crisis_case_id != 0 ? r->crisis_case_id : NewId();
  c.school_id = place->school_id;
  c.student_id = r->student_id;
  c.unit_path = place->unit_path;
  c.source = "counselling";
  c.source_id = r->record_id;
  c.level = 1;  // imminent
  c.step_owner = r->counsellor_account_id;
  c.opened_by = r->counsellor_account_id;
  return OpenCaseIn(s, c, clock.NowMicros());
}

}  // namespace

events::Subscription RiskRecordedSubscription(const Clock& clock) {
  return events::Subscription{
      .name = kRiskRecordedSubscriber,
      .log = events::kOutbox,
      .kinds = {kRiskRecorded},
      .handler = [&clock](soci::session& s, const events::Event& e) { return OpenFromRisk(clock, s, e); }};
}

}  // namespace xq::crisis
