// Store contract suite fixture: a test written once against
// ContractTest runs on every backend (STYLE.md: one contract suite for
// every backend). Each test gets a fresh, migrated database:
// SQLite in a temp file; PostgreSQL in a fresh schema of the database named
// by XQ_TEST_PG_URL (skipped when unset).
//
//   TEST_P(ContractTest, SomethingHolds) { auto& db = Db(); ... }
#pragma once

#include <memory>
#include <string>

#include "db/database.h"
#include "gtest/gtest.h"

namespace xq::testing {

class ContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;
  db::Database& Db() { return *db_; }
  bool IsPostgres() const { return GetParam() == "postgresql"; }
  // The URL of this test's database, for a second handle (a second server).
  const std::string& Url() const { return url_; }

 private:
  std::unique_ptr<db::Database> db_;
  std::string sqlite_path_;
  std::string pg_schema_;
  std::string url_;
};

}  // namespace xq::testing
