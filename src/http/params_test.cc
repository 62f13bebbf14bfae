#include "http/params.h"

#include "core/status.h"
#include "gtest/gtest.h"

namespace xq::http {
namespace {

TEST(Params, CheckQueryNamesTheUnknownParameter) {
  Request req;
  req.query = {{"q", "x"}, {"sort", "name"}};
  EXPECT_TRUE(CheckQuery(req, {"q", "sort"}).ok());
  auto s = CheckQuery(req, {"q"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s).value(), "sort");
}

TEST(Params, PathIdMalformedIsNotFound) {
  Request req;
  req.params = {{"id", "42"}, {"bad", "4x2"}};
  EXPECT_EQ(PathId(req).value(), 42);
  EXPECT_EQ(PathId(req, "bad").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(PathId(req, "missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(Params, QueryIdEmptyIsAbsentMalformedIsInvalid) {
  Request req;
  req.query = {{"unit_id", "7"}, {"empty", ""}, {"bad", "-1"}};
  EXPECT_EQ(QueryId(req, "unit_id").value().value(), 7);
  EXPECT_FALSE(QueryId(req, "empty").value().has_value());
  EXPECT_FALSE(QueryId(req, "absent").value().has_value());
  auto bad = QueryId(req, "bad");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(bad.status()).value(), "bad");
}

}  // namespace
}  // namespace xq::http
