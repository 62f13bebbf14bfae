#include "instruments/definition.h"

#include <string>

#include "core/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "instruments/registry.h"

namespace xq::instruments {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

// A small valid definition that tests mutate to provoke each error.
json Base() {
  return json::parse(R"({
    "format": "xinqiao-instrument/1", "id": "t", "version": "1", "languages": ["en"],
    "title": {"en": "T"},
    "provenance": {"citation": "c", "licence": "l", "wording_status": "placeholder"},
    "option_sets": {"o": [{"code": "0", "value": 0, "text": {"en": "a"}},
                          {"code": "1", "value": 1, "text": {"en": "b"}},
                          {"code": "2", "value": 2, "text": {"en": "c"}}]},
    "items": [{"id": "a", "type": "single", "options": "o", "text": {"en": "A"}},
              {"id": "b", "type": "single", "options": "o", "text": {"en": "B"}}],
    "scores": [{"id": "total", "method": "sum", "items": ["a", "b"],
                "bands": [{"id": "low", "min": 0, "max": 1}, {"id": "high", "min": 2, "max": 4}]}]
  })");
}

std::string ErrorOf(const json& j) {
  auto d = DefinitionFromJson(j);
  if (d.ok()) return "OK";
  return std::string(d.status().message());
}

TEST(Definition, BaseIsValid) { EXPECT_EQ(ErrorOf(Base()), "OK"); }

TEST(Definition, ErrorsNameTheJsonPath) {
  json j = Base();
  j["scores"][0]["bands"][1]["min"] = 3;
  auto d = DefinitionFromJson(j);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("scores[0].bands[1].min: gap"));
  EXPECT_EQ(FieldOf(d.status()).value_or(""), "scores[0].bands[1].min");
}

TEST(Definition, BandOverlapAndShortCoverage) {
  json j = Base();
  j["scores"][0]["bands"][1]["min"] = 1;
  EXPECT_THAT(ErrorOf(j), HasSubstr("scores[0].bands[1].min: overlap"));
  j = Base();
  j["scores"][0]["bands"][1]["max"] = 3;
  EXPECT_THAT(ErrorOf(j), HasSubstr("scores[0].bands[1].max: gap: last band ends at 3"));
  j = Base();
  j["scores"][0]["bands"][0]["min"] = 1;
  EXPECT_THAT(ErrorOf(j), HasSubstr("scores[0].bands[0].min: gap: first band starts at 1"));
}

TEST(Definition, UnresolvedReferences) {
  json j = Base();
  j["scores"][0]["items"][1] = "zz";
  EXPECT_THAT(ErrorOf(j), HasSubstr("scores[0].items[1]: unknown item \"zz\""));
  j = Base();
  j["items"][0]["options"] = "nope";
  EXPECT_THAT(ErrorOf(j), HasSubstr("items[0].options: unknown option set \"nope\""));
  j = Base();
  j["critical"] = json::parse(R"([{"id": "c", "when": {"item": "a", "is": "9"}, "urgency": "urgent"}])");
  EXPECT_THAT(ErrorOf(j), HasSubstr("critical[0].when: item \"a\" has no option \"9\""));
  j = Base();
  j["items"][0]["show_if"] = json::parse(R"({"item": "b", "op": ">=", "value": 1})");
  EXPECT_THAT(ErrorOf(j), HasSubstr("items[0].show_if: item \"b\" is not an earlier item"));
  j = Base();
  j["feedback"] = json::parse(R"([{"key": "k", "audience": "student", "when": {"band": "total", "is": "mid"}, "text": {"en": "hi"}}])");
  EXPECT_THAT(ErrorOf(j), HasSubstr("feedback[0].when: band set \"total\" has no band \"mid\""));
}

TEST(Definition, UnknownFieldsAndTypes) {
  json j = Base();
  j["items"][1]["revers"] = true;
  EXPECT_THAT(ErrorOf(j), HasSubstr("items[1].revers: unknown field"));
  j = Base();
  j["items"][1]["type"] = "slider";
  EXPECT_THAT(ErrorOf(j), HasSubstr("items[1].type: unknown item type"));
  j = Base();
  j["title"] = json::parse(R"({"zh-CN": "x"})");
  EXPECT_THAT(ErrorOf(j), HasSubstr("title.zh-CN: language is not declared"));
  j = Base();
  j["languages"] = {"en", "zh-CN"};
  EXPECT_THAT(ErrorOf(j), HasSubstr("title.zh-CN: missing text"));
  EXPECT_THAT(std::string(ParseDefinition("{\"format\": ").status().message()), HasSubstr("line 1"));
  EXPECT_THAT(std::string(ParseDefinition("[]").status().message()), HasSubstr("must be an object"));
}

TEST(Definition, DuplicateCodesAndValues) {
  json j = Base();
  j["option_sets"]["o"][2]["code"] = "1";
  EXPECT_THAT(ErrorOf(j), HasSubstr("option_sets.o[2].code: duplicate option code"));
  j = Base();
  j["option_sets"]["o"][2]["value"] = 0;
  EXPECT_THAT(ErrorOf(j), HasSubstr("option_sets.o[2].value: duplicate option value"));
}

TEST(Definition, FractionalScoresNeedBelow) {
  json j = Base();
  j["scores"][0]["method"] = "mean";
  j["scores"][0]["bands"] = json::parse(R"([{"id": "low", "min": 0, "max": 1}, {"id": "high", "min": 1, "max": 2}])");
  EXPECT_THAT(ErrorOf(j), HasSubstr("scores[0].bands[0].max: score \"total\" is fractional"));
  j["scores"][0]["bands"] = json::parse(R"([{"id": "low", "min": 0, "below": 1.5}, {"id": "high", "min": 1.5, "max": 2}])");
  EXPECT_EQ(ErrorOf(j), "OK");
}

TEST(Definition, NormTablesCompleteAndMonotone) {
  json j = Base();
  j["norms"] = json::parse(R"([{"id": "t", "score": "total", "kind": "t_score", "by": "age", "groups": [
      {"sex": "male", "from": 10, "to": 12, "rows": [{"min": 0, "max": 1, "value": 40}, {"min": 2, "max": 4, "value": 60}]},
      {"sex": "female", "from": 10, "to": 12, "rows": [{"min": 0, "max": 1, "value": 42}, {"min": 2, "max": 4, "value": 62}]}]}])");
  EXPECT_EQ(ErrorOf(j), "OK");
  json k = j;
  k["norms"][0]["groups"][1]["rows"][1]["value"] = 30;
  EXPECT_THAT(ErrorOf(k), HasSubstr("norms[0].groups[1].rows[1].value: norm table is not monotone"));
  k = j;
  k["norms"][0]["groups"][1]["to"] = 13;
  EXPECT_THAT(ErrorOf(k), HasSubstr("incomplete norm table"));
  k = j;
  k["norms"][0]["groups"][0]["rows"][1]["max"] = 3;
  EXPECT_THAT(ErrorOf(k), HasSubstr("norms[0].groups[0].rows[1].max: gap"));
}

TEST(Definition, StudentFeedbackMustNotBeDiagnostic) {
  json j = Base();
  j["feedback"] = json::parse(R"([{"key": "k", "audience": "student", "when": {"band": "total", "is": "high"},
                                   "text": {"en": "Your answers suggest Depression."}}])");
  EXPECT_THAT(ErrorOf(j), HasSubstr("feedback[0].text.en: student-facing feedback must be supportive"));
  j["feedback"][0]["audience"] = "counsellor";
  EXPECT_EQ(ErrorOf(j), "OK");
}

TEST(Definition, ClassLevelsNeedDefaultLast) {
  json j = Base();
  j["classes"] = json::parse(R"([{"id": "c", "levels": [{"id": "x", "when": {"score": "total", "op": ">=", "value": 3}}, {"id": "y", "when": {"score": "total", "op": "<", "value": 3}}]}])");
  EXPECT_THAT(ErrorOf(j), HasSubstr("classes[0].levels[1].when: the last level is the default"));
}

TEST(Definition, RoundTripsThroughJson) {
  auto d = DefinitionFromJson(Base());
  ASSERT_TRUE(d.ok());
  auto again = DefinitionFromJson(DefinitionToJson(*d));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(DefinitionToJson(*again), DefinitionToJson(*d));
}

TEST(Registry, EveryBundledDefinitionLoads) {
  const Registry& reg = BundledDefinitions();
  for (const auto& [path, err] : reg.errors()) ADD_FAILURE() << path << ": " << err;
  EXPECT_NE(reg.Find("phq9"), nullptr);
  for (const auto& e : reg.entries()) {
    auto again = DefinitionFromJson(DefinitionToJson(e.definition));
    EXPECT_TRUE(again.ok()) << e.path << ": " << again.status();
  }
}

TEST(Registry, VersionsCompareNumerically) {
  EXPECT_LT(CompareVersions("1.9.2", "1.10.0"), 0);
  EXPECT_EQ(CompareVersions("2", "2.0"), 0);
  EXPECT_GT(CompareVersions("2.1", "2.0.9"), 0);
}

}  // namespace
}  // namespace xq::instruments
