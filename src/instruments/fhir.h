// FHIR R4 mapping: Questionnaire ⇄ Definition, QuestionnaireResponse ⇄
// Response (docs/instruments.md "FHIR R4").
//
// Import reads answer weights from the `ordinalValue`, `itemWeight` or
// `iso21090-CO-value` extensions (on answerOption, on its valueCoding, or on
// concepts of a contained answerValueSet) — the way LOINC panels such as
// PHQ-9 (44249-1) and GAD-7 (69737-5) are published — keeps linkIds as item
// ids, and turns the read-only / calculated total into a plain-sum score.
// Export writes the scored value (reverse keying applied) as ordinalValue,
// so that export → import scores identically.
// Thread-safe: stateless functions. Errors name the JSON path.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "instruments/definition.h"
#include "instruments/scoring.h"
#include "nlohmann/json.hpp"

namespace xq::instruments {

[[nodiscard]] absl::StatusOr<Definition> ImportQuestionnaire(std::string_view json_text);
[[nodiscard]] absl::StatusOr<Definition> ImportQuestionnaireJson(const nlohmann::json& questionnaire);

// lang: the Questionnaire's language (default: the definition's first);
// other languages go into `translation` extensions.
nlohmann::json ExportQuestionnaire(const Definition& def, std::string_view lang = {});

// Canonical URL used for exported Questionnaires.
std::string QuestionnaireUrl(const Definition& def);

[[nodiscard]] absl::StatusOr<Response> ResponseFromFhir(const ScoringPlan& plan, const nlohmann::json& response);
nlohmann::json ResponseToFhir(const ScoringPlan& plan, const Response& response);

}  // namespace xq::instruments
