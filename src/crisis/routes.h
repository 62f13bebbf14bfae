// HTTP ↔ CrisisService: /api/v1/crisis/... (docs/api/openapi.yaml).
#pragma once

#include "crisis/crisis_service.h"
#include "http/router.h"

namespace xq::crisis {

void RegisterCrisisRoutes(http::Router& router, CrisisService& svc);

}  // namespace xq::crisis
