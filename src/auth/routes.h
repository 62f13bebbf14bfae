// Registers /api/v1/auth/* and /api/v1/accounts* on the router.
#pragma once

#include "auth/auth_service.h"
#include "http/router.h"

namespace xq::auth {

void RegisterAuthRoutes(http::Router& router, AuthService& svc, bool secure_cookies);

}  // namespace xq::auth
