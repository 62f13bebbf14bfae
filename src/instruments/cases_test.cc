// Runs the golden cases in tests/cases/*.cases.json (inputs → expected
// scores, bands, classes, critical items, flags, norms or an error) against
// the bundled and test definitions, and property tests over random
// responses: scores stay in range, batch and single scoring agree.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "instruments/csv_scoring.h"
#include "instruments/registry.h"
#include "instruments/scoring.h"

namespace xq::instruments {
namespace {

using nlohmann::json;
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

// Loads a bundled id or a path relative to tests/cases, scoring with norm
// set `norm_set` (empty: the definition's default).
const ScoringPlan* LoadPlan(const std::string& ref, const std::string& norm_set,
                            std::vector<std::unique_ptr<ScoringPlan>>& keep) {
  if (ref.ends_with(".json")) {
    auto def = ParseDefinition(ReadFile(CasesDir() / ref));
    EXPECT_TRUE(def.ok()) << ref << ": " << def.status();
    if (!def.ok()) return nullptr;
    auto plan = Compile(*def, norm_set);
    EXPECT_TRUE(plan.ok()) << plan.status();
    if (!plan.ok()) return nullptr;
    keep.push_back(std::make_unique<ScoringPlan>(std::move(*plan)));
    return keep.back().get();
  }
  const auto* e = BundledDefinitions().Find(ref);
  EXPECT_NE(e, nullptr) << "no bundled definition " << ref;
  if (!e) return nullptr;
  const ScoringPlan* plan = e->PlanFor(norm_set);
  EXPECT_NE(plan, nullptr) << ref << " has no norm set " << norm_set;
  return plan;
}

std::string CellOf(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

bool SameNumber(const json& a, const json& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (!a.is_number() || !b.is_number()) return false;
  return std::fabs(a.get<double>() - b.get<double>()) < 1e-9;
}

void CheckCase(const ScoringPlan& plan, const json& c, const std::string& where) {
  const Definition& def = plan.definition();
  const bool by_value = c.value("by_value", false);
  Response r = plan.NewResponse();
  const json& answers = c.at("answers");
  for (auto it = answers.begin(); it != answers.end(); ++it)
    ASSERT_GE(plan.ItemIndex(it.key()), 0) << where << ": answers name unknown item " << it.key();
  absl::Status parse_error;
  for (size_t i = 0; i < def.items.size() && parse_error.ok(); ++i) {
    const Item& item = def.items[i];
    json v;
    if (answers.contains(item.id))
      v = answers[item.id];
    else if (c.contains("fill") && item.type != ItemType::kText)
      v = c["fill"];
    if (v.is_null()) continue;
    std::string cell = CellOf(v);
    if (item.type == ItemType::kMulti && cell.empty()) {
      r.answers[i] = 0;  // answered, nothing chosen
      continue;
    }
    auto a = ParseAnswerCell(plan, i, cell, by_value);
    if (a.ok())
      r.answers[i] = *a;
    else
      parse_error = a.status();
  }
  if (c.contains("elapsed_seconds")) r.elapsed_seconds = c["elapsed_seconds"].get<double>();
  if (c.contains("age")) r.age = c["age"].get<int>();
  if (c.contains("grade")) r.grade = c["grade"].get<int>();
  if (c.contains("sex")) r.sex = c["sex"] == "male" ? Sex::kMale : Sex::kFemale;

  absl::StatusOr<Result> res = parse_error.ok() ? plan.Score(r) : absl::StatusOr<Result>(parse_error);
  // The batch (compiled, column-wise) path must agree on every case.
  if (parse_error.ok()) {
    ColumnBatch batch;
    batch.rows = 1;
    for (int32_t a : r.answers) batch.answers.push_back({a});
    if (r.elapsed_seconds) batch.elapsed_seconds = {*r.elapsed_seconds};
    if (r.sex != Sex::kUnknown) batch.sex = {r.sex};
    if (r.age) batch.age = {static_cast<int16_t>(*r.age)};
    if (r.grade) batch.grade = {static_cast<int16_t>(*r.grade)};
    BatchResult br = plan.ScoreBatch(batch);
    ASSERT_EQ(br.ok.at(0) == 1, res.ok()) << where << ": batch and single disagree on success";
    if (res.ok()) {
      EXPECT_EQ(ResultToJson(plan, plan.RowOf(br, 0)), ResultToJson(plan, *res)) << where << ": batch path differs";
    }
  }
  if (c.contains("error")) {
    ASSERT_FALSE(res.ok()) << where << ": expected error " << c["error"];
    EXPECT_THAT(std::string(res.status().message()), ::testing::HasSubstr(c["error"].get<std::string>())) << where;
    return;
  }
  ASSERT_TRUE(res.ok()) << where << ": " << res.status();
  json got = ResultToJson(plan, *res);
  const json& exp = c.at("expect");
  for (auto it = exp.begin(); it != exp.end(); ++it) {
    const std::string& key = it.key();
    const json& want = it.value();
    if (key == "scores") {
      for (auto s = want.begin(); s != want.end(); ++s) {
        ASSERT_TRUE(got["scores"].contains(s.key())) << where << ": no score " << s.key();
        EXPECT_TRUE(SameNumber(got["scores"][s.key()], s.value()))
            << where << ": score " << s.key() << " = " << got["scores"][s.key()] << ", want " << s.value();
      }
    } else if (key == "bands" || key == "classes") {
      if (want.empty() && key == "bands") {
        EXPECT_TRUE(got["bands"].empty()) << where << ": unexpected bands " << got["bands"];
      }
      for (auto b = want.begin(); b != want.end(); ++b) {
        ASSERT_TRUE(got[key].contains(b.key())) << where << ": no " << key << " for " << b.key() << " in " << got;
        const json& g = got[key][b.key()];
        if (b.value().is_string()) {
          EXPECT_EQ(g["id"], b.value()) << where << ": " << key << " " << b.key();
        } else {
          EXPECT_EQ(g, b.value()) << where << ": " << key << " " << b.key();
        }
      }
    } else if (key == "norms") {
      json norms = got.value("norms", json::object());
      if (want.empty()) {
        EXPECT_TRUE(norms.empty()) << where << ": unexpected norms " << norms;
      }
      for (auto n = want.begin(); n != want.end(); ++n)
        EXPECT_TRUE(norms.contains(n.key()) && SameNumber(norms[n.key()], n.value()))
            << where << ": norm " << n.key() << " = " << norms << ", want " << n.value();
    } else if (key == "critical") {
      std::vector<std::string> ids;
      for (const auto& h : got["critical"]) ids.push_back(h["id"]);
      EXPECT_EQ(ids, want.get<std::vector<std::string>>()) << where;
    } else if (key == "flags") {
      auto g = got["flags"].get<std::vector<std::string>>();
      auto w = want.get<std::vector<std::string>>();
      EXPECT_EQ(std::multiset<std::string>(g.begin(), g.end()), std::multiset<std::string>(w.begin(), w.end()))
          << where << ": flags " << got["flags"];
    } else if (key == "norm_set") {
      EXPECT_EQ(got.value("norm_set", json()), want) << where << ": norm set";
    } else if (key == "valid") {
      EXPECT_EQ(got["valid"], want) << where;
    } else if (key == "feedback_includes") {
      for (const auto& k : want)
        EXPECT_TRUE(std::find(got["feedback"].begin(), got["feedback"].end(), k) != got["feedback"].end())
            << where << ": feedback lacks " << k << " in " << got["feedback"];
    } else {
      ADD_FAILURE() << where << ": unknown expectation " << key;
    }
  }
}

TEST(GoldenCases, AllFiles) {
  std::vector<std::unique_ptr<ScoringPlan>> keep;
  std::set<std::string> covered, covered_sets;
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(CasesDir())) {
    if (!entry.path().string().ends_with(".cases.json")) continue;
    auto doc = json::parse(ReadFile(entry.path()));
    const std::string ref = doc.at("definition");
    for (const auto& c : doc.at("cases")) {
      SCOPED_TRACE(c.value("name", "?"));
      const std::string norm_set = c.value("norm_set", doc.value("norm_set", ""));
      const ScoringPlan* plan = LoadPlan(ref, norm_set, keep);
      ASSERT_NE(plan, nullptr) << entry.path();
      covered.insert(plan->definition().id);
      if (!norm_set.empty()) covered_sets.insert(plan->definition().id + "#" + norm_set);
      CheckCase(*plan, c, entry.path().filename().string() + ": " + c.value("name", "?"));
      ++count;
    }
  }
  EXPECT_GT(count, 100u);
  // Every bundled definition and every test definition has golden cases.
  for (const auto& e : BundledDefinitions().entries())
    EXPECT_TRUE(covered.contains(e.definition.id)) << e.definition.id;
  // ... and every norm set of the newest bundled versions has cases naming it.
  for (const auto& e : BundledDefinitions().entries()) {
    if (BundledDefinitions().Find(e.definition.id) != &e) continue;
    for (const auto& ns : e.definition.norm_sets)
      EXPECT_TRUE(covered_sets.contains(e.definition.id + "#" + ns.id)) << e.definition.id << " norm set " << ns.id;
  }
  for (const auto& entry : fs::directory_iterator(CasesDir() / "defs")) {
    auto def = ParseDefinition(ReadFile(entry.path()));
    ASSERT_TRUE(def.ok()) << entry.path() << ": " << def.status();
    EXPECT_TRUE(covered.contains(def->id)) << def->id;
  }
}

// Random valid responses for a plan (hidden items answered too: the engine
// must ignore them). `missing_rate` leaves answers out where allowed.
Response RandomResponse(const ScoringPlan& plan, std::mt19937_64& rng, double missing_rate) {
  const Definition& def = plan.definition();
  Response r = plan.NewResponse();
  std::uniform_real_distribution<double> u(0, 1);
  for (size_t i = 0; i < def.items.size(); ++i) {
    const Item& it = def.items[i];
    if (it.type == ItemType::kText) continue;
    if ((def.allow_missing || !it.required) && u(rng) < missing_rate) continue;
    size_t n = it.options.size();
    if (it.type == ItemType::kMulti)
      r.answers[i] = static_cast<int32_t>(rng() % (uint64_t{1} << n));
    else
      r.answers[i] = static_cast<int32_t>(rng() % n);
  }
  r.elapsed_seconds = static_cast<double>(rng() % 600);
  r.sex = (rng() & 1) ? Sex::kMale : Sex::kFemale;
  r.age = 8 + static_cast<int>(rng() % 14);
  r.grade = 1 + static_cast<int>(rng() % 16);
  return r;
}

std::vector<std::unique_ptr<ScoringPlan>> AllPlans() {
  std::vector<std::unique_ptr<ScoringPlan>> plans;
  for (const auto& e : BundledDefinitions().entries()) {
    auto p = Compile(e.definition);
    plans.push_back(std::make_unique<ScoringPlan>(std::move(*p)));
    for (const auto& ns : e.definition.norm_sets) {
      auto q = Compile(e.definition, ns.id);
      plans.push_back(std::make_unique<ScoringPlan>(std::move(*q)));
    }
  }
  for (const auto& entry : fs::directory_iterator(CasesDir() / "defs")) {
    auto def = ParseDefinition(ReadFile(entry.path()));
    if (!def.ok()) continue;
    auto p = Compile(*def);
    plans.push_back(std::make_unique<ScoringPlan>(std::move(*p)));
  }
  return plans;
}

TEST(Properties, ScoresStayInRangeAndEveryScoreHasABand) {
  std::mt19937_64 rng(20240901);
  for (const auto& plan : AllPlans()) {
    const Definition& def = plan->definition();
    SCOPED_TRACE(def.id);
    for (int n = 0; n < 2000; ++n) {
      Response r = RandomResponse(*plan, rng, 0.2);
      auto res = plan->Score(r);
      // Only skip-logic omissions can fail (a now-visible item left out by
      // the random draw is never the case: every item is answered unless
      // missing data is allowed), so every response must score.
      ASSERT_TRUE(res.ok()) << res.status();
      for (size_t s = 0; s < def.scores.size(); ++s) {
        const ScoreValue& v = res->scores[s];
        if (!v.available) continue;
        EXPECT_GE(v.value, def.scores[s].range_min) << def.scores[s].id;
        EXPECT_LE(v.value, def.scores[s].range_max) << def.scores[s].id;
      }
      const auto& refs = plan->band_sets();
      for (size_t k = 0; k < refs.size(); ++k)
        if (res->scores[refs[k].score].available) {
          EXPECT_GE(res->bands[k], 0) << refs[k].name;
        }
      for (size_t c = 0; c < def.classes.size(); ++c) EXPECT_GE(res->classes[c], 0);
    }
  }
}

TEST(Properties, ResultTextIsTheDomDumped) {
  std::mt19937_64 rng(11);
  for (const auto& plan : AllPlans()) {
    SCOPED_TRACE(plan->definition().id);
    for (int n = 0; n < 300; ++n) {
      auto res = plan->Score(RandomResponse(*plan, rng, 0.2));
      ASSERT_TRUE(res.ok()) << res.status();
      ASSERT_EQ(ResultJsonText(*plan, *res), ResultToJson(*plan, *res).dump());
    }
  }
}

TEST(Properties, BatchAgreesWithSingle) {
  std::mt19937_64 rng(7);
  for (const auto& plan : AllPlans()) {
    const Definition& def = plan->definition();
    SCOPED_TRACE(def.id);
    const size_t rows = 500;
    ColumnBatch batch;
    batch.rows = rows;
    batch.answers.assign(def.items.size(), {});
    std::vector<Response> responses;
    for (size_t r = 0; r < rows; ++r) {
      Response resp = RandomResponse(*plan, rng, 0.2);
      if (r % 37 == 5) resp.answers[0] = 99;  // some rows are bad
      if (r % 41 == 3 && !def.allow_missing && def.items[0].required) resp.answers[0] = kMissing;
      for (size_t i = 0; i < def.items.size(); ++i) batch.answers[i].push_back(resp.answers[i]);
      batch.elapsed_seconds.push_back(*resp.elapsed_seconds);
      batch.sex.push_back(resp.sex);
      batch.age.push_back(static_cast<int16_t>(*resp.age));
      batch.grade.push_back(static_cast<int16_t>(*resp.grade));
      responses.push_back(std::move(resp));
    }
    BatchResult br = plan->ScoreBatch(batch);
    size_t errors = 0;
    for (size_t r = 0; r < rows; ++r) {
      auto single = plan->Score(responses[r]);
      ASSERT_EQ(single.ok(), br.ok[r] == 1) << "row " << r;
      if (!single.ok()) {
        ++errors;
        continue;
      }
      EXPECT_EQ(ResultToJson(*plan, *single), ResultToJson(*plan, plan->RowOf(br, r))) << "row " << r;
    }
    EXPECT_EQ(errors, br.errors.size());
    EXPECT_GT(errors, 0u);
  }
}

TEST(Csv, ScoresRowsAndReportsBadOnesWithTheirLine) {
  const ScoringPlan& plan = BundledDefinitions().Find("phq9")->plan;
  std::string csv =
      "respondent_id,q1,q2,q3,q4,q5,q6,q7,q8,q9\n"
      "s1,1,1,1,1,1,1,1,1,1\n"
      "s2,0,0,0,0,0,0,0,0,7\n"
      "s3,3,3,3,3,3,3,3,3,0\r\n"
      "s4,0,0,0,0,,0,0,0,0\n"
      "\"s,5\",2,2,2,2,2,2,2,2,0\n";
  auto out = ScoreCsv(plan, csv, {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->rows, 5u);
  EXPECT_EQ(out->scored, 3u);
  ASSERT_EQ(out->errors.size(), 2u);
  EXPECT_EQ(out->errors[0], "line 3: respondent s2: item q9: unknown option code \"7\"");
  EXPECT_EQ(out->errors[1], "line 5: respondent s4: item q5: no answer");
  std::istringstream lines(out->output);
  std::string l1, l2, l3;
  std::getline(lines, l1);
  std::getline(lines, l2);
  std::getline(lines, l3);
  auto j1 = json::parse(l1);
  EXPECT_EQ(j1["respondent_id"], "s1");
  EXPECT_EQ(j1["scores"]["total"], 9);
  EXPECT_EQ(j1["bands"]["total"], (json{{"id", "mild"}, {"index", 1}}));
  EXPECT_EQ(j1["critical"][0]["item"], "q9");
  EXPECT_EQ(j1["critical"][0]["urgency"], "urgent");
  EXPECT_EQ(j1["valid"], true);
  EXPECT_EQ(json::parse(l2)["scores"]["total"], 24);
  EXPECT_EQ(json::parse(l3)["respondent_id"], "s,5");

  CsvScoreOptions csv_out{true, OutputFormat::kCsv};
  auto o2 = ScoreCsv(plan, "respondent_id,q1,q2,q3,q4,q5,q6,q7,q8,q9,q10\na,3,3,3,3,3,3,3,3,3,3\n", csv_out);
  ASSERT_TRUE(o2.ok()) << o2.status();
  EXPECT_EQ(o2->output, "respondent_id,total,total_band,critical,valid,flags\na,27,severe,q9_self_harm:urgent,true,\n");
}

TEST(Csv, HeaderErrors) {
  const ScoringPlan& plan = BundledDefinitions().Find("phq9")->plan;
  EXPECT_THAT(std::string(ScoreCsv(plan, "q1,q2\n", {}).status().message()), ::testing::HasSubstr("respondent_id"));
  EXPECT_THAT(std::string(ScoreCsv(plan, "respondent_id,q1,qq\n", {}).status().message()),
              ::testing::HasSubstr("column \"qq\" is not an item of phq9"));
  EXPECT_THAT(std::string(ScoreCsv(plan, "respondent_id,q1,q1\n", {}).status().message()),
              ::testing::HasSubstr("duplicate column"));
  EXPECT_THAT(std::string(ScoreCsv(plan, "respondent_id,q1\n\"x,1\n", {}).status().message()),
              ::testing::HasSubstr("unterminated"));
  auto short_row = ScoreCsv(plan, "respondent_id,q1\nx\n", {});
  ASSERT_TRUE(short_row.ok());
  EXPECT_THAT(short_row->errors.at(0), ::testing::HasSubstr("line 2: respondent x: 1 fields, the header has 2"));
}

}  // namespace
}  // namespace xq::instruments
