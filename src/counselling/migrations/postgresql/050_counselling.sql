-- Counselling: weekly schedules (slots), bookings and waitlists, teachers'
-- referrals, session records (D5; concern, notes and next steps sealed
-- with the key ring, "xq1:<key id>:…"), summaries shared for supervision,
-- and the head of each school's psychology centre.
CREATE TABLE counselling_slots (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  counsellor_account_id BIGINT NOT NULL,
  room TEXT NOT NULL,
  starts_at BIGINT NOT NULL,     -- micros
  ends_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open',  -- open | withdrawn
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX counselling_slots_school_time ON counselling_slots(school_id, starts_at, id)
--;;
CREATE INDEX counselling_slots_counsellor ON counselling_slots(counsellor_account_id, starts_at)
--;;
CREATE TABLE counselling_bookings (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  slot_id BIGINT NOT NULL REFERENCES counselling_slots(id),
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,       -- the student's class path (scope checks)
  source TEXT NOT NULL,          -- self | walk_in | referral | waitlist
  state TEXT NOT NULL,           -- booked | attended | no_show | cancelled
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
--;;
-- At most one active booking per slot: the database, not the service,
-- decides a race (the second insert fails: 409 slot_taken).
CREATE UNIQUE INDEX counselling_bookings_one_per_slot ON counselling_bookings(slot_id)
  WHERE state <> 'cancelled'
--;;
CREATE INDEX counselling_bookings_student ON counselling_bookings(student_id, created_at)
--;;
CREATE TABLE counselling_waitlist (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  slot_id BIGINT NOT NULL REFERENCES counselling_slots(id),
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  state TEXT NOT NULL,           -- waiting | promoted | cancelled
  created_at BIGINT NOT NULL
)
--;;
CREATE UNIQUE INDEX counselling_waitlist_once ON counselling_waitlist(slot_id, student_id)
  WHERE state = 'waiting'
--;;
CREATE INDEX counselling_waitlist_slot ON counselling_waitlist(slot_id, state, created_at, id)
--;;
CREATE TABLE counselling_referrals (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  referred_by BIGINT NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL,           -- sent | received
  received_by BIGINT,
  received_at BIGINT,
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX counselling_referrals_school ON counselling_referrals(school_id, created_at, id)
--;;
CREATE INDEX counselling_referrals_by ON counselling_referrals(referred_by, created_at)
--;;
CREATE TABLE counselling_records (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  student_id BIGINT NOT NULL,
  unit_path TEXT NOT NULL,
  booking_id BIGINT,
  author_account_id BIGINT NOT NULL,
  risk TEXT NOT NULL,            -- none | low | medium | high | imminent (plain: other modules act on it)
  concern_sealed TEXT NOT NULL,
  notes_sealed TEXT NOT NULL,
  next_steps_sealed TEXT NOT NULL,
  held_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
--;;
CREATE INDEX counselling_records_school ON counselling_records(school_id, held_at, id)
--;;
CREATE INDEX counselling_records_author ON counselling_records(author_account_id, held_at)
--;;
CREATE TABLE counselling_shares (
  id BIGINT PRIMARY KEY,
  school_id BIGINT NOT NULL,
  record_id BIGINT NOT NULL REFERENCES counselling_records(id),
  student_id BIGINT NOT NULL,
  expert_account_id BIGINT NOT NULL,
  summary_sealed TEXT NOT NULL,
  shared_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
)
--;;
CREATE INDEX counselling_shares_expert ON counselling_shares(expert_account_id, created_at, id)
--;;
CREATE INDEX counselling_shares_record ON counselling_shares(record_id)
--;;
CREATE TABLE counselling_centre_heads (
  school_id BIGINT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  set_by BIGINT NOT NULL,
  set_at BIGINT NOT NULL
)
