#include "events/dispatcher.h"

#include <algorithm>

#include "core/status.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace xq::events {

struct Dispatcher::Sub {
  Subscription def;
  Log* log = nullptr;
  bool loaded = false;
  int64_t durable = 0;          // the cursor as stored
  int64_t fast_pos = 0;         // the highest position read so far
  std::set<int64_t> delivered;  // positions above `durable` handled by this process
  int64_t retry_at = 0;
  // Shown by Lags(); guarded by Dispatcher::mu_.
  SubscriberLag lag;
};

Dispatcher::Dispatcher(db::Database& db, const Clock& clock, DispatcherOptions options)
    : db_(db), clock_(clock), options_(options) {
  AddLog(NewOutboxLog(db));
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::AddLog(std::unique_ptr<Log> log) {
  std::string name = log->name();
  logs_[name] = std::move(log);
}

void Dispatcher::Subscribe(Subscription s) {
  auto sub = std::make_unique<Sub>();
  auto it = logs_.find(s.log);
  sub->log = it == logs_.end() ? nullptr : it->second.get();
  sub->lag.subscriber = s.name;
  sub->lag.log = s.log;
  if (!sub->log) spdlog::error("subscription {}: no log named {}", s.name, s.log);
  sub->def = std::move(s);
  subs_.push_back(std::move(sub));
}

void Dispatcher::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Dispatcher::Stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Wake() {
  {
    std::lock_guard lk(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void Dispatcher::Loop() {
  auto last_full = std::chrono::steady_clock::time_point{};
  auto last_pass = std::chrono::steady_clock::time_point{};
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, options_.poll, [this] { return stopping_ || woken_; });
      if (stopping_) return;
      // Wakes until the gap has passed join this pass.
      cv_.wait_until(lk, last_pass + options_.min_gap, [this] { return stopping_; });
      if (stopping_) return;
      woken_ = false;
    }
    const auto now_steady = std::chrono::steady_clock::now();
    last_pass = now_steady;
    const bool full = now_steady - last_full >= options_.full_every;
    if (full) last_full = now_steady;
    std::lock_guard pass(pass_mu_);
    for (auto& sub : subs_) {
      const int64_t now = clock_.NowMicros();
      if (now < sub->retry_at) continue;
      if (absl::Status st = Pass(*sub, full, now); !st.ok())
        spdlog::warn("events: {} not delivered yet: {}", sub->def.name, st.ToString());
    }
  }
}

absl::Status Dispatcher::DeliverPending() {
  std::lock_guard pass(pass_mu_);
  absl::Status first;
  for (auto& sub : subs_) {
    absl::Status st = Pass(*sub, /*full=*/true, clock_.NowMicros());
    if (!st.ok() && first.ok()) first = st;
  }
  return first;
}

std::vector<SubscriberLag> Dispatcher::Lags() const {
  std::vector<SubscriberLag> out;
  std::lock_guard lk(mu_);
  for (const auto& sub : subs_) out.push_back(sub->lag);
  const int64_t now = clock_.NowMicros();
  for (auto& l : out)
    if (l.lag_us > 0) l.lag_us = std::max<int64_t>(0, now - l.lag_us);  // stored: the pending event's time
  return out;
}

absl::Status Dispatcher::LoadCursor(Sub& sub) {
  long long position = 0;
  XQ_RETURN_IF_ERROR(db_.InTransaction([&](soci::session& s) {
    long long now = clock_.NowMicros();
    s << "INSERT INTO event_cursors (subscriber, position, updated_at) VALUES (:s, 0, :t) "
         "ON CONFLICT (subscriber) DO NOTHING",
        soci::use(sub.def.name), soci::use(now);
    s << "SELECT position FROM event_cursors WHERE subscriber = :s", soci::use(sub.def.name), soci::into(position);
    return absl::OkStatus();
  }));
  sub.durable = position;
  sub.fast_pos = std::max(sub.fast_pos, sub.durable);
  sub.loaded = true;
  return absl::OkStatus();
}

// One pass: a full one reads from the durable cursor (and moves it), a
// fast one from the highest position read before.
absl::Status Dispatcher::Pass(Sub& sub, bool full, int64_t now) {
  if (!sub.log) return absl::FailedPreconditionError(fmt::format("no log {}", sub.def.log));
  if (!sub.loaded) XQ_RETURN_IF_ERROR(LoadCursor(sub));
  const int64_t settled_before = now - options_.settle_us;
  int64_t from = full ? sub.durable : sub.fast_pos;
  int64_t new_durable = sub.durable;
  bool contiguous = full;  // every entry after the cursor up to here is handled
  for (;;) {
    auto read = sub.log->Read(from, options_.batch, sub.def.kinds);
    if (!read.ok()) return read.status();
    std::vector<const Event*> todo;
    for (const Event& e : *read)
      if (!sub.delivered.contains(e.position)) todo.push_back(&e);
    if (!todo.empty()) {
      int handled = 0;
      absl::Status st = db_.InLightTransaction([&](soci::session& s) -> absl::Status {
        handled = 0;
        long long at = now, id = 0;
        soci::statement mark = (s.prepare << "INSERT INTO event_handled (subscriber, event_id, handled_at) "
                                             "VALUES (:s, :i, :t) ON CONFLICT (subscriber, event_id) DO NOTHING",
                                soci::use(sub.def.name), soci::use(id), soci::use(at));
        std::vector<const Event*> fresh;
        for (const Event* e : todo) {
          id = e->id;
          mark.execute(true);
          if (mark.get_affected_rows() != 1) continue;  // handled before (restart, another server)
          if (sub.def.batch_handler) {
            fresh.push_back(e);
          } else {
            XQ_RETURN_IF_ERROR(sub.def.handler(s, *e));
          }
          ++handled;
        }
        if (!fresh.empty()) XQ_RETURN_IF_ERROR(sub.def.batch_handler(s, fresh));
        return absl::OkStatus();
      });
      if (!st.ok()) {
        std::lock_guard lk(mu_);
        ++sub.lag.attempts;
        sub.lag.last_error = std::string(st.message());
        sub.lag.lag_us = std::max<int64_t>(1, todo.front()->created_at);
        const int shift = std::min(sub.lag.attempts - 1, 20);
        sub.retry_at = now + std::min(options_.max_backoff_us, options_.first_backoff_us << shift);
        return st;
      }
      for (const Event* e : todo) sub.delivered.insert(e->position);
      std::lock_guard lk(mu_);
      sub.lag.delivered += handled;
      sub.lag.attempts = 0;
      sub.lag.last_error.clear();
    }
    for (const Event& e : *read) {
      sub.fast_pos = std::max(sub.fast_pos, e.position);
      if (contiguous && e.created_at <= settled_before)
        new_durable = std::max(new_durable, e.position);
      else
        contiguous = false;
    }
    if (static_cast<int>(read->size()) < options_.batch) break;
    from = read->back().position;
  }
  sub.retry_at = 0;
  {
    std::lock_guard lk(mu_);
    sub.lag.lag_us = 0;
    sub.lag.position = new_durable;
  }
  if (new_durable > sub.durable) {
    long long p = new_durable, t = now, q = new_durable;
    XQ_RETURN_IF_ERROR(db_.InLightTransaction([&](soci::session& s) {
      s << "UPDATE event_cursors SET position = :p, updated_at = :t WHERE subscriber = :s AND position < :q",
          soci::use(p), soci::use(t), soci::use(sub.def.name), soci::use(q);
      return absl::OkStatus();
    }));
    sub.durable = new_durable;
    sub.delivered.erase(sub.delivered.begin(), sub.delivered.upper_bound(new_durable));
  }
  return absl::OkStatus();
}

}  // namespace xq::events
