// Delivers events to subscribers (docs/design.md "Events").
//
// Each subscription reads one log (events/events.h) from its own durable
// cursor, in position order, on the dispatcher's thread: at least once,
// in order per subject. A batch of events is handled in one transaction
// that also records each event id in event_handled, so a handler's effect
// happens exactly once even when an event is read again (after a restart,
// or by a second server on the same PostgreSQL database). A failing
// handler rolls its batch back and is retried with back-off (0.1 s
// doubling to 30 s); the subscription waits meanwhile (order is kept), and
// its lag shows in Lags() (GET /api/v1/health).
//
// Positions are assigned before commit (ids, sequences), so a row with a
// lower position may become visible after a higher one. The durable
// cursor therefore stays `settle` behind the newest entry seen; every pass
// from the cursor reads the entries after it again, and those already
// handled are skipped (in memory, else by event_handled). An entry that
// commits more than `settle` after its created_at may be missed by a
// restarted server (the submission writer commits within milliseconds).
//
// Wake() asks for a pass now (a writer that has just committed something
// a subscriber consumes), or `min_gap` after the last one began;
// otherwise passes run every poll interval.
// Deliveries commit like InLightTransaction (no wait for the disk): a
// delivery lost to a power cut is lost with its event_handled rows and the
// cursor moves written after it, so the event is read and handled again.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "core/clock.h"
#include "db/database.h"
#include "events/events.h"

namespace xq::events {

// Runs inside the delivery transaction (s); an error rolls the batch back.
using Handler = std::function<absl::Status(soci::session& s, const Event& e)>;
// The same for the batch's events not handled before, at once, in log order:
// for a subscriber whose effect folds repeats (one refresh per unit however
// many of its events a batch holds).
using BatchHandler = std::function<absl::Status(soci::session& s, const std::vector<const Event*>& events)>;

struct Subscription {
  std::string name;                // the durable cursor's key, e.g. "warning.screening_results"
  std::string log = kOutbox;       // the log it reads
  std::vector<std::string> kinds;  // empty: every kind of that log
  Handler handler;
  BatchHandler batch_handler;  // when set, delivery calls it instead of handler
};

struct DispatcherOptions {
  int batch = 256;                             // events per delivery transaction
  std::chrono::milliseconds poll{1000};        // a pass from the newest position read
  std::chrono::milliseconds full_every{5000};  // a pass from the durable cursor
  // A woken pass starts no sooner than this after the one before: the
  // wakes of a busy writer (one per batch holding a critical or positive
  // row, hundreds a second) fold into one pass, which reads every
  // subscription's log once for all of them.
  std::chrono::milliseconds min_gap{50};
  int64_t settle_us = 30'000'000;
  int64_t first_backoff_us = 100'000;
  int64_t max_backoff_us = 30'000'000;
};

struct SubscriberLag {
  std::string subscriber;
  std::string log;
  int64_t position = 0;   // durable cursor
  int64_t delivered = 0;  // events handled by this process
  int64_t lag_us = 0;     // age of the oldest event not yet delivered (0: caught up)
  int attempts = 0;       // failed attempts at the current batch
  std::string last_error;
};

class Dispatcher {
 public:
  Dispatcher(db::Database& db, const Clock& clock, DispatcherOptions options = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Before Start(). The outbox log is there from the start.
  void AddLog(std::unique_ptr<Log> log);
  void Subscribe(Subscription s);

  // Delivery on a background thread, until Stop() (or destruction).
  void Start();
  void Stop();
  void Wake();

  // One full pass over every subscription on the calling thread, ignoring
  // back-off, until each has caught up (or fails): for tools that write
  // and exit (paper import, demo seeding) and for tests.
  absl::Status DeliverPending();

  std::vector<SubscriberLag> Lags() const;

 private:
  struct Sub;
  absl::Status Pass(Sub& sub, bool full, int64_t now);
  absl::Status LoadCursor(Sub& sub);
  void Loop();

  db::Database& db_;
  const Clock& clock_;
  DispatcherOptions options_;
  std::map<std::string, std::unique_ptr<Log>> logs_;
  std::vector<std::unique_ptr<Sub>> subs_;  // fixed after Start()
  std::mutex pass_mu_;                      // one pass at a time (thread or DeliverPending)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace xq::events
