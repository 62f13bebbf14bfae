// The screening API's JSON for the reports (report_models.h): routes.cc
// renders with these. Pure functions; thread-safe.
#pragma once

#include "core/json.h"
#include "screening/report_models.h"

namespace xq::screening {

// GET /campaigns/{id}/progress.
Json ProgressToJson(const ProgressReport& r);
// One result row: ids, the score map, labels and the class name.
Json ResultRowToJson(const ResultRow& r);
// GET /campaigns/{id}/results: {"items","next","total","bands","classes"}.
Json ResultsPageToJson(const ResultsPageView& page);
// GET /students/{id}/screening-results.
Json StudentHistoryToJson(const StudentHistoryView& h);
// GET /campaigns/{id}/aggregates.
Json AggregatesToJson(const AggregateTable& t);

}  // namespace xq::screening
