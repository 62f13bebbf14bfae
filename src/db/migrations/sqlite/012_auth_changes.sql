-- Each server keeps resolved sessions in memory (auth::AuthService). Every
-- change that alters who a session is or what it may see is logged here in
-- the same transaction: a session ended (token_hash set), or a password set,
-- a role granted or revoked, a staff pairing made or ended (account_id).
-- Servers read the rows of the last seconds every second and drop what
-- they hold for those sessions and accounts; rows older than a day go.
CREATE TABLE auth_changes (
  at BIGINT NOT NULL,          -- microseconds since the epoch, wall clock
  account_id BIGINT NOT NULL,
  token_hash TEXT              -- the one session ended; NULL: all of the account's
)
--;;
CREATE INDEX auth_changes_at ON auth_changes(at)
