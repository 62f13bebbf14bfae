// Registers /api/v1/warnings*, /api/v1/follow-ups* and /api/v1/attention-levels.
#pragma once

#include "http/router.h"
#include "warning/warning_service.h"

namespace xq::warning {

void RegisterWarningRoutes(http::Router& router, WarningService& svc);

}  // namespace xq::warning
