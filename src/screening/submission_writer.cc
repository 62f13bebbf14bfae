#include "screening/submission_writer.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "core/status.h"
#include "db/sqlite_statement.h"
#include "screening/soci_screening_store.h"
#include "spdlog/spdlog.h"

namespace xq::screening {

SubmissionWriter::SubmissionWriter(db::Database& db, WriterOptions options) : db_(db), options_(options) {
  if (options_.max_batch == 0) options_.max_batch = 1;
  if (!options_.sync) options_.sync = [&db] { return db.SyncCommitted(); };
  sync_thread_ = std::thread([this] { SyncLoop(); });
  thread_ = std::thread([this] { Loop(); });
}

SubmissionWriter::~SubmissionWriter() { Stop(); }

void SubmissionWriter::Stop() {
  {
    std::lock_guard lk(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lk(sync_mu_);
    sync_stopping_ = true;
  }
  sync_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  if (stats_.batches > 0)
    spdlog::info("submission writer: {} rows in {} commits ({:.1f} rows per commit)", stats_.rows, stats_.batches,
                 static_cast<double>(stats_.rows) / static_cast<double>(stats_.batches));
}

WriterStats SubmissionWriter::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

absl::Status SubmissionWriter::RefusalLocked() const {
  return broken_.ok() ? absl::UnavailableError("the submission writer is stopping") : broken_;
}

void SubmissionWriter::WriteAsync(WriteRequest request, Done done) {
  absl::Status refused;
  {
    std::lock_guard lk(mu_);
    if (!stopping_ && broken_.ok()) {
      queue_.push_back(Pending{std::move(request), std::move(done)});
      // Woken only when there is news for Loop's waits: the first row, or
      // a full batch (not at every row while it waits to fill a batch).
      if (queue_.size() == 1 || queue_.size() == options_.max_batch) cv_.notify_one();
      return;
    }
    refused = RefusalLocked();
  }
  done(refused);
}

absl::StatusOr<Submission> SubmissionWriter::Write(WriteRequest request) {
  std::promise<absl::StatusOr<Submission>> promise;
  auto fut = promise.get_future();
  WriteAsync(std::move(request), [&promise](absl::StatusOr<Submission> r) { promise.set_value(std::move(r)); });
  return fut.get();
}

std::vector<absl::StatusOr<Submission>> SubmissionWriter::WriteMany(std::vector<WriteRequest> requests) {
  std::vector<std::promise<absl::StatusOr<Submission>>> promises(requests.size());
  std::vector<std::future<absl::StatusOr<Submission>>> futures;
  futures.reserve(requests.size());
  for (auto& p : promises) futures.push_back(p.get_future());
  {
    std::lock_guard lk(mu_);
    for (size_t i = 0; i < requests.size(); ++i) {
      if (stopping_ || !broken_.ok()) {
        promises[i].set_value(RefusalLocked());
        continue;
      }
      auto* promise = &promises[i];
      queue_.push_back(Pending{std::move(requests[i]),
                               [promise](absl::StatusOr<Submission> r) { promise->set_value(std::move(r)); }});
    }
  }
  cv_.notify_one();
  std::vector<absl::StatusOr<Submission>> out;
  out.reserve(requests.size());
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

void SubmissionWriter::Loop() {
  for (;;) {
    std::vector<Pending> batch;
    absl::Status broken;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Waits for more rows while they keep coming: in slices of a fifth of
      // max_wait, and no longer once a slice brings none (every request in
      // flight is then queued, and waiting on would only leave the CPU idle).
      if (options_.max_wait_us > 0 && queue_.size() < options_.max_batch && !stopping_) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(options_.max_wait_us);
        const auto slice = std::chrono::microseconds(std::max<int64_t>(options_.max_wait_us / 5, 1));
        for (size_t seen = queue_.size();;) {
          const auto until = std::min(deadline, std::chrono::steady_clock::now() + slice);
          if (cv_.wait_until(lk, until, [this] { return stopping_ || queue_.size() >= options_.max_batch; })) break;
          if (queue_.size() == seen || std::chrono::steady_clock::now() >= deadline) break;
          seen = queue_.size();
        }
      }
      const size_t n = std::min(queue_.size(), options_.max_batch);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      broken = broken_;
    }
    if (!broken.ok()) {  // nothing more is written once a sync has failed
      for (Pending& p : batch) p.done(broken);
      continue;
    }
    Commit(batch);
  }
}

// Syncs everything committed so far, then completes the rows of every
// batch that had committed before the sync began, in commit order.
void SubmissionWriter::SyncLoop() {
  for (;;) {
    std::vector<Committed> ready;
    {
      std::unique_lock lk(sync_mu_);
      sync_cv_.wait(lk, [this] { return sync_stopping_ || !committed_.empty(); });
      if (committed_.empty()) return;  // stopping, and nothing left
      ready.swap(committed_);
    }
    absl::Status failed;
    {
      std::lock_guard lk(mu_);
      failed = broken_;
    }
    if (failed.ok()) {
      if (absl::Status st = options_.sync(); !st.ok()) {
        spdlog::critical("submission writer stopped: {}; submissions are refused until the server restarts",
                         st.ToString());
        failed = absl::UnavailableError("submissions cannot be stored now; please try again later");
        std::lock_guard lk(mu_);
        broken_ = failed;
      }
    }
    bool followed = false;
    for (Committed& c : ready) {
      for (size_t i = 0; i < c.batch.size(); ++i) {
        const Submission& x = c.batch[i].request.submission;
        followed |= failed.ok() && (x.critical || x.positive);
        if (failed.ok())
          c.batch[i].done(std::move(c.outcome[i]));
        else
          c.batch[i].done(failed);
      }
    }
    if (followed && options_.followed_durable) options_.followed_durable();
  }
}

namespace {

// The claim: only an assignment without a submission is taken (exactly one
// submission per assignment, on SQLite and PostgreSQL alike), and only with
// a recorded consent, or with none when none is needed (:u).
constexpr const char* kClaimSql =
    "UPDATE screening_assignments SET state = 'submitted', submitted_at = :a, submission_id = :s "
    "WHERE id = :b AND submission_id IS NULL AND COALESCE((SELECT c.decision FROM "
    "screening_consents c WHERE c.campaign_id = screening_assignments.campaign_id AND "
    "c.student_id = screening_assignments.student_id), :u) = 'consent'";
constexpr const char* kInsertSql =
    "INSERT INTO screening_submissions (id, assignment_id, client_key, campaign_id, student_id, "
    "school_id, unit_path, instrument_id, version, answers, result, positive, critical, valid, "
    "source, sex, grade_year, school_kind, submitted_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, "
    ":i, :j, :k, :l, :m, :n, :o, :p, :q, :r, :s)";
constexpr const char* kDeleteDraftSql = "DELETE FROM screening_drafts WHERE assignment_id = :a";

const char* DecisionWithoutConsent(const WriteRequest& r) { return r.needs_consent ? "none" : "consent"; }

}  // namespace

// Claims each row's assignment, then appends the claimed rows. taken[i]
// tells whether rows[i] was written.
absl::Status SubmissionWriter::InsertAll(soci::session& s, std::vector<Pending*>& rows, std::vector<bool>& taken) {
  taken.assign(rows.size(), false);
  if (db_.dialect() == db::Dialect::kSqlite) {
    InsertAllSqlite(s, rows, taken);
  } else {
    InsertAllSoci(s, rows, taken);
  }
  return absl::OkStatus();
}

// SQLite: the rows' own strings are bound where they are, row by row, on
// statements prepared once per connection.
void SubmissionWriter::InsertAllSqlite(soci::session& s, std::vector<Pending*>& rows, std::vector<bool>& taken) {
  db::SqliteStatement& claim = db_.Statement(s, kClaimSql);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Submission& x = rows[i]->request.submission;
    claim.Bind(1, x.submitted_at).Bind(2, x.id).Bind(3, x.assignment_id);
    claim.Bind(4, DecisionWithoutConsent(rows[i]->request));
    taken[i] = claim.Run() == 1;
  }
  db::SqliteStatement& insert = db_.Statement(s, kInsertSql);
  db::SqliteStatement& forget_draft = db_.Statement(s, kDeleteDraftSql);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!taken[i]) continue;
    const Submission& x = rows[i]->request.submission;
    insert.Bind(1, x.id).Bind(2, x.assignment_id).Bind(3, x.client_key).Bind(4, x.campaign_id);
    insert.Bind(5, x.student_id).Bind(6, x.school_id).Bind(7, x.unit_path).Bind(8, x.instrument_id);
    insert.Bind(9, x.version).Bind(10, x.answers).Bind(11, x.result).Bind(12, int64_t{x.positive});
    insert.Bind(13, int64_t{x.critical}).Bind(14, int64_t{x.valid}).Bind(15, x.source).Bind(16, x.sex);
    insert.Bind(17, int64_t{x.grade_year}).Bind(18, x.school_kind).Bind(19, x.submitted_at);
    insert.Run();
    forget_draft.Bind(1, x.assignment_id).Run();
  }
}

// PostgreSQL: the same statements through SOCI, the rows in bulk.
void SubmissionWriter::InsertAllSoci(soci::session& s, std::vector<Pending*>& rows, std::vector<bool>& taken) {
  {
    long long at = 0, sid = 0, aid = 0;
    std::string unrecorded;  // the decision taken when no consent is recorded
    soci::statement claim =
        (s.prepare << kClaimSql, soci::use(at), soci::use(sid), soci::use(aid), soci::use(unrecorded));
    for (size_t i = 0; i < rows.size(); ++i) {
      const Submission& x = rows[i]->request.submission;
      at = x.submitted_at;
      sid = x.id;
      aid = x.assignment_id;
      unrecorded = DecisionWithoutConsent(rows[i]->request);
      claim.execute(true);
      taken[i] = claim.get_affected_rows() == 1;
    }
  }
  std::vector<long long> ids, assignment_ids, camps, studs, schools, at, grades;
  std::vector<std::string> keys, paths, instruments, versions, answers, results, sources, sexes, kinds;
  std::vector<int> positive, critical, valid;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!taken[i]) continue;
    const Submission& x = rows[i]->request.submission;
    ids.push_back(x.id);
    assignment_ids.push_back(x.assignment_id);
    keys.push_back(x.client_key);
    camps.push_back(x.campaign_id);
    studs.push_back(x.student_id);
    schools.push_back(x.school_id);
    paths.push_back(x.unit_path);
    instruments.push_back(x.instrument_id);
    versions.push_back(x.version);
    answers.push_back(x.answers);
    results.push_back(x.result);
    positive.push_back(x.positive ? 1 : 0);
    critical.push_back(x.critical ? 1 : 0);
    valid.push_back(x.valid ? 1 : 0);
    sources.push_back(x.source);
    sexes.push_back(x.sex);
    grades.push_back(x.grade_year);
    kinds.push_back(x.school_kind);
    at.push_back(x.submitted_at);
  }
  if (ids.empty()) return;
  s << kInsertSql, soci::use(ids), soci::use(assignment_ids), soci::use(keys), soci::use(camps), soci::use(studs),
      soci::use(schools), soci::use(paths), soci::use(instruments), soci::use(versions), soci::use(answers),
      soci::use(results), soci::use(positive), soci::use(critical), soci::use(valid), soci::use(sources),
      soci::use(sexes), soci::use(grades), soci::use(kinds), soci::use(at);
  s << kDeleteDraftSql, soci::use(assignment_ids);
}

// A row whose assignment was already claimed: the stored submission when
// the client key matches (a repeat), conflict otherwise.
absl::StatusOr<Submission> SubmissionWriter::Existing(const Pending& p) {
  SociScreeningStore store(db_);
  XQ_ASSIGN_OR_RETURN(auto existing, store.SubmissionOfAssignment(p.request.submission.assignment_id));
  if (!existing) {
    // Refused by the consent check (or no such assignment).
    const Submission& x = p.request.submission;
    XQ_ASSIGN_OR_RETURN(auto consent, store.GetConsent(x.campaign_id, x.student_id));
    if (consent && consent->decision == "decline")
      return PermissionDenied("this assessment cannot be answered now: declined");
    if (p.request.needs_consent && !consent)
      return PermissionDenied("this assessment cannot be answered now: awaiting_consent");
    return NotFound("assessment not found");
  }
  if (existing->client_key == p.request.submission.client_key) return *existing;
  return Conflict("the answers are already submitted", "submission_id");
}

absl::StatusOr<Submission> SubmissionWriter::WriteOne(Pending& p) {
  std::vector<Pending*> one = {&p};
  std::vector<bool> taken;
  XQ_RETURN_IF_ERROR(db_.InUnsyncedTransaction([&](soci::session& s) { return InsertAll(s, one, taken); }));
  if (taken[0]) return std::move(p.request.submission);
  return Existing(p);
}

void SubmissionWriter::Commit(std::vector<Pending>& batch) {
  // First row per assignment; later rows for the same assignment are repeats.
  std::unordered_map<int64_t, size_t> first;
  std::vector<Pending*> rows;
  std::vector<size_t> row_index;
  std::vector<std::pair<size_t, size_t>> repeats;  // (repeat, first)
  for (size_t i = 0; i < batch.size(); ++i) {
    auto [it, inserted] = first.emplace(batch[i].request.submission.assignment_id, i);
    if (inserted) {
      rows.push_back(&batch[i]);
      row_index.push_back(i);
    } else {
      repeats.emplace_back(i, it->second);
    }
  }
  std::vector<absl::StatusOr<Submission>> outcome(batch.size(), Internal("not written"));
  std::vector<bool> taken;
  absl::Status st = db_.InUnsyncedTransaction([&](soci::session& s) { return InsertAll(s, rows, taken); });
  int64_t written = 0;
  if (st.ok()) {
    for (size_t k = 0; k < rows.size(); ++k) {
      const size_t i = row_index[k];
      if (taken[k]) {
        outcome[i] = std::move(batch[i].request.submission);  // not read again
        ++written;
      } else {
        outcome[i] = Existing(batch[i]);
      }
    }
  } else {
    if (rows.size() > 1)
      spdlog::warn("submission batch of {} failed ({}); writing rows one by one", rows.size(), st.ToString());
    for (size_t k = 0; k < rows.size(); ++k) {
      const size_t i = row_index[k];
      const int64_t fresh_id = batch[i].request.submission.id;
      outcome[i] = WriteOne(batch[i]);
      if (outcome[i].ok() && outcome[i]->id == fresh_id) ++written;
    }
  }
  for (auto [r, f] : repeats) {
    if (!outcome[f].ok()) {
      outcome[r] = outcome[f].status();
    } else if (outcome[f]->client_key == batch[r].request.submission.client_key) {
      outcome[r] = outcome[f];
    } else {
      outcome[r] = Conflict("the answers are already submitted", "submission_id");
    }
  }
  {
    std::lock_guard lk(mu_);
    ++stats_.batches;
    stats_.rows += written;
  }
  {
    std::lock_guard lk(sync_mu_);
    committed_.push_back(Committed{std::move(batch), std::move(outcome)});
  }
  sync_cv_.notify_one();
}

}  // namespace xq::screening
