// Registers /api/v1/auth/* and /api/v1/accounts* on the router.
#pragma once

#include <string>

#include "auth/auth_service.h"
#include "auth/slips.h"
#include "auth/two_factor.h"
#include "core/json.h"
#include "http/pipeline.h"
#include "http/router.h"

namespace xq::auth {

// The HTTP pipeline's session resolver: the session cookie's principal
// from AuthService (which knows nothing of HTTP).
class HttpSessions final : public http::SessionResolver {
 public:
  explicit HttpSessions(AuthService& auth) : auth_(auth) {}
  std::optional<http::Principal> Resolve(std::string_view token) override { return auth_.Resolve(token); }
  std::shared_ptr<const http::Principal> ResolveShared(std::string_view token) override {
    return auth_.ResolveShared(token);
  }

 private:
  AuthService& auth_;
};

void RegisterAuthRoutes(http::Router& router, AuthService& svc, bool secure_cookies);
// /api/v1/auth/two-factor/*, /api/v1/accounts/{id}/two-factor/reset and
// /api/v1/settings/two-factor (two_factor_routes.cc).
void RegisterTwoFactorRoutes(http::Router& router, TwoFactorService& svc, bool secure_cookies);
// POST /api/v1/login-slips and POST /api/v1/auth/slip-login (slip_routes.cc).
void RegisterSlipRoutes(http::Router& router, SlipService& svc, bool secure_cookies);

// Shared by both: the signed-in user as /auth/me shows it, and the cookie.
Json MeJson(const Me& me);
std::string SessionCookie(const std::string& token, bool secure, int max_age);

}  // namespace xq::auth
