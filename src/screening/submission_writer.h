// The single writer of scored submissions (ARCHITECTURE.md "Hot paths").
//
// Request threads validate and score in memory, then call Write(), which
// queues the row and blocks until the writer thread has committed the
// batch holding it: one transaction per batch (group commit). On
// PostgreSQL the same code commits per batch too. The writer touches no
// other module's tables: a critical or positive submission is read back
// by cursor from the submissions table itself (screening/events.h), and
// the writer only wakes that reader (followed_durable) once such a row is
// durable.
//
// Durable before acknowledged, in a pipeline: the writer thread commits a
// batch without waiting for the disk (Database::InUnsyncedTransaction) and
// goes on with the next one, while the sync thread makes everything
// committed so far durable (Database::SyncCommitted: one fdatasync of the
// WAL for all the batches that finished meanwhile) and only then completes
// their rows, in commit order. A row is therefore acknowledged only once
// it is on disk, as with a synchronous=FULL commit, but the fsync no
// longer stops the next batch. A failed sync stops the writer for good:
// every row not yet acknowledged, and every later one, fails with
// unavailable (the disk may have dropped committed pages, and a later
// fsync need not say so); a restart recovers from the WAL, and clients
// repeat with their client keys.
//
// Idempotency: each row first claims its assignment (an UPDATE that only
// takes an assignment without a submission), so a submission for an
// assignment that already has one (in the database or earlier in the same
// batch) is not written: it completes with the stored row when the client
// key matches, and with conflict otherwise. Nothing is written twice. The
// claim also refuses an assignment whose consent is declined, or missing
// when needed (permission denied): the request threads decide from
// contexts held in memory, the claim from what is committed.
//
// Thread-safe: Write() may be called from any number of threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"
#include "screening/model.h"

namespace xq::screening {

struct WriterOptions {
  size_t max_batch = 2048;  // rows per transaction
  // Extra wait to fill a batch when fewer rows are queued (0: take what is
  // queued), for as long as rows keep arriving: the wait ends early once a
  // fifth of it passes without a new row. 1 ms: commits of ~90 rows instead
  // of ~50 at saturation; a lone submission waits 0.2 ms more.
  int64_t max_wait_us = 1000;
  // Makes every committed batch durable; empty: Database::SyncCommitted.
  std::function<absl::Status()> sync;
  // Called on the sync thread after rows holding a critical or positive
  // result became durable (e.g. events::Dispatcher::Wake); may be empty.
  std::function<void()> followed_durable;
};

struct WriteRequest {
  Submission submission;
  // The student may answer only with a guardian's consent on record; the
  // claim checks it (and that no decline is recorded) when it commits.
  bool needs_consent = false;
  // The critical items hit: the urgent warnings the warning module will
  // raise from this submission (for reports such as the paper import's).
  int urgent_warnings = 0;
};

struct WriterStats {
  int64_t batches = 0;
  int64_t rows = 0;
};

class SubmissionWriter {
 public:
  explicit SubmissionWriter(db::Database& db, WriterOptions options = {});
  // Drains the queue, then stops the writer thread.
  ~SubmissionWriter();
  SubmissionWriter(const SubmissionWriter&) = delete;
  SubmissionWriter& operator=(const SubmissionWriter&) = delete;

  using Done = std::function<void(absl::StatusOr<Submission>)>;
  // Queues the row; `done` runs on the sync thread once the batch holding
  // it is committed and durable (or failed) with the stored submission
  // (the first one when this is a repeat with the same client key). Keep
  // `done` short.
  void WriteAsync(WriteRequest request, Done done);
  // Blocks until committed; same outcome as WriteAsync.
  absl::StatusOr<Submission> Write(WriteRequest request);
  // Queues all requests at once (they share batches) and waits for every
  // one; results in the order given. For imports.
  std::vector<absl::StatusOr<Submission>> WriteMany(std::vector<WriteRequest> requests);
  WriterStats stats() const;
  // Drains the queue (every waiting row is committed, synced and
  // completed), then stops both threads; later writes are refused.
  // Idempotent.
  void Stop();

 private:
  struct Pending {
    WriteRequest request;
    Done done;
  };
  // A committed batch waiting for the sync.
  struct Committed {
    std::vector<Pending> batch;
    std::vector<absl::StatusOr<Submission>> outcome;
  };
  // Why a row is refused (stopping, or a failed sync); under mu_.
  absl::Status RefusalLocked() const;
  void Loop();
  void SyncLoop();
  void Commit(std::vector<Pending>& batch);
  absl::Status InsertAll(soci::session& s, std::vector<Pending*>& rows, std::vector<bool>& taken);
  void InsertAllSqlite(soci::session& s, std::vector<Pending*>& rows, std::vector<bool>& taken);
  void InsertAllSoci(soci::session& s, std::vector<Pending*>& rows, std::vector<bool>& taken);
  absl::StatusOr<Submission> WriteOne(Pending& p);
  absl::StatusOr<Submission> Existing(const Pending& p);

  db::Database& db_;
  WriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  absl::Status broken_;  // set by a failed sync; guarded by mu_
  WriterStats stats_;
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::vector<Committed> committed_;  // guarded by sync_mu_
  bool sync_stopping_ = false;        // guarded by sync_mu_
  std::thread thread_;
  std::thread sync_thread_;
};

}  // namespace xq::screening
