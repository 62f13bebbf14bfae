#include "counselling/routes.h"

#include "core/json.h"
#include "core/status.h"
#include "http/pipeline.h"

namespace xq::counselling {

void RegisterCounsellingRoutes(http::Router& router, HotlineService& hotlines) {
  router.Add("GET", "/api/v1/hotlines",
             [&hotlines](http::Request& req) {
               for (const auto& [k, v] : req.query)
                 return http::Response::Error(InvalidArgument("unknown query parameter " + k, k));
               std::vector<std::string> paths;
               if (req.principal)
                 for (const auto& g : req.principal->actor.grants) paths.push_back(g.unit_path);
               auto lines = hotlines.ForUnits(paths);
               if (!lines.ok()) return http::Response::Error(lines.status());
               return http::Response::JsonText("{\"items\":" + HotlinesJsonText(*lines) + "}");
             },
             {.auth = http::Auth::kNone});
}

}  // namespace xq::counselling
