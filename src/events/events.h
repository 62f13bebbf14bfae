// Domain events (docs/design.md "Events"). A module publishes a typed
// event into the outbox (the events table) inside the transaction of its
// change, so the event exists exactly when the change does; a Dispatcher
// (events/dispatcher.h) delivers it to every subscriber of its kind.
//
// A log is what a subscriber reads: the outbox, or a table of the
// publishing module that is already append-only and serves as its own log
// (screening_submissions: no copied row per submission on the hot path).
// Positions are increasing numbers within one log; an entry's id is unique
// within its log (the outbox: events.id; a table: its row id).
//
// Payloads are text in the publishing module's encoding (its events.h
// gives the typed struct and the codec); the events module reads none.
// Thread-safe: Publish uses only the caller's session; a Log may be read
// from the dispatcher's thread and the caller's at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "db/database.h"

namespace xq::events {

struct Event {
  int64_t id = 0;        // unique within its log; 0 in Publish: a new id
  int64_t position = 0;  // order within its log (set when read)
  int64_t school_id = 0;
  std::string kind;     // "<module>.<what happened>", e.g. "warning.raised"
  std::string subject;  // order is kept per subject, e.g. "student:42"
  std::string payload;  // the publishing module's encoding
  int64_t created_at = 0;
};

// Appends e to the outbox inside the caller's open transaction (s), so it
// commits or rolls back with the change. Returns the event id.
absl::StatusOr<int64_t> Publish(soci::session& s, Event e);
// The same for several events, in order, through one prepared insert;
// assigns the ids left 0.
absl::Status PublishAll(soci::session& s, std::vector<Event>& events);

class Log {
 public:
  virtual ~Log() = default;
  virtual const std::string& name() const = 0;
  // Committed entries with position > after, in position order, at most
  // limit, of the given kinds (empty: every kind).
  virtual absl::StatusOr<std::vector<Event>> Read(int64_t after, int limit, const std::vector<std::string>& kinds) = 0;
};

// The outbox (the events table) as a log; its name is kOutbox.
inline constexpr char kOutbox[] = "events";
std::unique_ptr<Log> NewOutboxLog(db::Database& db);

}  // namespace xq::events
