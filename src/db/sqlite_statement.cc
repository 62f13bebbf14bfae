#include "db/sqlite_statement.h"

#include <string>

#include "soci/soci.h"
#include "soci/sqlite3/soci-sqlite3.h"

namespace xq::db {

namespace {

using sqlite_api::sqlite3;
using sqlite_api::sqlite3_stmt;

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
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite_api::sqlite3_prepare_v2(static_cast<sqlite3*>(db_), sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) Fail(static_cast<sqlite3*>(db_), rc, std::string("cannot prepare \"") + sql + "\"");
  stmt_ = stmt;
}

SqliteStatement::~SqliteStatement() { sqlite_api::sqlite3_finalize(static_cast<sqlite3_stmt*>(stmt_)); }

SqliteStatement& SqliteStatement::Bind(int pos, int64_t v) {
  const int rc = sqlite_api::sqlite3_bind_int64(static_cast<sqlite3_stmt*>(stmt_), pos, v);
  if (rc != SQLITE_OK) Fail(static_cast<sqlite3*>(db_), rc, "cannot bind parameter " + std::to_string(pos));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int pos, std::string_view text) {
  // SQLITE_STATIC: SQLite reads the caller's bytes, no copy.
  const int rc = sqlite_api::sqlite3_bind_text(static_cast<sqlite3_stmt*>(stmt_), pos, text.data(),
                                               static_cast<int>(text.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) Fail(static_cast<sqlite3*>(db_), rc, "cannot bind parameter " + std::to_string(pos));
  return *this;
}

int SqliteStatement::Run() {
  auto* stmt = static_cast<sqlite3_stmt*>(stmt_);
  int rc;
  while ((rc = sqlite_api::sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) {
    const std::string what = std::string("cannot run \"") + sqlite_api::sqlite3_sql(stmt) + "\"";
    const std::string why = sqlite_api::sqlite3_errmsg(static_cast<sqlite3*>(db_));
    sqlite_api::sqlite3_reset(stmt);
    throw soci::sqlite3_soci_error(what + ": " + why, rc);
  }
  sqlite_api::sqlite3_reset(stmt);
  return sqlite_api::sqlite3_changes(static_cast<sqlite3*>(db_));
}

}  // namespace xq::db
