#include "crisis/crisis_service.h"

#include "gtest/gtest.h"

namespace xq::crisis {
namespace {

TEST(CrisisStepsTest, Order) {
  EXPECT_EQ(StepIndex("report"), 0);
  EXPECT_EQ(StepIndex("close"), 4);
  EXPECT_EQ(StepIndex("nope"), -1);
}

}  // namespace
}  // namespace xq::crisis
