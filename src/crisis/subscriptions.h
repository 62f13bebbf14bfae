// What the crisis module does on other modules' events (docs/design.md
// "Events"): a counselling record assessing the risk as "imminent" opens a
// crisis case at once, owned by the counsellor who wrote it; once per
// record (the case remembers its source), whatever the redeliveries.
#pragma once

#include "core/clock.h"
#include "events/dispatcher.h"

namespace xq::crisis {

inline constexpr char kRiskRecordedSubscriber[] = "crisis.risk_recorded";
inline constexpr char kRiskRecorded[] = "counselling.risk_recorded";

events::Subscription RiskRecordedSubscription(const Clock& clock);

}  // namespace xq::crisis
