-- A school's facts (indicators/core_facts.cc) count its pairings and its
-- head teachers: without these each school read every pairing and every
-- role of the city (1.9 M pairings at city scale).
CREATE INDEX pairings_school ON pairings(school_id, student_id)
--;;
CREATE INDEX role_assignments_school ON role_assignments(school_id, role)
