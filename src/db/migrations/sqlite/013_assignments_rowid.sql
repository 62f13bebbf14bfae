-- xq:foreign-keys-off
-- The writer claims each submitted assignment (UPDATE ... WHERE id = ?): the
-- one write per submission that lands at random in a large table. With id a
-- BIGINT PRIMARY KEY that was two lookups, the key's own index and then the
-- row by rowid; as INTEGER PRIMARY KEY the id is the rowid, one lookup, and
-- the key's index is gone. Drafts and submissions refer to the table by
-- name, so the rebuild keeps every reference; the runner commits only if
-- PRAGMA foreign_key_check finds nothing.
CREATE TABLE screening_assignments_v2 (   -- one scale of a campaign for one student
  id INTEGER PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES screening_campaigns(id),
  student_id BIGINT NOT NULL REFERENCES students(id),
  school_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,                 -- the student's class path at assignment
  position INTEGER NOT NULL,               -- the scale's position in the campaign
  state TEXT NOT NULL DEFAULT 'pending',   -- pending | submitted
  submitted_at BIGINT,
  submission_id BIGINT,                    -- set by the writer's claim
  UNIQUE (campaign_id, student_id, position)
)
--;;
INSERT INTO screening_assignments_v2 (id, campaign_id, student_id, school_id, unit_path, position, state,
  submitted_at, submission_id)
SELECT id, campaign_id, student_id, school_id, unit_path, position, state, submitted_at, submission_id
FROM screening_assignments ORDER BY id
--;;
DROP TABLE screening_assignments
--;;
ALTER TABLE screening_assignments_v2 RENAME TO screening_assignments
--;;
CREATE INDEX screening_assignments_student ON screening_assignments(student_id)
--;;
CREATE INDEX screening_assignments_path ON screening_assignments(campaign_id, unit_path)
