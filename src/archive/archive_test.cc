#include "archive/quota.h"
#include "gtest/gtest.h"

namespace xq::archive {
namespace {
TEST(Quota, Placeholder) { EXPECT_TRUE(HasQuota("head_teacher")); }
}  // namespace
}  // namespace xq::archive
