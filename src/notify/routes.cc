#include "notify/routes.h"

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "http/params.h"

namespace xq::notify {
namespace {

using http::Request;
using http::Response;

const policy::Actor& ActorOf(const Request& req) {
  static const policy::Actor kNobody;
  return req.principal ? req.principal->actor : kNobody;
}

// The webhook URL and the SMTP password are never written out: only whether
// they are set.
Json ChannelsJson(const UnitChannels& u) {
  Json rec = Json::object();
  for (const auto& [role, list] : u.settings.recipients) rec[role] = list;
  return {{"unit", {{"id", IdToString(u.unit.id)}, {"kind", u.unit.kind}, {"name", u.unit.name}}},
          {"site_url", u.settings.site_url},
          {"webhook_set", u.webhook_set},
          {"smtp_host", u.settings.smtp_host},
          {"smtp_port", u.settings.smtp_port},
          {"smtp_from", u.settings.smtp_from},
          {"smtp_user", u.settings.smtp_user},
          {"smtp_password_set", u.smtp_password_set},
          {"recipients", rec},
          {"updated_at", u.settings.updated_at ? Json(FormatRfc3339(u.settings.updated_at)) : Json(nullptr)}};
}

}  // namespace

void RegisterNotifyRoutes(http::Router& router, NotifyService& svc) {
  router.Add("GET", "/api/v1/notify/channels", [&svc](Request& req) {
    if (auto st = http::CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto list = svc.List(ActorOf(req));
    if (!list.ok()) return Response::Error(list.status());
    Json items = Json::array();
    for (const auto& u : *list) items.push_back(ChannelsJson(u));
    return Response::Json({{"items", items}});
  });

  router.Add("PUT", "/api/v1/notify/channels/{id}", [&svc](Request& req) {
    if (auto st = http::CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto id = http::PathId(req, "id");
    if (!id.ok()) return Response::Error(NotFound("org unit not found"));
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    ChannelInput in;
    std::optional<std::string> site, host, from, user;
    std::optional<int64_t> port;
    std::optional<Json> recipients;
    r.Optional("site_url", &site);
    r.Optional("webhook_url", &in.webhook_url);
    r.Optional("smtp_host", &host);
    r.Optional("smtp_port", &port);
    r.Optional("smtp_from", &from);
    r.Optional("smtp_user", &user);
    r.Optional("smtp_password", &in.smtp_password);
    r.Optional("recipients", &recipients);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    in.site_url = site.value_or("");
    in.smtp_host = host.value_or("");
    in.smtp_from = from.value_or("");
    in.smtp_user = user.value_or("");
    if (port) {
      if (*port < 1 || *port > 65535) return Response::Error(InvalidArgument("a port lies in 1..65535", "smtp_port"));
      in.smtp_port = static_cast<int>(*port);
    }
    if (recipients) {
      if (!recipients->is_object())
        return Response::Error(InvalidArgument("recipients maps roles to addresses", "recipients"));
      for (const auto& [role, list] : recipients->items()) {
        if (!list.is_array()) return Response::Error(InvalidArgument("a list of addresses", "recipients." + role));
        for (const auto& a : list) {
          if (!a.is_string()) return Response::Error(InvalidArgument("an address is text", "recipients." + role));
          in.recipients[role].push_back(a.get<std::string>());
        }
      }
    }
    auto out = svc.Put(ActorOf(req), *id, in);
    if (!out.ok()) return Response::Error(out.status());
    return Response::Json(ChannelsJson(*out));
  });
}

}  // namespace xq::notify
