// Routes of the instrument library (issue 22): the scale picker and a
// school's own licences for scales that do not ship active. Thin: parse,
// call one service function, render.
#include <string>

#include "core/ids.h"
#include "core/json.h"
#include "core/status.h"
#include "http/params.h"
#include "screening/json.h"
#include "screening/routes.h"

namespace xq::screening {

using http::CheckQuery;
using http::PathId;
using http::Request;
using http::Response;

void RegisterInstrumentRoutes(http::Router& router, ScreeningService& svc) {
  router.Add("GET", "/api/v1/instruments", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto out = svc.ListInstruments(*req.principal);
    return out.ok() ? Response::Json(InstrumentLibraryToJson(*out)) : Response::Error(out.status());
  });

  router.Add("PUT", "/api/v1/schools/{id}/instrument-licences/{instrument}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto school = PathId(req);
    if (!school.ok()) return Response::Error(school.status());
    auto body = ParseJsonObject(req.body);
    if (!body.ok()) return Response::Error(body.status());
    JsonReader r(*body);
    std::string licence_ref;
    r.Required("licence_ref", &licence_ref);
    if (auto st = r.Finish(); !st.ok()) return Response::Error(st);
    auto l = svc.EnableInstrument(*req.principal, *school, req.params["instrument"], licence_ref);
    if (!l.ok()) return Response::Error(l.status());
    return Response::Json({{"school_id", IdToString(l->school_id)},
                           {"instrument_id", l->instrument_id},
                           {"licence_ref", l->licence_ref},
                           {"enabled_at", FormatRfc3339(l->enabled_at)}});
  });

  router.Add("DELETE", "/api/v1/schools/{id}/instrument-licences/{instrument}", [&svc](Request& req) {
    if (auto st = CheckQuery(req, {}); !st.ok()) return Response::Error(st);
    auto school = PathId(req);
    if (!school.ok()) return Response::Error(school.status());
    auto st = svc.DisableInstrument(*req.principal, *school, req.params["instrument"]);
    return st.ok() ? Response::NoContent() : Response::Error(st);
  });
}

}  // namespace xq::screening
