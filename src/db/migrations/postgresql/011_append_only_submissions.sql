-- Submissions become append-only: the assignment row carries the pointer
-- to its submission (set by the writer's claim, which also guarantees one
-- submission per assignment), so the submissions table needs no secondary
-- index at write time. Reads by campaign, scope or student go through the
-- assignments' indexes.
ALTER TABLE screening_assignments ADD COLUMN submission_id BIGINT
--;;
UPDATE screening_assignments a SET submission_id = x.id
FROM screening_submissions x WHERE x.assignment_id = a.id
--;;
ALTER TABLE screening_submissions DROP CONSTRAINT IF EXISTS screening_submissions_assignment_id_key
--;;
DROP INDEX IF EXISTS screening_submissions_campaign
--;;
DROP INDEX IF EXISTS screening_submissions_student
