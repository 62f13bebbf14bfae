// Plain types of the warning network: observations by
// peers and teachers, the weekly class report and the risk-factor ledger.
// All of it is D6 (ACCESS.md). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xq::network {

// R-21's list of risk factors, as stored (ascii) and shown (zh-CN label).
struct Category {
  std::string_view name;
  std::string_view label_zh;
};
const std::vector<Category>& Categories();
// The label of a category name; "" when unknown.
std::string_view CategoryLabel(std::string_view name);

// immediate (danger now: an urgent 一级 warning at once) | soon | record.
bool IsUrgency(std::string_view u);
// observation | talk | home_visit | follow_up | manual.
bool IsFactorSource(std::string_view s);

struct Observation {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string unit_path;  // the student's class path
  std::string dorm_path;  // the student's dorm path ("" if none)
  int64_t reporter_account_id = 0;
  std::string reporter_role;
  std::string category;
  std::string urgency;
  std::string what_seen;
  int64_t created_at = 0;
  // Filled by listing queries.
  std::string student_name;
  std::string class_name;
  std::string reporter_name;
};

// A student a reporter may pick (names only).
struct Pickable {
  int64_t id = 0;
  std::string name;
  std::string class_name;
  std::string unit_path;
  std::string dorm_path;
  int64_t school_id = 0;
};

struct WeeklyReport {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t class_id = 0;
  std::string class_path;
  std::string week;  // ISO week "2026-W36"
  int64_t reporter_account_id = 0;
  bool nothing_to_report = false;
  std::string note;
  int64_t created_at = 0;
};

// A class and its weekly reports (for head teachers and the psychology
// centre).
struct ClassWeek {
  int64_t class_id = 0;
  std::string class_name;
  std::string class_path;
  bool filed = false;  // for the week asked about
  bool nothing_to_report = false;
  std::string note;       // of that week's report
  std::string last_week;  // latest week with a report, "" if never
};

struct RiskFactor {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string unit_path;
  std::string factor;
  std::string source;
  int64_t source_id = 0;
  std::string start_date;         // YYYY-MM-DD
  std::string end_date;           // "" while active
  std::string status = "active";  // active | resolved
  std::string note;
  int64_t recorded_by = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::string student_name;
  std::string recorder_name;
};

// ISO 8601 week of a time in Asia/Shanghai: "2026-W36".
std::string IsoWeek(int64_t unix_micros);
// "YYYY-Www" with a week 01..53.
bool IsIsoWeekText(std::string_view s);
// The n weeks ending with the week of unix_micros, newest first.
std::vector<std::string> LastWeeks(int64_t unix_micros, int n);

}  // namespace xq::network
