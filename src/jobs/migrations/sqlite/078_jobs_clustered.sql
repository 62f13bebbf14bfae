-- The jobs are stored in the order of their key (kind, job_key) instead of
-- the order they were scheduled in (WITHOUT ROWID: the primary key is the
-- table). Taking a due job writes its row twice (the lease, then the
-- completion) and a burst of deadlines, a thousand warnings due in the same
-- minute, was scheduled among every other open warning's jobs: each row
-- sat on a page of its own. Keys that begin with the due time (the warning
-- module's, from warning/078) put a burst's rows side by side, so it
-- writes a few pages instead of one per job, however many jobs wait.
CREATE TABLE jobs_v2 (
  kind TEXT NOT NULL,
  job_key TEXT NOT NULL,
  school_id BIGINT NOT NULL DEFAULT 0,
  payload TEXT NOT NULL DEFAULT '',
  due_at BIGINT NOT NULL,
  period_us BIGINT NOT NULL DEFAULT 0,   -- 0: one-off
  state TEXT NOT NULL DEFAULT 'pending', -- pending | done | cancelled
  lease_holder TEXT,
  lease_expires_at BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,   -- failed runs since the last success
  runs INTEGER NOT NULL DEFAULT 0,       -- successful runs
  last_error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (kind, job_key)
) WITHOUT ROWID
--;;
INSERT INTO jobs_v2 (kind, job_key, school_id, payload, due_at, period_us, state, lease_holder, lease_expires_at,
  attempts, runs, last_error, created_at, updated_at)
SELECT kind, job_key, school_id, payload, due_at, period_us, state, lease_holder, lease_expires_at, attempts, runs,
  last_error, created_at, updated_at
FROM jobs ORDER BY kind, job_key
--;;
DROP TABLE jobs
--;;
ALTER TABLE jobs_v2 RENAME TO jobs
--;;
CREATE INDEX jobs_due ON jobs(state, due_at)
