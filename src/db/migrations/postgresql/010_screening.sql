-- 010 screening: campaigns, assignments, consent, drafts, submissions (R-10…R-16),
-- student login slips, urgent warnings, follow-ups, interviews and attention levels.
-- Times are BIGINT microseconds since the Unix epoch; dates are 'YYYY-MM-DD'.
CREATE TABLE screening_campaigns (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  template TEXT NOT NULL DEFAULT '',
  owner_unit_id BIGINT NOT NULL REFERENCES org_units(id),
  owner_path TEXT NOT NULL,
  grades TEXT NOT NULL DEFAULT '[]',       -- JSON array of grade_year values; [] = all
  school_kinds TEXT NOT NULL DEFAULT '[]', -- JSON array of school kinds; [] = all
  opens_on TEXT NOT NULL,
  closes_on TEXT NOT NULL,
  notice TEXT NOT NULL DEFAULT '',
  consent_text TEXT NOT NULL DEFAULT '',
  consent_age INTEGER NOT NULL DEFAULT 14, -- under this age a guardian's consent is needed first
  urgent_due_hours INTEGER NOT NULL DEFAULT 24,
  other_due_days INTEGER NOT NULL DEFAULT 7,
  state TEXT NOT NULL DEFAULT 'open',      -- open | closed
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
)
--;;
CREATE TABLE screening_campaign_scales (
  campaign_id BIGINT NOT NULL REFERENCES screening_campaigns(id),
  position INTEGER NOT NULL,
  instrument_id TEXT NOT NULL,
  version TEXT NOT NULL,
  PRIMARY KEY (campaign_id, position)
)
--;;
CREATE TABLE screening_campaign_units (
  campaign_id BIGINT NOT NULL REFERENCES screening_campaigns(id),
  unit_id BIGINT NOT NULL REFERENCES org_units(id),
  unit_path TEXT NOT NULL,
  PRIMARY KEY (campaign_id, unit_id)
)
--;;
CREATE TABLE screening_assignments (      -- one scale of a campaign for one student
  id BIGINT PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES screening_campaigns(id),
  student_id BIGINT NOT NULL REFERENCES students(id),
  school_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,                 -- the student's class path at assignment
  position INTEGER NOT NULL,               -- the scale's position in the campaign
  state TEXT NOT NULL DEFAULT 'pending',   -- pending | submitted
  submitted_at BIGINT,
  UNIQUE (campaign_id, student_id, position)
)
--;;
CREATE INDEX screening_assignments_student ON screening_assignments(student_id)
--;;
CREATE INDEX screening_assignments_path ON screening_assignments(campaign_id, unit_path)
--;;
CREATE TABLE screening_consents (         -- PIPL Art. 31: guardian consent for under-14s; declines
  campaign_id BIGINT NOT NULL REFERENCES screening_campaigns(id),
  student_id BIGINT NOT NULL REFERENCES students(id),
  decision TEXT NOT NULL,                  -- consent | decline
  source TEXT NOT NULL,                    -- guardian | paper | student
  recorded_by BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  PRIMARY KEY (campaign_id, student_id)
)
--;;
CREATE TABLE screening_drafts (           -- autosaved partial answers (D2, until submitted)
  assignment_id BIGINT PRIMARY KEY REFERENCES screening_assignments(id),
  answers TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
)
--;;
CREATE TABLE screening_submissions (
  id BIGINT PRIMARY KEY,
  assignment_id BIGINT NOT NULL UNIQUE REFERENCES screening_assignments(id),
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
CREATE INDEX screening_submissions_campaign ON screening_submissions(campaign_id, unit_path)
--;;
CREATE INDEX screening_submissions_student ON screening_submissions(student_id, submitted_at)
--;;
CREATE TABLE student_login_codes (        -- one-time login slip codes; only the hash is kept
  account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
  code_hash TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  issued_by BIGINT NOT NULL,
  issued_at BIGINT NOT NULL
)
--;;
CREATE TABLE warnings (                   -- urgent warnings raised by critical items
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  submission_id BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  instrument_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  critical_id TEXT NOT NULL,
  urgency TEXT NOT NULL,
  label TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open',      -- open | acknowledged
  created_at BIGINT NOT NULL,
  acknowledged_by BIGINT,
  acknowledged_at BIGINT
)
--;;
CREATE INDEX warnings_school ON warnings(school_id, state, created_at)
--;;
CREATE TABLE follow_ups (                 -- R-14 follow-up queue
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  submission_id BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  instrument_id TEXT NOT NULL,
  reason TEXT NOT NULL,                    -- critical | positive
  due_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open',      -- open | done
  created_at BIGINT NOT NULL,
  closed_at BIGINT
)
--;;
CREATE INDEX follow_ups_school ON follow_ups(school_id, state, due_at)
--;;
CREATE TABLE interviews (                 -- 访谈复核 records (D5)
  id BIGINT PRIMARY KEY,
  follow_up_id BIGINT NOT NULL REFERENCES follow_ups(id),
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  outcome TEXT NOT NULL,                   -- confirmed | cleared
  level INTEGER NOT NULL DEFAULT 0,        -- 1..3 when confirmed
  notes TEXT NOT NULL DEFAULT '',
  interviewer BIGINT NOT NULL,
  interviewed_at BIGINT NOT NULL
)
--;;
CREATE TABLE attention_levels (           -- D4: neutral level + guidance per student
  student_id BIGINT PRIMARY KEY REFERENCES students(id),
  school_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  level INTEGER NOT NULL,                  -- 1 一级 (highest) .. 3 三级
  guidance TEXT NOT NULL,
  state TEXT NOT NULL,                     -- active | cleared
  set_by BIGINT NOT NULL,
  set_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
)
--;;
CREATE INDEX attention_levels_path ON attention_levels(unit_path)
