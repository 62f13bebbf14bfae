// SQLite's C API beneath SOCI, for the hottest write (the submission
// writer, ARCHITECTURE.md "Hot paths"): each statement is prepared once per
// pooled connection and reused, and its parameters are bound without
// copies. SOCI would prepare it on every batch and copy every row into
// vectors first.
//
//   SqliteStatements statements;              // one per writer thread
//   db.InTransaction([&](soci::session& s) {
//     XQ_ASSIGN_OR_RETURN(auto* st, statements.Get(s, "UPDATE t SET a = :a WHERE id = :b"));
//     st->Bind(1, a).Bind(2, id);
//     XQ_ASSIGN_OR_RETURN(int changed, st->Run());
//     ...
//   });
//
// Only inside Database::Run/InTransaction on a SQLite database. Not
// thread-safe: one thread uses a SqliteStatements at a time; destroy it
// before the Database.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "absl/status/statusor.h"
#include "soci/soci.h"

namespace xq::db {

class SqliteStatement {
 public:
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Parameters by position, from 1. A bound text must stay alive until Run
  // returns (it is not copied).
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, std::string_view value);
  // Steps the statement to its end, then resets it and clears its
  // parameters; the rows it changed. A failure is a Status (a UNIQUE
  // violation is a conflict), the statement reset all the same.
  absl::StatusOr<int> Run();

 private:
  friend class SqliteStatements;
  SqliteStatement(void* db, void* stmt) : db_(db), stmt_(stmt) {}
  void* db_;    // sqlite3*
  void* stmt_;  // sqlite3_stmt*
};

class SqliteStatements {
 public:
  SqliteStatements() = default;
  SqliteStatements(const SqliteStatements&) = delete;
  SqliteStatements& operator=(const SqliteStatements&) = delete;
  ~SqliteStatements();

  // The statement for `sql` on the session's connection, prepared on
  // first use.
  absl::StatusOr<SqliteStatement*> Get(soci::session& s, std::string_view sql);

 private:
  struct KeyHash {
    size_t operator()(const std::pair<void*, std::string>& k) const {
      return std::hash<void*>()(k.first) ^ std::hash<std::string>()(k.second);
    }
  };
  std::unordered_map<std::pair<void*, std::string>, std::unique_ptr<SqliteStatement>, KeyHash> cache_;
};

}  // namespace xq::db
