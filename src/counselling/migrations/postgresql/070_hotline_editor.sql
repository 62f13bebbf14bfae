-- Hotline editor and awareness (R-33). The city's lines, once edited, are
-- rows of the city's unit like any other (before that the two built-in
-- lines apply). school_id: the school of a school's line, 0 for the city's
-- and a district's.
ALTER TABLE hotlines ADD COLUMN note TEXT NOT NULL DEFAULT ''
--;;
ALTER TABLE hotlines ADD COLUMN school_id BIGINT NOT NULL DEFAULT 0
--;;
ALTER TABLE hotlines ADD COLUMN position INTEGER NOT NULL DEFAULT 0
--;;
CREATE INDEX hotlines_unit ON hotlines(org_unit_id, position)
--;;
-- The last change of a unit's lines: students and guardians confirm again
-- after a change of any line that applies to them.
CREATE TABLE hotline_changes (
  org_unit_id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL DEFAULT 0,
  changed_at BIGINT NOT NULL,
  changed_by BIGINT NOT NULL
)
--;;
-- The latest confirmation of a person ("我已知晓心理援助热线"): a student
-- (person_id = students.id) or a guardian (person_id = the account id).
CREATE TABLE hotline_awareness (
  person_type TEXT NOT NULL,       -- student | guardian
  person_id BIGINT NOT NULL,
  school_id BIGINT NOT NULL,
  class_id BIGINT NOT NULL DEFAULT 0,
  account_id BIGINT NOT NULL DEFAULT 0,
  via TEXT NOT NULL,               -- sign_in | class_meeting
  confirmed_at BIGINT NOT NULL,
  PRIMARY KEY (person_type, person_id)
)
--;;
CREATE INDEX hotline_awareness_school ON hotline_awareness(school_id, class_id, confirmed_at)
--;;
-- A class meeting on the hotlines, marked held by the class's teacher: its
-- students are asked to confirm on their phones.
CREATE TABLE hotline_class_meetings (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  class_id BIGINT NOT NULL,
  held_at BIGINT NOT NULL,
  marked_by BIGINT NOT NULL
)
--;;
CREATE INDEX hotline_class_meetings_class ON hotline_class_meetings(class_id, held_at)
