#include "archive/quota.h"

#include <charconv>

#include "core/clock.h"

namespace xq::archive {
namespace {

int Num(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

std::optional<int> SchoolYearOf(std::string_view date) {
  if (!IsValidDate(date)) return std::nullopt;
  const int year = Num(date.substr(0, 4)), month = Num(date.substr(5, 2));
  return month >= 9 ? year : year - 1;
}

int SemesterStartOf(std::string_view date) {
  if (!IsValidDate(date)) return 0;
  const int month = Num(date.substr(5, 2));
  if (month == 9) return 1;
  if (month == 2 || month == 3) return 2;
  return 0;
}

bool HasQuota(std::string_view role) {
  return role == "school_leader" || role == "grade_head" || role == "head_teacher" || role == "subject_teacher";
}

QuotaProgress Progress(const QuotaCounts& c) {
  QuotaProgress p;
  p.role = c.role;
  if (c.role == "head_teacher") {
    p.required = c.class_students;
    p.done = c.class_students_visited;
    p.met = c.class_students > 0 && c.class_students_visited >= c.class_students;
    return p;
  }
  p.done = c.visits;
  if (c.role == "school_leader") {
    p.required = 5;
    p.semester_starts_met = c.first_semester_start >= 1 && c.second_semester_start >= 1;
    p.met = c.visits >= 5 && p.semester_starts_met;
    return p;
  }
  if (c.role == "grade_head" || c.role == "subject_teacher") {
    p.required = 10;
    p.met = c.visits >= 10;
    return p;
  }
  return p;
}

}  // namespace xq::archive
