-- 001 foundation: org tree, people, accounts, roles, pairings, sessions, audit.
-- Every row that belongs to a school carries school_id (the tenant key).
-- Times are BIGINT microseconds since the Unix epoch; dates are 'YYYY-MM-DD'.
-- Statements are separated by lines holding only "--;;".
CREATE TABLE org_units (
  id BIGINT PRIMARY KEY,
  parent_id BIGINT REFERENCES org_units(id),
  kind TEXT NOT NULL,            -- city district school grade department class dorm
  name TEXT NOT NULL,
  code TEXT,
  school_kind TEXT,              -- schools only (R-01 kinds)
  school_id BIGINT,              -- the school a unit belongs to (itself for a school)
  district_id BIGINT,            -- NULL for the city and for universities under it
  path TEXT NOT NULL,            -- materialised path '/1/7/42/' for subtree scope checks
  grade_year INTEGER,            -- grades: 1..12 (K-12) or enrolment year (higher ed)
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX org_units_parent ON org_units(parent_id)
--;;
CREATE UNIQUE INDEX org_units_path ON org_units(path)
--;;
CREATE INDEX org_units_school ON org_units(school_id, kind)
--;;
CREATE TABLE students (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL REFERENCES org_units(id),
  student_no TEXT NOT NULL,      -- 学号
  name TEXT NOT NULL,
  sex TEXT NOT NULL,             -- 'M' | 'F'
  birth_date TEXT,
  enrolment_date TEXT,
  grade_id BIGINT REFERENCES org_units(id),
  class_id BIGINT REFERENCES org_units(id),
  dorm_id BIGINT REFERENCES org_units(id),
  unit_path TEXT NOT NULL,       -- path of the class (or grade/school) for scope checks
  status TEXT NOT NULL DEFAULT 'active',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (school_id, student_no)
)
--;;
CREATE INDEX students_class ON students(class_id)
--;;
CREATE INDEX students_dorm ON students(dorm_id)
--;;
CREATE INDEX students_unit_path ON students(unit_path, name)
--;;
CREATE TABLE class_memberships (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL REFERENCES students(id),
  class_id BIGINT NOT NULL REFERENCES org_units(id),
  start_date TEXT NOT NULL,
  end_date TEXT                  -- NULL while current
)
--;;
CREATE INDEX class_memberships_student ON class_memberships(student_id)
--;;
CREATE TABLE guardians (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  phone TEXT,
  created_at BIGINT NOT NULL
)
--;;
CREATE TABLE student_guardians (
  student_id BIGINT NOT NULL REFERENCES students(id),
  guardian_id BIGINT NOT NULL REFERENCES guardians(id),
  school_id BIGINT NOT NULL,
  relation TEXT,
  PRIMARY KEY (student_id, guardian_id)
)
--;;
CREATE INDEX student_guardians_guardian ON student_guardians(guardian_id)
--;;
CREATE TABLE staff (
  id BIGINT PRIMARY KEY,
  school_id BIGINT,              -- NULL for district/city staff
  org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
  name TEXT NOT NULL,
  phone TEXT,
  title TEXT,
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX staff_school ON staff(school_id)
--;;
CREATE TABLE accounts (
  id BIGINT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL,
  person_type TEXT NOT NULL,     -- 'staff' | 'student' | 'guardian'
  person_id BIGINT,
  school_id BIGINT,
  disabled INTEGER NOT NULL DEFAULT 0,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
--;;
CREATE INDEX accounts_person ON accounts(person_type, person_id)
--;;
CREATE TABLE role_assignments (
  id BIGINT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  role TEXT NOT NULL,            -- policy::Role names, e.g. 'head_teacher'
  org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
  school_id BIGINT,
  granted_by BIGINT,
  created_at BIGINT NOT NULL,
  UNIQUE (account_id, role, org_unit_id)
)
--;;
CREATE INDEX role_assignments_unit ON role_assignments(org_unit_id)
--;;
CREATE TABLE pairings (          -- 教师包联学生 (R-04)
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  staff_id BIGINT NOT NULL REFERENCES staff(id),
  student_id BIGINT NOT NULL REFERENCES students(id),
  created_at BIGINT NOT NULL,
  UNIQUE (student_id, staff_id)
)
--;;
CREATE INDEX pairings_staff ON pairings(staff_id)
--;;
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,   -- BLAKE2b of the cookie token; the token itself is never stored
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
)
--;;
CREATE INDEX sessions_account ON sessions(account_id)
--;;
CREATE TABLE audit_log (         -- append-only, hash-chained (BLAKE2b)
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  actor_id BIGINT,
  actor_role TEXT,
  action TEXT NOT NULL,
  object_type TEXT,
  object_id TEXT,
  student_id BIGINT,
  school_id BIGINT,
  outcome TEXT NOT NULL,         -- 'ok' | 'denied' | 'failed'
  purpose TEXT,
  detail TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
)

--;;
CREATE INDEX audit_log_action ON audit_log(action, seq)
--;;
CREATE TABLE audit_head (        -- the newest entry, updated in the same transaction (detects a cut tail)
  id INTEGER PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
)
--;;
CREATE TABLE hotlines (          -- 心理援助热线 of districts and schools (R-33); the city's are built in
  id BIGINT PRIMARY KEY,
  org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
  name TEXT NOT NULL,
  number TEXT NOT NULL,
  hours TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
)
