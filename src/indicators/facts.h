// Where indicator facts come from (docs/design.md "Indicators"). A module
// whose data a target counts offers a FactSource: the facts of one school
// (or one district/city unit) for one school year, and the event kinds
// after which they change. The indicators service recomputes a unit's
// facts from every source when one of those events arrives.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "soci/soci.h"

namespace xq::indicators {

using Facts = std::map<std::string, double>;

struct FactSource {
  std::string name;
  std::vector<std::string> event_kinds;
  std::function<absl::StatusOr<Facts>(soci::session&, int64_t school_id, int school_year)> school_facts;
  // District/city-level facts; may be empty.
  std::function<absl::StatusOr<Facts>(soci::session&, int64_t unit_id, int school_year)> unit_facts;
  // Whether the source's events are refreshed at once (within seconds)
  // instead of folding into a refresh a minute after the first: for rare
  // changes that someone waits to see on a dashboard (a record saved, a
  // talk recorded), not for the screening's and warnings' bursts.
  bool prompt = false;
};

// The facts computed here from tables every installation has (students,
// head teachers, pairings, screening coverage, follow-ups on time): names
// students, head_teachers, paired_students, cohort_students_k12,
// cohort_screened_k12, cohort_students_he1, cohort_screened_he1,
// cohort_students_he2, cohort_screened_he2, screen_positive,
// followed_up_on_time.
FactSource CoreFactSource();

// The school year (2026 for 2026–27, from 1 September) of a time in µs,
// China Standard Time.
int SchoolYearOf(int64_t micros);
// [start, end) of a school year in µs.
std::pair<int64_t, int64_t> SchoolYearRange(int school_year);

}  // namespace xq::indicators
