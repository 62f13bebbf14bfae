-- An escalation job's key begins with its deadline: "<deadline>:<warning
-- id>:<step>" instead of "<warning id>:<step>:<deadline>". The warnings due
-- in the same minute then have neighbouring keys, so the jobs' key index
-- takes a burst of them on a few pages instead of one page per warning
-- among every open one.
UPDATE jobs SET job_key = split_part(job_key, ':', 3) || ':' || split_part(job_key, ':', 1) || ':' ||
  split_part(job_key, ':', 2)
WHERE kind IN ('warning.ack_due', 'warning.action_due') AND split_part(job_key, ':', 3) <> ''
