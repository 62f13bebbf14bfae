// HTTP ↔ AuthService: /api/v1/auth/* and /api/v1/accounts*.
#include "auth/routes.h"

#include <algorithm>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "http/params.h"
#include "core/status.h"
#include "policy/policy.h"

namespace xq::auth {
namespace {

using http::CheckQuery;
using http::PathId;
using http::QueryId;
using http::Request;
using http::Response;

Json GrantJson(const RoleGrant& g) {
  Json j = {{"id", IdToString(g.id)},
            {"role", g.role},
            {"unit_id", IdToString(g.unit_id)},
            {"unit_name", g.unit_name},
            {"unit_kind", g.unit_kind}};
  if (auto r = policy::RoleFromName(g.role)) j["role_label"] = std::string(policy::RoleLabelZh(*r));
  return j;
}

Json RequestJson(const GrantRequest& r) {
  Json j = {{"id", IdToString(r.id)},
            {"account_id", IdToString(r.account_id)},
            {"username", r.account_username},
            {"display_name", r.account_display_name},
            {"role", r.role},
            {"unit_id", IdToString(r.unit.id)},
            {"unit_name", r.unit.name},
            {"unit_kind", r.unit.kind},
            {"requested_by", IdToString(r.requested_by)},
            {"requested_by_name", r.requested_by_name},
            {"requested_at", FormatRfc3339(r.requested_at)},
            {"state", r.state}};
  if (auto role = policy::RoleFromName(r.role)) j["role_label"] = std::string(policy::RoleLabelZh(*role));
  if (r.decided_by) {
    j["decided_by"] = IdToString(r.decided_by);
    j["decided_by_name"] = r.decided_by_name;
    j["decided_at"] = FormatRfc3339(r.decided_at);
  }
  return j;
}

Json AccountJson(const AccountView& v) {
  Json roles = Json::array();
  for (const auto& g : v.grants) roles.push_back(GrantJson(g));
  Json pending = Json::array();
  for (const auto& r : v.pending) pending.push_back(RequestJson(r));
  return {{"id", IdToString(v.account.id)},
          {"username", v.account.username},
          {"display_name", v.account.display_name},
          {"person_type", v.account.person_type},
          {"disabled", v.account.disabled},
          {"must_change_password", v.account.must_change_password},
          {"roles", roles},
          {"pending_roles", pending}};
}

}  // namespace

Json MeJson(const Me& me) {
  Json j = AccountJson(AccountView{me.account, me.grants});
  j.erase("disabled");
  j.erase("pending_roles");
  j["capabilities"] = me.capabilities;
  j["csrf_token"] = me.csrf_token;
  return j;
}

std::string SessionCookie(const std::string& token, bool secure, int max_age) {
  std::string c = "xq_session=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (secure) c += "; Secure";
  return c;
}

namespace {

Response Fail(const absl::Status& s) { return Response::Error(s); }

}  // namespace

void RegisterAuthRoutes(http::Router& router, AuthService& svc, bool secure_cookies) {
  router.Add("POST", "/api/v1/auth/login",
             [&svc, secure_cookies](Request& req) {
               auto body = ParseJsonObject(req.body);
               if (!body.ok()) return Fail(body.status());
               JsonReader r(*body);
               std::string username, password;
               r.Required("username", &username);
               r.Required("password", &password);
               if (auto st = r.Finish(); !st.ok()) return Fail(st);
               auto res = svc.Login(username, password, req.remote_addr);
               if (!res.ok()) return Fail(res.status());
               if (res->challenge) {  // no session yet: the second step (two_factor_routes.cc)
                 return Response::Json({{"second_step", res->challenge->step},
                                        {"challenge", res->challenge->token},
                                        {"expires_in", res->challenge->expires_in_s}});
               }
               Response out = Response::Json(MeJson(res->me));
               out.headers.emplace_back("Set-Cookie", SessionCookie(res->token, secure_cookies, 12 * 3600));
               return out;
             },
             {.auth = http::Auth::kNone, .csrf = false, .max_body = 4096});

  // These three answer while a temporary password waits to be changed.
  router.Add("GET", "/api/v1/auth/me",
             [&svc](Request& req) {
               auto me = svc.GetMe(*req.principal);
               return me.ok() ? Response::Json(MeJson(*me)) : Fail(me.status());
             },
             {.during_password_change = true});

  router.Add("POST", "/api/v1/auth/logout",
             [&svc, secure_cookies](Request& req) {
               if (auto st = svc.Logout(*req.principal); !st.ok()) return Fail(st);
               Response out = Response::NoContent();
               out.headers.emplace_back("Set-Cookie", SessionCookie("", secure_cookies, 0));
               return out;
             },
             {.during_password_change = true});

  router.Add("POST", "/api/v1/auth/password",
             [&svc](Request& req) {
               auto body = ParseJsonObject(req.body);
               if (!body.ok()) return Fail(body.status());
               JsonReader r(*body);
               std::string current, next;
               r.Required("current_password", &current);
               r.Required("new_password", &next);
               if (auto st = r.Finish(); !st.ok()) return Fail(st);
               auto st = svc.ChangePassword(*req.principal, current, next);
               return st.ok() ? Response::NoContent() : Fail(st);
             },
             {.during_password_change = true});

  router.Add("GET", "/api/v1/accounts", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"q", "unit_id", "page_size", "after"}); !st.ok()) return Fail(st);
    std::optional<int64_t> unit;
    if (auto u = req.Query("unit_id")) {
      unit = IdFromString(*u);
      if (!unit) return Fail(InvalidArgument("unit_id must be an id", "unit_id"));
    }
    int limit = 50;
    if (auto ps = req.Query("page_size")) {
      auto n = IdFromString(*ps);
      if (!n) return Fail(InvalidArgument("page_size must be a positive number", "page_size"));
      limit = static_cast<int>(std::min<int64_t>(*n, 200));  // capped (API.md)
    }
    auto page =
        svc.ListAccounts(*req.principal, unit, req.Query("q").value_or(""), req.Query("after").value_or(""), limit);
    if (!page.ok()) return Fail(page.status());
    Json items = Json::array();
    for (const auto& v : page->items) items.push_back(AccountJson(v));
    return Response::Json(
        {{"items", items}, {"next", page->next.empty() ? Json(nullptr) : Json(page->next)}, {"total", page->total}});
  });

  router.Add("POST", "/api/v1/accounts", [&svc](Request& req) {
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Fail(body.status());
    JsonReader r(*body);
    NewAccount a;
    Json roles;
    r.Required("username", &a.username);
    r.Required("display_name", &a.display_name);
    r.Required("password", &a.password);
    r.Required("roles", &roles);
    if (auto st = r.Finish(); !st.ok()) return Fail(st);
    if (!roles.is_array()) return Fail(InvalidArgument("roles must be an array", "roles"));
    for (size_t i = 0; i < roles.size(); ++i) {
      JsonReader rr(roles[i], "roles[" + std::to_string(i) + "].");
      std::string role, unit;
      rr.Required("role", &role);
      rr.Required("unit_id", &unit);
      if (auto st = rr.Finish(); !st.ok()) return Fail(st);
      auto id = IdFromString(unit);
      if (!id) return Fail(InvalidArgument("unit_id must be an id", "roles[" + std::to_string(i) + "].unit_id"));
      a.roles.emplace_back(role, *id);
    }
    auto v = svc.CreateAccount(*req.principal, a);
    return v.ok() ? Response::Json(AccountJson(*v), 201) : Fail(v.status());
  });

  router.Add("POST", "/api/v1/accounts/{id}/roles", [&svc](Request& req) {
    auto id = PathId(req, "id");
    if (!id.ok()) return Fail(id.status());
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Fail(body.status());
    JsonReader r(*body);
    std::string role, unit;
    r.Required("role", &role);
    r.Required("unit_id", &unit);
    if (auto st = r.Finish(); !st.ok()) return Fail(st);
    auto unit_id = IdFromString(unit);
    if (!unit_id) return Fail(InvalidArgument("unit_id must be an id", "unit_id"));
    auto g = svc.Grant(*req.principal, *id, role, *unit_id);
    if (!g.ok()) return Fail(g.status());
    // 202: the role waits for a second administrator and has no effect yet.
    if (g->request) return Response::Json(RequestJson(*g->request), 202);
    return Response::Json(GrantJson(*g->grant), 201);
  });

  router.Add("GET", "/api/v1/grant-requests", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {"state", "page_size"}); !st.ok()) return Fail(st);
    int limit = 100;
    if (auto ps = req.Query("page_size")) {
      auto n = IdFromString(*ps);
      if (!n) return Fail(InvalidArgument("page_size must be a positive number", "page_size"));
      limit = static_cast<int>(std::min<int64_t>(*n, 200));
    }
    std::string state = req.Query("state").value_or("pending");
    if (state == "all") state.clear();
    auto list = svc.ListGrantRequests(*req.principal, state, limit);
    if (!list.ok()) return Fail(list.status());
    Json items = Json::array();
    for (const auto& r : *list) items.push_back(RequestJson(r));
    return Response::Json({{"items", items}});
  });

  for (const bool approve : {true, false}) {
    router.Add("POST", approve ? "/api/v1/grant-requests/{id}/approval" : "/api/v1/grant-requests/{id}/rejection",
               [&svc, approve](Request& req) {
                 auto id = PathId(req, "id");
                 if (!id.ok()) return Fail(NotFound("grant request not found"));
                 if (!req.body.empty()) {
                   auto body = ParseJsonObject(req.body);
                   if (!body.ok()) return Fail(body.status());
                   JsonReader r(*body);
                   if (auto st = r.Finish(); !st.ok()) return Fail(st);
                 }
                 auto out = svc.DecideGrantRequest(*req.principal, *id, approve);
                 return out.ok() ? Response::Json(RequestJson(*out)) : Fail(out.status());
               });
  }

  router.Add("DELETE", "/api/v1/accounts/{id}/roles/{role_id}", [&svc](Request& req) {
    auto id = PathId(req, "id");
    auto gid = PathId(req, "role_id");
    if (!id.ok() || !gid.ok()) return Fail(NotFound("role grant not found"));
    auto st = svc.Revoke(*req.principal, *id, *gid);
    return st.ok() ? Response::NoContent() : Fail(st);
  });

  router.Add("POST", "/api/v1/accounts/{id}/password-reset", [&svc](Request& req) {
    auto id = PathId(req, "id");
    if (!id.ok()) return Fail(id.status());
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Fail(body.status());
    JsonReader r(*body);
    std::string pw;
    r.Required("new_password", &pw);
    if (auto st = r.Finish(); !st.ok()) return Fail(st);
    auto st = svc.ResetPassword(*req.principal, *id, pw);
    return st.ok() ? Response::NoContent() : Fail(st);
  });
}

}  // namespace xq::auth
