// What the plans module does on other modules' events: a return-to-school
// plan written by the crisis module (crisis.return_plan_written, its
// plan_text_neutral) becomes a progress note of the student's open 一生一策,
// which is created first if there is none. Once per event.
#pragma once

#include "events/dispatcher.h"

namespace xq::plans {

inline constexpr char kReturnPlanSubscriber[] = "plans.return_plans";

events::Subscription ReturnPlanSubscription();

}  // namespace xq::plans
