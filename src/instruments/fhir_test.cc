#include "instruments/fhir.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "instruments/registry.h"

namespace xq::instruments {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

fs::path CasesDir() {
  const char* root = std::getenv("XQ_SOURCE_DIR");
  return fs::path(root ? root : ".") / "tests" / "cases";
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ScoringPlan MustCompile(const Definition& d) {
  auto p = Compile(d);
  EXPECT_TRUE(p.ok()) << p.status();
  return std::move(*p);
}

// Random complete response (option indices) for a plan.
Response Random(const ScoringPlan& plan, std::mt19937_64& rng) {
  Response r = plan.NewResponse();
  const auto& items = plan.definition().items;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].type == ItemType::kText) continue;
    size_t n = items[i].options.size();
    r.answers[i] = items[i].type == ItemType::kMulti ? static_cast<int32_t>(1 + rng() % ((1u << n) - 1))
                                                     : static_cast<int32_t>(rng() % n);
  }
  return r;
}

// Scores `imported` by position against `reference` (same item order and
// option order), comparing the total.
void ExpectSameTotals(const ScoringPlan& reference, const ScoringPlan& imported, size_t scored_items) {
  std::mt19937_64 rng(42);
  int ref_total = reference.definition().ScoreIndex("total");
  int imp_total = imported.definition().ScoreIndex("total");
  ASSERT_GE(ref_total, 0);
  ASSERT_GE(imp_total, 0);
  for (int n = 0; n < 500; ++n) {
    Response a = Random(reference, rng);
    Response b = imported.NewResponse();
    for (size_t i = 0; i < scored_items; ++i) b.answers[i] = a.answers[i];
    auto ra = reference.Score(a);
    auto rb = imported.Score(b);
    ASSERT_TRUE(ra.ok()) << ra.status();
    ASSERT_TRUE(rb.ok()) << rb.status();
    ASSERT_TRUE(rb->scores[imp_total].available);
    EXPECT_EQ(ra->scores[ref_total].value, rb->scores[imp_total].value);
  }
}

TEST(Fhir, ImportsLoincPhq9AsPublished) {
  auto def = ImportQuestionnaire(ReadFile(CasesDir() / "fhir/phq9-loinc.questionnaire.json"));
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ(def->id, "phq-9-quick-depression-assessment-panel");
  ASSERT_EQ(def->items.size(), 10u);  // 9 scored + difficulty; the total item becomes the score
  EXPECT_EQ(def->items[0].id, "/44250-9");
  EXPECT_EQ(def->items[0].options[3].code, "LA6571-9");
  EXPECT_EQ(def->items[0].options[3].value, 3);
  EXPECT_EQ(def->items[9].id, "/69722-7");
  ASSERT_EQ(def->scores.size(), 1u);
  EXPECT_EQ(def->scores[0].id, "total");
  EXPECT_EQ(def->scores[0].items.size(), 9u);
  ScoringPlan plan = MustCompile(*def);
  ExpectSameTotals(BundledDefinitions().Find("phq9")->plan, plan, 9);

  // The matching QuestionnaireResponse scores without edits.
  auto resp = ResponseFromFhir(plan, json::parse(ReadFile(CasesDir() / "fhir/phq9-loinc.response.json")));
  ASSERT_TRUE(resp.ok()) << resp.status();
  auto res = plan.Score(*resp);
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(ResultToJson(plan, *res)["scores"]["total"], 13);
}

TEST(Fhir, ImportsLoincGad7WeightsOnCodingAndInValueSets) {
  for (const char* file : {"fhir/gad7-loinc.questionnaire.json", "fhir/gad7-valueset.questionnaire.json"}) {
    SCOPED_TRACE(file);
    auto def = ImportQuestionnaire(ReadFile(CasesDir() / file));
    ASSERT_TRUE(def.ok()) << def.status();
    ASSERT_EQ(def->scores.size(), 1u);
    EXPECT_EQ(def->scores[0].items.size(), 7u);
    ExpectSameTotals(BundledDefinitions().Find("gad7")->plan, MustCompile(*def), 7);
  }
}

TEST(Fhir, ExportWritesScoredWeightsAndCalculatedTotals) {
  const Definition& cesd = BundledDefinitions().Find("cesd")->definition;
  json q = ExportQuestionnaire(cesd, "zh-CN");
  EXPECT_EQ(q["resourceType"], "Questionnaire");
  EXPECT_EQ(q["language"], "zh-CN");
  const json& q4 = q["item"][3];
  EXPECT_EQ(q4["linkId"], "q4");
  EXPECT_EQ(q4["answerOption"][0]["valueCoding"]["code"], "0");
  EXPECT_EQ(q4["answerOption"][0]["extension"][0]["valueDecimal"], 3);  // reverse-keyed
  EXPECT_EQ(q4["_text"]["extension"][0]["extension"][0]["valueCode"], "en");
  const json& total = q["item"][20];
  EXPECT_EQ(total["linkId"], "total");
  EXPECT_EQ(total["readOnly"], true);
  // C-SSRS skip logic becomes enableWhen.
  json c = ExportQuestionnaire(BundledDefinitions().Find("cssrs-screen")->definition);
  EXPECT_EQ(c["item"][2]["enableWhen"][0], (json{{"question", "q2"}, {"operator", "="}, {"answerBoolean", true}}));
}

// Export → import keeps every plain-sum score and the skip logic.
TEST(Fhir, RoundTripScoresIdentically) {
  std::vector<Definition> defs;
  for (const auto& e : BundledDefinitions().entries()) defs.push_back(e.definition);
  for (const auto& entry : fs::directory_iterator(CasesDir() / "defs")) {
    auto d = ParseDefinition(ReadFile(entry.path()));
    ASSERT_TRUE(d.ok());
    defs.push_back(*d);
  }
  std::mt19937_64 rng(3);
  for (const Definition& def : defs) {
    SCOPED_TRACE(def.id);
    ScoringPlan plan = MustCompile(def);
    json q = ExportQuestionnaire(def);
    auto back = ImportQuestionnaireJson(q);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->items.size(), def.items.size());
    ScoringPlan plan2 = MustCompile(*back);
    for (int n = 0; n < 200; ++n) {
      Response r = Random(plan, rng);
      // Through QuestionnaireResponse and back into the imported plan.
      json qr = ResponseToFhir(plan, r);
      auto r2 = ResponseFromFhir(plan2, qr);
      ASSERT_TRUE(r2.ok()) << r2.status() << "\n" << qr.dump();
      auto a = plan.Score(r);
      auto b = plan2.Score(*r2);
      ASSERT_EQ(a.ok(), b.ok()) << (a.ok() ? b.status() : a.status());
      if (!a.ok()) continue;
      for (const auto& s : def.scores) {
        if (s.method != Method::kSum || s.items.empty()) continue;
        int i1 = def.ScoreIndex(s.id), i2 = back->ScoreIndex(s.id);
        if (back->scores.size() == 1) i2 = 0;
        ASSERT_GE(i2, 0) << s.id;
        EXPECT_EQ(a->scores[i1].available, b->scores[i2].available) << s.id;
        if (a->scores[i1].available) {
          EXPECT_EQ(a->scores[i1].value, b->scores[i2].value) << s.id;
        }
      }
    }
  }
}

TEST(Fhir, PreciseErrors) {
  EXPECT_THAT(std::string(ImportQuestionnaire(R"({"resourceType":"Patient"})").status().message()),
              HasSubstr("resourceType: expected a FHIR Questionnaire"));
  json q = json::parse(ReadFile(CasesDir() / "fhir/phq9-loinc.questionnaire.json"));
  q["item"][0]["item"][2]["answerOption"][1].erase("extension");
  EXPECT_THAT(std::string(ImportQuestionnaireJson(q).status().message()),
              HasSubstr("item[0].item[2]: some answer options carry a weight and some do not"));
  q = json::parse(ReadFile(CasesDir() / "fhir/gad7-valueset.questionnaire.json"));
  q["item"][1]["answerValueSet"] = "#nope";
  EXPECT_THAT(std::string(ImportQuestionnaireJson(q).status().message()),
              HasSubstr("item[1].answerValueSet: contained value set #nope not found"));
  q["item"][1]["answerValueSet"] = "http://loinc.org/vs/LL358-3";
  EXPECT_THAT(std::string(ImportQuestionnaireJson(q).status().message()), HasSubstr("only contained value sets"));
  q["item"][1]["type"] = "attachment";
  EXPECT_THAT(std::string(ImportQuestionnaireJson(q).status().message()),
              HasSubstr("item[1].type: item type \"attachment\""));

  // Found by the fuzzer: a repeated linkId used to loop forever.
  q = json::parse(ReadFile(CasesDir() / "fhir/gad7-valueset.questionnaire.json"));
  q["item"][3]["linkId"] = q["item"][1]["linkId"];
  EXPECT_THAT(std::string(ImportQuestionnaireJson(q).status().message()),
              HasSubstr("item[3].linkId: duplicate linkId \"68509-9\""));

  const ScoringPlan& plan = BundledDefinitions().Find("phq9")->plan;
  json qr = {{"resourceType", "QuestionnaireResponse"},
             {"item", {{{"linkId", "q3"}, {"answer", {{{"valueCoding", {{"code", "9"}}}}}}}}}};
  EXPECT_THAT(std::string(ResponseFromFhir(plan, qr).status().message()),
              HasSubstr("item[0].answer[0].valueCoding.code: unknown option code \"9\" for item q3"));
  qr["item"][0]["linkId"] = "zz";
  EXPECT_THAT(std::string(ResponseFromFhir(plan, qr).status().message()),
              HasSubstr("item[0].linkId: \"zz\" is not an item"));
}

}  // namespace
}  // namespace xq::instruments
