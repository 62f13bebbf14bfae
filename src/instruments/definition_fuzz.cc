// libFuzzer target for the definition loader (and what a loaded definition
// feeds: compile, score, FHIR export/import). Built with -DXQ_FUZZ=ON
// (preset "fuzz", clang). Any crash, sanitizer report or exception escaping
// is a bug: malformed input must only ever produce an error status.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "instruments/definition.h"
#include "instruments/fhir.h"
#include "instruments/scoring.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xq::instruments;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto def = ParseDefinition(text);
  if (!def.ok()) def = ImportQuestionnaire(text);
  if (!def.ok()) return 0;
  auto plan = Compile(*def);
  if (!plan.ok()) return 0;
  // Score a few responses derived from the input bytes.
  Response r = plan->NewResponse();
  for (size_t i = 0; i < r.answers.size(); ++i) r.answers[i] = size ? static_cast<int32_t>(data[i % size] % 7) - 1 : -1;
  r.elapsed_seconds = size;
  r.age = static_cast<int>(size % 30);
  r.grade = static_cast<int>(size % 17);
  r.sex = (size & 1) ? Sex::kMale : Sex::kFemale;
  auto res = plan->Score(r);
  if (res.ok()) (void)ResultToJson(*plan, *res);
  ColumnBatch b;
  b.rows = 2;
  for (size_t i = 0; i < r.answers.size(); ++i) b.answers.push_back({r.answers[i], 0});
  (void)plan->ScoreBatch(b);
  auto back = ImportQuestionnaireJson(ExportQuestionnaire(*def));
  (void)back;
  (void)DefinitionFromJson(DefinitionToJson(*def));
  return 0;
}
