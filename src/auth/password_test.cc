#include "auth/password.h"

#include "core/status.h"
#include "gtest/gtest.h"

namespace xq::auth {
namespace {

TEST(Password, HashVerifies) {
  auto h = HashPassword("correct horse");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horsE"));
  EXPECT_FALSE(VerifyPassword("garbage", "x"));
  EXPECT_NE(*h, HashPassword("correct horse").value());  // salted
}

TEST(Password, StrengthRules) {
  EXPECT_TRUE(CheckPasswordStrength("Xinqiao@2026", "p").ok());
  auto s = CheckPasswordStrength("short", "new_password");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s).value(), "new_password");
  EXPECT_FALSE(CheckPasswordStrength("12345678", "p").ok());
  EXPECT_FALSE(CheckPasswordStrength(std::string(129, 'a'), "p").ok());
}

}  // namespace
}  // namespace xq::auth
