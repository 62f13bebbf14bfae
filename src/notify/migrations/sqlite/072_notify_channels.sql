-- Outbound channels (issue 19.10): per school, district or city unit, the
-- group-robot webhook and the SMTP server, edited by that unit's
-- administrator. webhook_url holds the robot's key: it is never sent back.
-- school_id: the school's id for a school's row, 0 for a district or city.
CREATE TABLE notify_channels (
  unit_id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL DEFAULT 0,
  site_url TEXT NOT NULL DEFAULT '',
  webhook_url TEXT NOT NULL DEFAULT '',
  smtp_host TEXT NOT NULL DEFAULT '',
  smtp_port INTEGER NOT NULL DEFAULT 25,
  smtp_from TEXT NOT NULL DEFAULT '',
  recipients TEXT NOT NULL DEFAULT '{}',   -- JSON {role: [addresses]}
  updated_at BIGINT NOT NULL,
  updated_by BIGINT NOT NULL
)
--;;
-- What was sent (one row per message), for the administrators and tests.
CREATE TABLE notify_sent (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL DEFAULT 0,
  unit_id BIGINT NOT NULL,
  channel TEXT NOT NULL,          -- webhook | smtp
  account_id BIGINT NOT NULL,
  notice_id BIGINT NOT NULL,
  urgent_count INTEGER NOT NULL,
  sent_at BIGINT NOT NULL
)
--;;
CREATE INDEX notify_sent_unit ON notify_sent(unit_id, sent_at)
