#include "instruments/scoring.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "instruments/registry.h"

namespace xq::instruments {
namespace {

using ::testing::HasSubstr;

TEST(Scoring, Phq9TotalBandAndCritical) {
  const auto* e = BundledDefinitions().Find("phq9");
  ASSERT_NE(e, nullptr);
  const ScoringPlan& plan = e->plan;
  Response r = plan.NewResponse();
  for (int i = 0; i < 8; ++i) r.answers[i] = 1;
  r.answers[8] = 1;
  auto res = plan.Score(r);
  ASSERT_TRUE(res.ok()) << res.status();
  auto j = ResultToJson(plan, *res);
  EXPECT_EQ(j["scores"]["total"], 9);
  EXPECT_EQ(j["bands"]["total"]["id"], "mild");
  EXPECT_EQ(j["bands"]["total"]["index"], 1);
  ASSERT_EQ(j["critical"].size(), 1u);
  EXPECT_EQ(j["critical"][0]["item"], "q9");
  EXPECT_EQ(j["critical"][0]["urgency"], "urgent");
}

TEST(Scoring, MissingAndOutOfRangeAreErrors) {
  const ScoringPlan& plan = BundledDefinitions().Find("phq9")->plan;
  Response r = plan.NewResponse();
  for (int i = 0; i < 9; ++i) r.answers[i] = 0;
  r.answers[3] = kMissing;
  auto res = plan.Score(r);
  ASSERT_FALSE(res.ok());
  EXPECT_THAT(std::string(res.status().message()), HasSubstr("item q4: no answer"));
  r.answers[3] = 4;
  res = plan.Score(r);
  ASSERT_FALSE(res.ok());
  EXPECT_THAT(std::string(res.status().message()), HasSubstr("item q4: option index 4 out of range"));
  r.answers.pop_back();
  EXPECT_FALSE(plan.Score(r).ok());
}

}  // namespace
}  // namespace xq::instruments
