-- SQLite only (its jobs are stored in key order, WITHOUT ROWID); a
-- PostgreSQL table keeps its rows where they were written, and its key's
-- index is already ordered by (kind, job_key): nothing changes here.
SELECT 1
