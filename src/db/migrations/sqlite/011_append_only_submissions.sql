-- Submissions become append-only: the assignment row carries the pointer
-- to its submission (set by the writer's claim, which also guarantees one
-- submission per assignment), so the submissions table needs no secondary
-- index at write time and its primary key is the rowid (ids are
-- time-ordered: rows append at the end). Reads by campaign, scope or
-- student go through the assignments' indexes.
ALTER TABLE screening_assignments ADD COLUMN submission_id BIGINT
--;;
UPDATE screening_assignments SET submission_id =
  (SELECT x.id FROM screening_submissions x WHERE x.assignment_id = screening_assignments.id)
WHERE state = 'submitted'
--;;
CREATE TABLE screening_submissions_v2 (
  id INTEGER PRIMARY KEY,
  assignment_id BIGINT NOT NULL REFERENCES screening_assignments(id),
  client_key TEXT NOT NULL,                -- the client-generated submission_id (idempotency)
  campaign_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  school_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  instrument_id TEXT NOT NULL,
  version TEXT NOT NULL,
  answers TEXT NOT NULL,                   -- D2: item id -> option code
  result TEXT NOT NULL,                    -- D3: ResultToJson
  positive INTEGER NOT NULL,
  critical INTEGER NOT NULL,
  valid INTEGER NOT NULL,
  source TEXT NOT NULL,                    -- online | paper
  sex TEXT NOT NULL DEFAULT '',
  grade_year INTEGER NOT NULL DEFAULT 0,
  school_kind TEXT NOT NULL DEFAULT '',
  submitted_at BIGINT NOT NULL
)
--;;
INSERT INTO screening_submissions_v2 (id, assignment_id, client_key, campaign_id, student_id, school_id,
  unit_path, instrument_id, version, answers, result, positive, critical, valid, source, sex, grade_year,
  school_kind, submitted_at)
SELECT id, assignment_id, client_key, campaign_id, student_id, school_id, unit_path, instrument_id, version,
  answers, result, positive, critical, valid, source, sex, grade_year, school_kind, submitted_at
FROM screening_submissions
--;;
DROP TABLE screening_submissions
--;;
ALTER TABLE screening_submissions_v2 RENAME TO screening_submissions
