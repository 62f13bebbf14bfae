// HTTP ↔ TwoFactorService: the second sign-in step, the enrolment, the
// reset by another administrator and the city's switch.
#include <optional>
#include <string>

#include "auth/routes.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "http/params.h"

namespace xq::auth {
namespace {

using http::PathId;
using http::Request;
using http::Response;

Response Fail(const absl::Status& s) { return Response::Error(s); }

Response SessionAnswer(const LoginResult& res, Json body, bool secure_cookies) {
  Response out = Response::Json(body);
  out.headers.emplace_back("Set-Cookie", SessionCookie(res.token, secure_cookies, 12 * 3600));
  return out;
}

}  // namespace

void RegisterTwoFactorRoutes(http::Router& router, TwoFactorService& svc, bool secure_cookies) {
  // The challenge token in the body is the credential (no session yet).
  const http::RouteOptions open{.auth = http::Auth::kNone, .csrf = false, .max_body = 4096};

  router.Add(
      "POST", "/api/v1/auth/two-factor/verify",
      [&svc, secure_cookies](Request& req) {
        auto body = ParseJsonObject(req.body);
        if (!body.ok()) return Fail(body.status());
        JsonReader r(*body);
        std::string challenge;
        std::optional<std::string> code, recovery;
        r.Required("challenge", &challenge);
        r.Optional("code", &code);
        r.Optional("recovery_code", &recovery);
        if (auto st = r.Finish(); !st.ok()) return Fail(st);
        auto res = svc.Verify(challenge, code.value_or(""), recovery.value_or(""), req.remote_addr);
        if (!res.ok()) return Fail(res.status());
        return SessionAnswer(*res, MeJson(res->me), secure_cookies);
      },
      open);

  router.Add(
      "POST", "/api/v1/auth/two-factor/enrol",
      [&svc](Request& req) {
        auto body = ParseJsonObject(req.body);
        if (!body.ok()) return Fail(body.status());
        JsonReader r(*body);
        std::string challenge;
        r.Required("challenge", &challenge);
        if (auto st = r.Finish(); !st.ok()) return Fail(st);
        auto res = svc.StartEnrolment(challenge);
        if (!res.ok()) return Fail(res.status());
        return Response::Json({{"secret", res->secret},
                               {"otpauth_uri", res->otpauth_uri},
                               {"account_name", res->account_name},
                               {"digits", 6},
                               {"period", 30}});
      },
      open);

  router.Add(
      "POST", "/api/v1/auth/two-factor/enrol/confirm",
      [&svc, secure_cookies](Request& req) {
        auto body = ParseJsonObject(req.body);
        if (!body.ok()) return Fail(body.status());
        JsonReader r(*body);
        std::string challenge, code;
        r.Required("challenge", &challenge);
        r.Required("code", &code);
        if (auto st = r.Finish(); !st.ok()) return Fail(st);
        auto res = svc.ConfirmEnrolment(challenge, code, req.remote_addr);
        if (!res.ok()) return Fail(res.status());
        Json me = MeJson(res->login.me);
        me["recovery_codes"] = res->recovery_codes;
        return SessionAnswer(res->login, me, secure_cookies);
      },
      open);

  router.Add("GET", "/api/v1/auth/two-factor", [&svc](Request& req) {
    auto s = svc.StateOf(*req.principal);
    if (!s.ok()) return Fail(s.status());
    return Response::Json({{"city_requires", s->city_requires},
                           {"required", s->required},
                           {"enrolled", s->enrolled},
                           {"recovery_codes_left", s->recovery_codes_left}});
  });

  router.Add("POST", "/api/v1/accounts/{id}/two-factor/reset", [&svc](Request& req) {
    auto id = PathId(req, "id");
    if (!id.ok()) return Fail(id.status());
    auto st = svc.Reset(*req.principal, *id);
    return st.ok() ? Response::NoContent() : Fail(st);
  });

  router.Add("GET", "/api/v1/settings/two-factor", [&svc](Request& req) {
    auto on = svc.GetCitySetting(*req.principal);
    if (!on.ok()) return Fail(on.status());
    return Response::Json({{"required", *on}});
  });

  router.Add("PUT", "/api/v1/settings/two-factor", [&svc](Request& req) {
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Fail(body.status());
    JsonReader r(*body);
    bool required = false;
    r.Required("required", &required);
    if (auto st = r.Finish(); !st.ok()) return Fail(st);
    if (auto st = svc.SetCitySetting(*req.principal, required); !st.ok()) return Fail(st);
    return Response::Json({{"required", required}});
  });
}

}  // namespace xq::auth
