#include "db/database.h"

#include <cstdlib>
#include <filesystem>

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

TEST(Database, DialectOfUrl) {
  EXPECT_EQ(DialectOf("postgresql://u@h:5432/x"), Dialect::kPostgres);
  EXPECT_EQ(DialectOf("postgres://u@h/x"), Dialect::kPostgres);
  EXPECT_EQ(DialectOf("sqlite:demo.db"), Dialect::kSqlite);
  EXPECT_EQ(DialectOf("demo.db"), Dialect::kSqlite);
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

// The WAL starts over only when a transaction begins with every frame
// copied. A reader holding an old snapshot keeps the background checkpoint
// from copying everything, as a steady stream of commits does in service;
// the writer's CheckpointTail() then copies the rest, when asked.
// Returns the WAL's frames after one more commit.
long long WalAfterOneMoreCommit(const char* name, bool ask, bool tail) {
  auto db = Database::Open(TempDbUrl(name), {.pool_size = 3,
                                             .sqlite_background_checkpoint = true,
                                             .sqlite_wal_restart_frames = 16})
                .value();
  auto commit = [&](int n) {
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(db->InTransaction([](soci::session& s) {
                      s << "INSERT INTO t VALUES (randomblob(3000))";  // about a page each
                      return absl::OkStatus();
                    }).ok());
    }
  };
  EXPECT_TRUE(db->Run([](soci::session& s) {
                  s << "CREATE TABLE t (x BLOB)";
                  return absl::OkStatus();
                }).ok());
  commit(40);
  EXPECT_TRUE(db->Run([&](soci::session& reader) {
                  int n = 0;
                  reader << "BEGIN";
                  reader << "SELECT COUNT(*) FROM t", soci::into(n);
                  commit(40);
                  if (ask) {
                    EXPECT_TRUE(db->Checkpoint().ok());
                  }
                  reader << "COMMIT";
                  return absl::OkStatus();
                }).ok());
  if (tail) db->CheckpointTail();
  commit(1);
  long long log = -1, done = -1;
  int busy = 0;
  EXPECT_TRUE(db->Run([&](soci::session& s) {
                  s << "PRAGMA wal_checkpoint(PASSIVE)", soci::into(busy), soci::into(log), soci::into(done);
                  return absl::OkStatus();
                }).ok());
  return log;
}

TEST(Database, CheckpointTailLetsTheWalStartOver) {
  // Asked and copied: the last commit starts the WAL over.
  EXPECT_LE(WalAfterOneMoreCommit("xq_wal_tail", true, true), 4);
  // Not asked: CheckpointTail does nothing; the WAL only grows.
  EXPECT_GE(WalAfterOneMoreCommit("xq_wal_unasked", false, true), 80);
  // Asked but the tail never copied: the reader's frames stay, and so does the WAL.
  EXPECT_GE(WalAfterOneMoreCommit("xq_wal_no_tail", true, false), 80);
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
