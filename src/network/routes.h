// Registers /api/v1/network/students, /observations, /weekly-reports,
// /classes and /risk-factors (see docs/api/openapi.yaml).
#pragma once

#include "http/router.h"
#include "network/network_service.h"

namespace xq::network {

void RegisterNetworkRoutes(http::Router& router, NetworkService& svc);

}  // namespace xq::network
