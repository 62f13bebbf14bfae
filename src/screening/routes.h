// Registers the screening API: /api/v1/campaigns*, /api/v1/screening-templates,
// /api/v1/assignments*, /api/v1/consent-requests and
// /api/v1/students/{id}/screening-results.
#pragma once

#include "http/router.h"
#include "screening/screening_service.h"

namespace xq::screening {

// The body answering a submission, written without a Json DOM (every
// student's submission makes one): the bytes Response::Json gives for the
// same object. Students see neutral feedback and hotlines, never scores
// (ACCESS.md D3).
// The body of POST /api/v1/assignments/{id}/submission.
absl::StatusOr<SubmitInput> ParseSubmitInput(std::string_view body);
std::string SubmitAnswer(const SubmitOutcome& out);

void RegisterScreeningRoutes(http::Router& router, ScreeningService& svc);
// GET /api/v1/instruments and a school's instrument licences (instrument_routes.cc);
// called by RegisterScreeningRoutes.
void RegisterInstrumentRoutes(http::Router& router, ScreeningService& svc);

class TodoService;
// GET /api/v1/todos (todo_routes.cc).
void RegisterTodoRoutes(http::Router& router, TodoService& svc);

}  // namespace xq::screening
