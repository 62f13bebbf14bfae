-- An escalation job's key begins with its deadline: "<deadline>:<warning
-- id>:<step>" instead of "<warning id>:<step>:<deadline>". The warnings due
-- in the same minute then have neighbouring keys, so the jobs' key index
-- (and on SQLite the jobs themselves, jobs/078) takes a burst of them on a
-- few pages instead of one page per warning among every open one.
UPDATE jobs SET job_key =
  substr(substr(job_key, instr(job_key, ':') + 1), instr(substr(job_key, instr(job_key, ':') + 1), ':') + 1) ||
  ':' || substr(job_key, 1, instr(job_key, ':') - 1) ||
  ':' || substr(substr(job_key, instr(job_key, ':') + 1), 1, instr(substr(job_key, instr(job_key, ':') + 1), ':') - 1)
WHERE kind IN ('warning.ack_due', 'warning.action_due')
  AND instr(substr(job_key, instr(job_key, ':') + 1), ':') > 0
