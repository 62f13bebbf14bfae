// HTTP routes of counselling's schedules, bookings, referrals, session
// records and supervision shares (docs/api/openapi.yaml, "counselling").
#pragma once

#include "counselling/counselling_service.h"
#include "http/router.h"

namespace xq::counselling {

void RegisterBookingRoutes(http::Router& router, CounsellingService& svc);

}  // namespace xq::counselling
