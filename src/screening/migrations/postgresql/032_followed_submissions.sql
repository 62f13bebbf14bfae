-- The submissions table is append-only and serves as its own log of
-- results that need following up (screening.critical_answer,
-- screening.positive_result): this partial index holds only those rows, so
-- a reader by cursor touches nothing else, and a submission that needs no
-- follow-up costs the writer nothing more.
CREATE INDEX screening_submissions_followed ON screening_submissions(id) WHERE critical = 1 OR positive = 1
