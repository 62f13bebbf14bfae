#include "jobs/jobs.h"

#include <algorithm>
#include <filesystem>

#include "core/clock.h"
#include "core/ids.h"
#include "fmt/format.h"
#include "gtest/gtest.h"

namespace xq::jobs {
namespace {

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("xq-jobs-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    db_ = db::Database::Open("sqlite:" + (dir_ / "j.db").string()).value();
    ASSERT_TRUE(db::Migrate(*db_).ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  long long Count(const std::string& sql) {
    long long n = 0;
    EXPECT_TRUE(db_->Run([&](soci::session& s) {
                     s << sql, soci::into(n);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }
  std::filesystem::path dir_;
  std::unique_ptr<db::Database> db_;
  FakeClock clock_;
};

TEST_F(JobsTest, AOneOffJobRunsAtItsDeadlineOnceAndSchedulingIsIdempotent) {
  JobRunner runner(*db_, clock_);
  std::vector<std::string> ran;
  runner.Handle("test.deadline", [&](soci::session&, const Job& job) {
    ran.push_back(job.key + ":" + job.payload);
    return absl::OkStatus();
  });
  const int64_t hour = 3'600'000'000;
  ASSERT_TRUE(
      runner.Schedule({.kind = "test.deadline", .key = "f1", .payload = "first", .due_at = clock_.NowMicros() + hour})
          .ok());
  ASSERT_TRUE(
      runner.Schedule({.kind = "test.deadline", .key = "f1", .payload = "second", .due_at = clock_.NowMicros()}).ok());
  EXPECT_EQ(runner.RunDue().value(), 0) << "the second schedule changed nothing";
  clock_.Advance(hour - 1);
  EXPECT_EQ(runner.RunDue().value(), 0);
  clock_.Advance(1);
  EXPECT_EQ(runner.RunDue().value(), 1);
  EXPECT_EQ(ran, (std::vector<std::string>{"f1:first"}));
  clock_.Advance(hour);
  EXPECT_EQ(runner.RunDue().value(), 0);
  auto state = GetJob(*db_, "test.deadline", "f1").value();
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->state, "done");
  EXPECT_EQ(state->job.runs, 1);
}

TEST_F(JobsTest, AFailingJobRollsBackKeepsItsErrorAndIsRetriedLater) {
  JobRunner runner(*db_, clock_);
  int calls = 0;
  runner.Handle("test.flaky", [&](soci::session& s, const Job&) -> absl::Status {
    s << "CREATE TABLE IF NOT EXISTS flaky_effects (n INTEGER)";
    s << "INSERT INTO flaky_effects (n) VALUES (1)";
    if (++calls < 3) return absl::UnavailableError("not yet");
    return absl::OkStatus();
  });
  ASSERT_TRUE(runner.Schedule({.kind = "test.flaky", .key = "x", .due_at = clock_.NowMicros()}).ok());
  EXPECT_EQ(runner.RunDue().value(), 0);
  auto state = GetJob(*db_, "test.flaky", "x").value();
  EXPECT_EQ(state->job.attempts, 1);
  EXPECT_EQ(state->last_error, "not yet");
  EXPECT_EQ(state->state, "pending");
  EXPECT_EQ(state->job.due_at, clock_.NowMicros() + 10'000'000) << "back-off";
  EXPECT_EQ(runner.RunDue().value(), 0) << "not before the back-off";
  clock_.Advance(10'000'000);
  EXPECT_EQ(runner.RunDue().value(), 0);
  clock_.Advance(20'000'000);
  EXPECT_EQ(runner.RunDue().value(), 1);
  EXPECT_EQ(calls, 3);
  long long effects = 0;
  ASSERT_TRUE(db_->Run([&](soci::session& s) {
                   s << "SELECT COUNT(*) FROM flaky_effects", soci::into(effects);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(effects, 1) << "only the successful run's effect stays";
  state = GetJob(*db_, "test.flaky", "x").value();
  EXPECT_EQ(state->job.attempts, 0);
  EXPECT_EQ(state->last_error, "");
}

TEST_F(JobsTest, ACancelledJobDoesNotRunAndOtherKindsAreLeftAlone) {
  JobRunner runner(*db_, clock_);
  int calls = 0;
  runner.Handle("test.mine", [&](soci::session&, const Job&) {
    ++calls;
    return absl::OkStatus();
  });
  ASSERT_TRUE(runner.Schedule({.kind = "test.mine", .key = "a", .due_at = clock_.NowMicros()}).ok());
  ASSERT_TRUE(runner.Schedule({.kind = "test.theirs", .key = "b", .due_at = clock_.NowMicros()}).ok());
  ASSERT_TRUE(db_->InTransaction([&](soci::session& s) {
                   EXPECT_TRUE(CancelIn(s, "test.mine", "a", clock_.NowMicros()).value());
                   EXPECT_FALSE(CancelIn(s, "test.mine", "missing", clock_.NowMicros()).value());
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(runner.RunDue().value(), 0);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(GetJob(*db_, "test.theirs", "b").value()->state, "pending") << "no runner here handles it";
  EXPECT_FALSE(runner.Schedule({.kind = "Bad Kind", .key = "b", .due_at = 0}).ok());
}

TEST_F(JobsTest, ABurstOfDueJobsRunsInBatchesAndAFailureRollsBackOnlyItsOwnEffect) {
  // Batches of 8, so 100 jobs take several claims and transactions.
  JobRunner runner(*db_, clock_, {.batch = 8});
  ASSERT_TRUE(db_->Run([](soci::session& s) {
                   s << "CREATE TABLE burst_effects (k TEXT)";
                   return absl::OkStatus();
                 })
                  .ok());
  std::vector<std::string> order;
  runner.Handle("test.burst", [&](soci::session& s, const Job& job) -> absl::Status {
    s << "INSERT INTO burst_effects (k) VALUES (:k)", soci::use(job.key);
    order.push_back(job.key);
    if (job.key == "k013") return absl::UnavailableError("refused");
    if (job.key == "k047") s << "INSERT INTO no_such_table VALUES (1)";  // throws
    return absl::OkStatus();
  });
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(
        runner.Schedule({.kind = "test.burst", .key = fmt::format("k{:03}", i), .due_at = clock_.NowMicros() + i})
            .ok());
  }
  clock_.Advance(100);
  EXPECT_EQ(runner.RunDue().value(), 98);
  ASSERT_EQ(order.size(), 100u) << "each due job ran once";
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], fmt::format("k{:03}", i)) << "in due order";
  std::vector<std::string> kept;
  ASSERT_TRUE(db_->Run([&](soci::session& s) {
                   soci::rowset<std::string> rows = s.prepare << "SELECT k FROM burst_effects ORDER BY k";
                   for (const auto& k : rows) kept.push_back(k);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(kept.size(), 98u);
  EXPECT_EQ(std::count(kept.begin(), kept.end(), "k013"), 0);
  EXPECT_EQ(std::count(kept.begin(), kept.end(), "k047"), 0);
  EXPECT_EQ(GetJob(*db_, "test.burst", "k012").value()->state, "done");
  auto refused = GetJob(*db_, "test.burst", "k013").value();
  EXPECT_EQ(refused->state, "pending");
  EXPECT_EQ(refused->job.attempts, 1);
  EXPECT_EQ(refused->last_error, "refused");
  EXPECT_TRUE(refused->lease_holder.empty());
  auto thrown = GetJob(*db_, "test.burst", "k047").value();
  EXPECT_EQ(thrown->job.attempts, 1);
  EXPECT_EQ(thrown->last_error, "job test.burst: database error") << "an exception counts as a failure";
  EXPECT_EQ(runner.RunDue().value(), 0) << "the two failures wait for their back-off";
}

TEST_F(JobsTest, ABatchHandlerTakesConsecutiveJobsAndAFailedBatchRunsOneByOne) {
  JobRunner runner(*db_, clock_, {.batch = 40, .group = 16});
  ASSERT_TRUE(db_->Run([](soci::session& s) {
                   s << "CREATE TABLE group_effects (k TEXT)";
                   return absl::OkStatus();
                 })
                  .ok());
  std::vector<size_t> groups;
  int alone = 0;
  runner.HandleBatch(
      "test.group",
      [&](soci::session& s, const Job& job) -> absl::Status {
        ++alone;
        if (job.key == "k013") return absl::UnavailableError("refused");
        s << "INSERT INTO group_effects (k) VALUES (:k)", soci::use(job.key);
        return absl::OkStatus();
      },
      [&](soci::session& s, const std::vector<Job>& jobs) -> absl::Status {
        groups.push_back(jobs.size());
        for (const Job& job : jobs) s << "INSERT INTO group_effects (k) VALUES (:k)", soci::use(job.key);
        for (const Job& job : jobs)
          if (job.key == "k013") return absl::UnavailableError("one of them refused");
        return absl::OkStatus();
      });
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(
        runner.Schedule({.kind = "test.group", .key = fmt::format("k{:03}", i), .due_at = clock_.NowMicros() + i})
            .ok());
  clock_.Advance(100);
  EXPECT_EQ(runner.RunDue().value(), 49);
  EXPECT_EQ(groups, (std::vector<size_t>{16, 16, 8, 10})) << "groups of at most 16 within claims of 40";
  EXPECT_EQ(alone, 16) << "the group holding the refused job ran again one by one";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM group_effects"), 49) << "the failed group's own writes rolled back";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM group_effects WHERE k = 'k013'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE kind = 'test.group' AND state = 'done'"), 49);
  auto refused = GetJob(*db_, "test.group", "k013").value();
  EXPECT_EQ(refused->state, "pending");
  EXPECT_EQ(refused->job.attempts, 1);
  EXPECT_EQ(refused->last_error, "refused");
}

TEST_F(JobsTest, AJobThatOutlivesItsLeaseRollsBackInABatchAndTheOthersStay) {
  JobRunner slow(*db_, clock_, {.holder = "slow", .lease_us = 1'000'000});
  ASSERT_TRUE(db_->Run([](soci::session& s) {
                   s << "CREATE TABLE lease_effects (k TEXT)";
                   return absl::OkStatus();
                 })
                  .ok());
  slow.Handle("test.lease", [&](soci::session& s, const Job& job) {
    s << "INSERT INTO lease_effects (k) VALUES (:k)", soci::use(job.key);
    if (job.key == "b") clock_.Advance(2'000'000);  // stalls past its lease
    return absl::OkStatus();
  });
  for (const char* k : {"a", "b"})
    ASSERT_TRUE(slow.Schedule({.kind = "test.lease", .key = k, .due_at = clock_.NowMicros()}).ok());
  EXPECT_EQ(slow.RunDue().value(), 1);
  EXPECT_EQ(GetJob(*db_, "test.lease", "a").value()->state, "done");
  auto b = GetJob(*db_, "test.lease", "b").value();
  EXPECT_EQ(b->state, "pending") << "its effect rolled back";
  EXPECT_EQ(b->job.attempts, 1);
  long long effects = 0;
  ASSERT_TRUE(db_->Run([&](soci::session& s) {
                   s << "SELECT COUNT(*) FROM lease_effects", soci::into(effects);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(effects, 1);
  JobRunner other(*db_, clock_, {.holder = "other"});
  int other_calls = 0;
  other.Handle("test.lease", [&](soci::session&, const Job&) {
    ++other_calls;
    return absl::OkStatus();
  });
  clock_.Advance(10'000'000);
  EXPECT_EQ(other.RunDue().value(), 1) << "taken again after its back-off";
  EXPECT_EQ(other_calls, 1);
}

TEST_F(JobsTest, TheBackgroundRunnerTakesDueJobs) {
  JobRunner runner(*db_, SystemClock::Instance(), {.poll = std::chrono::milliseconds(20)});
  std::atomic<int> calls = 0;
  runner.Handle("test.soon", [&](soci::session&, const Job&) {
    ++calls;
    return absl::OkStatus();
  });
  ASSERT_TRUE(runner.Schedule({.kind = "test.soon", .key = "a", .due_at = SystemClock::Instance().NowMicros()}).ok());
  runner.Start();
  for (int i = 0; i < 200 && calls == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  runner.Stop();
  EXPECT_EQ(calls.load(), 1);
}

// A paged periodic job runs a page per transaction: each page commits with
// its cursor, the next is due at once, a failing page is retried from the
// last committed cursor, and the period counts from the end of the pass.
TEST_F(JobsTest, APagedJobCommitsPageByPageAndGoesOnFromItsCursor) {
  JobRunner runner(*db_, clock_);
  std::vector<std::string> cursors;
  bool fail_at_4 = true;
  runner.HandlePaged("test.paged", [&](soci::session& s, const Job& job) -> absl::StatusOr<std::optional<std::string>> {
    cursors.push_back(job.payload);
    const int at = job.payload.empty() ? 0 : std::stoi(job.payload);
    s << "CREATE TABLE IF NOT EXISTS paged_effects (n INTEGER)";
    s << "INSERT INTO paged_effects (n) VALUES (:n)", soci::use(at);
    if (at == 4 && fail_at_4) {
      fail_at_4 = false;
      return absl::UnavailableError("busy");
    }
    if (at + 2 >= 8) return std::nullopt;
    return std::to_string(at + 2);
  });
  const int64_t hour = 3'600'000'000;
  ASSERT_TRUE(runner.DeclarePeriodic("test.paged", "all", hour, clock_.NowMicros()).ok());
  EXPECT_EQ(runner.RunDue().value(), 2);  // pages 0 and 2; page 4 fails and waits
  auto state = GetJob(*db_, "test.paged", "all").value();
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->job.payload, "4");
  EXPECT_EQ(state->job.runs, 0) << "a pass is one run";
  clock_.Advance(10'000'000);
  EXPECT_EQ(runner.RunDue().value(), 2);  // pages 4 and 6: the pass is over
  EXPECT_EQ(cursors, (std::vector<std::string>{"", "2", "4", "4", "6"}));
  long long rows = 0;
  ASSERT_TRUE(db_->Run([&](soci::session& s) {
                   s << "SELECT COUNT(*) FROM paged_effects", soci::into(rows);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(rows, 4) << "the failed page rolled back";
  state = GetJob(*db_, "test.paged", "all").value();
  EXPECT_EQ(state->job.payload, "");
  EXPECT_EQ(state->job.runs, 1);
  EXPECT_EQ(state->state, "pending");
  EXPECT_EQ(state->job.due_at, clock_.NowMicros() + hour);
  EXPECT_EQ(runner.RunDue().value(), 0);
  clock_.Advance(hour);
  EXPECT_EQ(runner.RunDue().value(), 4);  // the next pass starts from the beginning
  EXPECT_EQ(cursors.back(), "6");
  EXPECT_EQ(cursors[5], "");
}

}  // namespace
}  // namespace xq::jobs
