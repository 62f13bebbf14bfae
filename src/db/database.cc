#include "db/database.h"
#include "db/migrations.h"
#include "db/wal_vfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "fmt/format.h"
#include "core/clock.h"
#include "core/status.h"
#include "soci/postgresql/soci-postgresql.h"
#include "soci/sqlite3/soci-sqlite3.h"
#include "spdlog/spdlog.h"

namespace xq::db {

// Provided by the generated migrations_embedded.cc.
const std::vector<std::pair<std::string_view, std::string_view>>& EmbeddedFiles();

namespace {

bool Contains(std::string_view h, std::string_view n) { return h.find(n) != std::string_view::npos; }

// Turns "postgresql://user:pw@host:port/db?x=y" into a libpq keyword string.
absl::StatusOr<std::string> PgConnString(std::string_view url) {
  std::string_view rest = url;
  if (rest.starts_with("postgresql://"))
    rest.remove_prefix(13);
  else if (rest.starts_with("postgres://"))
    rest.remove_prefix(11);
  else
    return InvalidArgument("database URL must start with postgresql://", "db");
  std::string user, password, host = "127.0.0.1", port = "5432", dbname;
  auto at = rest.find('@');
  if (at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    auto colon = cred.find(':');
    user = std::string(cred.substr(0, colon));
    if (colon != std::string_view::npos) password = std::string(cred.substr(colon + 1));
    rest.remove_prefix(at + 1);
  }
  auto slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash == std::string_view::npos) return InvalidArgument("database URL lacks a database name", "db");
  std::string_view dbpart = rest.substr(slash + 1);
  auto q = dbpart.find('?');
  dbname = std::string(dbpart.substr(0, q));
  auto colon = hostport.rfind(':');
  if (colon != std::string_view::npos) {
    host = std::string(hostport.substr(0, colon));
    port = std::string(hostport.substr(colon + 1));
  } else if (!hostport.empty()) {
    host = std::string(hostport);
  }
  if (dbname.empty()) return InvalidArgument("database URL lacks a database name", "db");
  std::string s = fmt::format("host={} port={} dbname={}", host, port, dbname);
  // Query options: only search_path (used by tests for a schema per test).
  if (q != std::string_view::npos) {
    std::string_view opts = dbpart.substr(q + 1);
    while (!opts.empty()) {
      auto amp = opts.find('&');
      std::string_view kv = opts.substr(0, amp);
      if (kv.starts_with("search_path=")) {
        std::string sp(kv.substr(12));
        for (char c : sp)
          if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            return InvalidArgument("bad search_path in database URL", "db");
        s += " options='-c search_path=" + sp + "'";
      } else if (!kv.empty()) {
        return InvalidArgument(fmt::format("unsupported database URL option {}", kv), "db");
      }
      if (amp == std::string_view::npos) break;
      opts.remove_prefix(amp + 1);
    }
  }
  if (!user.empty()) s += " user=" + user;
  if (!password.empty()) s += " password=" + password;
  return s;
}

}  // namespace

absl::Status StatusFromCurrentException(std::string_view context) {
  try {
    throw;
  } catch (const soci::soci_error& e) {
    std::string what = e.what();
    // Constraint violations are conflicts the caller may report; anything
    // else is an internal error.
    if (Contains(what, "UNIQUE constraint") || Contains(what, "duplicate key"))
      return Conflict(fmt::format("{}: already exists", context));
    spdlog::error("database error in {}: {}", context, what);
    return Internal(fmt::format("{}: database error", context));
  } catch (const std::exception& e) {
    spdlog::error("error in {}: {}", context, e.what());
    return Internal(fmt::format("{}: {}", context, e.what()));
  }
}

struct Database::Prepared {
  explicit Prepared(soci::session& s) : st(s) {}
  std::vector<int> kinds;  // Param index per parameter
  std::vector<long long> ints;
  std::vector<std::string> strs;
  std::vector<size_t> slot;  // index into ints or strs
  soci::row row;
  soci::statement st;
};

struct Database::Connection {
  // Used by one thread at a time: the one that leased the connection.
  std::unordered_map<std::string, std::unique_ptr<Prepared>> prepared;
  std::unordered_map<const char*, std::unique_ptr<SqliteStatement>> statements;  // by the text's address
};

Database::Database(Dialect d, std::string url, int pool_size)
    : dialect_(d), url_(std::move(url)), pool_size_(pool_size), pool_(pool_size) {
  for (int i = 0; i < pool_size; ++i) connections_.push_back(std::make_unique<Connection>());
}

// Prepared statements go before their connections.
Database::~Database() {
  connections_.clear();
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

namespace {

absl::Status SyncError(std::string_view what, const std::string& path) {
  return absl::UnavailableError(fmt::format("cannot sync {} {}: {}", what, path, std::strerror(errno)));
}

// fsync of the directory holding `file`: a new file's name is durable.
absl::Status SyncDirectoryOf(const std::string& file) {
  const size_t slash = file.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : file.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return SyncError("the directory", dir);
  const int rc = ::fsync(fd);
  absl::Status st = rc == 0 ? absl::OkStatus() : SyncError("the directory", dir);
  ::close(fd);
  return st;
}

}  // namespace

absl::Status Database::SyncCommitted() {
  if (dialect_ != Dialect::kSqlite || sqlite_file_.empty()) return absl::OkStatus();  // in memory: no disk
  std::lock_guard lk(sync_mu_);
  std::string target = sqlite_file_ + "-wal";
  struct stat now {};
  if (::stat(target.c_str(), &now) != 0) {
    if (errno != ENOENT) return SyncError("the write-ahead log", target);
    target = sqlite_file_;  // not in WAL mode: commits are in the database file
    if (::stat(target.c_str(), &now) != 0) return SyncError("the database", target);
  }
  if (wal_fd_ < 0 || wal_dev_ != now.st_dev || wal_ino_ != now.st_ino) {
    if (wal_fd_ >= 0) ::close(wal_fd_);
    wal_fd_ = ::open(target.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) return SyncError("the write-ahead log", target);
    wal_dev_ = now.st_dev;
    wal_ino_ = now.st_ino;
    if (absl::Status st = SyncDirectoryOf(target); !st.ok()) {
      ::close(wal_fd_);
      wal_fd_ = -1;
      return st;
    }
  }
  if (::fdatasync(wal_fd_) != 0) return SyncError("the write-ahead log", target);
  return absl::OkStatus();
}

absl::Status Database::Checkpoint() {
  if (dialect_ != Dialect::kSqlite) return absl::OkStatus();
  int busy = 0, frames = -1, copied = -1;
  XQ_RETURN_IF_ERROR(Run([&](soci::session& s) {
    s << "PRAGMA wal_checkpoint(PASSIVE)", soci::into(busy), soci::into(frames), soci::into(copied);
    return absl::OkStatus();
  }));
  // The frames copied are not read again (readers read those pages from
  // the database file) unless the log starts over: then it is cut to
  // sqlite_wal_kept_bytes (journal_size_limit) and written anew from its
  // start. Their cached pages past that size are dropped, so that the page
  // cache does not grow with a log that grows under a sustained load (each
  // new page of it zeroed on first use); the first kept bytes stay, for the
  // rewrite after a restart.
  if (sqlite_file_.empty() || wal_kept_bytes_ <= 0 || copied <= 0 || sqlite_page_size_ <= 0) return absl::OkStatus();
  const int64_t end = 32 + int64_t{copied} * (sqlite_page_size_ + 24);
  if (end <= wal_kept_bytes_) return absl::OkStatus();
  const std::string wal = sqlite_file_ + "-wal";
  const int fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::OkStatus();  // no log (yet): nothing cached
  ::posix_fadvise(fd, wal_kept_bytes_, end - wal_kept_bytes_, POSIX_FADV_DONTNEED);
  ::close(fd);
  return absl::OkStatus();
}

SqliteStatement& Database::Statement(soci::session& s, const char* sql) {
  for (int i = 0; i < pool_size_; ++i) {
    if (pool_.at(i).get_backend() != s.get_backend()) continue;
    auto& cache = connections_[static_cast<size_t>(i)]->statements;
    auto it = cache.find(sql);
    if (it == cache.end()) it = cache.emplace(sql, std::make_unique<SqliteStatement>(s, sql)).first;
    return *it->second;
  }
  throw soci::soci_error("not a session of this database");
}

absl::Status Database::Query(std::string_view sql, const std::vector<Param>& params, const RowFn& row) {
  const size_t pos = pool_.lease();
  struct GiveBack {
    soci::connection_pool& pool;
    size_t pos;
    ~GiveBack() { pool.give_back(pos); }
  } give_back{pool_, pos};
  soci::session& s = pool_.at(pos);
  auto& cache = connections_[pos]->prepared;
  const std::string key(sql);
  auto it = cache.find(key);
  try {
    if (it == cache.end()) {
      // The first call anywhere fixes the parameter types of this text.
      std::vector<int> kinds;
      for (const Param& v : params) kinds.push_back(static_cast<int>(v.index()));
      {
        std::lock_guard lk(signatures_mu_);
        auto [sig, fresh] = signatures_.emplace(key, kinds);
        if (!fresh && sig->second != kinds) return Internal("query called with other parameter types");
      }
      auto p = std::make_unique<Prepared>(s);
      for (const Param& v : params) {
        p->kinds.push_back(static_cast<int>(v.index()));
        p->slot.push_back(v.index() == 0 ? p->ints.size() : p->strs.size());
        (v.index() == 0 ? static_cast<void>(p->ints.emplace_back()) : static_cast<void>(p->strs.emplace_back()));
      }
      // Bound by reference: the vectors do not grow after this point.
      for (size_t i = 0; i < params.size(); ++i) {
        if (p->kinds[i] == 0)
          p->st.exchange(soci::use(p->ints[p->slot[i]]));
        else
          p->st.exchange(soci::use(p->strs[p->slot[i]]));
      }
      p->st.exchange(soci::into(p->row));
      p->st.alloc();
      p->st.prepare(key);
      p->st.define_and_bind();
      it = cache.emplace(key, std::move(p)).first;
    }
    Prepared& p = *it->second;
    if (params.size() != p.kinds.size()) return Internal("query called with other parameter types");
    for (size_t i = 0; i < params.size(); ++i) {
      if (static_cast<int>(params[i].index()) != p.kinds[i]) return Internal("query called with other parameter types");
      if (p.kinds[i] == 0)
        p.ints[p.slot[i]] = std::get<0>(params[i]);
      else
        p.strs[p.slot[i]] = std::get<1>(params[i]);
    }
    bool more = p.st.execute(true);
    while (more) {
      row(p.row);
      more = p.st.fetch();
    }
    return absl::OkStatus();
  } catch (...) {
    absl::Status st = StatusFromCurrentException("query");
    if (it != cache.end()) cache.erase(it);  // prepared again next time
    return st;
  }
}

Dialect DialectOf(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://") ? Dialect::kPostgres : Dialect::kSqlite;
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(std::string_view url, const OpenOptions& options) {
  // SQLite keeps global allocation statistics under one mutex by default,
  // so every allocation of every connection would take it: off, before the
  // first connection opens (later calls are refused by SQLite, harmlessly).
  static std::once_flag sqlite_config;
  std::call_once(sqlite_config, [] {
    sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    UseGatheredWalWrites();  // see wal_vfs.h
  });
  int n = std::max(1, options.pool_size);
  std::string_view u = url;
  const bool is_pg = DialectOf(url) == Dialect::kPostgres;
  std::string path;
  if (!is_pg) {
    if (u.starts_with("sqlite:"))
      u.remove_prefix(7);
    else if (!u.ends_with(".db"))
      return InvalidArgument("database must be sqlite:PATH or postgresql://...", "db");
    if (u.empty()) return InvalidArgument("sqlite: needs a file path", "db");
    path = std::string(u);
  }
  std::unique_ptr<Database> db(new Database(is_pg ? Dialect::kPostgres : Dialect::kSqlite, std::string(url), n));
  try {
    std::string conn;
    if (is_pg) {
      XQ_ASSIGN_OR_RETURN(conn, PgConnString(url));
    }
    for (int i = 0; i < n; ++i) {
      soci::session& s = db->pool_.at(i);
      if (is_pg) {
        s.open(*soci::factory_postgresql(), conn);
        s << "SET client_min_messages TO WARNING";
      } else {
        s.open(*soci::factory_sqlite3(), "db=" + path + " timeout=30 shared_cache=false");
        s << "PRAGMA journal_mode=WAL";
        s << "PRAGMA synchronous=" + options.sqlite_synchronous;
        s << "PRAGMA cache_size=-" + std::to_string(std::max(options.sqlite_cache_kib, 64));
        if (options.sqlite_background_checkpoint) {
          s << "PRAGMA wal_autocheckpoint=0";
          s << "PRAGMA journal_size_limit=" + std::to_string(options.sqlite_wal_kept_bytes);
        }
        s << "PRAGMA foreign_keys=ON";
        s << "PRAGMA busy_timeout=30000";
        if (i == 0) {
          // Absolute, as SQLite resolved it: the WAL is this name + "-wal".
          auto* be = static_cast<soci::sqlite3_session_backend*>(s.get_backend());
          const char* file = sqlite_api::sqlite3_db_filename(be->conn_, "main");
          db->sqlite_file_ = file != nullptr ? file : "";  // empty: in memory
          s << "PRAGMA page_size", soci::into(db->sqlite_page_size_);
          if (options.sqlite_background_checkpoint) db->wal_kept_bytes_ = options.sqlite_wal_kept_bytes;
        }
      }
    }
  } catch (...) {
    return WithField(absl::UnavailableError(std::string("cannot open database: ") +
                                            std::string(StatusFromCurrentException("open").message())),
                     "db");
  }
  return db;
}

absl::Status Database::Run(const Fn& fn) {
  soci::session s(pool_);
  try {
    return fn(s);
  } catch (...) {
    return StatusFromCurrentException("query");
  }
}

namespace {

// BEGIN (SQLite: IMMEDIATE), fn, COMMIT when fn returns OK; ROLLBACK when
// it fails or throws. Nothing is half-written.
absl::Status Transact(soci::session& s, Dialect dialect, const Database::Fn& fn) {
  bool open = false;
  try {
    s << (dialect == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
    open = true;
    absl::Status st = fn(s);
    s << (st.ok() ? "COMMIT" : "ROLLBACK");
    return st;
  } catch (...) {
    absl::Status st = StatusFromCurrentException("transaction");
    if (open) {
      try {
        s << "ROLLBACK";
      } catch (...) {
      }
    }
    return st;
  }
}

}  // namespace

absl::Status Database::InTransaction(const Fn& fn) {
  soci::session s(pool_);
  return Transact(s, dialect_, fn);
}

absl::Status Database::InLightTransaction(const Fn& fn) {
  if (dialect_ == Dialect::kPostgres) {
    return InTransaction([&](soci::session& s) {
      s << "SET LOCAL synchronous_commit = off";
      return fn(s);
    });
  }
  return WithSqliteSynchronous("NORMAL", fn);
}

absl::Status Database::InUnsyncedTransaction(const Fn& fn) {
  if (dialect_ == Dialect::kPostgres) return InTransaction(fn);
  return WithSqliteSynchronous("NORMAL", fn);
}

// A transaction under another synchronous level: a per-connection setting,
// changed outside the transaction and restored on every path.
absl::Status Database::WithSqliteSynchronous(std::string_view level, const Fn& fn) {
  return Run([&](soci::session& s) {
    std::string before;
    s << "PRAGMA synchronous", soci::into(before);
    s << "PRAGMA synchronous=" + std::string(level);
    absl::Status st = Transact(s, dialect_, fn);
    s << "PRAGMA synchronous=" + before;
    return st;
  });
}

namespace {

// One migration file as embedded: src/<module>/migrations/<dialect>/NNN_name.sql.
struct MigrationFile {
  std::string module;
  int version = 0;
  std::string file;  // NNN_name.sql
  std::string path;  // as embedded, for messages
  std::string_view sql;
};

// The legacy folder src/db/migrations holds the foundation's migrations
// (and every module's that came before migrations belonged to modules):
// the module "db", also recorded in schema_migrations as before.
constexpr std::string_view kLegacyModule = "db";

using Files = std::vector<std::pair<std::string_view, std::string_view>>;

absl::StatusOr<std::vector<MigrationFile>> MigrationFiles(const Files& files, std::string_view dialect_dir) {
  std::vector<MigrationFile> out;
  for (const auto& [name, sql] : files) {
    // name: src/<module>/migrations/<dialect>/<file>
    std::string_view n = name;
    if (n.starts_with("src/")) n.remove_prefix(4);
    auto slash = n.find('/');
    if (slash == std::string_view::npos) continue;
    std::string module(n.substr(0, slash));
    std::string_view rest = n.substr(slash + 1);
    if (!rest.starts_with("migrations/")) continue;
    rest.remove_prefix(11);
    if (!rest.starts_with(dialect_dir)) continue;
    rest.remove_prefix(dialect_dir.size());
    if (rest.size() < 5 || !std::isdigit(static_cast<unsigned char>(rest[0])) ||
        !std::isdigit(static_cast<unsigned char>(rest[1])) || !std::isdigit(static_cast<unsigned char>(rest[2])) ||
        rest[3] != '_')
      return absl::FailedPreconditionError(
          fmt::format("migration {}: the file name must start with three digits and '_'", name));
    out.push_back(MigrationFile{module, std::atoi(std::string(rest.substr(0, 3)).c_str()), std::string(rest),
                                std::string(name), sql});
  }
  return out;
}

// Every migration of this binary for one dialect, in the order they apply:
// by number, then module. Refuses two files with one id (module + number),
// and a migration that exists for one dialect only.
absl::StatusOr<std::vector<MigrationFile>> Plan(bool sqlite, const Files& files = EmbeddedFiles()) {
  XQ_ASSIGN_OR_RETURN(auto mine, MigrationFiles(files, sqlite ? "sqlite/" : "postgresql/"));
  XQ_ASSIGN_OR_RETURN(auto other, MigrationFiles(files, sqlite ? "postgresql/" : "sqlite/"));
  std::map<std::pair<std::string, int>, std::string> seen;
  for (const auto* list : {&mine, &other}) {
    seen.clear();
    for (const auto& m : *list) {
      auto [it, fresh] = seen.emplace(std::make_pair(m.module, m.version), m.path);
      if (!fresh)
        return absl::FailedPreconditionError(
            fmt::format("duplicate migration {}/{:03}: {} and {} have the same id; give one of "
                        "them another number",
                        m.module, m.version, it->second, m.path));
    }
  }
  std::map<std::pair<std::string, int>, std::string> theirs;
  for (const auto& m : other) theirs.emplace(std::make_pair(m.module, m.version), m.file);
  for (const auto& m : mine) {
    auto it = theirs.find({m.module, m.version});
    if (it == theirs.end())
      return absl::FailedPreconditionError(
          fmt::format("migration {} has no counterpart for the other database (each migration needs a "
                      "sqlite/ and a postgresql/ file with the same number)",
                      m.path));
    theirs.erase(it);
  }
  if (!theirs.empty())
    return absl::FailedPreconditionError(fmt::format("migration {}/{:03} ({}) exists for the other database only",
                                                     theirs.begin()->first.first, theirs.begin()->first.second,
                                                     theirs.begin()->second));
  std::sort(mine.begin(), mine.end(), [](const MigrationFile& a, const MigrationFile& b) {
    return std::tie(a.version, a.module) < std::tie(b.version, b.module);
  });
  return mine;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> MigrationOrder(
    const std::vector<std::pair<std::string_view, std::string_view>>& files, bool sqlite) {
  XQ_ASSIGN_OR_RETURN(auto plan, Plan(sqlite, files));
  std::vector<std::string> out;
  for (const auto& m : plan) out.push_back(fmt::format("{}/{}", m.module, m.file));
  return out;
}

int LatestSchemaVersion() {
  int v = 0;
  auto plan = Plan(true);
  if (!plan.ok()) return 0;
  for (const auto& m : *plan)
    if (m.module == kLegacyModule) v = std::max(v, m.version);
  return v;
}

std::map<std::string, int> LatestModuleVersions() {
  std::map<std::string, int> out;
  auto plan = Plan(true);
  if (!plan.ok()) return out;
  for (const auto& m : *plan) out[m.module] = std::max(out[m.module], m.version);
  return out;
}

absl::Status Migrate(Database& db, int up_to) {
  const bool sqlite = db.dialect() == Dialect::kSqlite;
  XQ_ASSIGN_OR_RETURN(auto plan, Plan(sqlite));
  // schema_migrations: the legacy module's versions, as the runner before
  // module migrations kept them (and older binaries read them).
  // applied_migrations: every module's, by id (module + number); on a
  // database migrated before it existed, it starts from schema_migrations.
  XQ_RETURN_IF_ERROR(db.InTransaction([](soci::session& s) {
    s << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
         "name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
    s << "CREATE TABLE IF NOT EXISTS applied_migrations (module TEXT NOT NULL, version INTEGER NOT NULL, "
         "name TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (module, version))";
    s << "INSERT INTO applied_migrations (module, version, name, applied_at) SELECT 'db', m.version, m.name, "
         "m.applied_at FROM schema_migrations m WHERE NOT EXISTS (SELECT 1 FROM applied_migrations a WHERE "
         "a.module = 'db' AND a.version = m.version)";
    return absl::OkStatus();
  }));
  std::set<std::pair<std::string, int>> applied;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) {
    soci::rowset<soci::row> rows = (s.prepare << "SELECT module, version FROM applied_migrations");
    for (const auto& r : rows) applied.emplace(r.get<std::string>(0), r.get<int>(1));
    return absl::OkStatus();
  }));
  for (const MigrationFile& m : plan) {
    if (applied.contains({m.module, m.version}) || m.version > up_to) continue;
    const std::string& file = m.file;
    const std::string_view sql = m.sql;
    // A SQLite migration that rebuilds a table other tables refer to runs
    // with foreign keys off (they cannot be switched inside a transaction),
    // and commits only if every reference still holds.
    const bool keys_off = sqlite && sql.starts_with(kForeignKeysOff);
    auto apply = [&](soci::session& s) -> absl::Status {
      // Statements are separated by lines holding only "--;;" so that
      // bodies may contain semicolons.
      std::string_view rest = sql;
      while (!rest.empty()) {
        auto pos = rest.find("\n--;;");
        std::string_view stmt = rest.substr(0, pos);
        if (stmt.find_first_not_of(" \t\r\n") != std::string_view::npos) s << std::string(stmt);
        if (pos == std::string_view::npos) break;
        rest.remove_prefix(pos + 5);
      }
      if (keys_off) {
        soci::rowset<soci::row> broken = (s.prepare << "PRAGMA foreign_key_check");
        if (auto row = broken.begin(); row != broken.end()) {
          return absl::FailedPreconditionError(
              fmt::format("migration {} would leave a row of {} without its parent", file, row->get<std::string>(0)));
        }
      }
      long long now = SystemClock::Instance().NowMicros();
      int version = m.version;
      if (m.module == kLegacyModule) {
        s << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)", soci::use(version),
            soci::use(file), soci::use(now);
      }
      s << "INSERT INTO applied_migrations (module, version, name, applied_at) VALUES (:m, :v, :n, :t)",
          soci::use(m.module), soci::use(version), soci::use(file), soci::use(now);
      return absl::OkStatus();
    };
    if (keys_off) {
      XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) {
        s << "PRAGMA foreign_keys=OFF";
        absl::Status st = Transact(s, Dialect::kSqlite, apply);
        s << "PRAGMA foreign_keys=ON";
        return st;
      }));
    } else {
      XQ_RETURN_IF_ERROR(db.InTransaction(apply));
    }
    spdlog::info("applied migration {}/{}", m.module, file);
  }
  return absl::OkStatus();
}

}  // namespace xq::db
