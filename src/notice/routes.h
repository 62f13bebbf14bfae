// HTTP ↔ NoticeService: GET /api/v1/notices, POST /api/v1/notices/{id}/read.
#pragma once

#include "http/router.h"
#include "notice/notice_service.h"

namespace xq::notice {

void RegisterNoticeRoutes(http::Router& router, NoticeService& svc);

}  // namespace xq::notice
