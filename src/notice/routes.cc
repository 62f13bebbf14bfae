#include "notice/routes.h"

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "http/params.h"

namespace xq::notice {
namespace {

Json NoticeJson(const Notice& n) {
  Json params = Json::object();
  for (const auto& [k, v] : n.params) params[k] = v;
  Json j = {{"id", IdToString(n.id)},
            {"kind", n.kind},
            {"actor_name", n.actor_name},
            {"params", params},
            {"created_at", FormatRfc3339(n.created_at)},
            {"read", n.read_at != 0},
            {"urgent", n.urgent}};
  if (!n.link.empty()) j["link"] = n.link;
  return j;
}

}  // namespace

void RegisterNoticeRoutes(http::Router& router, NoticeService& svc) {
  // Both answer while a password change is pending: the holder of a reset
  // password is shown who reset it before changing it.
  router.Add("GET", "/api/v1/notices",
             [&svc](http::Request& req) {
               if (auto st = http::CheckQuery(req, {"unread", "page_size", "kind", "after"}); !st.ok())
                 return http::Response::Error(st);
               bool unread = false;
               if (auto u = req.Query("unread")) {
                 if (*u != "true" && *u != "false")
                   return http::Response::Error(InvalidArgument("unread must be true or false", "unread"));
                 unread = *u == "true";
               }
               int limit = 50;
               if (auto ps = req.Query("page_size")) {
                 auto n = IdFromString(*ps);
                 if (!n)
                   return http::Response::Error(InvalidArgument("page_size must be a positive number", "page_size"));
                 limit = static_cast<int>(std::min<int64_t>(*n, 200));
               }
               auto page = svc.Page(req.principal->account_id, unread, req.Query("kind").value_or(""), limit,
                                    req.Query("after").value_or(""));
               if (!page.ok()) return http::Response::Error(page.status());
               Json items = Json::array();
               for (const auto& n : page->items) items.push_back(NoticeJson(n));
               Json by_kind = Json::object();
               for (const auto& [k, n] : page->unread_by_kind) by_kind[k] = n;
               return http::Response::Json({{"items", items},
                                            {"unread", page->unread},
                                            {"unread_by_kind", by_kind},
                                            {"unread_urgent", page->unread_urgent},
                                            {"next", page->next.empty() ? Json(nullptr) : Json(page->next)}});
             },
             {.during_password_change = true});

  router.Add("POST", "/api/v1/notices/read-all",
             [&svc](http::Request& req) {
               if (auto st = http::CheckQuery(req, {}); !st.ok()) return http::Response::Error(st);
               std::string kind;
               if (!req.body.empty()) {
                 auto body = ParseJsonObject(req.body);
                 if (!body.ok()) return http::Response::Error(body.status());
                 JsonReader r(*body);
                 std::optional<std::string> k;
                 r.Optional("kind", &k);
                 if (auto st = r.Finish(); !st.ok()) return http::Response::Error(st);
                 kind = k.value_or("");
               }
               auto n = svc.MarkAllRead(req.principal->account_id, kind);
               if (!n.ok()) return http::Response::Error(n.status());
               return http::Response::Json({{"marked", *n}});
             },
             {.during_password_change = true});

  router.Add("POST", "/api/v1/notices/{id}/read",
             [&svc](http::Request& req) {
               auto id = http::PathId(req, "id");
               if (!id.ok()) return http::Response::Error(NotFound("notice not found"));
               auto st = svc.MarkRead(req.principal->account_id, *id);
               return st.ok() ? http::Response::NoContent() : http::Response::Error(st);
             },
             {.during_password_change = true});
}

}  // namespace xq::notice
