// Contract of the database layer itself on every backend.
#include "contract/fixture.h"

namespace xq::testing {
namespace {

TEST_P(ContractTest, TransactionRollsBackOnError) {
  auto st = Db().InTransaction([](soci::session& s) {
    s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'city', 'x', '/1/', 0)";
    return absl::InvalidArgumentError("abort");
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  long long n = -1;
  ASSERT_TRUE(Db().Run([&](soci::session& s) {
                  s << "SELECT COUNT(*) FROM org_units", soci::into(n);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(n, 0);
}

TEST_P(ContractTest, UniqueViolationIsConflict) {
  auto insert = [&] {
    return Db().InTransaction([](soci::session& s) {
      s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'city', 'x', '/1/', 0)";
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(insert().ok());
  EXPECT_EQ(insert().code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace

}  // namespace xq::testing
