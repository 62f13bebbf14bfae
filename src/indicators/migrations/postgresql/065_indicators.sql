-- 065 indicators (R-60, R-61): facts per unit and school year, indicator
-- values per school, district and city kept incrementally, and sign-off.
-- unit_id is the school (school_id = unit_id) or, for district/city-level
-- facts and values, the district or city (school_id 0).
CREATE TABLE indicator_facts (
  unit_id BIGINT NOT NULL,
  school_id BIGINT NOT NULL,
  school_year INTEGER NOT NULL,
  name TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (unit_id, school_year, name)
)
--;;
-- Per unit: num and den are the sums over the schools (or districts) below
-- it; units counts the contributing ones (0: no data). At a contributing
-- unit itself they are its own contribution.
CREATE TABLE indicator_values (
  unit_id BIGINT NOT NULL,
  school_id BIGINT NOT NULL,
  school_year INTEGER NOT NULL,
  indicator_id TEXT NOT NULL,
  num DOUBLE PRECISION NOT NULL,
  den DOUBLE PRECISION NOT NULL,
  units INTEGER NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (unit_id, school_year, indicator_id)
)
--;;
CREATE INDEX indicator_values_year ON indicator_values(school_year, indicator_id)
--;;
CREATE TABLE indicator_signoffs (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  school_year INTEGER NOT NULL,
  state TEXT NOT NULL,              -- submitted | returned | district_approved | accepted
  version INTEGER NOT NULL,         -- 1 at the first submission, +1 at each re-submission
  snapshot TEXT NOT NULL,           -- the figures as submitted (frozen)
  submitted_by BIGINT NOT NULL,
  submitted_at BIGINT NOT NULL,
  reviewed_by BIGINT,
  reviewed_at BIGINT,
  accepted_by BIGINT,
  accepted_at BIGINT,
  comment TEXT NOT NULL DEFAULT '',
  UNIQUE (school_id, school_year)
)
--;;
CREATE TABLE indicator_signoff_steps (
  id BIGINT PRIMARY KEY,
  signoff_id BIGINT NOT NULL REFERENCES indicator_signoffs(id),
  school_id BIGINT NOT NULL,
  step TEXT NOT NULL,               -- submit | return | approve | accept
  actor_id BIGINT NOT NULL,
  actor_role TEXT NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  at BIGINT NOT NULL
)
--;;
CREATE INDEX indicator_signoff_steps_signoff ON indicator_signoff_steps(signoff_id, at)
