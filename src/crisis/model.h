// Plain types of crisis cases, the green channel to hospitals
// the return to school and break-glass access. No I/O.
// Text fields hold plaintext here; the store keeps them sealed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xq::crisis {

// The steps of a case, in order; "refer" is optional.
inline constexpr std::string_view kSteps[] = {"report", "assess", "intervene", "refer", "close"};
bool IsStep(std::string_view step);
// Index of a step in kSteps, -1 if none.
int StepIndex(std::string_view step);
// The time a step may take before it is overdue (µs), 0 for "close".
int64_t StepAllowance(std::string_view step);
// Neutral Chinese name of a step, e.g. "评估".
std::string_view StepNameZh(std::string_view step);

struct CaseItem {
  int64_t id = 0;
  std::string step;
  std::string kind;  // record watch guardian_notified notice_scan notice_app safety_plan
  std::string body;  // plaintext (notice_scan: the file's bytes)
  int64_t starts_at = 0;
  int64_t ends_at = 0;
  std::string state;  // notice_app: requested | confirmed
  int64_t by_account = 0;
  std::string by_name;
  int64_t at = 0;
};

struct Case {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string unit_path;
  std::string source;  // warning | observation | counselling | hotline
  int64_t source_id = 0;
  int level = 2;
  std::string status = "open";  // open | closed
  std::string step = "report";
  int64_t step_owner = 0;
  int64_t step_due_at = 0;
  std::string escalated_path;
  int64_t escalated_at = 0;
  int64_t opened_by = 0;
  int64_t opened_at = 0;
  int64_t closed_at = 0;
  // Filled by reads.
  std::string student_name;
  std::string student_no;
  std::string owner_name;
  std::string school_name;
  std::vector<int64_t> consulted;  // accounts consulted (experts)
};

struct Hospital {
  int64_t id = 0;
  int64_t unit_id = 0;
  std::string name;
  std::vector<int64_t> liaisons;
};

struct Referral {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t case_id = 0;
  int64_t student_id = 0;
  std::string unit_path;
  int64_t hospital_id = 0;
  std::string summary;         // plaintext after open
  std::string state = "sent";  // sent | accepted | appointed | admitted | answered
  int64_t due_at = 0;
  std::string escalated_path;
  int64_t accepted_at = 0;
  int64_t appointment_at = 0;
  std::string clinical;  // plaintext after open
  std::string advice;    // neutral
  int64_t answered_at = 0;
  int64_t created_by = 0;
  int64_t created_at = 0;
  std::string hospital_name;
  std::string student_name;
};

// The return to school after a hospital stay (复学, R-43).
struct Return {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t case_id = 0;
  int64_t student_id = 0;
  std::string unit_path;
  std::string certificate;  // the file's bytes (sealed in the store)
  std::string certificate_name;
  std::string certificate_type;
  std::string assessment;             // plaintext after open
  std::string plan_neutral;           // what the head teacher sees
  std::string state = "certificate";  // certificate | planned
  int64_t created_by = 0;
  int64_t created_at = 0;
  int64_t planned_at = 0;
  std::string student_name;
};

// One line of a 倒查 report: an audit entry or an event.
struct TraceLine {
  int64_t at = 0;
  std::string source;  // audit | event
  int64_t seq = 0;     // audit seq or event position
  int64_t actor_id = 0;
  std::string actor_name;
  std::string actor_role;
  std::string action;  // audit action or event kind
  std::string object_type;
  std::string object_id;
  std::string outcome;
  std::string purpose;
  std::string detail;    // audit detail; event summary_zh
  bool verified = true;  // audit rows: inside the verified part of the chain
};

struct TraceReport {
  int64_t student_id = 0;
  int64_t case_id = 0;
  std::string student_name;
  std::vector<TraceLine> lines;  // by time
  bool chain_ok = true;
  int64_t first_bad_seq = 0;
  std::string problem;
  int64_t generated_at = 0;
};

struct BreakGlass {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t case_id = 0;
  int64_t account_id = 0;
  std::string role;
  std::string reason;
  int64_t opened_at = 0;
  int64_t expires_at = 0;
  int64_t reviewed_by = 0;
  int64_t reviewed_at = 0;
  std::string review_comment;
  std::string account_name;
};

}  // namespace xq::crisis
