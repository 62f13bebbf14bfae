-- 一人一档 student archive: the timeline built from the outbox (one row per
-- event about one student; the event id makes it idempotent), talks
-- (谈心谈话) and home visits (家访), and transfers under consent.
CREATE TABLE archive_timeline (
  event_id BIGINT PRIMARY KEY,             -- outbox event id (backfilled rows: the source row's id)
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  kind TEXT NOT NULL,                      -- the event kind, e.g. archive.talk_recorded
  data_class TEXT NOT NULL,                -- D3 D4 D5 D6 D8 (ACCESS.md)
  summary_zh TEXT NOT NULL,                -- one neutral line, no scores, no names
  ref_type TEXT NOT NULL,
  ref_id TEXT NOT NULL,
  author_account_id BIGINT NOT NULL DEFAULT 0,  -- D6/D8: who wrote it (own records)
  occurred_at BIGINT NOT NULL
)
--;;
CREATE INDEX archive_timeline_student ON archive_timeline(student_id, occurred_at, event_id)
--;;
CREATE TABLE archive_contacts (            -- talks and home visits (D8 work records; summary D6)
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,                 -- the student's class path when recorded
  kind TEXT NOT NULL,                      -- talk | home_visit
  contact_date TEXT NOT NULL,              -- YYYY-MM-DD
  mode TEXT NOT NULL,                      -- in_person | phone | video
  summary TEXT NOT NULL,                   -- D6
  follow_up TEXT NOT NULL,
  author_account_id BIGINT NOT NULL,
  author_role TEXT NOT NULL,
  author_name TEXT NOT NULL,
  school_year INTEGER NOT NULL,            -- 2026 for 2026-27
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX archive_contacts_author ON archive_contacts(school_id, school_year, author_account_id, kind)
--;;
CREATE INDEX archive_contacts_student ON archive_contacts(student_id, contact_date)
--;;
CREATE TABLE archive_transfers (           -- the archive follows a student only under consent
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,               -- the sending school
  student_id BIGINT NOT NULL,
  to_school_id BIGINT NOT NULL,
  consent TEXT NOT NULL,                   -- given | refused
  consented_by TEXT NOT NULL,              -- guardian | student
  consenter_name TEXT NOT NULL,
  consented_on TEXT NOT NULL,              -- YYYY-MM-DD
  recorded_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX archive_transfers_student ON archive_transfers(student_id, created_at)
--;;
CREATE INDEX archive_transfers_to ON archive_transfers(to_school_id, consent)
--;;
-- Interviews (访谈复核, D5) recorded before the archive existed. Screening
-- submissions are read with the timeline from screening's own log table
-- (the submission hot path writes nothing for the archive).
INSERT INTO archive_timeline (event_id, school_id, student_id, kind, data_class, summary_zh, ref_type, ref_id, occurred_at)
SELECT i.id, i.school_id, i.student_id, 'warning.interview_recorded', 'D5', '进行了一次访谈复核', 'interview',
       CAST(i.id AS TEXT), i.interviewed_at
FROM interviews i
