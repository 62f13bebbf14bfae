// HTTP routes of 一生一策 plans and review meetings: parse, call one
// PlansService function, render (docs/api/openapi.yaml, tag plans).
#pragma once

#include "http/router.h"
#include "plans/plans_service.h"

namespace xq::plans {

void RegisterPlansRoutes(http::Router& router, PlansService& svc);

}  // namespace xq::plans
