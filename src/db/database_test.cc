#include "db/database.h"

#include <cstdlib>
#include <filesystem>

#include "db/sqlite_native.h"
#include "gtest/gtest.h"

namespace xq::db {
namespace {

std::string TempDbUrl(const char* name) {
  auto p = std::filesystem::temp_directory_path() / (std::string(name) + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(p);
  return "sqlite:" + p.string();
}

TEST(Database, RejectsBadUrls) {
  EXPECT_FALSE(Database::Open("mysql://x/y").ok());
  EXPECT_FALSE(Database::Open("sqlite:").ok());
  EXPECT_FALSE(Database::Open("postgresql://host:1").ok());
}

TEST(Database, MigrateIsIdempotentAndTransactionsRollBack) {
  auto db = Database::Open(TempDbUrl("xq_db_test")).value();
  ASSERT_TRUE(Migrate(*db).ok());
  ASSERT_TRUE(Migrate(*db).ok());
  int version = 0;
  ASSERT_TRUE(db->Run([&](soci::session& s) {
                  s << "SELECT MAX(version) FROM schema_migrations", soci::into(version);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(version, LatestSchemaVersion());

  auto st = db->InTransaction([](soci::session& s) {
    s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'city', 'x', '/1/', 0)";
    return absl::InvalidArgumentError("abort");
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  int n = -1;
  ASSERT_TRUE(db->Run([&](soci::session& s) {
                  s << "SELECT COUNT(*) FROM org_units", soci::into(n);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(n, 0);

  // A SQL error becomes a status, not an exception.
  st = db->Run([](soci::session& s) {
    s << "SELECT nonsense FROM nowhere";
    return absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
}

TEST(SqliteStatements, PreparedOncePerConnectionBoundWithoutCopies) {
  auto db = Database::Open(TempDbUrl("xq_native_test"), {.pool_size = 2}).value();
  ASSERT_TRUE(db->Run([](soci::session& s) {
                  s << "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)";
                  return absl::OkStatus();
                }).ok());
  SqliteStatements statements;
  constexpr std::string_view kInsert = "INSERT INTO t (id, name, n) VALUES (:a, :b, :c)";
  SqliteStatement* first = nullptr;
  ASSERT_TRUE(db->InTransaction([&](soci::session& s) {
                  auto st = statements.Get(s, kInsert);
                  if (!st.ok()) return st.status();
                  first = *st;
                  for (int64_t i = 1; i <= 3; ++i) {
                    std::string name = "n" + std::to_string(i);
                    auto changed = (*st)->Bind(1, i).Bind(2, name).Bind(3, i * 10).Run();
                    if (!changed.ok()) return changed.status();
                    EXPECT_EQ(*changed, 1);
                  }
                  auto again = statements.Get(s, kInsert);
                  EXPECT_EQ(*again, first) << "the same statement on the same connection";
                  return absl::OkStatus();
                }).ok());
  // A UNIQUE violation is a conflict; the transaction rolls back whole.
  absl::Status st = db->InTransaction([&](soci::session& s) -> absl::Status {
    auto ins = statements.Get(s, kInsert);
    if (!ins.ok()) return ins.status();
    auto ok = (*ins)->Bind(1, int64_t{4}).Bind(2, std::string_view("n4")).Bind(3, int64_t{40}).Run();
    if (!ok.ok()) return ok.status();
    return (*ins)->Bind(1, int64_t{5}).Bind(2, std::string_view("n1")).Bind(3, int64_t{50}).Run().status();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kAlreadyExists) << st;
  // Parameters were cleared after each run: unbound ones are NULL.
  ASSERT_TRUE(db->InTransaction([&](soci::session& s) -> absl::Status {
                  auto upd = statements.Get(s, "UPDATE t SET n = :a WHERE id = :b");
                  if (!upd.ok()) return upd.status();
                  auto changed = (*upd)->Bind(1, int64_t{7}).Bind(2, int64_t{2}).Run();
                  EXPECT_EQ(*changed, 1);
                  changed = (*upd)->Bind(1, int64_t{7}).Bind(2, int64_t{99}).Run();
                  EXPECT_EQ(*changed, 0);
                  return absl::OkStatus();
                }).ok());
  int count = 0, n2 = 0;
  ASSERT_TRUE(db->Run([&](soci::session& s) {
                  s << "SELECT COUNT(*) FROM t", soci::into(count);
                  s << "SELECT n FROM t WHERE id = 2", soci::into(n2);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(count, 3);
  EXPECT_EQ(n2, 7);
  // Bad SQL is an error, not an exception.
  st = db->Run([&](soci::session& s) { return statements.Get(s, "UPDATE nowhere SET x = 1").status(); });
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace xq::db

#include "db/scope.h"

namespace xq::db {
namespace {

TEST(Scope, ClauseSkipsUnsafePathsAndMatchesNothingWhenEmpty) {
  EXPECT_EQ(PathScopeClause("u.path", {"/1/", "/1/7/"}), "(u.path LIKE '/1/%' OR u.path LIKE '/1/7/%')");
  EXPECT_EQ(PathScopeClause("u.path", {"/1/' OR 1=1 --/"}), "1=0");
  EXPECT_EQ(PathScopeClause("u.path", {}), "1=0");
  EXPECT_TRUE(IsSafeOrgPath("/12/3/"));
  EXPECT_FALSE(IsSafeOrgPath("/12/3"));
  EXPECT_FALSE(IsSafeOrgPath("/a/"));
}

}  // namespace
}  // namespace xq::db
