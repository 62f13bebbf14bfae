#include "db/database.h"
#include "db/sqlite_statement.h"
#include "db/wal_vfs.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

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

// An unsynced transaction commits (and rolls back) like any other, leaves
// its connection at FULL, and SyncCommitted syncs the WAL; with the files
// gone it fails, naming the file.
TEST(Database, UnsyncedTransactionsAndTheirSync) {
  const std::string url = TempDbUrl("xq_db_sync");
  const std::string file = url.substr(7);
  auto db = Database::Open(url, {.pool_size = 1}).value();
  ASSERT_TRUE(Migrate(*db).ok());
  ASSERT_TRUE(db->InUnsyncedTransaction([](soci::session& s) {
                  s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'city', 'x', '/1/', 0)";
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(db->InUnsyncedTransaction([](soci::session& s) {
                s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (2, 'city', 'y', '/2/', 0)";
                return absl::InvalidArgumentError("abort");
              }).code(),
            absl::StatusCode::kInvalidArgument);
  int n = -1, sync = -1;
  ASSERT_TRUE(db->Run([&](soci::session& s) {
                  s << "SELECT COUNT(*) FROM org_units", soci::into(n);
                  s << "PRAGMA synchronous", soci::into(sync);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(n, 1);
  EXPECT_EQ(sync, 2) << "the connection is back at FULL";
  ASSERT_TRUE(std::filesystem::exists(file + "-wal"));
  EXPECT_TRUE(db->SyncCommitted().ok());
  EXPECT_TRUE(db->SyncCommitted().ok());
  std::filesystem::remove(file + "-wal");
  std::filesystem::remove(file);
  absl::Status gone = db->SyncCommitted();
  EXPECT_EQ(gone.code(), absl::StatusCode::kUnavailable) << gone;
  EXPECT_NE(gone.message().find(file), std::string::npos) << gone;
  // A database in memory has nothing on disk to sync.
  auto memory = Database::Open("sqlite::memory:", {.pool_size = 1}).value();
  EXPECT_TRUE(memory->SyncCommitted().ok());
}

// Resident pages of [from, to) of a file, by mincore.
size_t ResidentPages(const std::string& file, int64_t from, int64_t to) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0) return 0;
  void* map = ::mmap(nullptr, static_cast<size_t>(to), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return 0;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in((static_cast<size_t>(to) + page - 1) / page);
  size_t n = 0;
  if (::mincore(map, static_cast<size_t>(to), in.data()) == 0)
    for (size_t i = static_cast<size_t>(from) / page; i < in.size(); ++i) n += in[i] & 1;
  ::munmap(map, static_cast<size_t>(to));
  return n;
}

TEST(Database, CheckpointDropsTheCopiedLogPastTheKeptSizeAndARestartCutsIt) {
  const std::string url = TempDbUrl("xq_db_wal");
  const std::string wal = url.substr(7) + "-wal";
  const int64_t kept = 256 << 10;
  auto db = Database::Open(url, {.pool_size = 2, .sqlite_background_checkpoint = true, .sqlite_wal_kept_bytes = kept})
                .value();
  ASSERT_TRUE(db->Run([](soci::session& s) {
                  s << "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)";
                  return absl::OkStatus();
                }).ok());
  // About 4 MB of log, in transactions of fresh pages.
  const std::string v(3000, 'x');
  for (int t = 0; t < 20; ++t) {
    ASSERT_TRUE(db->InTransaction([&](soci::session& s) {
                    for (int i = 0; i < 60; ++i) s << "INSERT INTO t (v) VALUES (:v)", soci::use(v);
                    return absl::OkStatus();
                  }).ok());
  }
  const int64_t size = static_cast<int64_t>(std::filesystem::file_size(wal));
  ASSERT_GT(size, 12 * kept);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_GT(ResidentPages(wal, kept, size), static_cast<size_t>(size - kept) / page / 2) << "written, so cached";
  ASSERT_TRUE(db->Checkpoint().ok());
  EXPECT_LT(ResidentPages(wal, kept, size), static_cast<size_t>(size - kept) / page / 10) << "copied, so dropped";
  EXPECT_GT(ResidentPages(wal, 0, kept), static_cast<size_t>(kept) / page / 2) << "the kept start stays";
  int rows = 0;
  ASSERT_TRUE(db->Run([&](soci::session& s) {
                  s << "SELECT COUNT(*) FROM t", soci::into(rows);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(rows, 1200);
  // Everything was copied: the next commit starts the log over, cut to the kept size.
  ASSERT_TRUE(db->InTransaction([&](soci::session& s) {
                  s << "INSERT INTO t (v) VALUES ('y')";
                  return absl::OkStatus();
                }).ok());
  EXPECT_LE(static_cast<int64_t>(std::filesystem::file_size(wal)), kept);
  // Without a background checkpoint nothing is dropped or cut.
  auto plain = Database::Open(url, {.pool_size = 1}).value();
  EXPECT_TRUE(plain->Checkpoint().ok());
}

// The one value a query reads.
template <typename T>
T ReadOne(Database& db, const char* sql) {
  T v{};
  EXPECT_TRUE(db.Run([&](soci::session& s) {
                  s << sql, soci::into(v);
                  return absl::OkStatus();
                }).ok());
  return v;
}

// The WAL's appends of a commit reach the file together, and another
// connection sees each commit as soon as it returns, also unsynced (the
// submission writer's commits, where no sync writes the gathered bytes out); a transaction larger
// than the page cache (it spills frames and reads them back) and one that
// rolls back after writing both leave the right rows; so does a process that
// dies without closing, whose log the next open recovers.
TEST(Database, GatheredWalWritesAreOneWritePerCommitAndVisibleAtOnce) {
  const std::string url = TempDbUrl("xq_db_gathered");
  auto writer = Database::Open(url, {.pool_size = 1, .sqlite_cache_kib = 64}).value();
  auto reader = Database::Open(url, {.pool_size = 1}).value();
  ASSERT_TRUE(writer
                  ->Run([](soci::session& s) {
                    s << "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)";
                    return absl::OkStatus();
                  })
                  .ok());
  const std::string v(3000, 'x');
  const WalWriteCounts before = GatheredWalWriteCounts();
  ASSERT_TRUE(writer
                  ->InUnsyncedTransaction([&](soci::session& s) {
                    for (int i = 0; i < 40; ++i) s << "INSERT INTO t (v) VALUES (:v)", soci::use(v);
                    return absl::OkStatus();
                  })
                  .ok());
  const WalWriteCounts after = GatheredWalWriteCounts();
  EXPECT_GE(after.asked - before.asked, 80) << "a header and a page per frame";
  EXPECT_LE(after.made - before.made, 2) << "the commit's 120 KB in pieces of 124 KiB";
  EXPECT_EQ(ReadOne<int64_t>(*reader, "SELECT COUNT(*) FROM t"), 40);
  for (int i = 1; i <= 30; ++i) {
    ASSERT_TRUE(writer
                    ->InUnsyncedTransaction([&](soci::session& s) {
                      s << "INSERT INTO t (v) VALUES ('y')";
                      return absl::OkStatus();
                    })
                    .ok());
    ASSERT_EQ(ReadOne<int64_t>(*reader, "SELECT COUNT(*) FROM t"), 40 + i) << "seen at once";
  }
  // About 12 MB in one transaction through a 64 KiB cache: spilled frames
  // are read back before the commit; the gathered bytes go out past 4 MiB.
  ASSERT_TRUE(writer
                  ->InUnsyncedTransaction([&](soci::session& s) {
                    for (int i = 0; i < 4000; ++i) s << "INSERT INTO t (v) VALUES (:v)", soci::use(v);
                    int64_t n = 0;
                    s << "SELECT SUM(LENGTH(v)) FROM t", soci::into(n);
                    EXPECT_EQ(n, 4040 * 3000 + 30);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(ReadOne<int64_t>(*reader, "SELECT COUNT(*) FROM t"), 4070);
  EXPECT_EQ(writer
                ->InUnsyncedTransaction([&](soci::session& s) {
                  for (int i = 0; i < 2000; ++i) s << "UPDATE t SET v = 'z' WHERE id = :i", soci::use(i);
                  return absl::InvalidArgumentError("abort");
                })
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadOne<int64_t>(*reader, "SELECT COUNT(*) FROM t WHERE v = 'z'"), 0);
  EXPECT_EQ(ReadOne<int64_t>(*writer, "SELECT SUM(LENGTH(v)) FROM t"), 4040 * 3000 + 30);
  // A process that commits and dies with its log unclosed.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto db = Database::Open(url, {.pool_size = 1});
    bool ok = db.ok();
    for (int i = 0; ok && i < 50; ++i) {
      ok = (*db)
               ->InTransaction([&](soci::session& s) {
                 s << "INSERT INTO t (v) VALUES (:v)", soci::use(v);
                 return absl::OkStatus();
               })
               .ok();
    }
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  reader.reset();
  writer.reset();
  auto reopened = Database::Open(url, {.pool_size = 1}).value();
  EXPECT_EQ(ReadOne<int64_t>(*reopened, "SELECT COUNT(*) FROM t"), 4120);
  EXPECT_EQ(ReadOne<std::string>(*reopened, "PRAGMA integrity_check"), "ok");
}

// The writer's statements on SQLite: values bound from the caller's memory,
// the changed rows counted, and an error (a constraint, a bad statement) a
// status that rolls the whole transaction back.
TEST(SqliteStatement, BindsRunsCountsAndFailsIntoARollback) {
  auto db = Database::Open(TempDbUrl("xq_db_stmt"), {.pool_size = 1}).value();
  ASSERT_TRUE(db->Run([](soci::session& s) {
                  s << "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER)";
                  return absl::OkStatus();
                }).ok());
  ASSERT_TRUE(db->InTransaction([](soci::session& s) {
                  SqliteStatement insert(s, "INSERT INTO t (id, v, n) VALUES (:a, :b, :c)");
                  std::string v = "心桥";
                  for (int64_t i = 1; i <= 3; ++i) {
                    v += "!";
                    EXPECT_EQ(insert.Bind(1, i).Bind(2, v).Bind(3, i * 10).Run(), 1);
                  }
                  SqliteStatement update(s, "UPDATE t SET n = n + 1 WHERE n >= :a");
                  EXPECT_EQ(update.Bind(1, int64_t{20}).Run(), 2);
                  EXPECT_EQ(update.Run(), 2) << "the bindings stay";
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(ReadOne<std::string>(*db, "SELECT group_concat(v || '=' || n, ',') FROM t"),
            "心桥!=10,心桥!!=22,心桥!!!=32");
  absl::Status dup = db->InTransaction([](soci::session& s) {
    SqliteStatement insert(s, "INSERT INTO t (id, v) VALUES (:a, :b)");
    insert.Bind(1, int64_t{9}).Bind(2, std::string_view("x")).Run();
    insert.Bind(1, int64_t{1}).Run();  // the key is taken
    return absl::OkStatus();
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup << " (mapped as SOCI's errors are)";
  EXPECT_FALSE(db->InTransaction([](soci::session& s) {
                   SqliteStatement bad(s, "INSERT INTO nowhere VALUES (1)");
                   return absl::OkStatus();
                 }).ok());
  EXPECT_EQ(ReadOne<int64_t>(*db, "SELECT COUNT(*) FROM t"), 3) << "row 9 rolled back with the failed transaction";
  // Kept per connection: the same statement at the next call with the text.
  static constexpr const char* kCount = "UPDATE t SET n = n WHERE id <= :a";
  SqliteStatement* first = nullptr;
  for (int64_t round = 1; round <= 2; ++round) {
    ASSERT_TRUE(db->InTransaction([&](soci::session& s) {
                    SqliteStatement& st = db->Statement(s, kCount);
                    if (first == nullptr) first = &st;
                    EXPECT_EQ(&st, first);
                    EXPECT_EQ(st.Bind(1, round).Run(), round);
                    return absl::OkStatus();
                  }).ok());
  }
  auto other = Database::Open(TempDbUrl("xq_db_stmt_other"), {.pool_size = 1}).value();
  EXPECT_FALSE(other
                   ->Run([&](soci::session& s) {
                     db->Statement(s, kCount);
                     return absl::OkStatus();
                   })
                   .ok())
      << "a session of another database";
}

// 013 makes the assignments' id their rowid: the rows, the references of
// drafts and submissions, and foreign-key enforcement all survive it.
TEST(Database, AssignmentsRebuiltOnTheirRowidKeepRowsAndReferences) {
  auto db = Database::Open(TempDbUrl("xq_db_013")).value();
  ASSERT_TRUE(Migrate(*db, 12).ok());
  ASSERT_TRUE(
      db->InTransaction([](soci::session& s) {
          s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'school', 's', '/1/', 0)";
          s << "INSERT INTO students (id, school_id, student_no, name, sex, unit_path, created_at, updated_at) "
               "VALUES (2, 1, '001', 'n', 'F', '/1/', 0, 0)";
          s << "INSERT INTO screening_campaigns (id, name, owner_unit_id, owner_path, opens_on, closes_on, "
               "created_by, created_at) VALUES (3, 'c', 1, '/1/', '2026-09-01', '2026-09-30', 1, 0)";
          s << "INSERT INTO screening_assignments (id, campaign_id, student_id, school_id, unit_path, position, "
               "state, submitted_at, submission_id) VALUES (385303697778066308, 3, 2, 1, '/1/', 0, "
               "'submitted', 77, 9)";
          s << "INSERT INTO screening_assignments (id, campaign_id, student_id, school_id, unit_path, position) "
               "VALUES (385303697778066309, 3, 2, 1, '/1/', 1)";
          s << "INSERT INTO screening_drafts (assignment_id, answers, updated_at) VALUES (385303697778066309, '{}', 0)";
          s << "INSERT INTO screening_submissions (id, assignment_id, client_key, campaign_id, student_id, school_id, "
               "unit_path, instrument_id, version, answers, result, positive, critical, valid, source, submitted_at) "
               "VALUES (9, 385303697778066308, 'k', 3, 2, 1, '/1/', 'phq9', '1', '{}', '{}', 0, 0, 1, 'online', 77)";
          return absl::OkStatus();
        }).ok());
  ASSERT_TRUE(Migrate(*db).ok());
  ASSERT_TRUE(db->Run([](soci::session& s) {
                  // Every row as it was; the id is the rowid; no index of the key is left.
                  long long rowid = 0, submission = 0, submitted_at = 0;
                  std::string state;
                  s << "SELECT rowid, state, submitted_at, submission_id FROM screening_assignments WHERE id = "
                       "385303697778066308",
                      soci::into(rowid), soci::into(state), soci::into(submitted_at), soci::into(submission);
                  EXPECT_EQ(rowid, 385303697778066308LL);
                  EXPECT_EQ(state, "submitted");
                  EXPECT_EQ(submitted_at, 77);
                  EXPECT_EQ(submission, 9);
                  int n = -1;
                  s << "SELECT COUNT(*) FROM screening_assignments", soci::into(n);
                  EXPECT_EQ(n, 2);
                  s << "SELECT COUNT(*) FROM pragma_index_list('screening_assignments') WHERE origin = 'pk'",
                      soci::into(n);
                  EXPECT_EQ(n, 0);
                  s << "SELECT COUNT(*) FROM pragma_index_list('screening_assignments') WHERE name IN "
                       "('screening_assignments_student', 'screening_assignments_path')",
                      soci::into(n);
                  EXPECT_EQ(n, 2);
                  s << "SELECT COUNT(*) FROM pragma_foreign_key_list('screening_drafts') WHERE \"table\" = "
                       "'screening_assignments'",
                      soci::into(n);
                  EXPECT_EQ(n, 1);
                  int keys = 0;
                  s << "PRAGMA foreign_keys", soci::into(keys);
                  EXPECT_EQ(keys, 1);  // back on for the connection that migrated
                  return absl::OkStatus();
                }).ok());
  // Still enforced: no draft for an assignment that does not exist, and an
  // assignment with a draft cannot go.
  EXPECT_FALSE(db->InTransaction([](soci::session& s) {
                   s << "INSERT INTO screening_drafts (assignment_id, answers, updated_at) VALUES (42, '{}', 0)";
                   return absl::OkStatus();
                 }).ok());
  EXPECT_FALSE(db->InTransaction([](soci::session& s) {
                   s << "DELETE FROM screening_assignments WHERE id = 385303697778066309";
                   return absl::OkStatus();
                 }).ok());
}

// A migration that would leave a reference broken rolls back whole.
TEST(Database, MigrationWithKeysOffRefusesBrokenReferences) {
  auto db = Database::Open(TempDbUrl("xq_db_013_broken")).value();
  ASSERT_TRUE(Migrate(*db, 12).ok());
  // A draft whose assignment is missing (written with keys off, as only a
  // damaged database could hold it).
  ASSERT_TRUE(db->Run([](soci::session& s) {
                  s << "PRAGMA foreign_keys=OFF";
                  s << "INSERT INTO screening_drafts (assignment_id, answers, updated_at) VALUES (42, '{}', 0)";
                  s << "PRAGMA foreign_keys=ON";
                  return absl::OkStatus();
                }).ok());
  absl::Status st = Migrate(*db);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_NE(st.message().find("screening_drafts"), std::string_view::npos) << st;
  int version = 0, pk_indexes = -1;
  ASSERT_TRUE(db->Run([&](soci::session& s) {
                  s << "SELECT MAX(version) FROM schema_migrations", soci::into(version);
                  s << "SELECT COUNT(*) FROM pragma_index_list('screening_assignments') WHERE origin = 'pk'",
                      soci::into(pk_indexes);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(version, 12);
  EXPECT_EQ(pk_indexes, 1);  // the old table, untouched
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
