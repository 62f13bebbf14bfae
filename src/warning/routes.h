// Registers /api/v1/warnings*, /api/v1/follow-ups* and /api/v1/attention-levels.
#pragma once

#include "http/router.h"
#include "warning/escalation_service.h"
#include "warning/warning_service.h"

namespace xq::warning {

void RegisterWarningRoutes(http::Router& router, WarningService& svc);
// /api/v1/network/warnings* (the network's board, acknowledging, closing,
// levels) and /api/v1/schools/{id}/warning-deadlines.
void RegisterEscalationRoutes(http::Router& router, EscalationService& svc);

}  // namespace xq::warning
