// The login-slip routes (auth/slips.h): staff print one-time slips for a
// class, students sign in with one.
#include <string>

#include "auth/routes.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "fmt/format.h"
#include "http/params.h"

namespace xq::auth {

void RegisterSlipRoutes(http::Router& router, SlipService& svc, bool secure_cookies) {
  router.Add("POST", "/api/v1/login-slips", [&svc](http::Request& req) {
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return http::Response::Error(body.status());
    JsonReader r(*body);
    std::string class_id;
    r.Required("class_id", &class_id);
    if (auto st = r.Finish(); !st.ok()) return http::Response::Error(st);
    auto id = IdFromString(class_id);
    if (!id) return http::Response::Error(InvalidArgument("class_id must be an id", "class_id"));
    auto slips = svc.IssueSlips(*req.principal, *id);
    if (!slips.ok()) return http::Response::Error(slips.status());
    Json items = Json::array();
    for (const auto& s : *slips) {
      items.push_back({{"student_id", IdToString(s.student_id)},
                       {"student_no", s.student_no},
                       {"name", s.name},
                       {"login", s.login},
                       {"code", s.code},
                       {"qr_text", fmt::format("/#/slip?login={}&code={}", s.login, s.code)},
                       {"expires_at", FormatRfc3339(s.expires_at)}});
    }
    return http::Response::Json({{"items", items}}, 201);
  });

  router.Add("POST", "/api/v1/auth/slip-login",
             [&svc, secure_cookies](http::Request& req) {
               auto body = ParseJsonObject(req.body);
               if (!body.ok()) return http::Response::Error(body.status());
               JsonReader r(*body);
               std::string login, code;
               std::optional<std::string> new_password;
               r.Required("login", &login);
               r.Required("code", &code);
               r.Optional("new_password", &new_password);
               if (auto st = r.Finish(); !st.ok()) return http::Response::Error(st);
               auto res = svc.Login(login, code, new_password, req.remote_addr);
               if (!res.ok()) return http::Response::Error(res.status());
               Json roles = Json::array();
               for (const auto& g : res->grants)
                 roles.push_back({{"id", IdToString(g.id)},
                                  {"role", g.role},
                                  {"unit_id", IdToString(g.unit_id)},
                                  {"unit_name", g.unit_name},
                                  {"unit_kind", g.unit_kind}});
               http::Response out = http::Response::Json({{"id", IdToString(res->account.id)},
                                                          {"username", res->account.username},
                                                          {"display_name", res->account.display_name},
                                                          {"person_type", res->account.person_type},
                                                          {"must_change_password", res->account.must_change_password},
                                                          {"roles", roles},
                                                          {"capabilities", res->capabilities},
                                                          {"csrf_token", res->csrf_token}});
               std::string cookie = "xq_session=" + res->token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200";
               if (secure_cookies) cookie += "; Secure";
               out.headers.emplace_back("Set-Cookie", cookie);
               return out;
             },
             {.auth = http::Auth::kNone, .csrf = false, .max_body = 4096});
}

}  // namespace xq::auth
