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
  AddHandler(std::move(kind),
             [h = std::move(handler)](soci::session& s, const Job& job) -> absl::StatusOr<std::optional<std::string>> {
               XQ_RETURN_IF_ERROR(h(s, job));
               return std::nullopt;
             },
             false);
}

void JobRunner::HandlePaged(std::string kind, PagedJobHandler handler) {
  AddHandler(std::move(kind), std::move(handler), true);
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

absl::StatusOr<std::optional<Job>> JobRunner::Claim() {
  std::optional<Job> out;
  if (handlers_.empty()) return out;
  const bool pg = db_.dialect() == db::Dialect::kPostgres;
  const long long now = clock_.NowMicros();
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
    // Due, pending, and not leased (or its lease expired: its holder died
    // or is too slow, and loses it).
    std::string sql = fmt::format(
        "SELECT {} FROM jobs WHERE state = 'pending' AND due_at <= :n AND lease_expires_at <= :m AND kind IN ({}) "
        "ORDER BY due_at LIMIT 1{}",
        kColumns, kinds_sql_, pg ? " FOR UPDATE SKIP LOCKED" : "");
    long long n = now, m = now;
    soci::rowset<soci::row> rows = (s.prepare << sql, soci::use(n), soci::use(m));
    std::optional<JobState> found;
    for (const auto& r : rows) found = StateOf(r);
    if (!found) return absl::OkStatus();
    if (!found->lease_holder.empty())
      spdlog::warn("job {}/{}: the lease of {} expired; taken over", found->job.kind, found->job.key,
                   found->lease_holder);
    long long expires = now + options_.lease_us, at = now;
    s << "UPDATE jobs SET lease_holder = :h, lease_expires_at = :e, updated_at = :u WHERE kind = :k AND job_key = :j",
        soci::use(options_.holder), soci::use(expires), soci::use(at), soci::use(found->job.kind),
        soci::use(found->job.key);
    out = found->job;
    return absl::OkStatus();
  }));
  return out;
}

absl::Status JobRunner::Run(const Job& job) {
  auto it = handlers_.find(job.kind);
  if (it == handlers_.end()) return Internal("no handler");
  absl::Status st = db_.InTransaction([&](soci::session& s) -> absl::Status {
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
         soci::use(state), soci::use(due), soci::use(payload), soci::use(pass_over), soci::use(at),
         soci::use(job.kind), soci::use(job.key), soci::use(options_.holder), soci::use(at));
    done.execute(true);
    if (done.get_affected_rows() != 1) return absl::AbortedError("the job's lease was lost; its effect is rolled back");
    return absl::OkStatus();
  });
  if (st.ok()) return st;
  // Failed: the lease goes, the error stays, and the job waits a while.
  const long long now = clock_.NowMicros();
  const long long retry = now + std::min<int64_t>(int64_t{600'000'000}, int64_t{10'000'000} * (job.attempts + 1));
  std::string error(st.message());
  absl::Status recorded = db_.InTransaction([&](soci::session& s) {
    s << "UPDATE jobs SET lease_holder = NULL, lease_expires_at = 0, attempts = attempts + 1, last_error = :e, "
         "due_at = :d, updated_at = :u WHERE kind = :k AND job_key = :j AND lease_holder = :h",
        soci::use(error), soci::use(retry), soci::use(now), soci::use(job.kind), soci::use(job.key),
        soci::use(options_.holder);
    return absl::OkStatus();
  });
  if (!recorded.ok()) spdlog::warn("job {}/{}: failure not recorded: {}", job.kind, job.key, recorded.ToString());
  return st;
}

absl::StatusOr<int> JobRunner::RunDue() {
  int done = 0;
  for (;;) {
    XQ_ASSIGN_OR_RETURN(auto job, Claim());
    if (!job) return done;
    if (absl::Status st = Run(*job); st.ok()) {
      ++done;
    } else {
      spdlog::warn("job {}/{} failed: {}", job->kind, job->key, st.ToString());
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
