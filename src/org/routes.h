// Registers the org module's endpoints on the router (API.md style):
//   GET    /api/v1/org-units?parent_id=
//   GET    /api/v1/org-units/{id}
//   GET    /api/v1/org-units/{id}/pairing-coverage
//   GET    /api/v1/students?unit_id=&q=&page_size=&after=
//   GET    /api/v1/students/{id}
//   POST   /api/v1/roster-imports?school_id=   (text/csv body, ≤ 16 MiB)
//   POST   /api/v1/pairings                    {"staff_id","student_id"}
//   DELETE /api/v1/pairings?staff_id=&student_id=
// Handlers are thin: parse, call one OrgService function, render.
#pragma once

#include "http/router.h"
#include "org/org_service.h"

namespace xq::org {

void RegisterOrgRoutes(http::Router& router, OrgService& svc);

}  // namespace xq::org
