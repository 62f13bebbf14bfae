-- 021 two-factor sign-in (TOTP, RFC 6238) and the city's settings.
--
-- city_settings: city-wide switches, one value per key, changed by the city
-- admin only and audited (e.g. 'two_factor' = 'on' | 'off'). Not a tenant
-- table: it holds no school's data.
CREATE TABLE city_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_by BIGINT,             -- account; NULL when set by the system (demo)
  updated_at BIGINT NOT NULL
)
--;;
-- One authenticator per account. The secret is never sent again after the
-- enrolment; confirmed = 0 until the first code was right.
CREATE TABLE two_factor (
  account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
  school_id BIGINT,
  secret TEXT NOT NULL,          -- base32
  confirmed INTEGER NOT NULL DEFAULT 0,
  last_step BIGINT NOT NULL DEFAULT 0,   -- time step of the last accepted code (no replay)
  failures INTEGER NOT NULL DEFAULT 0,   -- wrong codes in a row
  locked_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  confirmed_at BIGINT
)
--;;
-- One-time recovery codes: only the BLAKE2b hash is kept.
CREATE TABLE two_factor_recovery_codes (
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  school_id BIGINT,
  code_hash TEXT NOT NULL,
  used_at BIGINT,
  PRIMARY KEY (account_id, code_hash)
)
--;;
-- A sign-in whose password was right and whose second step is open; only
-- the hash of the token the client holds is kept. No session exists yet.
CREATE TABLE two_factor_challenges (
  token_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  school_id BIGINT,
  step TEXT NOT NULL,            -- 'totp' | 'enrol'
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
)
--;;
CREATE INDEX two_factor_challenges_account ON two_factor_challenges(account_id)
