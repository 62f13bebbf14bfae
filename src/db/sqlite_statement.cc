#include "db/sqlite_statement.h"

#include <string>

#include "soci/soci.h"
#include "soci/sqlite3/soci-sqlite3.h"

namespace xq::db {

namespace {

using sqlite_api::sqlite3;

sqlite3* HandleOf(soci::session& s) {
  if (s.get_backend() == nullptr || s.get_backend_name() != "sqlite3") return nullptr;
  return static_cast<soci::sqlite3_session_backend*>(s.get_backend())->conn_;
}

[[noreturn]] void Fail(sqlite3* db, int rc, std::string_view what) {
  throw soci::sqlite3_soci_error(std::string(what) + ": " + sqlite_api::sqlite3_errmsg(db), rc);
}

}  // namespace

SqliteStatement::SqliteStatement(soci::session& s, const char* sql) : db_(HandleOf(s)), stmt_(nullptr) {
  if (db_ == nullptr) throw soci::soci_error("not a SQLite session");
  const int rc = sqlite_api::sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr);
  if (rc != SQLITE_OK) Fail(db_, rc, std::string("cannot prepare \"") + sql + "\"");
}

SqliteStatement::~SqliteStatement() { sqlite_api::sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::Bind(int pos, int64_t v) {
  const int rc = sqlite_api::sqlite3_bind_int64(stmt_, pos, v);
  if (rc != SQLITE_OK) Fail(db_, rc, "cannot bind parameter " + std::to_string(pos));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int pos, std::string_view text) {
  // SQLITE_STATIC: SQLite reads the caller's bytes, no copy.
  const int rc = sqlite_api::sqlite3_bind_text(stmt_, pos, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) Fail(db_, rc, "cannot bind parameter " + std::to_string(pos));
  return *this;
}

int SqliteStatement::Run() {
  int rc;
  while ((rc = sqlite_api::sqlite3_step(stmt_)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) {
    const std::string what = std::string("cannot run \"") + sqlite_api::sqlite3_sql(stmt_) + "\"";
    const std::string why = sqlite_api::sqlite3_errmsg(db_);
    sqlite_api::sqlite3_reset(stmt_);
    throw soci::sqlite3_soci_error(what + ": " + why, rc);
  }
  sqlite_api::sqlite3_reset(stmt_);
  return sqlite_api::sqlite3_changes(db_);
}

}  // namespace xq::db
