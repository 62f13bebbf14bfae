#include "counselling/routes.h"

#include "core/json.h"
#include "core/status.h"
#include "http/pipeline.h"

namespace xq::counselling {

void RegisterCounsellingRoutes(http::Router& router, HotlineService& hotlines) {
  router.Add(
      "GET", "/api/v1/hotlines",
      [&hotlines](http::Request& req) {
        for (const auto& [k, v] : req.query)
          return http::Response::Error(InvalidArgument("unknown query parameter " + k, k));
        std::vector<std::string> paths;
        if (req.principal)
          for (const auto& g : req.principal->actor.grants) paths.push_back(g.unit_path);
        auto lines = hotlines.ForUnits(paths);
        if (!lines.ok()) return http::Response::Error(lines.status());
        Json items = Json::array();
        for (const auto& h : *lines)
          items.push_back({{"name", h.name}, {"number", h.number}, {"scope", h.scope}, {"hours", h.hours}});
        return http::Response::Json({{"items", items}});
      },
      {.auth = http::Auth::kNone});
}

}  // namespace xq::counselling
