// The one maintained list of diagnostic words (ACCESS.md: never in views
// for students, guardians, peers, teachers or school leaders). Free text
// written for such a neutral view (a psychology teacher's guidance for head
// teachers, a campaign's name and notice; plans and advice later) is
// checked against it; the services refuse such text with 400
// `diagnostic_wording` naming the field and the words found, and the web
// UI warns before saving (GET /api/v1/diagnostic-words ships the list).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace xq::policy {

// The list, longest words first.
const std::vector<std::string_view>& DiagnosticWords();

// The diagnostic words found in text, each once, in list order. A word
// inside a longer listed word counts once (the longer one).
std::vector<std::string> DiagnosticWordsIn(std::string_view text);

// OK, or invalid_argument with code `diagnostic_wording` naming `field`
// and, in the message, the words found.
absl::Status CheckNeutralText(std::string_view text, std::string_view field);

}  // namespace xq::policy
