-- Warnings from any source with a level, an owner step and deadlines
-- (R-31). Screening warnings raised before keep level 1 at the psychology
-- centre with no deadline (0: none). The escalation itself runs on jobs
-- (warning.ack_due / warning.action_due), one per warning and step.
ALTER TABLE warnings ADD COLUMN source TEXT NOT NULL DEFAULT 'screening'
--;;
ALTER TABLE warnings ADD COLUMN level INTEGER NOT NULL DEFAULT 1
--;;
ALTER TABLE warnings ADD COLUMN owner_step TEXT NOT NULL DEFAULT 'psych_centre'
--;;
ALTER TABLE warnings ADD COLUMN higher_ed INTEGER NOT NULL DEFAULT 0
--;;
ALTER TABLE warnings ADD COLUMN ack_due_at BIGINT NOT NULL DEFAULT 0
--;;
ALTER TABLE warnings ADD COLUMN action_due_at BIGINT NOT NULL DEFAULT 0
--;;
ALTER TABLE warnings ADD COLUMN escalated_at BIGINT NOT NULL DEFAULT 0
--;;
ALTER TABLE warnings ADD COLUMN summary TEXT NOT NULL DEFAULT ''
--;;
ALTER TABLE warnings ADD COLUMN ref_type TEXT NOT NULL DEFAULT ''
--;;
ALTER TABLE warnings ADD COLUMN ref_id BIGINT NOT NULL DEFAULT 0
--;;
ALTER TABLE warnings ADD COLUMN closed_by BIGINT NOT NULL DEFAULT 0
--;;
ALTER TABLE warnings ADD COLUMN closed_at BIGINT NOT NULL DEFAULT 0
--;;
ALTER TABLE warnings ADD COLUMN close_reason TEXT NOT NULL DEFAULT ''
--;;
CREATE INDEX warnings_open_level ON warnings(school_id, state, level, ack_due_at)
--;;
CREATE TABLE warning_deadlines (       -- per-school deadlines, seconds; absent: defaults
  school_id BIGINT PRIMARY KEY,
  ack1 BIGINT NOT NULL,
  ack2 BIGINT NOT NULL,
  ack3 BIGINT NOT NULL,
  act1 BIGINT NOT NULL,
  act2 BIGINT NOT NULL,
  act3 BIGINT NOT NULL,
  updated_by BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
