// HTTP routes of the indicators module (docs/api/openapi.yaml, tag
// indicators): parse, call one IndicatorsService function, render.
#pragma once

#include "http/router.h"
#include "indicators/indicators_service.h"

namespace xq::indicators {

void RegisterIndicatorRoutes(http::Router& router, IndicatorsService& svc);

}  // namespace xq::indicators
