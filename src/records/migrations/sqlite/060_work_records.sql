-- 工作台账 (R-50…R-55): the records the city's targets count. One row per
-- record; its kind's fields (declared in src/records/model.cc) are rows of
-- work_record_values, so that a kind or a field is added as data. A school's
-- record carries its school_id; a district's or the city's own record
-- carries school_id 0 and its unit. unit_path is the unit's materialised
-- path, for the reader's scope (a district reads its schools' records).
CREATE TABLE work_records (
  id BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  school_id BIGINT NOT NULL,
  unit_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  school_year INTEGER NOT NULL,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_by BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
--;;
CREATE INDEX work_records_scope ON work_records(kind, school_year, unit_path, id)
--;;
CREATE INDEX work_records_school ON work_records(school_id, school_year, kind)
--;;
CREATE INDEX work_records_unit ON work_records(unit_id, school_year, kind)
--;;
CREATE TABLE work_record_values (
  record_id BIGINT NOT NULL,
  school_id BIGINT NOT NULL,
  field TEXT NOT NULL,
  num DOUBLE PRECISION,
  txt TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (record_id, field)
)
