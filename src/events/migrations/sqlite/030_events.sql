-- Domain events (the outbox): a module publishes into events inside the
-- transaction of its change; subscribers read them in order of seq.
-- event_cursors: each subscriber's durable position in the log it reads;
-- event_handled: the events a subscriber has handled, written in the same
-- transaction as the handler's effect (so the effect happens once).
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id BIGINT NOT NULL UNIQUE,
  school_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
)
--;;
CREATE TABLE event_cursors (
  subscriber TEXT PRIMARY KEY,
  position BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
--;;
CREATE TABLE event_handled (
  subscriber TEXT NOT NULL,
  event_id BIGINT NOT NULL,
  handled_at BIGINT NOT NULL,
  PRIMARY KEY (subscriber, event_id)
)
--;;
CREATE INDEX event_handled_at ON event_handled(handled_at)
