#include "contract/fixture.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "core/ids.h"

namespace xq::testing {

void ContractTest::SetUp() {
  static std::atomic<int> counter{0};
  if (IsPostgres()) {
    const char* url = std::getenv("XQ_TEST_PG_URL");
    if (!url || !*url) GTEST_SKIP() << "XQ_TEST_PG_URL not set";
    // A fresh schema per test keeps tests independent on one database.
    pg_schema_ = "t_" + RandomHex(6);
    {
      auto admin = db::Database::Open(url, {.pool_size = 1});
      ASSERT_TRUE(admin.ok()) << admin.status();
      ASSERT_TRUE((*admin)
                      ->Run([&](soci::session& s) {
                        s << "CREATE SCHEMA " + pg_schema_;
                        return absl::OkStatus();
                      })
                      .ok());
    }
    std::string u =
        std::string(url) + (std::string(url).find('?') == std::string::npos ? "?" : "&") + "search_path=" + pg_schema_;
    url_ = u;
    auto db = db::Database::Open(u, {.pool_size = 2});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  } else {
    sqlite_path_ = (std::filesystem::temp_directory_path() /
                    ("xq_contract_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".db"))
                       .string();
    std::filesystem::remove(sqlite_path_);
    url_ = "sqlite:" + sqlite_path_;
    auto db = db::Database::Open(url_, {.pool_size = 2});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }
  auto st = db::Migrate(*db_);
  ASSERT_TRUE(st.ok()) << st;
}

void ContractTest::TearDown() {
  db_.reset();
  if (!sqlite_path_.empty()) {
    std::filesystem::remove(sqlite_path_);
    std::filesystem::remove(sqlite_path_ + "-wal");
    std::filesystem::remove(sqlite_path_ + "-shm");
  }
  if (!pg_schema_.empty()) {
    if (const char* url = std::getenv("XQ_TEST_PG_URL")) {
      if (auto admin = db::Database::Open(url, {.pool_size = 1}); admin.ok()) {
        (void)(*admin)->Run([&](soci::session& s) {
          s << "DROP SCHEMA " + pg_schema_ + " CASCADE";
          return absl::OkStatus();
        });
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ContractTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace xq::testing
