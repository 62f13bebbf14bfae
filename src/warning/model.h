// Plain types of urgent warnings, the follow-up queue, interview
// records (访谈复核) and neutral attention levels (D4). No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xq::warning {

// An urgent warning raised by a critical item of a submission.
struct Warning {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string unit_path;  // the student's class path
  int64_t submission_id = 0;
  int64_t campaign_id = 0;
  std::string instrument_id;
  std::string item_id;
  std::string critical_id;
  std::string urgency;         // instruments::UrgencyName
  std::string label;           // the critical rule's label (zh-CN)
  std::string state = "open";  // open | acknowledged | closed
  int64_t created_at = 0;
  int64_t acknowledged_by = 0;
  int64_t acknowledged_at = 0;
  // Owners, deadlines and escalation (R-31; warning/escalation.h).
  std::string source = "screening";  // screening | observation | ledger | counselling | crisis
  int level = 1;                     // 1 (一级, highest) .. 3
  std::string owner_step = "psych_centre";
  bool higher_ed = false;  // which escalation chain
  int64_t ack_due_at = 0;  // 0: no deadline
  int64_t action_due_at = 0;
  int64_t escalated_at = 0;  // last escalation, 0: never
  std::string summary;       // neutral line, no scores or diagnostic words
  std::string ref_type;      // the object it came from
  int64_t ref_id = 0;
  int64_t closed_by = 0;
  int64_t closed_at = 0;
  std::string close_reason;
  // Filled by listing queries.
  std::string student_name;
  std::string student_no;
  std::string acknowledged_by_name;
};

// One entry of the psychology centre's follow-up queue.
struct FollowUp {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string unit_path;
  int64_t submission_id = 0;
  int64_t campaign_id = 0;
  std::string instrument_id;
  std::string reason;  // critical | positive
  int64_t due_at = 0;
  std::string state = "open";  // open | done
  int64_t created_at = 0;
  int64_t closed_at = 0;
  std::string student_name;
  std::string student_no;
};

// A neutral attention level (D4). Levels 1..3; 1 is the highest.
struct AttentionLevel {
  int64_t student_id = 0;
  int64_t school_id = 0;
  std::string unit_path;
  int level = 0;
  std::string guidance;
  std::string state = "active";  // active | cleared
  int64_t set_by = 0;
  int64_t set_at = 0;
  int64_t expires_at = 0;
  std::string student_name;
  std::string student_no;
};

// Neutral names shown to teachers: "一级关注" … "三级关注".
std::string_view LevelName(int level);
// Default guidance for a level, free of scores and diagnostic words.
std::string_view DefaultGuidance(int level);

}  // namespace xq::warning
