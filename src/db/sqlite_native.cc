#include "db/sqlite_native.h"

#include "core/status.h"
#include "fmt/format.h"
#include "soci/sqlite3/soci-sqlite3.h"
#include "spdlog/spdlog.h"

namespace xq::db {

using sqlite_api::sqlite3;
using sqlite_api::sqlite3_stmt;

namespace {

sqlite3* Db(void* p) { return static_cast<sqlite3*>(p); }
sqlite3_stmt* Stmt(void* p) { return static_cast<sqlite3_stmt*>(p); }

}  // namespace

SqliteStatement::~SqliteStatement() { sqlite_api::sqlite3_finalize(Stmt(stmt_)); }

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite_api::sqlite3_bind_int64(Stmt(stmt_), index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view value) {
  // SQLITE_STATIC: SQLite reads the caller's bytes, which outlive Run.
  sqlite_api::sqlite3_bind_text(Stmt(stmt_), index, value.data(), static_cast<int>(value.size()),
                                SQLITE_STATIC);
  return *this;
}

absl::StatusOr<int> SqliteStatement::Run() {
  sqlite3_stmt* st = Stmt(stmt_);
  int rc;
  while ((rc = sqlite_api::sqlite3_step(st)) == SQLITE_ROW) {
  }
  const int changed = sqlite_api::sqlite3_changes(Db(db_));
  sqlite_api::sqlite3_reset(st);
  sqlite_api::sqlite3_clear_bindings(st);
  if (rc == SQLITE_DONE) return changed;
  const std::string what = sqlite_api::sqlite3_errmsg(Db(db_));
  if (sqlite_api::sqlite3_extended_errcode(Db(db_)) == SQLITE_CONSTRAINT_UNIQUE ||
      sqlite_api::sqlite3_extended_errcode(Db(db_)) == SQLITE_CONSTRAINT_PRIMARYKEY)
    return Conflict("write: already exists");
  spdlog::error("database error in write: {} ({})", what, sqlite_api::sqlite3_sql(st));
  return Internal("write: database error");
}

SqliteStatements::~SqliteStatements() = default;

absl::StatusOr<SqliteStatement*> SqliteStatements::Get(soci::session& s, std::string_view sql) {
  if (s.get_backend_name() != "sqlite3") return Internal("a SQLite statement on another database");
  auto* backend = static_cast<soci::sqlite3_session_backend*>(s.get_backend());
  std::pair<void*, std::string> key(backend->conn_, std::string(sql));
  if (auto it = cache_.find(key); it != cache_.end()) return it->second.get();
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite_api::sqlite3_prepare_v3(backend->conn_, sql.data(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    spdlog::error("cannot prepare {}: {}", sql, sqlite_api::sqlite3_errmsg(backend->conn_));
    sqlite_api::sqlite3_finalize(stmt);
    return Internal("write: database error");
  }
  auto* out = new SqliteStatement(backend->conn_, stmt);
  cache_.emplace(std::move(key), std::unique_ptr<SqliteStatement>(out));
  return out;
}

}  // namespace xq::db
