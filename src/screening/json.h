// The screening API's JSON for what the service returns as models
// (routes.cc renders with these; export.cc reads a campaign's scales the
// same way). Pure functions; thread-safe.
#pragma once

#include <vector>

#include "core/json.h"
#include "screening/model.h"
#include "screening/screening_service.h"

namespace xq::screening {

// The body of POST /campaigns read into its input: invalid_argument naming
// the field when a value is not of its type or a key is unknown. Ranges,
// units and scales are checked by ScreeningService::CreateCampaign.
absl::StatusOr<CampaignInput> CampaignInputOf(const Json& body);
// The detail of a campaign (GET /campaigns/{id}): scale titles as the
// policy's view for the caller has them, and for those who see the real
// titles the warnings about wording that is not a validated text.
Json CampaignToJson(const Campaign& c);
// {"items":[…]} of GET /screening-templates, each with its scales as the
// picker shows them.
Json TemplatesToJson(const std::vector<TemplateOffer>& offers);
// A scale as the picker shows it: id, version, title, licence, wording
// status, whether it ships enabled, and its norm sets.
Json InstrumentSummary(const instruments::Registry::Entry& e);
// {"items":[…],"licensable":[…]} of GET /instruments: a scale that needs a
// school's licence with the caller's schools that enabled it.
Json InstrumentLibraryToJson(const InstrumentLibrary& library);
// {"items":[…],"next":null} of GET /assignments.
Json AssignmentsToJson(const std::vector<AssignmentSummary>& list);
// GET /assignments/{id}: the campaign, the scale neutrally titled with its
// items, and the draft when there is one to show.
Json AssignmentToJson(const AssignmentDetail& a);
// {"items":[{"kind":…},…],"badges":{…}} of GET /todos; kinds: survey,
// consent, child_survey, urgent_warnings, follow_ups_due,
// campaigns_in_progress; a badge for each part the caller has.
Json TodosToJson(const HomeTodos& todos);
// {"items":[…]} of GET /consent-requests.
Json ConsentRequestsToJson(const std::vector<ConsentRequest>& requests);
// {"items":[…],"next":null,"total":n} of GET /campaigns/{id}/non-respondents.
Json NonRespondentsToJson(const std::vector<NonRespondent>& list);
// The answer of POST /campaigns/{id}/reminders.
Json ReminderToJson(const ReminderOutcome& r);
// The city's suppression k with its bounds (GET and PUT /settings/suppression).
Json SuppressionToJson(int k);

}  // namespace xq::screening
