// Database access over SOCI: SQLite (WAL) by default, PostgreSQL by URL,
// same code. A Database owns a pool of sessions; stores borrow one for the
// duration of a call through Run() or InTransaction(), which also turn
// SOCI exceptions into absl::Status at this edge.
//
// URLs: "sqlite:PATH" (or a bare path ending in .db) and
//       "postgresql://user@host:port/dbname" (also "postgres://").
// Thread-safe: any thread may call Run/InTransaction concurrently.
#pragma once

#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "soci/soci.h"
#include "db/sqlite_statement.h"

namespace xq::db {

enum class Dialect { kSqlite, kPostgres };

// The database a URL names (see Database::Open): PostgreSQL for
// "postgresql://" and "postgres://", SQLite otherwise.
Dialect DialectOf(std::string_view url);

struct OpenOptions {
  int pool_size = 4;
  // SQLite: "FULL" makes a commit durable across power loss (the default:
  // acknowledged submissions must survive a crash).
  std::string sqlite_synchronous = "FULL";
  // SQLite: page cache per connection, KiB. The hot reads (sessions,
  // assignments, students) stay in memory instead of a pread() per page.
  int sqlite_cache_kib = 32 * 1024;
  // SQLite: no checkpoint inside a committing transaction (which stalls the
  // writer for the copy and fsync); the owner calls Checkpoint() instead,
  // from a background thread.
  bool sqlite_background_checkpoint = false;
  // SQLite with a background checkpoint: the log is cut to this size when
  // it starts over (journal_size_limit), and Checkpoint() keeps only this
  // much of it in the page cache.
  int64_t sqlite_wal_kept_bytes = int64_t{64} << 20;
};

class Database {
 public:
  static absl::StatusOr<std::unique_ptr<Database>> Open(std::string_view url, const OpenOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const { return dialect_; }
  const std::string& url() const { return url_; }

  using Fn = std::function<absl::Status(soci::session&)>;
  // Runs fn on a pooled session, without a transaction.
  absl::Status Run(const Fn& fn);
  // Runs fn in a write transaction (SQLite: BEGIN IMMEDIATE); commits when
  // fn returns OK, rolls back otherwise. Nothing is half-written.
  absl::Status InTransaction(const Fn& fn);
  // The same, but the commit does not wait for the disk (SQLite
  // synchronous=NORMAL, PostgreSQL synchronous_commit=off): a power cut may
  // lose it whole, never half. For data whose loss is harmless (session
  // activity), so that it costs no fsync.
  absl::Status InLightTransaction(const Fn& fn);
  // A write transaction whose commit is made durable later, by
  // SyncCommitted(), so that one thread can commit the next transaction
  // while another waits for the disk (the submission writer's pipeline).
  // SQLite: synchronous=NORMAL for this commit; the WAL holds the same
  // bytes as under FULL, minus the fsync. PostgreSQL: an ordinary, durable
  // commit. Say nothing is durable before SyncCommitted() returns OK.
  absl::Status InUnsyncedTransaction(const Fn& fn);
  // Makes every transaction committed before this call durable. SQLite:
  // fdatasync of the WAL (the database file when there is no WAL), the
  // same sync a synchronous=FULL commit ends with; the directory is synced
  // once per WAL file, so that its name survives too. PostgreSQL, or a
  // SQLite database in memory: nothing to do. An error means the disk may
  // have lost committed data: the caller must stop acknowledging writes (a
  // later sync may not report it).
  absl::Status SyncCommitted();

  // SQLite: copies committed WAL frames into the database file without
  // blocking writers (PRAGMA wal_checkpoint(PASSIVE)); for a background
  // thread. The copied part of the log past sqlite_wal_kept_bytes leaves
  // the page cache. PostgreSQL: no-op.
  absl::Status Checkpoint();

  // A read on the hot paths: `sql` is prepared once per pooled connection
  // and the prepared statement is reused by every later call with the same
  // text (no parsing or planning again, on SQLite and PostgreSQL). The
  // parameters bind by position, each an integer or a string, with the
  // same types at every call; every row is read, to the end, so no read
  // transaction stays open. Not inside a transaction.
  // SQLite, inside Run or a transaction: `sql` prepared once on the
  // connection `s` holds and kept for every later call with the same text
  // there (the submission writer's statements, run for every row of every
  // batch). `sql` is a constant: it is kept by its address. Throws, as
  // SOCI does, on a PostgreSQL session, another database's or a bad text.
  SqliteStatement& Statement(soci::session& s, const char* sql);

  using Param = std::variant<long long, std::string>;
  using RowFn = std::function<void(const soci::row&)>;
  absl::Status Query(std::string_view sql, const std::vector<Param>& params, const RowFn& row);

 private:
  Database(Dialect d, std::string url, int pool_size);
  absl::Status WithSqliteSynchronous(std::string_view level, const Fn& fn);
  struct Prepared;
  struct Connection;  // a pooled connection's prepared statements
  Dialect dialect_;
  std::string url_;
  int pool_size_;
  soci::connection_pool pool_;
  std::vector<std::unique_ptr<Connection>> connections_;  // by pool position
  std::mutex signatures_mu_;
  std::unordered_map<std::string, std::vector<int>> signatures_;  // Query text -> parameter types
  std::string sqlite_file_;                                       // SQLite: the database file's path; empty in memory
  int sqlite_page_size_ = 0;    // SQLite: PRAGMA page_size, for the WAL's frame offsets
  int64_t wal_kept_bytes_ = 0;  // with a background checkpoint; 0: Checkpoint() drops nothing
  std::mutex sync_mu_;          // SyncCommitted: one at a time
  int wal_fd_ = -1;             // the WAL file SyncCommitted syncs, kept open
  uint64_t wal_dev_ = 0, wal_ino_ = 0;
};

// Converts an in-flight exception (SOCI, std) to a Status; for use in catch(...).
absl::Status StatusFromCurrentException(std::string_view context);

// Applies every migration newer than the database's version (and not
// newer than up_to), each in its own transaction. Idempotent. A SQLite
// migration whose first line is kForeignKeysOff runs with foreign keys
// off (to rebuild a table others refer to) and commits only when
// PRAGMA foreign_key_check finds nothing.
inline constexpr std::string_view kForeignKeysOff = "-- xq:foreign-keys-off";
absl::Status Migrate(Database& db, int up_to = std::numeric_limits<int>::max());
// The highest migration version compiled into this binary.
int LatestSchemaVersion();

}  // namespace xq::db
