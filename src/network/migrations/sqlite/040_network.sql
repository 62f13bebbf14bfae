-- The warning network's own records (R-21, R-30, R-34): observations by
-- peers and teachers (D6), the weekly class report (心理委员周报), and the
-- risk-factor ledger (学生信息台账, D6).
CREATE TABLE network_observations (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,             -- the student's class path
  dorm_path TEXT NOT NULL DEFAULT '',  -- the student's dorm path, if any
  reporter_account_id BIGINT NOT NULL,
  reporter_role TEXT NOT NULL,
  category TEXT NOT NULL,              -- R-21 factor name (network/model.h)
  urgency TEXT NOT NULL,               -- immediate | soon | record
  what_seen TEXT NOT NULL,
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX network_observations_reporter ON network_observations(reporter_account_id, created_at)
--;;
CREATE INDEX network_observations_unit ON network_observations(school_id, unit_path, created_at)
--;;
CREATE TABLE network_weekly_reports (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  class_id BIGINT NOT NULL,
  class_path TEXT NOT NULL,
  week TEXT NOT NULL,                  -- ISO week, e.g. 2026-W36
  reporter_account_id BIGINT NOT NULL,
  nothing_to_report INTEGER NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  UNIQUE (class_id, week)
)
--;;
CREATE INDEX network_weekly_reports_school ON network_weekly_reports(school_id, week)
--;;
CREATE TABLE network_risk_factors (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  factor TEXT NOT NULL,                -- R-21 factor name
  source TEXT NOT NULL,                -- observation | talk | home_visit | follow_up | manual
  source_id BIGINT NOT NULL DEFAULT 0,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'active',  -- active | resolved
  note TEXT NOT NULL DEFAULT '',
  recorded_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
--;;
CREATE INDEX network_risk_factors_unit ON network_risk_factors(school_id, unit_path, status)
--;;
CREATE INDEX network_risk_factors_student ON network_risk_factors(student_id)
