// ingest_storage_ceiling: the most SQLite does for the same rows — the
// statements xinqiao's submission writer runs per submission (insert the
// scored submission, mark its assignment submitted, drop its draft), as
// prepared statements on the bare C API, committed in batches of a given
// size with the given synchronous setting, into the same database file.
// No server, no scoring, no SOCI: the ceiling for bench/ingest's durable
// rate.
//
//   ingest_storage_ceiling --db PATH --campaign ID --rows N --batch B   (N at most)
//                          [--synchronous FULL]
//
// The rows go to assignments of the campaign still pending; answers and
// result text are copied from a submission already stored, so every row
// has the size of a real one.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

int Fail(const std::string& msg) {
  std::fprintf(stderr, "ingest_storage_ceiling: %s\n", msg.c_str());
  return 1;
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

bool Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "ingest_storage_ceiling: %s: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> f;
  for (int i = 1; i + 1 < argc; i += 2) f[argv[i]] = argv[i + 1];
  if (!f.count("--db") || !f.count("--campaign") || !f.count("--rows") || !f.count("--batch"))
    return Fail("usage: ingest_storage_ceiling --db PATH --campaign ID --rows N --batch B [--synchronous FULL]");
  long long campaign = 0;
  long rows = 0, batch = 0;
  try {
    campaign = std::stoll(f["--campaign"]);
    rows = std::stol(f["--rows"]);
    batch = std::max(1L, std::stol(f["--batch"]));
  } catch (const std::exception&) {
    return Fail("--campaign, --rows and --batch take integers");
  }
  if (rows < 1) return Fail("--rows must be at least 1");
  const std::string sync = f.count("--synchronous") ? f["--synchronous"] : "FULL";
  if (sync != "FULL" && sync != "NORMAL" && sync != "OFF" && sync != "EXTRA") return Fail("bad --synchronous");

  sqlite3* db = nullptr;
  if (sqlite3_open_v2(f["--db"].c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    return Fail("cannot open " + f["--db"]);
  sqlite3_busy_timeout(db, 10000);
  if (!Exec(db, "PRAGMA journal_mode=WAL") || !Exec(db, ("PRAGMA synchronous=" + sync).c_str())) return 1;
  if (f.count("--cache-kib") && !Exec(db, ("PRAGMA cache_size=-" + f["--cache-kib"]).c_str())) return 1;

  // A stored submission of the campaign gives the size of answers and result.
  std::string answers, result, instrument, version, sex, kind;
  long long grade = 0;
  {
    Stmt q;
    sqlite3_prepare_v2(db,
                       "SELECT answers, result, instrument_id, version, sex, school_kind, grade_year "
                       "FROM screening_submissions WHERE campaign_id = ? LIMIT 1",
                       -1, &q.s, nullptr);
    sqlite3_bind_int64(q.s, 1, campaign);
    if (sqlite3_step(q.s) != SQLITE_ROW) return Fail("the campaign has no submission to copy the row size from");
    auto text = [&](int i) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(q.s, i))); };
    answers = text(0);
    result = text(1);
    instrument = text(2);
    version = text(3);
    sex = text(4);
    kind = text(5);
    grade = sqlite3_column_int64(q.s, 6);
  }
  struct Target {
    long long assignment, student, school;
    std::string path;
  };
  std::vector<Target> targets;
  {
    Stmt q;
    sqlite3_prepare_v2(db,
                       "SELECT id, student_id, school_id, unit_path FROM screening_assignments "
                       "WHERE campaign_id = ? AND state = 'pending' LIMIT ?",
                       -1, &q.s, nullptr);
    sqlite3_bind_int64(q.s, 1, campaign);
    sqlite3_bind_int64(q.s, 2, rows);
    while (sqlite3_step(q.s) == SQLITE_ROW)
      targets.push_back({sqlite3_column_int64(q.s, 0), sqlite3_column_int64(q.s, 1), sqlite3_column_int64(q.s, 2),
                         reinterpret_cast<const char*>(sqlite3_column_text(q.s, 3))});
  }
  // The rate runs before may have left fewer: then all of them, if enough
  // for a steady measure (20 batches).
  if (static_cast<long>(targets.size()) < std::min(rows, 20 * batch))
    return Fail("only " + std::to_string(targets.size()) + " pending assignments left");
  rows = std::min<long>(rows, static_cast<long>(targets.size()));
  std::shuffle(targets.begin(), targets.end(), std::mt19937_64(7));

  Stmt ins, upd, del;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO screening_submissions (id, assignment_id, client_key, campaign_id, student_id, "
                         "school_id, unit_path, instrument_id, version, answers, result, positive, critical, valid, "
                         "source, sex, grade_year, school_kind, submitted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,0,0,1,"
                         "'online',?,?,?,?)",
                         -1, &ins.s, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "UPDATE screening_assignments SET state = 'submitted', submitted_at = ? WHERE id = ?", -1,
                         &upd.s, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "DELETE FROM screening_drafts WHERE assignment_id = ?", -1, &del.s, nullptr) != SQLITE_OK)
    return Fail(sqlite3_errmsg(db));

  std::mt19937_64 rng(std::random_device{}());
  const long long base_id = static_cast<long long>(rng() >> 2);
  std::vector<double> commit_ms;
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < rows; i += batch) {
    const long n = std::min(batch, rows - i);
    if (!Exec(db, "BEGIN IMMEDIATE")) return 1;
    for (long k = i; k < i + n; ++k) {
      const Target& t = targets[k];
      const long long now =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      const std::string key = "ceiling-" + std::to_string(t.assignment);
      sqlite3_bind_int64(ins.s, 1, base_id + k);
      sqlite3_bind_int64(ins.s, 2, t.assignment);
      sqlite3_bind_text(ins.s, 3, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(ins.s, 4, campaign);
      sqlite3_bind_int64(ins.s, 5, t.student);
      sqlite3_bind_int64(ins.s, 6, t.school);
      sqlite3_bind_text(ins.s, 7, t.path.data(), static_cast<int>(t.path.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins.s, 8, instrument.data(), static_cast<int>(instrument.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins.s, 9, version.data(), static_cast<int>(version.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins.s, 10, answers.data(), static_cast<int>(answers.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins.s, 11, result.data(), static_cast<int>(result.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins.s, 12, sex.data(), static_cast<int>(sex.size()), SQLITE_STATIC);
      sqlite3_bind_int64(ins.s, 13, grade);
      sqlite3_bind_text(ins.s, 14, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
      sqlite3_bind_int64(ins.s, 15, now);
      if (sqlite3_step(ins.s) != SQLITE_DONE) return Fail(sqlite3_errmsg(db));
      sqlite3_reset(ins.s);
      sqlite3_bind_int64(upd.s, 1, now);
      sqlite3_bind_int64(upd.s, 2, t.assignment);
      if (sqlite3_step(upd.s) != SQLITE_DONE) return Fail(sqlite3_errmsg(db));
      sqlite3_reset(upd.s);
      sqlite3_bind_int64(del.s, 1, t.assignment);
      if (sqlite3_step(del.s) != SQLITE_DONE) return Fail(sqlite3_errmsg(db));
      sqlite3_reset(del.s);
    }
    const auto c0 = std::chrono::steady_clock::now();
    if (!Exec(db, "COMMIT")) return 1;
    commit_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c0).count());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(commit_ms.begin(), commit_ms.end());
  std::printf(
      "{\"rows\":%ld,\"batch\":%ld,\"synchronous\":\"%s\",\"seconds\":%.3f,\"rows_per_s\":%.0f,"
      "\"commits\":%zu,\"commit_p50_ms\":%.3f,\"commit_p99_ms\":%.3f}\n",
      rows, batch, sync.c_str(), secs, static_cast<double>(rows) / secs, commit_ms.size(),
      commit_ms[commit_ms.size() / 2], commit_ms[std::min(commit_ms.size() - 1, commit_ms.size() * 99 / 100)]);
  sqlite3_close(db);
  return 0;
}
