// A statement on a session's own SQLite connection, for the hot writes:
// values are bound straight from the caller's memory, where SOCI copies
// every bound string into buffers of its own, row by row.
#pragma once

#include <cstdint>
#include <string_view>

namespace soci {
class session;
}
namespace sqlite_api {  // SOCI's namespace for SQLite's C API
struct sqlite3;
struct sqlite3_stmt;
}  // namespace sqlite_api

namespace xq::db {

class SqliteStatement {
 public:
  // Prepares `sql` on the SQLite connection of `s`. Failures throw
  // soci::sqlite3_soci_error, as SOCI's own statements do, for the
  // Database's callers to turn into a status (and a rollback).
  SqliteStatement(soci::session& s, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters by position, from 1. A text must stay alive and unchanged
  // until Run returns.
  SqliteStatement& Bind(int pos, int64_t v);
  SqliteStatement& Bind(int pos, std::string_view text);
  // Runs the statement to its end, then readies it for new values (the
  // bindings stay); the rows it changed.
  int Run();

 private:
  sqlite_api::sqlite3* db_;
  sqlite_api::sqlite3_stmt* stmt_;
};

}  // namespace xq::db
