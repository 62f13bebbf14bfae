-- The staff inbox (issue 19.10): a notice links to its object in the web UI
-- and may be urgent (then outbound channels tell the recipient too).
ALTER TABLE notices ADD COLUMN link TEXT NOT NULL DEFAULT ''
--;;
ALTER TABLE notices ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0
--;;
-- Unread counts by kind for the header badge.
CREATE INDEX notices_unread ON notices(account_id, read_at, kind)
