-- 一生一策 plans (R-22) with progress notes, and periodic review meetings
-- (定期研判, R-32) with their decisions on students' attention levels.
CREATE TABLE plans (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  level INTEGER NOT NULL,                  -- attention level the plan is for (0: none)
  goals TEXT NOT NULL,
  measures TEXT NOT NULL,
  responsible TEXT NOT NULL,               -- lines "role<TAB>name"
  next_review_date TEXT NOT NULL,          -- YYYY-MM-DD
  state TEXT NOT NULL,                     -- open | closed
  close_reason TEXT NOT NULL DEFAULT '',
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  closed_at BIGINT NOT NULL DEFAULT 0
)
--;;
CREATE INDEX plans_student ON plans(student_id, state)
--;;
CREATE INDEX plans_review ON plans(school_id, state, next_review_date)
--;;
CREATE TABLE plan_notes (
  id BIGINT PRIMARY KEY,
  plan_id BIGINT NOT NULL REFERENCES plans(id),
  school_id BIGINT NOT NULL,
  note TEXT NOT NULL,
  source TEXT NOT NULL,                    -- staff | crisis (a return-to-school plan)
  author_account_id BIGINT NOT NULL,       -- 0 for notes from another module's event
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX plan_notes_plan ON plan_notes(plan_id, created_at)
--;;
CREATE TABLE review_meetings (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  unit_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  held_on TEXT NOT NULL,
  attendees TEXT NOT NULL,                 -- lines, one name each
  next_review_date TEXT NOT NULL,
  recorded_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX review_meetings_unit ON review_meetings(school_id, unit_path)
--;;
CREATE TABLE review_decisions (
  meeting_id BIGINT NOT NULL REFERENCES review_meetings(id),
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  decision TEXT NOT NULL,                  -- keep | raise | lower | clear
  level_before INTEGER NOT NULL,
  level_after INTEGER NOT NULL,            -- 0 when cleared
  note TEXT NOT NULL,
  PRIMARY KEY (meeting_id, student_id)
)
--;;
CREATE INDEX review_decisions_student ON review_decisions(student_id)
