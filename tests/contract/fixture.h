// Store contract suite fixture: a test written once against
// ContractTest runs on every backend (STYLE.md: one contract suite for
// every backend). Each test gets a fresh, migrated database:
// SQLite in a temp file; PostgreSQL in a fresh schema of the database named
// by XQ_TEST_PG_URL (skipped when unset).
//
//   TEST_P(ContractTest, SomethingHolds) { auto& db = Db(); ... }
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "audit/audited.h"
#include "core/status.h"
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

// The audit entry of a store write: nothing more, or one that fails (the
// write must then leave nothing behind).
inline const audit::InTransaction kNothingElse = [](soci::session&) { return absl::OkStatus(); };
inline const audit::InTransaction kAuditFails = [](soci::session&) { return Internal("audit unavailable"); };

// Inserts rows ("(1, 'a', ...)") into "table (columns)".
inline void InsertRows(soci::session& s, const char* into, std::initializer_list<const char*> rows) {
  for (const char* row : rows) s << std::string("INSERT INTO ") + into + " VALUES " + row;
}

// f(session) on a pooled session of db, for the stores that run on the
// caller's session.
template <typename F>
auto On(db::Database& db, F f) {
  std::optional<decltype(f(std::declval<soci::session&>()))> out;
  EXPECT_TRUE(db.Run([&](soci::session& s) {
                  out.emplace(f(s));
                  return absl::OkStatus();
                }).ok());
  return std::move(*out);
}

}  // namespace xq::testing
