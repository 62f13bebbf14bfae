// Plain types of the student archive (一人一档): timeline entries, talks
// (谈心谈话) and home visits (家访), transfers, and home-visit quota
// progress. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xq::archive {

// One line of a student's timeline, copied from an event about the student
// (docs/design.md "Events", timeline convention) or read from screening's
// submissions. summary_zh is neutral: no scores, names or diagnostic words.
struct TimelineEntry {
  int64_t event_id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string kind;        // e.g. "archive.talk_recorded"
  std::string data_class;  // "D3" "D4" "D5" "D6" "D8"
  std::string summary_zh;
  std::string ref_type;
  std::string ref_id;
  int64_t author_account_id = 0;
  int64_t occurred_at = 0;
};

// Where a student's archive is held and what the header shows.
struct StudentArchive {
  int64_t student_id = 0;
  int64_t school_id = 0;  // the student's school (roster)
  std::string name;
  std::string class_name;
  std::string unit_path;   // the student's class path (roster)
  std::string birth_date;  // YYYY-MM-DD or empty
  // The path the archive's access is decided at: the student's class,
  // or the receiving school after a transfer with consent.
  std::string archive_path;
  int64_t archive_school_id = 0;
  bool transferred_in = false;  // held by a receiving school
  int attention_level = 0;      // 1..3 while active and unexpired, else 0
  std::string attention_guidance;
  int64_t attention_expires_at = 0;
};

inline constexpr char kTalk[] = "talk";
inline constexpr char kHomeVisit[] = "home_visit";

// A talk (谈心谈话) or a home visit (家访). The record is D8 (work); its
// summary and follow-up are D6 (what a teacher observed).
struct Contact {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  std::string unit_path;
  std::string kind;          // kTalk | kHomeVisit
  std::string contact_date;  // YYYY-MM-DD
  std::string mode;          // in_person (面谈) | phone (电话) | video (视频)
  std::string summary;
  std::string follow_up;
  int64_t author_account_id = 0;
  std::string author_role;  // policy role name the record counts for
  std::string author_name;
  int school_year = 0;  // 2026 for 2026-27
  int64_t created_at = 0;
  std::string student_name;  // for lists
};

// A transfer of the archive to another school (or stage), recorded with
// the consent given or refused.
struct Transfer {
  int64_t id = 0;
  int64_t school_id = 0;  // sending school
  int64_t student_id = 0;
  int64_t to_school_id = 0;
  std::string to_school_name;
  std::string consent;       // given | refused
  std::string consented_by;  // guardian | student
  std::string consenter_name;
  std::string consented_on;  // YYYY-MM-DD
  int64_t recorded_by = 0;
  int64_t created_at = 0;
};

// Home-visit counts of one teacher in one role for a school year.
struct QuotaCounts {
  std::string role;                   // school_leader grade_head head_teacher subject_teacher
  int64_t visits = 0;                 // home visits in the school year
  int64_t first_semester_start = 0;   // visits in September (leaders)
  int64_t second_semester_start = 0;  // visits in February or March (leaders)
  int64_t class_students = 0;         // head teachers: students of their classes
  int64_t class_students_visited = 0;
};

struct QuotaProgress {
  std::string role;
  int64_t required = 0;  // visits (head teachers: students)
  int64_t done = 0;
  bool met = false;
  // Leaders: each semester start has at least one visit.
  bool semester_starts_met = true;
};

struct StaffQuota {
  int64_t account_id = 0;
  std::string name;
  QuotaProgress progress;
};

}  // namespace xq::archive
