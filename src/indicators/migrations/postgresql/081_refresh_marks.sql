-- Units owed a refresh of their facts (indicators/engine.h): an event
-- about a unit marks it inside the event's delivery transaction, and the
-- refresher computes the unit's facts outside any write transaction, at
-- most once a minute per unit, then applies the difference in a short one
-- (the refresh inside the delivery held the write lock while it read a
-- school's students, and starved the submission writer).
CREATE TABLE indicator_refresh_marks (
  unit_id BIGINT NOT NULL,
  school_id BIGINT NOT NULL,        -- the unit when it is a school, else 0
  school_year INTEGER NOT NULL,
  marked_at BIGINT NOT NULL,        -- the oldest mark not refreshed since
  version BIGINT NOT NULL,          -- +1 at each later mark
  PRIMARY KEY (unit_id, school_year)
)
--;;
CREATE INDEX indicator_refresh_marks_at ON indicator_refresh_marks(marked_at)
