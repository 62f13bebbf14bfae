// Plain types of counselling: schedules (slots), bookings, waitlists,
// referrals from teachers, session records (D5) and the summaries shared
// for supervision (督导). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xq::counselling {

// One bookable hour of a counsellor's weekly schedule.
struct Slot {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t counsellor_account_id = 0;
  std::string counsellor_name;
  std::string room;
  int64_t starts_at = 0;  // micros
  int64_t ends_at = 0;
  std::string state;  // open | withdrawn
  int64_t created_at = 0;
  // Filled by listings: whether an active booking holds it, and (for the
  // centre's staff only) by whom.
  bool taken = false;
  int64_t booking_id = 0;
  int64_t student_id = 0;
  std::string student_name;
  std::string booking_state;
  int64_t waiting = 0;  // students on its waitlist
};

struct Booking {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t slot_id = 0;
  int64_t student_id = 0;
  std::string student_name;
  std::string unit_path;
  std::string source;  // self | walk_in | referral | waitlist
  std::string state;   // booked | attended | no_show | cancelled
  int64_t created_by = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // The slot's facts, for "my bookings".
  std::string room;
  int64_t starts_at = 0;
  int64_t ends_at = 0;
  std::string counsellor_name;
  int64_t student_account_id = 0;  // a booking given from the waitlist: whom to tell
};

struct WaitlistEntry {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t slot_id = 0;
  int64_t student_id = 0;
  std::string unit_path;
  std::string state;  // waiting | promoted | cancelled
  int64_t created_at = 0;
};

struct Referral {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string student_name;
  std::string unit_path;
  int64_t referred_by = 0;
  std::string referred_by_name;
  std::string reason;
  std::string state;  // sent | received
  int64_t received_at = 0;
  int64_t created_at = 0;
};

inline constexpr std::string_view kRiskLevels[] = {"none", "low", "medium", "high", "imminent"};
bool IsRiskLevel(std::string_view risk);

// A session record as stored: the three texts sealed.
struct SealedRecord {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string student_name;
  std::string unit_path;
  int64_t booking_id = 0;
  int64_t author_account_id = 0;
  std::string author_name;
  std::string risk;
  std::string concern_sealed;
  std::string notes_sealed;
  std::string next_steps_sealed;
  int64_t held_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A session record opened for a reader.
struct SessionRecord {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string student_name;
  int64_t booking_id = 0;
  int64_t author_account_id = 0;
  std::string author_name;
  std::string risk;
  std::string concern;
  std::string notes;
  std::string next_steps;
  int64_t held_at = 0;
  int64_t created_at = 0;
  // On the answer to the write of an imminent risk: the crisis case the
  // crisis module opens for it (at once, from the event; 0: none).
  int64_t crisis_case_id = 0;
};

struct SealedShare {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t record_id = 0;
  int64_t student_id = 0;
  std::string unit_path;
  int64_t expert_account_id = 0;
  std::string expert_name;
  std::string summary_sealed;
  int64_t shared_by = 0;
  std::string shared_by_name;
  int64_t created_at = 0;
};

struct Share {
  int64_t id = 0;
  int64_t record_id = 0;
  int64_t expert_account_id = 0;
  std::string expert_name;
  std::string summary;
  std::string shared_by_name;
  int64_t created_at = 0;
};

// An expert a school's counsellors may share a summary with: an account
// holding the expert role at the school's district, the city or the school
// itself.
struct Expert {
  int64_t account_id = 0;
  std::string name;
  int64_t unit_id = 0;  // the unit the expert is assigned to
  std::string unit_name;
  std::string unit_kind;  // city | district | school
};

// A student as the counselling module needs it (school and class path).
struct StudentRef {
  int64_t id = 0;
  int64_t school_id = 0;
  std::string unit_path;
  std::string name;
};

}  // namespace xq::counselling
