// Module migrations: ids that cannot collide, every missing migration
// applied (not only those above the highest), duplicates refused, and a
// database migrated by the runner before modules had migrations upgraded.
#include <filesystem>

#include "core/ids.h"
#include "db/database.h"
#include "db/migrations.h"
#include "gtest/gtest.h"

namespace xq::db {
namespace {

using Files = std::vector<std::pair<std::string_view, std::string_view>>;

TEST(Migrations, OrderIsByNumberThenModuleAndIdsAreModuleAndNumber) {
  Files files = {
      {"src/db/migrations/sqlite/001_foundation.sql", "x"}, {"src/db/migrations/postgresql/001_foundation.sql", "x"},
      {"src/jobs/migrations/sqlite/031_jobs.sql", "x"},     {"src/jobs/migrations/postgresql/031_jobs.sql", "x"},
      {"src/events/migrations/sqlite/030_events.sql", "x"}, {"src/events/migrations/postgresql/030_events.sql", "x"},
      {"src/warning/migrations/sqlite/001_own.sql", "x"},   {"src/warning/migrations/postgresql/001_own.sql", "x"},
  };
  auto order = MigrationOrder(files, true);
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_EQ(*order, (std::vector<std::string>{"db/001_foundation.sql", "warning/001_own.sql", "events/030_events.sql",
                                              "jobs/031_jobs.sql"}))
      << "001 of two modules is no collision";
}

TEST(Migrations, TwoFilesWithOneIdAreRefusedNamingBoth) {
  Files files = {
      {"src/db/migrations/sqlite/020_roles.sql", "x"},
      {"src/db/migrations/postgresql/020_roles.sql", "x"},
      {"src/db/migrations/sqlite/020_notes.sql", "x"},
      {"src/db/migrations/postgresql/020_notes.sql", "x"},
  };
  auto order = MigrationOrder(files, true);
  ASSERT_EQ(order.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(order.status().message().find("duplicate migration db/020"), std::string_view::npos) << order.status();
  EXPECT_NE(order.status().message().find("020_roles.sql"), std::string_view::npos) << order.status();
  EXPECT_NE(order.status().message().find("020_notes.sql"), std::string_view::npos) << order.status();
}

TEST(Migrations, AMigrationForOneDialectOnlyIsRefused) {
  Files files = {
      {"src/db/migrations/sqlite/021_x.sql", "x"},
      {"src/db/migrations/postgresql/021_x.sql", "x"},
      {"src/org/migrations/sqlite/034_only_here.sql", "x"},
  };
  auto order = MigrationOrder(files, false);
  ASSERT_EQ(order.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(order.status().message().find("034"), std::string_view::npos) << order.status();
  Files bad_name = {{"src/db/migrations/sqlite/7_x.sql", "x"}, {"src/db/migrations/postgresql/7_x.sql", "x"}};
  EXPECT_EQ(MigrationOrder(bad_name, true).status().code(), absl::StatusCode::kFailedPrecondition);
}

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("xq_migrate_" + RandomHex(6) + ".db");
    db_ = Database::Open("sqlite:" + path_.string()).value();
  }
  void TearDown() override {
    db_.reset();
    for (const auto& s : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + s);
  }
  int64_t Count(const std::string& sql) {
    long long n = -1;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     s << sql, soci::into(n);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }
  std::filesystem::path path_;
  std::unique_ptr<Database> db_;
};

// The runner before module migrations kept only schema_migrations: its
// 001-013 are recognised as applied, and every module's are applied after.
TEST_F(MigrateTest, ADatabaseOfTheVersionRunnerIsUpgraded) {
  ASSERT_TRUE(Migrate(*db_, 13).ok());
  ASSERT_TRUE(db_->Run([](soci::session& s) {
                   s << "DROP TABLE applied_migrations";  // as the older binary left it
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schema_migrations"), 5);
  absl::Status st = Migrate(*db_);
  ASSERT_TRUE(st.ok()) << st;
  // 001-013 taken over from schema_migrations, and the db module's later
  // files applied (schema_migrations keeps recording the db module).
  EXPECT_GT(Count("SELECT COUNT(*) FROM applied_migrations WHERE module = 'db'"), 5);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM applied_migrations WHERE module = 'db'"),
            Count("SELECT COUNT(*) FROM schema_migrations"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM applied_migrations WHERE module = 'events' AND version = 30"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM applied_migrations WHERE module = 'jobs' AND version = 31"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), 0) << "the new modules' tables exist";
  EXPECT_EQ(Count("SELECT MAX(version) FROM schema_migrations"), LatestSchemaVersion());
  const auto latest = LatestModuleVersions();
  EXPECT_EQ(latest.at("db"), LatestSchemaVersion());
  EXPECT_GE(latest.at("events"), 30);
  ASSERT_TRUE(Migrate(*db_).ok()) << "idempotent";
}

// A migration below the highest applied one (another module's, merged
// later) is applied too.
TEST_F(MigrateTest, AMissingMigrationBelowTheHighestIsApplied) {
  ASSERT_TRUE(Migrate(*db_).ok());
  ASSERT_TRUE(db_->Run([](soci::session& s) {
                   s << "DROP INDEX screening_submissions_followed";
                   s << "DELETE FROM applied_migrations WHERE module = 'screening' AND version = 32";
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_GT(Count("SELECT MAX(version) FROM applied_migrations"), 32);
  ASSERT_TRUE(Migrate(*db_).ok());
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'screening_submissions_followed'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM applied_migrations WHERE module = 'screening' AND version = 32"), 1);
}

}  // namespace
}  // namespace xq::db
