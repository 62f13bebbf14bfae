// HTTP routes of the student archive: parse, call one ArchiveService
// function, render (docs/api/openapi.yaml, tag archive).
#pragma once

#include "archive/archive_service.h"
#include "http/router.h"

namespace xq::archive {

void RegisterArchiveRoutes(http::Router& router, ArchiveService& svc);

}  // namespace xq::archive
