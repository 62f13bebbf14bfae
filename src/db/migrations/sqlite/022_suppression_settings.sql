-- Small-cell suppression of screening aggregates (issue 17.5): the city's
-- k, at least 5, changed only by the city admin (each change is also in
-- the audit log). One row per city (its root org unit); no row: k = 10.
-- A city-wide setting, not a school's data, so it has no school_id.
CREATE TABLE suppression_settings (
  unit_id BIGINT PRIMARY KEY,   -- the city's root org unit
  k INTEGER NOT NULL CHECK (k >= 5 AND k <= 1000),
  updated_by BIGINT NOT NULL,   -- account id of the city admin
  updated_at BIGINT NOT NULL    -- microseconds since the epoch
)
