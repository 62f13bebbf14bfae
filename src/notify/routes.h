// HTTP ↔ NotifyService: GET /api/v1/notify/channels,
// PUT /api/v1/notify/channels/{unit_id}.
#pragma once

#include "http/router.h"
#include "notify/notify_service.h"

namespace xq::notify {

void RegisterNotifyRoutes(http::Router& router, NotifyService& svc);

}  // namespace xq::notify
