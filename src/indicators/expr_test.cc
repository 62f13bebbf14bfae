#include "indicators/expr.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace xq::indicators {
namespace {

using ::testing::HasSubstr;

std::optional<double> Eval(std::string_view text, const std::map<std::string, double>& f) {
  auto e = Expr::Parse(text);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? e->Eval(f) : std::nullopt;
}

std::string ErrorOf(std::string_view text) {
  auto e = Expr::Parse(text);
  EXPECT_FALSE(e.ok()) << text;
  return e.ok() ? "" : std::string(e.status().message());
}

TEST(ExprTest, ArithmeticPrecedenceAndFunctions) {
  EXPECT_EQ(Eval("1 + 2 * 3", {}), 7);
  EXPECT_EQ(Eval("(1 + 2) * 3", {}), 9);
  EXPECT_EQ(Eval("10 - 4 - 3", {}), 3);
  EXPECT_EQ(Eval("-2 + 5", {}), 3);
  EXPECT_EQ(Eval("ceil(4001 / 4000)", {}), 2);
  EXPECT_EQ(Eval("floor(3.9)", {}), 3);
  EXPECT_EQ(Eval("max(2, ceil(students / 4000))", {{"students", 12001}}), 4);
  EXPECT_EQ(Eval("min(1, 0.5)", {}), 0.5);
}

TEST(ExprTest, ComparisonsAndLogic) {
  const std::map<std::string, double> f = {{"a", 2}, {"b", 3}};
  EXPECT_EQ(Eval("a >= 2", f), 1);
  EXPECT_EQ(Eval("a > 2", f), 0);
  EXPECT_EQ(Eval("a < b && b <= 3", f), 1);
  EXPECT_EQ(Eval("a == 3 || b != 3", f), 0);
  EXPECT_EQ(Eval("!(a == 3)", f), 1);
  // Boundaries in floating point: 1/3 of 3 hours is 1 hour.
  EXPECT_EQ(Eval("x >= y / 3", {{"x", 1}, {"y", 3}}), 1);
  EXPECT_EQ(Eval("x / y >= 0.1", {{"x", 0.3}, {"y", 3}}), 1);
}

TEST(ExprTest, MissingFactsAndZeroDenominatorsAreUnknownNotZero) {
  EXPECT_EQ(Eval("a >= 1", {}), std::nullopt);
  EXPECT_EQ(Eval("a / b >= 0.5", {{"a", 1}, {"b", 0}}), std::nullopt);
  // A known false side decides && whatever the other; a known true side ||.
  EXPECT_EQ(Eval("a >= 1 && missing >= 1", {{"a", 0}}), 0);
  EXPECT_EQ(Eval("a >= 1 || missing >= 1", {{"a", 1}}), 1);
  EXPECT_EQ(Eval("a >= 1 && missing >= 1", {{"a", 1}}), std::nullopt);
}

TEST(ExprTest, CollectsFactNames) {
  auto e = Expr::Parse("psych_teachers_fulltime >= max(2, ceil(students / 4000))");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->facts(), (std::set<std::string>{"psych_teachers_fulltime", "students"}));
}

TEST(ExprTest, PreciseErrors) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("at 1: expected a number"));
  EXPECT_THAT(ErrorOf("a >="), HasSubstr("at 5: expected a number, a fact name or '(' but the expression ends"));
  EXPECT_THAT(ErrorOf("(a + 1"), HasSubstr("at 7: expected ')'"));
  EXPECT_THAT(ErrorOf("max(1)"), HasSubstr("max takes 2 arguments, not 1"));
  EXPECT_THAT(ErrorOf("ceil(1, 2)"), HasSubstr("ceil takes 1 argument, not 2"));
  EXPECT_THAT(ErrorOf("sqrt(4)"), HasSubstr("at 1: unknown function 'sqrt'"));
  EXPECT_THAT(ErrorOf("a # b"), HasSubstr("at 3: unexpected '#'"));
  EXPECT_THAT(ErrorOf("1 < a < 3"), HasSubstr("comparisons do not chain"));
  EXPECT_THAT(ErrorOf("1.2.3"), HasSubstr("one decimal point"));
  EXPECT_THAT(ErrorOf("max(1 2)"), HasSubstr("expected ',' or ')' in the arguments of max"));
  EXPECT_THAT(ErrorOf("a b"), HasSubstr("at 3: unexpected 'b'"));
  auto e = Expr::Parse("(");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace xq::indicators
