// Facts from tables every installation has (students, role grants,
// pairings, screening submissions, follow-ups). The records, home visits
// and hotline awareness come from their modules' FactSources.
#include <string>

#include "core/status.h"
#include "indicators/facts.h"

namespace xq::indicators {
namespace {

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr int64_t kDayUs = int64_t{86400} * 1'000'000;
constexpr int64_t kChinaOffsetUs = int64_t{8} * 3600 * 1'000'000;

absl::StatusOr<Facts> CoreSchoolFacts(soci::session& s, int64_t school_id, int year) {
  Facts f;
  long long school = school_id;
  std::string kind;
  soci::indicator ik = soci::i_null;
  s << "SELECT school_kind FROM org_units WHERE id = :id AND kind = 'school'", soci::use(school), soci::into(kind, ik);
  if (!s.got_data()) return f;  // not a school: no facts
  if (ik != soci::i_ok) kind.clear();
  auto [from, to] = SchoolYearRange(year);
  long long a = from, b = to, y = year;
  long long n = 0;
  s << "SELECT COUNT(*) FROM students WHERE school_id = :s AND status = 'active'", soci::use(school), soci::into(n);
  f["students"] = static_cast<double>(n);
  s << "SELECT COUNT(DISTINCT account_id) FROM role_assignments WHERE school_id = :s AND role = 'head_teacher'",
      soci::use(school), soci::into(n);
  f["head_teachers"] = static_cast<double>(n);
  s << "SELECT COUNT(DISTINCT p.student_id) FROM pairings p JOIN students st ON st.id = p.student_id "
       "WHERE p.school_id = :s AND st.status = 'active'",
      soci::use(school), soci::into(n);
  f["paired_students"] = static_cast<double>(n);

  // R-11 cohorts: K-12 from grade 4 up, every year; higher education the
  // freshmen (enrolled this school year) and the second round (year 2 of
  // a college, year 3 of a university).
  auto cohort = [&](const std::string& where, long long g, const char* total, const char* screened) {
    long long all = 0, done = 0;
    const std::string base =
        "FROM students st JOIN org_units g ON g.id = st.grade_id "
        "WHERE st.school_id = :s AND st.status = 'active' AND " +
        where;
    s << "SELECT COUNT(*) " + base, soci::use(school, "s"), soci::use(g, "g"), soci::into(all);
    s << "SELECT COUNT(*) " + base +
             // Through the assignments' student index: the submissions
             // table has none (migration 011), and a scan per student
             // cost minutes for the city.
             " AND EXISTS (SELECT 1 FROM screening_assignments sa JOIN screening_submissions ss "
             "ON ss.id = sa.submission_id WHERE sa.student_id = st.id "
             "AND ss.submitted_at >= :a AND ss.submitted_at < :b)",
        soci::use(school, "s"), soci::use(g, "g"), soci::use(a, "a"), soci::use(b, "b"), soci::into(done);
    f[total] = static_cast<double>(all);
    f[screened] = static_cast<double>(done);
  };
  if (kind == "college" || kind == "university") {
    cohort("g.grade_year = :g", y, "cohort_students_he1", "cohort_screened_he1");
    cohort("g.grade_year = :g", kind == "college" ? y - 1 : y - 2, "cohort_students_he2", "cohort_screened_he2");
  } else if (!kind.empty() && kind != "kindergarten") {
    cohort("g.grade_year >= :g", 4, "cohort_students_k12", "cohort_screened_k12");
  }
  // Students needing attention after screening this year (each positive or
  // critical result raises a follow-up), and those followed up by the due date.
  s << "SELECT COUNT(*) FROM follow_ups WHERE school_id = :s AND created_at >= :a AND created_at < :b",
      soci::use(school), soci::use(a), soci::use(b), soci::into(n);
  f["screen_positive"] = static_cast<double>(n);
  s << "SELECT COUNT(*) FROM follow_ups WHERE school_id = :s AND created_at >= :a AND created_at < :b "
       "AND state = 'done' AND closed_at <= due_at",
      soci::use(school), soci::use(a), soci::use(b), soci::into(n);
  f["followed_up_on_time"] = static_cast<double>(n);
  return f;
}

}  // namespace

std::pair<int64_t, int64_t> SchoolYearRange(int year) {
  return {DaysFromCivil(year, 9, 1) * kDayUs - kChinaOffsetUs, DaysFromCivil(year + 1, 9, 1) * kDayUs - kChinaOffsetUs};
}

int SchoolYearOf(int64_t micros) {
  const int64_t local = micros + kChinaOffsetUs;
  int64_t days = local >= 0 ? local / kDayUs : (local - kDayUs + 1) / kDayUs;
  // civil from days (Howard Hinnant)
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  return static_cast<int>(m >= 9 ? y : y - 1);
}

FactSource CoreFactSource() {
  return FactSource{
      .name = "core",
      // A follow-up raised; the rest (rosters, grants, submissions, closed
      // follow-ups) is caught by the periodic refresh (indicators.refresh).
      .event_kinds = {"warning.raised", "warning.closed"},
      .school_facts = CoreSchoolFacts,
      .unit_facts = nullptr,
  };
}

}  // namespace xq::indicators
