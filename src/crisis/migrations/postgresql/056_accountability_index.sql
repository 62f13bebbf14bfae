-- 倒查 (R-44) reads the audit log by student: one index on the audit
-- table (append-only; the index changes no row) and one on the outbox by
-- subject.
CREATE INDEX crisis_audit_student ON audit_log(student_id, seq)
--;;
CREATE INDEX crisis_events_subject ON events(subject, seq)
