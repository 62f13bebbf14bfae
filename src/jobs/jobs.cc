#include "jobs/jobs.h"

#include <unistd.h>

#include <algorithm>

#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace xq::jobs {
namespace {

constexpr const char* kColumns =
    "kind, job_key, school_id, payload, due_at, period_us, state, lease_holder, lease_expires_at, attempts, runs, "
    "last_error";

JobState StateOf(const soci::row& r) {
  JobState j;
  j.job.kind = db::GetStr(r, 0);
  j.job.key = db::GetStr(r, 1);
  j.job.school_id = db::GetInt(r, 2);
  j.job.payload = db::GetStr(r, 3);
  j.job.due_at = db::GetInt(r, 4);
  j.job.period_us = db::GetInt(r, 5);
  j.state = db::GetStr(r, 6);
  j.lease_holder = db::GetStr(r, 7);
  j.lease_expires_at = db::GetInt(r, 8);
  j.job.attempts = static_cast<int>(db::GetInt(r, 9));
  j.job.runs = db::GetInt(r, 10);
  j.last_error = db::GetStr(r, 11);
  return j;
}

bool ValidKind(std::string_view kind) {
  return !kind.empty() && std::all_of(kind.begin(), kind.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
  });
}

std::string DefaultHolder() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return fmt::format("{}:{}:{}", host, getpid(), RandomHex(4));
}

}  // namespace

absl::StatusOr<bool> ScheduleIn(soci::session& s, const Job& job, int64_t now) {
  if (!ValidKind(job.kind)) return Internal("a job kind is lowercase letters, digits, '.' and '_'");
  if (job.key.empty()) return Internal("a job needs a key");
  long long school = job.school_id, due = job.due_at, period = job.period_us, at = now;
  soci::statement st = (s.prepare << "INSERT INTO jobs (kind, job_key, school_id, payload, due_at, period_us, "
                                     "created_at, updated_at) VALUES (:k, :j, :s, :p, :d, :r, :c, :u) "
                                     "ON CONFLICT (kind, job_key) DO NOTHING",
                        soci::use(job.kind), soci::use(job.key), soci::use(school), soci::use(job.payload),
                        soci::use(due), soci::use(period), soci::use(at), soci::use(at));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

absl::Status ScheduleAllIn(soci::session& s, const std::vector<Job>& jobs, int64_t now) {
  for (const Job& job : jobs) {
    if (!ValidKind(job.kind)) return Internal("a job kind is lowercase letters, digits, '.' and '_'");
    if (job.key.empty()) return Internal("a job needs a key");
  }
  if (jobs.empty()) return absl::OkStatus();
  long long school = 0, due = 0, period = 0, at = now;
  std::string kind, key, payload;
  soci::statement st = (s.prepare << "INSERT INTO jobs (kind, job_key, school_id, payload, due_at, period_us, "
                                     "created_at, updated_at) VALUES (:k, :j, :s, :p, :d, :r, :c, :u) "
                                     "ON CONFLICT (kind, job_key) DO NOTHING",
                        soci::use(kind), soci::use(key), soci::use(school), soci::use(payload), soci::use(due),
                        soci::use(period), soci::use(at), soci::use(at));
  for (const Job& job : jobs) {
    kind = job.kind, key = job.key, payload = job.payload;
    school = job.school_id, due = job.due_at, period = job.period_us;
    st.execute(true);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> CancelIn(soci::session& s, std::string_view kind, std::string_view key, int64_t now) {
  std::string k(kind), j(key);
  long long at = now;
  soci::statement st = (s.prepare << "UPDATE jobs SET state = 'cancelled', updated_at = :u WHERE kind = :k AND "
                                     "job_key = :j AND state = 'pending'",
                        soci::use(at), soci::use(k), soci::use(j));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

absl::StatusOr<std::optional<JobState>> GetJob(db::Database& db, std::string_view kind, std::string_view key) {
  std::optional<JobState> out;
  std::string k(kind), j(key);
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) {
    soci::rowset<soci::row> rows =
        (s.prepare << fmt::format("SELECT {} FROM jobs WHERE kind = :k AND job_key = :j", kColumns), soci::use(k),
         soci::use(j));
    for (const auto& r : rows) out = StateOf(r);
    return absl::OkStatus();
  }));
  return out;
}

JobRunner::JobRunner(db::Database& db, const Clock& clock, RunnerOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {
  if (options_.holder.empty()) options_.holder = DefaultHolder();
}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Handle(std::string kind, JobHandler handler) {
  AddHandler(
      std::move(kind),
      [h = std::move(handler)](soci::session& s, const Job& job) -> absl::StatusOr<std::optional<std::string>> {
        XQ_RETURN_IF_ERROR(h(s, job));
        return std::nullopt;
      },
      false);
}

void JobRunner::HandlePaged(std::string kind, PagedJobHandler handler) {
  AddHandler(std::move(kind), std::move(handler), true);
}

void JobRunner::HandleBatch(std::string kind, JobHandler one, BatchJobHandler many) {
  Handle(kind, std::move(one));
  if (auto it = handlers_.find(kind); it != handlers_.end()) it->second.many = std::move(many);
}

void JobRunner::AddHandler(std::string kind, PagedJobHandler handler, bool paged) {
  if (!ValidKind(kind)) {
    spdlog::error("job kind {:?} refused: lowercase letters, digits, '.' and '_' only", kind);
    return;
  }
  handlers_[std::move(kind)] = Handler{std::move(handler), paged};
  kinds_sql_.clear();
  for (const auto& [k, h] : handlers_) kinds_sql_ += (kinds_sql_.empty() ? "'" : ", '") + k + "'";
}

absl::Status JobRunner::DeclarePeriodic(std::string kind, std::string key, int64_t period_us, int64_t first_due_at) {
  if (period_us <= 0) return Internal("a periodic job needs a period");
  Job job{.kind = std::move(kind), .key = std::move(key), .due_at = first_due_at, .period_us = period_us};
  const int64_t now = clock_.NowMicros();
  return db_.InTransaction([&](soci::session& s) -> absl::Status {
    XQ_ASSIGN_OR_RETURN(bool fresh, ScheduleIn(s, job, now));
    if (!fresh) {
      long long period = period_us, at = now;
      s << "UPDATE jobs SET period_us = :p, updated_at = :u WHERE kind = :k AND job_key = :j", soci::use(period),
          soci::use(at), soci::use(job.kind), soci::use(job.key);
    }
    return absl::OkStatus();
  });
}

absl::Status JobRunner::Schedule(const Job& job) {
  const int64_t now = clock_.NowMicros();
  return db_.InTransaction([&](soci::session& s) { return ScheduleIn(s, job, now).status(); });
}

absl::StatusOr<std::vector<Job>> JobRunner::Claim() {
  std::vector<Job> out;
  if (handlers_.empty()) return out;
  const bool pg = db_.dialect() == db::Dialect::kPostgres;
  const long long now = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
    out.clear();
    // Due, pending, and not leased (or its lease expired: its holder died
    // or is too slow, and loses it).
    std::string sql = fmt::format(
        "SELECT {} FROM jobs WHERE state = 'pending' AND due_at <= :n AND lease_expires_at <= :m AND kind IN ({}) "
        "ORDER BY due_at LIMIT {}{}",
        kColumns, kinds_sql_, std::max(1, options_.batch), pg ? " FOR UPDATE SKIP LOCKED" : "");
    long long n = now, m = now;
    std::vector<JobState> found;
    {
      soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(n), soci::use(m));
      for (const auto& r : rows) found.push_back(StateOf(r));
    }
    if (found.empty()) return absl::OkStatus();
    long long expires = now + options_.lease_us, at = now;
    std::string kind, key;
    soci::statement lease =
        (s.prepare << "UPDATE jobs SET lease_holder = :h, lease_expires_at = :e, updated_at = :u "
                      "WHERE kind = :k AND job_key = :j",
         soci::use(options_.holder), soci::use(expires), soci::use(at), soci::use(kind), soci::use(key));
    for (const JobState& j : found) {
      if (!j.lease_holder.empty())
        spdlog::warn("job {}/{}: the lease of {} expired; taken over", j.job.kind, j.job.key, j.lease_holder);
      kind = j.job.kind, key = j.job.key;
      lease.execute(true);
      out.push_back(j.job);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status JobRunner::RunIn(soci::session& s, const Job& job) {
  auto it = handlers_.find(job.kind);
  if (it == handlers_.end()) return Internal("no handler");
  XQ_ASSIGN_OR_RETURN(std::optional<std::string> more, it->second.fn(s, job));
  const long long now = clock_.NowMicros();
  long long due = job.period_us > 0 ? now + job.period_us : job.due_at;
  std::string state = job.period_us > 0 ? "pending" : "done";
  // A paged job keeps its cursor and is due again at once until its pass
  // is over; then its cursor is cleared for the next pass.
  std::string payload = it->second.paged ? more.value_or("") : job.payload;
  int pass_over = more ? 0 : 1;
  if (more) {
    due = now;
    state = "pending";
  }
  long long at = now;
  // Completes only while the lease is still this runner's: a runner that
  // lost it (expired and taken over) rolls its effect back.
  soci::statement done =
      (s.prepare << "UPDATE jobs SET state = :s, due_at = :d, payload = :p, "
                    "lease_holder = NULL, lease_expires_at = 0, attempts = 0, runs = runs + :r, last_error = '', "
                    "updated_at = :u WHERE kind = :k AND job_key = :j AND lease_holder = :h AND "
                    "lease_expires_at > :n",
       soci::use(state), soci::use(due), soci::use(payload), soci::use(pass_over), soci::use(at), soci::use(job.kind),
       soci::use(job.key), soci::use(options_.holder), soci::use(at));
  done.execute(true);
  if (done.get_affected_rows() != 1) return absl::AbortedError("the job's lease was lost; its effect is rolled back");
  return absl::OkStatus();
}

absl::Status JobRunner::RunAllIn(soci::session& s, const std::vector<Job>& jobs, size_t from, size_t to) {
  auto it = handlers_.find(jobs[from].kind);
  if (it == handlers_.end() || !it->second.many || it->second.paged) return Internal("no batch handler");
  XQ_RETURN_IF_ERROR(it->second.many(s, std::vector<Job>(jobs.begin() + from, jobs.begin() + to)));
  const long long now = clock_.NowMicros();
  long long due = 0, at = now;
  std::string state, payload, kind, key;
  // As RunIn completes each, through one prepared statement.
  soci::statement done =
      (s.prepare << "UPDATE jobs SET state = :s, due_at = :d, payload = :p, "
                    "lease_holder = NULL, lease_expires_at = 0, attempts = 0, runs = runs + 1, last_error = '', "
                    "updated_at = :u WHERE kind = :k AND job_key = :j AND lease_holder = :h AND "
                    "lease_expires_at > :n",
       soci::use(state), soci::use(due), soci::use(payload), soci::use(at), soci::use(kind), soci::use(key),
       soci::use(options_.holder), soci::use(at));
  for (size_t i = from; i < to; ++i) {
    const Job& job = jobs[i];
    due = job.period_us > 0 ? now + job.period_us : job.due_at;
    state = job.period_us > 0 ? "pending" : "done";
    payload = job.payload, kind = job.kind, key = job.key;
    done.execute(true);
    if (done.get_affected_rows() != 1) return absl::AbortedError("a job's lease was lost; the batch is rolled back");
  }
  return absl::OkStatus();
}

void JobRunner::RecordFailureIn(soci::session& s, const Job& job, const absl::Status& st) {
  const long long now = clock_.NowMicros();
  const long long retry = now + std::min<int64_t>(int64_t{600'000'000}, int64_t{10'000'000} * (job.attempts + 1));
  std::string error(st.message());
  s << "UPDATE jobs SET lease_holder = NULL, lease_expires_at = 0, attempts = attempts + 1, last_error = :e, "
       "due_at = :d, updated_at = :u WHERE kind = :k AND job_key = :j AND lease_holder = :h",
      soci::use(error), soci::use(retry), soci::use(now), soci::use(job.kind), soci::use(job.key),
      soci::use(options_.holder);
}

absl::Status JobRunner::Run(const Job& job) {
  absl::Status st = db_.InTransaction([&](soci::session& s) { return RunIn(s, job); });
  if (st.ok()) return st;
  absl::Status recorded = db_.InTransaction([&](soci::session& s) {
    RecordFailureIn(s, job, st);
    return absl::OkStatus();
  });
  if (!recorded.ok()) spdlog::warn("job {}/{}: failure not recorded: {}", job.kind, job.key, recorded.ToString());
  return st;
}

absl::StatusOr<int> JobRunner::RunSome(const std::vector<Job>& jobs, size_t* next) {
  const size_t first = *next;
  int completed = 0;
  std::vector<std::pair<size_t, absl::Status>> failed;
  absl::Status st = db_.InTransaction([&](soci::session& s) -> absl::Status {
    *next = first;
    completed = 0;
    failed.clear();
    const auto began = std::chrono::steady_clock::now();
    size_t one_by_one_until = first;  // jobs whose batch failed run alone
    while (*next < jobs.size() && (*next == first || std::chrono::steady_clock::now() - began < options_.batch_time)) {
      if (*next >= one_by_one_until) {
        auto h = handlers_.find(jobs[*next].kind);
        size_t to = *next;
        while (to < jobs.size() && to - *next < static_cast<size_t>(std::max(1, options_.group)) &&
               jobs[to].kind == jobs[*next].kind)
          ++to;
        if (h != handlers_.end() && h->second.many && to - *next > 1) {
          s << "SAVEPOINT xq_jobs";
          absl::Status bs;
          try {
            bs = RunAllIn(s, jobs, *next, to);
          } catch (...) {
            bs = db::StatusFromCurrentException("jobs " + jobs[*next].kind);
          }
          if (bs.ok()) {
            s << "RELEASE SAVEPOINT xq_jobs";
            completed += static_cast<int>(to - *next);
            *next = to;
            continue;
          }
          s << "ROLLBACK TO SAVEPOINT xq_jobs";
          s << "RELEASE SAVEPOINT xq_jobs";
          spdlog::info("{} jobs {} rolled back as a batch ({}); running them one by one", to - *next, jobs[*next].kind,
                       bs.ToString());
          one_by_one_until = to;
        }
      }
      const Job& job = jobs[(*next)++];
      s << "SAVEPOINT xq_job";
      absl::Status js;
      try {
        js = RunIn(s, job);
      } catch (...) {
        js = db::StatusFromCurrentException("job " + job.kind);
      }
      if (js.ok()) {
        s << "RELEASE SAVEPOINT xq_job";
        ++completed;
        continue;
      }
      // Only this job's effect goes; the others in the transaction stay.
      s << "ROLLBACK TO SAVEPOINT xq_job";
      s << "RELEASE SAVEPOINT xq_job";
      RecordFailureIn(s, job, js);
      failed.emplace_back(*next - 1, js);
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  for (const auto& [i, js] : failed) spdlog::warn("job {}/{} failed: {}", jobs[i].kind, jobs[i].key, js.ToString());
  return completed;
}

void JobRunner::Release(const std::vector<Job>& jobs, size_t from) {
  absl::Status st = db_.InTransaction([&](soci::session& s) {
    long long at = clock_.NowMicros();
    std::string kind, key;
    soci::statement release = (s.prepare << "UPDATE jobs SET lease_holder = NULL, lease_expires_at = 0, updated_at = "
                                            ":u WHERE kind = :k AND job_key = :j AND lease_holder = :h",
                               soci::use(at), soci::use(kind), soci::use(key), soci::use(options_.holder));
    for (size_t i = from; i < jobs.size(); ++i) {
      kind = jobs[i].kind, key = jobs[i].key;
      release.execute(true);
    }
    return absl::OkStatus();
  });
  if (!st.ok()) spdlog::warn("job leases not given back (they expire by themselves): {}", st.ToString());
}

absl::StatusOr<int> JobRunner::RunDue() {
  int done = 0;
  for (;;) {
    XQ_ASSIGN_OR_RETURN(std::vector<Job> batch, Claim());
    if (batch.empty()) return done;
    const auto claimed = std::chrono::steady_clock::now();
    const auto half_lease = std::chrono::microseconds(options_.lease_us / 2);
    size_t next = 0;
    while (next < batch.size()) {
      if (std::chrono::steady_clock::now() - claimed > half_lease) {
        Release(batch, next);  // the rest is taken again, with a fresh lease
        break;
      }
      const size_t first = next;
      absl::StatusOr<int> ran = RunSome(batch, &next);
      if (ran.ok()) {
        done += *ran;
        continue;
      }
      // The transaction failed as a whole (its commit, say): its jobs run
      // again one by one, each in its own transaction.
      spdlog::warn("a batch of jobs rolled back ({}); running them one by one", ran.status().ToString());
      for (size_t i = first; i < next; ++i) {
        if (absl::Status st = Run(batch[i]); st.ok()) {
          ++done;
        } else {
          spdlog::warn("job {}/{} failed: {}", batch[i].kind, batch[i].key, st.ToString());
        }
      }
    }
  }
}

void JobRunner::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void JobRunner::Stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void JobRunner::Loop() {
  for (;;) {
    {
      std::unique_lock lk(mu_);
      if (cv_.wait_for(lk, options_.poll, [this] { return stopping_; })) return;
    }
    if (auto ran = RunDue(); !ran.ok()) spdlog::warn("jobs not taken: {}", ran.status().ToString());
  }
}

}  // namespace xq::jobs
