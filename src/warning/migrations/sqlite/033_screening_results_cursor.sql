-- Until now the submission writer raised each critical answer's warning
-- and each follow-up in the submission's own transaction; from here the
-- warning module raises them from the screening.submissions log. Every
-- submission already stored has had its warning and follow-up, so the
-- warning module's cursor starts after the last of them.
INSERT INTO event_cursors (subscriber, position, updated_at)
SELECT 'warning.screening_results', COALESCE(MAX(id), 0), 0 FROM screening_submissions
