-- 055 crisis cases (R-41), the green channel (R-42), return to school
-- (R-43) and break-glass access. Free text, hospital answers and scanned
-- files are sealed (crypto::KeyRing, associated data "<table>:<id>"); the
-- plain columns hold status, steps, deadlines and neutral words only.
CREATE TABLE crisis_cases (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,          -- the student's class path (scope)
  source TEXT NOT NULL,             -- warning | observation | counselling | hotline
  source_id BIGINT NOT NULL DEFAULT 0,
  level INTEGER NOT NULL,           -- 1 (most urgent) .. 3
  status TEXT NOT NULL,             -- open | closed
  step TEXT NOT NULL,               -- report | assess | intervene | refer | close
  step_owner BIGINT NOT NULL,
  step_due_at BIGINT NOT NULL,      -- 0: no deadline
  escalated_path TEXT NOT NULL DEFAULT '',  -- the level it reached: district or city path
  escalated_at BIGINT NOT NULL DEFAULT 0,
  opened_by BIGINT NOT NULL,
  opened_at BIGINT NOT NULL,
  closed_at BIGINT NOT NULL DEFAULT 0
)
--;;
CREATE UNIQUE INDEX crisis_cases_source ON crisis_cases(source, source_id) WHERE source_id <> 0
--;;
CREATE INDEX crisis_cases_school ON crisis_cases(school_id, status, opened_at)
--;;
CREATE INDEX crisis_cases_path ON crisis_cases(unit_path, opened_at)
--;;
CREATE INDEX crisis_cases_student ON crisis_cases(student_id)
--;;
CREATE TABLE crisis_items (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  case_id BIGINT NOT NULL REFERENCES crisis_cases(id),
  step TEXT NOT NULL,
  kind TEXT NOT NULL,               -- record watch guardian_notified notice_scan notice_app safety_plan
  body TEXT NOT NULL DEFAULT '',    -- sealed ("crisis_items:<id>")
  starts_at BIGINT NOT NULL DEFAULT 0,
  ends_at BIGINT NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT '',   -- notice_app: requested | confirmed
  by_account BIGINT NOT NULL,
  at BIGINT NOT NULL
)
--;;
CREATE INDEX crisis_items_case ON crisis_items(case_id, at)
--;;
CREATE TABLE crisis_consults (
  case_id BIGINT NOT NULL REFERENCES crisis_cases(id),
  account_id BIGINT NOT NULL,
  school_id BIGINT NOT NULL,
  added_by BIGINT NOT NULL,
  added_at BIGINT NOT NULL,
  PRIMARY KEY (case_id, account_id)
)
--;;
CREATE INDEX crisis_consults_account ON crisis_consults(account_id)
--;;
CREATE TABLE crisis_hospitals (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL DEFAULT 0,  -- a city-level partner: no school
  unit_id BIGINT NOT NULL,              -- the unit that lists it (city or district)
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
)
--;;
CREATE TABLE crisis_hospital_liaisons (
  hospital_id BIGINT NOT NULL REFERENCES crisis_hospitals(id),
  account_id BIGINT NOT NULL,
  school_id BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (hospital_id, account_id)
)
--;;
CREATE INDEX crisis_hospital_liaisons_account ON crisis_hospital_liaisons(account_id)
--;;
CREATE TABLE crisis_referrals (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  case_id BIGINT NOT NULL REFERENCES crisis_cases(id),
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  hospital_id BIGINT NOT NULL REFERENCES crisis_hospitals(id),
  summary TEXT NOT NULL,               -- sealed ("crisis_referrals:<id>")
  state TEXT NOT NULL,                 -- sent | accepted | appointed | admitted | answered
  due_at BIGINT NOT NULL,
  escalated_path TEXT NOT NULL DEFAULT '',
  accepted_at BIGINT NOT NULL DEFAULT 0,
  appointment_at BIGINT NOT NULL DEFAULT 0,
  clinical TEXT NOT NULL DEFAULT '',   -- sealed ("crisis_referrals:<id>:clinical")
  advice TEXT NOT NULL DEFAULT '',     -- neutral words (policy/neutral_words)
  answered_at BIGINT NOT NULL DEFAULT 0,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX crisis_referrals_hospital ON crisis_referrals(hospital_id, created_at)
--;;
CREATE INDEX crisis_referrals_case ON crisis_referrals(case_id)
--;;
CREATE INDEX crisis_referrals_school ON crisis_referrals(school_id, state, due_at)
--;;
CREATE TABLE crisis_returns (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  case_id BIGINT NOT NULL REFERENCES crisis_cases(id),
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  certificate TEXT NOT NULL DEFAULT '',       -- sealed file ("crisis_returns:<id>")
  certificate_name TEXT NOT NULL DEFAULT '',
  certificate_type TEXT NOT NULL DEFAULT '',
  assessment TEXT NOT NULL DEFAULT '',        -- sealed ("crisis_returns:<id>:assessment")
  plan_neutral TEXT NOT NULL DEFAULT '',      -- the neutral return plan (head teacher's guidance)
  state TEXT NOT NULL,                        -- certificate | planned | done
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  planned_at BIGINT NOT NULL DEFAULT 0
)
--;;
CREATE UNIQUE INDEX crisis_returns_case ON crisis_returns(case_id)
--;;
CREATE INDEX crisis_returns_path ON crisis_returns(unit_path)
--;;
CREATE TABLE crisis_break_glass (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,           -- the case's school
  case_id BIGINT NOT NULL REFERENCES crisis_cases(id),
  account_id BIGINT NOT NULL,
  role TEXT NOT NULL,
  reason TEXT NOT NULL,
  opened_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  reviewed_by BIGINT NOT NULL DEFAULT 0,
  reviewed_at BIGINT NOT NULL DEFAULT 0,
  review_comment TEXT NOT NULL DEFAULT ''
)
--;;
CREATE INDEX crisis_break_glass_access ON crisis_break_glass(account_id, case_id, expires_at)
--;;
CREATE INDEX crisis_break_glass_review ON crisis_break_glass(reviewed_at, opened_at)
