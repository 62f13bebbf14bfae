// Plain types of 一生一策 plans and periodic reviews (定期研判,
// No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xq::plans {

struct Responsible {
  std::string role;  // head_teacher psych_staff guardian school_leader other
  std::string name;
};

struct Note {
  int64_t id = 0;
  std::string note;
  std::string source;  // staff | crisis
  int64_t author_account_id = 0;
  int64_t created_at = 0;
};

struct Plan {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  int level = 0;
  std::string goals;
  std::string measures;
  std::vector<Responsible> responsible;
  std::string next_review_date;
  std::string state = "open";  // open | closed
  std::string close_reason;
  int64_t created_by = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t closed_at = 0;
  std::vector<Note> notes;   // oldest first
  std::string student_name;  // for lists
};

struct Decision {
  int64_t student_id = 0;
  std::string decision;  // keep | raise | lower | clear
  std::string note;
  int level_before = 0;  // set by the service
  int level_after = 0;
  std::string student_path;
};

struct ReviewMeeting {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t unit_id = 0;
  std::string unit_path;
  std::string held_on;
  std::vector<std::string> attendees;
  std::string next_review_date;
  int64_t recorded_by = 0;
  int64_t created_at = 0;
  std::vector<Decision> decisions;
};

// Neutral names and guidance of the attention levels (1 is the highest).
std::string_view LevelGuidance(int level);

}  // namespace xq::plans
