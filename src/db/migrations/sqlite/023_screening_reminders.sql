CREATE TABLE screening_reminders (        -- 提醒: a to-do for a student or a guardian (R-13)
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL REFERENCES screening_campaigns(id),
  student_id BIGINT NOT NULL REFERENCES students(id),
  recipient TEXT NOT NULL,                 -- student | guardian
  reason TEXT NOT NULL,                    -- answer | consent
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT                      -- by an outbound channel (SMS, WeChat); NULL: on the home page only
)
--;;
CREATE INDEX screening_reminders_student ON screening_reminders(student_id, campaign_id)
