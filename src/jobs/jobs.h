// Durable jobs (docs/design.md "Jobs"): a module schedules a one-off job
// for a deadline (idempotent on kind + key) or declares a periodic one;
// every server runs a JobRunner, and each due job runs once.
//
// Taking a job writes a lease (holder, expiry) on its row: PostgreSQL
// picks the row with SELECT … FOR UPDATE SKIP LOCKED, SQLite inside
// BEGIN IMMEDIATE, so two servers never take the same job at once. A
// holder that dies leaves its lease behind; the job is taken over once the
// lease has expired. The handler runs in a transaction that ends by
// completing the job only while the lease is still the runner's, so the
// handler's database effect commits exactly once: if the lease was lost
// (expired and taken over), the effect rolls back. A failing handler rolls
// back, the error is kept on the row, and the job is due again after a
// back-off (attempts × 10 s, at most 10 min). Handlers should finish well
// within the lease (default 60 s).
//
// Due jobs are taken in batches (one lease transaction for up to
// `batch` jobs) and run several to a transaction, each inside its own
// savepoint, so a burst of deadlines (a thousand warnings due in the same
// minute) costs a few commits instead of two per job. A failing job rolls
// back to its savepoint only; a transaction holds the write lock for at
// most `batch_time` before the next one starts. A kind with a batch
// handler (HandleBatch) runs its consecutive due jobs, up to `group`, in
// one call and one savepoint; if that fails, they run again one by one.
//
// Times come from the injected Clock, so tests drive deadlines with a
// FakeClock. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/clock.h"
#include "db/database.h"

namespace xq::jobs {

struct Job {
  std::string kind;  // "<module>.<what>", e.g. "warning.follow_up_overdue"
  // Unique within the kind, e.g. the follow-up's id. SQLite stores the jobs
  // in (kind, key) order, so a key that begins with the due time keeps jobs
  // due together on the same pages (a burst of deadlines writes a few).
  std::string key;
  int64_t school_id = 0;
  std::string payload;
  int64_t due_at = 0;     // microseconds since the epoch
  int64_t period_us = 0;  // 0: one-off
  int attempts = 0;       // failed runs before this one
  int64_t runs = 0;
};

struct JobState {
  Job job;
  std::string state;  // pending | done | cancelled
  std::string lease_holder;
  int64_t lease_expires_at = 0;
  std::string last_error;
};

// Schedules a one-off job inside the caller's transaction (so the deadline
// exists exactly when the change does). Idempotent on kind + key: false
// when such a job exists already (whatever its state), which is left as it is.
absl::StatusOr<bool> ScheduleIn(soci::session& s, const Job& job, int64_t now);
// The same for several jobs, through one prepared insert.
absl::Status ScheduleAllIn(soci::session& s, const std::vector<Job>& jobs, int64_t now);
// Cancels a pending job inside the caller's transaction; false if none.
absl::StatusOr<bool> CancelIn(soci::session& s, std::string_view kind, std::string_view key, int64_t now);
absl::StatusOr<std::optional<JobState>> GetJob(db::Database& db, std::string_view kind, std::string_view key);

// Runs inside the job's transaction; an error rolls it back and the job is
// retried later.
using JobHandler = std::function<absl::Status(soci::session& s, const Job& job)>;
// A periodic job too big for one transaction does a page per run: it gets
// its cursor in job.payload ("" at the start of a pass) and returns the
// cursor to go on from, or nullopt when the pass is over. Each page commits
// with the job row (the cursor kept as its payload, due again at once), so
// other writers get the database between pages and a pass stopped by a
// crash goes on from its last committed page; the period counts from the
// end of a pass.
using PagedJobHandler = std::function<absl::StatusOr<std::optional<std::string>>(soci::session& s, const Job& job)>;
// Runs several due jobs of one kind inside their transaction, with the
// effect of running each alone, in order, through the kind's JobHandler
// (what a burst of deadlines costs is then a few statements for all of
// them instead of a few for each). An error rolls all of them back, and the
// runner runs each through the JobHandler instead, in its own savepoint.
using BatchJobHandler = std::function<absl::Status(soci::session& s, const std::vector<Job>& jobs)>;

struct RunnerOptions {
  std::string holder;  // this server's name in leases; empty: host:pid:random
  int64_t lease_us = 60'000'000;
  std::chrono::milliseconds poll{1000};
  int batch = 512;                            // jobs taken per lease transaction
  int group = 256;                            // jobs per call of a batch handler
  std::chrono::milliseconds batch_time{200};  // longest run of jobs in one transaction
};

class JobRunner {
 public:
  JobRunner(db::Database& db, const Clock& clock, RunnerOptions options = {});
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Before Start(): the handler of a kind. A runner takes only jobs of the
  // kinds it handles.
  void Handle(std::string kind, JobHandler handler);
  void HandlePaged(std::string kind, PagedJobHandler handler);
  // The handler of a kind, and the one for several of its jobs at once
  // (consecutive due jobs of the kind in a batch).
  void HandleBatch(std::string kind, JobHandler one, BatchJobHandler many);
  // Declares a periodic job (kind + key), first due `first_due_at`, then
  // every period after each run; idempotent (an existing job keeps its
  // schedule, with the new period).
  absl::Status DeclarePeriodic(std::string kind, std::string key, int64_t period_us, int64_t first_due_at);
  absl::Status Schedule(const Job& job);

  void Start();
  void Stop();
  // Takes and runs due jobs on the calling thread until none is due;
  // returns how many ran to completion (tests, tools).
  absl::StatusOr<int> RunDue();

  const std::string& holder() const { return options_.holder; }

 private:
  // Takes up to `batch` due jobs (writes this runner's lease), by due time.
  absl::StatusOr<std::vector<Job>> Claim();
  // Runs one job in its own transaction (the fallback when a batch's
  // transaction fails as a whole).
  absl::Status Run(const Job& job);
  // The handler and the completion inside `s` (no transaction of its own).
  absl::Status RunIn(soci::session& s, const Job& job);
  // The batch handler of jobs[from, to) (one kind) and their completion
  // inside `s`; an error leaves `s` for the caller to roll back.
  absl::Status RunAllIn(soci::session& s, const std::vector<Job>& jobs, size_t from, size_t to);
  // Records a failed run inside `s`: the lease goes, the error stays, and
  // the job waits a while.
  void RecordFailureIn(soci::session& s, const Job& job, const absl::Status& st);
  // Runs jobs[*next…] in one transaction, each in a savepoint, until
  // batch_time has passed; advances *next; returns how many completed.
  absl::StatusOr<int> RunSome(const std::vector<Job>& jobs, size_t* next);
  // Gives back the leases of jobs[from…] not run (the batch took too long).
  void Release(const std::vector<Job>& jobs, size_t from);
  void AddHandler(std::string kind, PagedJobHandler handler, bool paged);
  void Loop();

  db::Database& db_;
  const Clock& clock_;
  RunnerOptions options_;
  struct Handler {
    PagedJobHandler fn;
    bool paged = false;
    BatchJobHandler many;  // may be empty
  };
  std::map<std::string, Handler> handlers_;  // fixed after Start()
  std::string kinds_sql_;                    // "'a', 'b'"
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace xq::jobs
