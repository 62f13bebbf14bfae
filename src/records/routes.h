// Registers the records module's endpoints (工作台账; API.md style):
//   GET    /api/v1/work-record-kinds                      kinds and their fields
//   GET    /api/v1/work-record-kinds/{kind}/template.xlsx the Excel template
//   POST   /api/v1/work-record-kinds/{kind}/import?unit_id=&school_year=&dry_run=&file_name=
//          (.xlsx or UTF-8 .csv body, ≤ 8 MiB; all or nothing)
//   GET    /api/v1/work-record-scopes                     units the caller keeps records of
//   GET    /api/v1/work-records?kind=&unit_id=&school_year=&page_size=&after=
//   POST   /api/v1/work-records                           {kind, unit_id, school_year, fields}
//   GET    /api/v1/work-records/{id}
//   PUT    /api/v1/work-records/{id}                      {fields}
//   DELETE /api/v1/work-records/{id}
// Handlers are thin: parse, call one RecordsService function, render.
#pragma once

#include "http/router.h"
#include "records/records_service.h"

namespace xq::records {

void RegisterRecordsRoutes(http::Router& router, RecordsService& svc);

}  // namespace xq::records
