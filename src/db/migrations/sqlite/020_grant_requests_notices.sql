-- 020 four-eyes role grants and the notice inbox.
--
-- A role that reads D2/D3/D5/D6 (policy::NeedsSecondApproval) is first a
-- pending request; it becomes a role_assignments row only when a second
-- administrator approves it. Until then the policy never sees it.
CREATE TABLE role_grant_requests (
  id BIGINT PRIMARY KEY,
  school_id BIGINT,              -- the unit's school; NULL above schools
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  role TEXT NOT NULL,
  org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
  requested_by BIGINT NOT NULL,
  requested_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',  -- pending approved rejected
  decided_by BIGINT,
  decided_at BIGINT
)
--;;
CREATE UNIQUE INDEX role_grant_requests_open ON role_grant_requests(account_id, role, org_unit_id)
  WHERE state = 'pending'
--;;
CREATE INDEX role_grant_requests_state ON role_grant_requests(state, requested_at)
--;;
-- Notices: what an account is told (a grant in its school, a password
-- reset, a slip sign-in). Any module posts; the recipient reads its own
-- (GET /api/v1/notices) and marks them read.
CREATE TABLE notices (
  id BIGINT PRIMARY KEY,
  school_id BIGINT,              -- the recipient's school; NULL above schools
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  kind TEXT NOT NULL,            -- e.g. grant_requested, password_reset, slip_reset
  actor_id BIGINT,               -- who caused it (0/NULL: the system)
  actor_name TEXT,
  params TEXT NOT NULL,          -- JSON object of the kind's facts
  created_at BIGINT NOT NULL,
  read_at BIGINT
)
--;;
CREATE INDEX notices_account ON notices(account_id, created_at)
