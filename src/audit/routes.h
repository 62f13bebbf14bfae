// Registers GET /api/v1/audit-events (auditors only, D9).
#pragma once

#include "audit/audit.h"
#include "http/router.h"

namespace xq::audit {

void RegisterAuditRoutes(http::Router& router, AuditLog& log);

}  // namespace xq::audit
