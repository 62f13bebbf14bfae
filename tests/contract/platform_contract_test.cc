// The platform on every backend: durable jobs and event delivery with two
// servers on one database (two Database handles, as two processes would
// hold), and the schema both dialects' migrations build.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "contract/fixture.h"
#include "core/clock.h"
#include "core/ids.h"
#include "events/dispatcher.h"
#include "events/events.h"
#include "jobs/jobs.h"

namespace xq::testing {
namespace {

int64_t CountOf(db::Database& db, const std::string& sql) {
  long long n = -1;
  EXPECT_TRUE(db.Run([&](soci::session& s) {
                  s << sql, soci::into(n);
                  return absl::OkStatus();
                }).ok());
  return n;
}

// Two servers, each with its runner on its own connection pool, take the
// same due jobs at the same time: each job runs exactly once. A job whose
// holder was killed (its lease left behind) waits for the lease to expire
// and then runs once, on one of them.
TEST_P(ContractTest, TwoServersRunEachDueJobOnceIncludingAKilledHoldersJob) {
  db::Database& a_db = Db();
  auto b_db = db::Database::Open(Url(), {.pool_size = 2}).value();
  FakeClock clock;
  ASSERT_TRUE(a_db.Run([](soci::session& s) {
                    s << "CREATE TABLE job_effects (job_key TEXT NOT NULL, holder TEXT NOT NULL)";
                    return absl::OkStatus();
                  })
                  .ok());
  auto handler = [](std::string holder) {
    return [holder](soci::session& s, const jobs::Job& job) -> absl::Status {
      s << "INSERT INTO job_effects (job_key, holder) VALUES (:k, :h)", soci::use(job.key), soci::use(holder);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return absl::OkStatus();
    };
  };
  jobs::JobRunner a(a_db, clock, {.holder = "server-a"});
  jobs::JobRunner b(*b_db, clock, {.holder = "server-b"});
  a.Handle("test.deadline", handler("server-a"));
  b.Handle("test.deadline", handler("server-b"));
  const int64_t now = clock.NowMicros();
  constexpr int kJobs = 40;
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(a.Schedule({.kind = "test.deadline", .key = "k" + std::to_string(i), .due_at = now}).ok());
    // Scheduling again (either server) changes nothing.
    ASSERT_TRUE(b.Schedule({.kind = "test.deadline", .key = "k" + std::to_string(i), .due_at = now + 1}).ok());
  }
  ASSERT_TRUE(a.Schedule({.kind = "test.deadline", .key = "later", .due_at = now + 3'600'000'000}).ok());
  ASSERT_TRUE(a.Schedule({.kind = "test.deadline", .key = "killed", .due_at = now}).ok());
  // A third server took "killed" and was killed -9 before finishing: its
  // lease (60 s) is what it left behind.
  ASSERT_TRUE(a_db.InTransaction([&](soci::session& s) {
                    long long expires = now + 60'000'000;
                    s << "UPDATE jobs SET lease_holder = 'server-c', lease_expires_at = :e WHERE job_key = 'killed'",
                        soci::use(expires);
                    return absl::OkStatus();
                  })
                  .ok());

  auto both = [&] {
    absl::StatusOr<int> ra = 0, rb = 0;
    std::thread ta([&] { ra = a.RunDue(); });
    std::thread tb([&] { rb = b.RunDue(); });
    ta.join();
    tb.join();
    EXPECT_TRUE(ra.ok()) << ra.status();
    EXPECT_TRUE(rb.ok()) << rb.status();
    return (ra.ok() ? *ra : 0) + (rb.ok() ? *rb : 0);
  };
  EXPECT_EQ(both(), kJobs);
  EXPECT_EQ(CountOf(a_db, "SELECT COUNT(*) FROM job_effects"), kJobs);
  EXPECT_EQ(CountOf(a_db, "SELECT COUNT(DISTINCT job_key) FROM job_effects"), kJobs);
  EXPECT_EQ(CountOf(a_db, "SELECT COUNT(*) FROM job_effects WHERE job_key IN ('killed', 'later')"), 0)
      << "a live lease and a future deadline wait";

  clock.Advance(30'000'000);
  EXPECT_EQ(both(), 0) << "the killed holder's lease has not expired yet";
  clock.Advance(31'000'000);
  EXPECT_EQ(both(), 1) << "taken over once the lease expired";
  EXPECT_EQ(CountOf(a_db, "SELECT COUNT(*) FROM job_effects WHERE job_key = 'killed'"), 1);
  auto killed = jobs::GetJob(a_db, "test.deadline", "killed").value();
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(killed->state, "done");
  EXPECT_TRUE(killed->lease_holder.empty());
  EXPECT_EQ(both(), 0) << "nothing runs twice";
  EXPECT_EQ(CountOf(a_db, "SELECT COUNT(*) FROM job_effects"), kJobs + 1);

  clock.Advance(3'600'000'000);
  EXPECT_EQ(both(), 1);
  EXPECT_EQ(CountOf(a_db, "SELECT COUNT(*) FROM job_effects WHERE job_key = 'later'"), 1);
}

// A runner that lost its lease while running (it expired and another took
// the job) does not complete it: its effect rolls back, the new holder's stays.
TEST_P(ContractTest, AJobWhoseLeaseWasLostRollsItsEffectBack) {
  FakeClock clock;
  ASSERT_TRUE(Db().Run([](soci::session& s) {
                    s << "CREATE TABLE job_effects (job_key TEXT NOT NULL, holder TEXT NOT NULL)";
                    return absl::OkStatus();
                  })
                  .ok());
  jobs::JobRunner slow(Db(), clock, {.holder = "slow", .lease_us = 1'000'000});
  auto other_db = db::Database::Open(Url(), {.pool_size = 2}).value();
  jobs::JobRunner other(*other_db, clock, {.holder = "other"});
  other.Handle("test.once", [](soci::session& s, const jobs::Job& job) -> absl::Status {
    s << "INSERT INTO job_effects (job_key, holder) VALUES (:k, 'other')", soci::use(job.key);
    return absl::OkStatus();
  });
  slow.Handle("test.once", [&](soci::session& s, const jobs::Job& job) -> absl::Status {
    s << "INSERT INTO job_effects (job_key, holder) VALUES (:k, 'slow')", soci::use(job.key);
    clock.Advance(2'000'000);  // the handler outlives its lease
    return absl::OkStatus();
  });
  ASSERT_TRUE(slow.Schedule({.kind = "test.once", .key = "x", .due_at = clock.NowMicros()}).ok());
  EXPECT_EQ(slow.RunDue().value(), 0);
  EXPECT_EQ(CountOf(Db(), "SELECT COUNT(*) FROM job_effects"), 0);
  EXPECT_EQ(other.RunDue().value(), 0) << "failed runs wait for their back-off";
  auto state = jobs::GetJob(Db(), "test.once", "x").value();
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->job.attempts, 1);
  EXPECT_NE(state->last_error.find("lease"), std::string::npos) << state->last_error;
  clock.Advance(11'000'000);
  EXPECT_EQ(other.RunDue().value(), 1);
  EXPECT_EQ(CountOf(Db(), "SELECT COUNT(*) FROM job_effects WHERE holder = 'other'"), 1);
  EXPECT_EQ(CountOf(Db(), "SELECT COUNT(*) FROM job_effects"), 1);
}

// A periodic job runs once per period, whichever server is first.
TEST_P(ContractTest, APeriodicJobRunsOncePerPeriod) {
  FakeClock clock;
  std::atomic<int> runs = 0;
  auto count = [&](soci::session&, const jobs::Job&) {
    ++runs;
    return absl::OkStatus();
  };
  auto b_db = db::Database::Open(Url(), {.pool_size = 2}).value();
  jobs::JobRunner a(Db(), clock, {.holder = "a"}), b(*b_db, clock, {.holder = "b"});
  a.Handle("test.tick", count);
  b.Handle("test.tick", count);
  const int64_t minute = 60'000'000;
  ASSERT_TRUE(a.DeclarePeriodic("test.tick", "all", minute, clock.NowMicros() + minute).ok());
  ASSERT_TRUE(b.DeclarePeriodic("test.tick", "all", minute, clock.NowMicros() + minute).ok());
  EXPECT_EQ(a.RunDue().value() + b.RunDue().value(), 0);
  for (int i = 1; i <= 3; ++i) {
    clock.Advance(minute);
    EXPECT_EQ(a.RunDue().value() + b.RunDue().value(), 1);
    EXPECT_EQ(runs.load(), i);
  }
}

// A database from before jobs/078 and warning/078: its pending escalation
// jobs keep working under the new keys (deadline first) and every other
// job keeps its key, its state and its due time.
TEST_P(ContractTest, EscalationJobsScheduledBeforeTheDeadlineFirstKeysAreRekeyed) {
  ASSERT_TRUE(Db().InTransaction([](soci::session& s) {
                    // As the two migrations found it (they run again below).
                    s << "DELETE FROM applied_migrations WHERE version = 78 AND module IN ('jobs', 'warning')";
                    s << "INSERT INTO jobs (kind, job_key, school_id, due_at, state, created_at, updated_at) VALUES "
                         "('warning.ack_due', '300123:class:1788003600000000', 7, 1788003600000000, 'pending', 1, "
                         "1), ('warning.action_due', '300124:psych_centre:1788086400000000', 7, 1788090000000000, "
                         "'pending', 1, 1), ('warning.ack_due', '300125:grade:1788000000000000', 7, "
                         "1788000000000000, 'done', 1, 1), ('test.other', 'a:b:c', 0, 5, 'pending', 1, 1), "
                         "('warning.ack_due', 'oddkey', 0, 6, 'pending', 1, 1)";
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(db::Migrate(Db()).ok());
  std::map<std::string, std::string> keys;
  ASSERT_TRUE(Db().Run([&](soci::session& s) {
                    soci::rowset<soci::row> rows =
                        (s.prepare << "SELECT kind, job_key, state, due_at FROM jobs ORDER BY kind, job_key");
                    for (const auto& r : rows)
                      keys[r.get<std::string>(0) + " " + r.get<std::string>(1)] =
                          r.get<std::string>(2) + " " + std::to_string(r.get<long long>(3));
                    return absl::OkStatus();
                  })
                  .ok());
  const std::map<std::string, std::string> want = {
      {"warning.ack_due 1788003600000000:300123:class", "pending 1788003600000000"},
      {"warning.action_due 1788086400000000:300124:psych_centre", "pending 1788090000000000"},
      {"warning.ack_due 1788000000000000:300125:grade", "done 1788000000000000"},
      {"test.other a:b:c", "pending 5"},
      {"warning.ack_due oddkey", "pending 6"}};
  EXPECT_EQ(keys, want);
  // Still one job per kind and key.
  auto again = jobs::GetJob(Db(), "warning.ack_due", "1788003600000000:300123:class").value();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->job.school_id, 7);
  ASSERT_TRUE(Db().InTransaction([](soci::session& s) -> absl::Status {
                    auto fresh = jobs::ScheduleIn(
                        s, {.kind = "warning.ack_due", .key = "1788003600000000:300123:class", .due_at = 1}, 2);
                    if (!fresh.ok()) return fresh.status();
                    EXPECT_FALSE(*fresh);
                    return absl::OkStatus();
                  })
                  .ok());
}

// Two servers' dispatchers read the same outbox: each event's effect
// happens once.
TEST_P(ContractTest, TwoServersHandleEachEventOnce) {
  FakeClock clock;
  ASSERT_TRUE(Db().Run([](soci::session& s) {
                    s << "CREATE TABLE event_effects (event_id BIGINT NOT NULL)";
                    return absl::OkStatus();
                  })
                  .ok());
  constexpr int kEvents = 60;
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(Db().InTransaction([&](soci::session& s) {
                      return events::Publish(s, {.school_id = 1,
                                                 .kind = "test.happened",
                                                 .subject = "student:" + std::to_string(i % 7),
                                                 .payload = "{}",
                                                 .created_at = clock.NowMicros()})
                          .status();
                    })
                    .ok());
  }
  auto b_db = db::Database::Open(Url(), {.pool_size = 2}).value();
  auto sub = [](std::string name) {
    return events::Subscription{
        .name = std::move(name), .kinds = {"test.happened"}, .handler = [](soci::session& s, const events::Event& e) {
          long long id = e.id;
          s << "INSERT INTO event_effects (event_id) VALUES (:i)", soci::use(id);
          return absl::OkStatus();
        }};
  };
  events::Dispatcher a(Db(), clock, {.batch = 8}), b(*b_db, clock, {.batch = 8});
  a.Subscribe(sub("test.effects"));
  b.Subscribe(sub("test.effects"));
  absl::Status sa, sb;
  std::thread ta([&] { sa = a.DeliverPending(); });
  std::thread tb([&] { sb = b.DeliverPending(); });
  ta.join();
  tb.join();
  EXPECT_TRUE(sa.ok()) << sa;
  EXPECT_TRUE(sb.ok()) << sb;
  EXPECT_EQ(CountOf(Db(), "SELECT COUNT(*) FROM event_effects"), kEvents);
  EXPECT_EQ(CountOf(Db(), "SELECT COUNT(DISTINCT event_id) FROM event_effects"), kEvents);
  EXPECT_EQ(a.Lags()[0].delivered + b.Lags()[0].delivered, kEvents);
}

// Both dialects' migrations build the same tables with the same columns
// (names; types compared loosely: integer, text, real, binary).
std::string TypeClass(std::string t) {
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t.find("int") != std::string::npos || t == "bigserial" || t == "serial" || t == "boolean") return "integer";
  if (t.find("char") != std::string::npos || t == "text" || t == "json" || t == "jsonb") return "text";
  if (t.find("real") != std::string::npos || t.find("double") != std::string::npos ||
      t.find("numeric") != std::string::npos)
    return "real";
  if (t == "blob" || t == "bytea") return "binary";
  return t;
}

using Columns = std::map<std::string, std::map<std::string, std::string>>;  // table -> column -> type class

Columns SqliteColumns(db::Database& db) {
  Columns out;
  EXPECT_TRUE(db.Run([&](soci::session& s) {
                  std::vector<std::string> tables;
                  soci::rowset<std::string> names =
                      (s.prepare << "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
                  for (const auto& n : names) tables.push_back(n);
                  for (const auto& t : tables) {
                    soci::rowset<soci::row> cols =
                        (s.prepare << "SELECT name, type FROM pragma_table_info('" + t + "')");
                    for (const auto& c : cols) out[t][c.get<std::string>(0)] = TypeClass(c.get<std::string>(1));
                  }
                  return absl::OkStatus();
                }).ok());
  return out;
}

Columns PostgresColumns(db::Database& db) {
  Columns out;
  EXPECT_TRUE(db.Run([&](soci::session& s) {
                  soci::rowset<soci::row> cols =
                      (s.prepare << "SELECT table_name, column_name, data_type FROM information_schema.columns "
                                    "WHERE table_schema = current_schema()");
                  for (const auto& c : cols)
                    out[c.get<std::string>(0)][c.get<std::string>(1)] = TypeClass(c.get<std::string>(2));
                  return absl::OkStatus();
                }).ok());
  return out;
}

TEST(SchemaParity, BothDialectsBuildTheSameTablesAndColumns_postgresql) {
  const char* url = std::getenv("XQ_TEST_PG_URL");
  if (!url || !*url) GTEST_SKIP() << "XQ_TEST_PG_URL not set";
  const std::string schema = "parity_" + RandomHex(6);
  auto admin = db::Database::Open(url, {.pool_size = 1}).value();
  ASSERT_TRUE(admin
                  ->Run([&](soci::session& s) {
                    s << "CREATE SCHEMA " + schema;
                    return absl::OkStatus();
                  })
                  .ok());
  const std::string sep = std::string(url).find('?') == std::string::npos ? "?" : "&";
  Columns pg, lite;
  {
    auto db = db::Database::Open(std::string(url) + sep + "search_path=" + schema, {.pool_size = 1}).value();
    ASSERT_TRUE(db::Migrate(*db).ok());
    pg = PostgresColumns(*db);
  }
  const auto path = std::filesystem::temp_directory_path() / ("xq_parity_" + RandomHex(6) + ".db");
  {
    auto db = db::Database::Open("sqlite:" + path.string(), {.pool_size = 1}).value();
    ASSERT_TRUE(db::Migrate(*db).ok());
    lite = SqliteColumns(*db);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
  (void)admin->Run([&](soci::session& s) {
    s << "DROP SCHEMA " + schema + " CASCADE";
    return absl::OkStatus();
  });
  EXPECT_GT(lite.size(), 20u);
  std::set<std::string> tables;
  for (const auto& [t, c] : lite) tables.insert(t);
  for (const auto& [t, c] : pg) tables.insert(t);
  for (const auto& t : tables) {
    ASSERT_TRUE(lite.contains(t)) << "table " << t << " exists on PostgreSQL only";
    ASSERT_TRUE(pg.contains(t)) << "table " << t << " exists on SQLite only";
    std::set<std::string> columns;
    for (const auto& [c, type] : lite[t]) columns.insert(c);
    for (const auto& [c, type] : pg[t]) columns.insert(c);
    for (const auto& c : columns) {
      EXPECT_TRUE(lite[t].contains(c)) << t << "." << c << " exists on PostgreSQL only";
      EXPECT_TRUE(pg[t].contains(c)) << t << "." << c << " exists on SQLite only";
      if (lite[t].contains(c) && pg[t].contains(c)) {
        EXPECT_EQ(lite[t][c], pg[t][c]) << t << "." << c << ": the dialects store different kinds of value";
      }
    }
  }
}

}  // namespace
}  // namespace xq::testing
