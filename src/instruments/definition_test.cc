#include "instruments/definition.h"

#include <string>

#include "core/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "instruments/registry.h"

namespace xq::instruments {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// A small valid definition that tests mutate to provoke each error.
json Base() {
  return json::parse(R"({
    "format": "xinqiao-instrument/1", "id": "t", "version": "1", "languages": ["en"],
    "title": {"en": "T"},
    "provenance": {"citation": "c", "licence": {"holder": "h", "terms": "l"}, "wording_status": "placeholder",
                   "wording_source": "s"},
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
  j["feedback"] = json::parse(
      R"([{"key": "k", "audience": "student", "when": {"band": "total", "is": "mid"}, "text": {"en": "hi"}}])");
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
  j["scores"][0]["bands"] =
      json::parse(R"([{"id": "low", "min": 0, "below": 1.5}, {"id": "high", "min": 1.5, "max": 2}])");
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
  j["classes"] = json::parse(
      R"([{"id": "c", "levels": [{"id": "x", "when": {"score": "total", "op": ">=", "value": 3}}, {"id": "y", "when": {"score": "total", "op": "<", "value": 3}}]}])");
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

TEST(Definition, ProvenanceRecordsLicenceAndWording) {
  json j = Base();
  j["provenance"]["licence"] = "free";
  EXPECT_THAT(ErrorOf(j), HasSubstr("provenance.licence: must be an object"));
  j = Base();
  j["provenance"]["licence"].erase("holder");
  EXPECT_THAT(ErrorOf(j), HasSubstr("provenance.licence.holder: is required"));
  j = Base();
  j["provenance"].erase("wording_source");
  EXPECT_THAT(ErrorOf(j), HasSubstr("provenance.wording_source: is required"));
  j = Base();
  j["provenance"]["wording_status"] = "published";
  EXPECT_THAT(ErrorOf(j), HasSubstr("must be validated, translation, by_permission or placeholder"));
  j = Base();
  j["provenance"]["wording_status"] = "validated";
  EXPECT_THAT(ErrorOf(j), HasSubstr("provenance.wording_citation: is required when the wording is validated"));
  j["provenance"]["wording_citation"] = "Author 2010";
  auto d = DefinitionFromJson(j);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->unvalidated_wording());
  EXPECT_TRUE(d->enabled_by_default());
  j["provenance"]["licence"]["requires_licence"] = true;
  d = DefinitionFromJson(j);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->enabled_by_default());
  auto again = DefinitionFromJson(DefinitionToJson(*d));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->enabled_by_default());
}

json WithSets() {
  json j = Base();
  j["norm_sets"] = json::parse(R"([
    {"id": "orig", "label": {"en": "Original"}, "population": {"en": "P1"}, "citation": "c1"},
    {"id": "local", "label": {"en": "Local"}, "population": {"en": "P2"}, "citation": "c2",
     "bands": {"total": [{"id": "low", "min": 0, "max": 2}, {"id": "high", "min": 3, "max": 3},
                         {"id": "top", "min": 4, "max": 4}]}}])");
  j["default_norm_set"] = "local";
  j["feedback"] = json::parse(R"([{"key": "k.top", "audience": "counsellor", "when": {"band": "total", "is": "top"},
                                   "text": {"en": "top"}}])");
  return j;
}

TEST(Definition, NormSetsAreCheckedLikeTheDefinitionsOwnBands) {
  EXPECT_EQ(ErrorOf(WithSets()), "OK");
  json j = WithSets();
  j["norm_sets"][1]["bands"]["total"][0]["max"] = 1;
  EXPECT_THAT(ErrorOf(j), HasSubstr("norm_sets[1]: with this norm set, scores[0].bands[1].min: gap"));
  j = WithSets();
  j["norm_sets"][1]["bands"]["nope"] = j["norm_sets"][1]["bands"]["total"];
  EXPECT_THAT(ErrorOf(j), HasSubstr("norm_sets[1].bands.nope: unknown score"));
  j = WithSets();
  j.erase("default_norm_set");
  EXPECT_THAT(ErrorOf(j), HasSubstr("default_norm_set: is required"));
  j = WithSets();
  j["default_norm_set"] = "elsewhere";
  EXPECT_THAT(ErrorOf(j), HasSubstr("default_norm_set: unknown norm set"));
  j = WithSets();
  j["norm_sets"][1]["id"] = "orig";
  EXPECT_THAT(ErrorOf(j), HasSubstr("duplicate norm set id"));
  j = WithSets();
  j["norm_sets"][0].erase("citation");
  EXPECT_THAT(ErrorOf(j), HasSubstr("norm_sets[0].citation: is required"));
  j = WithSets();
  j["feedback"][0]["when"]["is"] = "nowhere";
  EXPECT_THAT(ErrorOf(j), HasSubstr("has no band \"nowhere\""));
  j = Base();
  j["default_norm_set"] = "x";
  EXPECT_THAT(ErrorOf(j), HasSubstr("default_norm_set: needs norm_sets"));
}

TEST(Definition, NormSetReplacesBandsAndIsReported) {
  auto d = DefinitionFromJson(WithSets());
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->norm_sets.size(), 2u);
  // The set without bands keeps the definition's own, written out.
  ASSERT_EQ(d->norm_sets[0].bands.at("total").size(), 2u);
  auto local = WithNormSet(*d, "");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->applied_norm_set, "local");
  EXPECT_EQ(local->scores[0].band_sets[0].bands.size(), 3u);
  auto orig = WithNormSet(*local, "orig");  // applying one set undoes another
  ASSERT_TRUE(orig.ok());
  EXPECT_EQ(orig->scores[0].band_sets[0].bands.size(), 2u);
  EXPECT_EQ(WithNormSet(*d, "nope").status().code(), absl::StatusCode::kNotFound);
  auto again = DefinitionFromJson(DefinitionToJson(*d));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(DefinitionToJson(*again), DefinitionToJson(*d));
}

TEST(Registry, ScalesWhoseLicenceForbidsActiveBundlingAreDisabledByDefault) {
  const Registry& reg = BundledDefinitions();
  const auto* cssrs = reg.Find("cssrs-screen");
  ASSERT_NE(cssrs, nullptr);
  EXPECT_TRUE(cssrs->definition.provenance.licence.requires_licence);
  EXPECT_FALSE(cssrs->definition.enabled_by_default());
  size_t disabled = 0;
  for (const auto& e : reg.entries()) {
    EXPECT_FALSE(e.definition.provenance.licence.holder.empty()) << e.path;
    EXPECT_FALSE(e.definition.provenance.licence.terms.empty()) << e.path;
    EXPECT_FALSE(e.definition.provenance.wording_source.empty()) << e.path;
    EXPECT_NE(e.definition.provenance.wording_status, "placeholder") << e.path;
    EXPECT_EQ(e.definition.enabled_by_default(), !e.definition.provenance.licence.requires_licence) << e.path;
    if (!e.definition.enabled_by_default()) ++disabled;
    // One plan per norm set; the default plan reports the default set.
    EXPECT_EQ(e.norm_plans.size(), e.definition.norm_sets.size()) << e.path;
    EXPECT_EQ(e.plan.definition().applied_norm_set, e.definition.default_norm_set) << e.path;
    for (const auto& [id, plan] : e.norm_plans) EXPECT_EQ(plan.definition().applied_norm_set, id) << e.path;
  }
  EXPECT_EQ(disabled, 1u);  // the C-SSRS screener, nothing else
}

TEST(Registry, VersionsCompareNumerically) {
  EXPECT_LT(CompareVersions("1.9.2", "1.10.0"), 0);
  EXPECT_EQ(CompareVersions("2", "2.0"), 0);
  EXPECT_GT(CompareVersions("2.1", "2.0.9"), 0);
}

}  // namespace
}  // namespace xq::instruments
