// HTTP ↔ HotlineEditor: the hotline editor and awareness.
//   GET  /api/v1/hotlines/editable
//   PUT  /api/v1/hotlines/units/{id}
//   GET  /api/v1/hotlines/awareness/me
//   POST /api/v1/hotlines/awareness/confirm
//   POST /api/v1/hotlines/awareness/class-meetings
//   GET  /api/v1/hotlines/awareness/rates?unit_id=
#pragma once

#include "counselling/hotline_service.h"
#include "http/router.h"

namespace xq::counselling {

void RegisterHotlineRoutes(http::Router& router, HotlineEditor& editor);

}  // namespace xq::counselling
