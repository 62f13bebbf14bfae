// Registers GET /api/v1/hotlines (public).
#pragma once

#include "counselling/hotlines.h"
#include "http/router.h"

namespace xq::counselling {

void RegisterCounsellingRoutes(http::Router& router, HotlineService& hotlines);

}  // namespace xq::counselling
