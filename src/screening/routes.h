// Registers the screening API: /api/v1/campaigns*, /api/v1/screening-templates,
// /api/v1/assignments*, /api/v1/consent-requests and
// /api/v1/students/{id}/screening-results.
#pragma once

#include "http/router.h"
#include "screening/screening_service.h"

namespace xq::screening {

void RegisterScreeningRoutes(http::Router& router, ScreeningService& svc);

}  // namespace xq::screening
