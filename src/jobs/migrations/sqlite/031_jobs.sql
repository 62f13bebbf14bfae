-- Durable jobs: one-off deadlines and periodic work, identified by kind +
-- key. A server takes a due job by writing its lease (holder and expiry);
-- another takes it over only once the lease has expired. school_id: the
-- school a job is about (0: every school, e.g. housekeeping).
CREATE TABLE jobs (
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
)
--;;
CREATE INDEX jobs_due ON jobs(state, due_at)
