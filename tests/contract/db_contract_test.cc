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
                  })
                  .ok());
  EXPECT_EQ(n, 0);
}

TEST_P(ContractTest, LightTransactionsCommitOrRollBackWhole) {
  auto insert = [&](long long id, bool fail) {
    return Db().InLightTransaction([&](soci::session& s) {
      std::string path = "/" + std::to_string(id) + "/";
      s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (:i, 'city', 'x', :p, 0)", soci::use(id),
          soci::use(path);
      return fail ? absl::InvalidArgumentError("abort") : absl::OkStatus();
    });
  };
  ASSERT_TRUE(insert(1, false).ok());
  EXPECT_EQ(insert(2, true).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(insert(1, false).code(), absl::StatusCode::kAlreadyExists);  // a statement failing rolls back too
  long long n = -1;
  ASSERT_TRUE(Db().Run([&](soci::session& s) {
                    s << "SELECT COUNT(*) FROM org_units", soci::into(n);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(n, 1);
  if (Db().dialect() == db::Dialect::kSqlite) {  // every connection is back to FULL (2)
    for (int i = 0; i < 8; ++i) {
      int sync = -1;
      ASSERT_TRUE(Db().Run([&](soci::session& s) {
                        s << "PRAGMA synchronous", soci::into(sync);
                        return absl::OkStatus();
                      })
                      .ok());
      EXPECT_EQ(sync, 2);
    }
  }
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

TEST_P(ContractTest, PreparedQueriesAreReusedAndSeeFreshRows) {
  auto insert = [&](long long id, const std::string& name) {
    return Db().InTransaction([&](soci::session& s) {
      std::string path = "/" + std::to_string(id) + "/";
      s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (:i, 'city', :n, :p, 0)", soci::use(id),
          soci::use(name), soci::use(path);
      return absl::OkStatus();
    });
  };
  const std::string sql = "SELECT name FROM org_units WHERE id >= :lo AND name <> :skip ORDER BY id";
  auto names = [&](long long lo, std::string skip) {
    std::vector<std::string> out;
    auto st = Db().Query(sql, {lo, skip}, [&](const soci::row& r) { out.push_back(r.get<std::string>(0)); });
    EXPECT_TRUE(st.ok()) << st;
    return out;
  };
  EXPECT_TRUE(names(1, "").empty());  // no rows
  ASSERT_TRUE(insert(1, "一").ok());
  ASSERT_TRUE(insert(2, "二").ok());
  // Many more calls than pooled connections: each reuses its prepared statement.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(names(1, ""), (std::vector<std::string>{"一", "二"}));
    EXPECT_EQ(names(2, ""), (std::vector<std::string>{"二"}));
    EXPECT_EQ(names(1, "一"), (std::vector<std::string>{"二"}));
  }
  // A row written after the statements were prepared is seen: no read
  // transaction is left open between calls.
  ASSERT_TRUE(insert(3, "三").ok());
  EXPECT_EQ(names(2, ""), (std::vector<std::string>{"二", "三"}));
  // The same text with other parameter types is refused, not misbound.
  auto bad = Db().Query(sql, {std::string("1"), std::string("")}, [](const soci::row&) {});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInternal);
  // A statement that fails is reported and prepared again next time.
  auto broken = Db().Query("SELECT nope FROM org_units WHERE id = :i", {1LL}, [](const soci::row&) {});
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(names(3, ""), (std::vector<std::string>{"三"}));
}

}  // namespace

}  // namespace xq::testing
