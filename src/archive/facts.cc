#include "archive/facts.h"

#include "archive/archive_store.h"
#include "core/status.h"

namespace xq::archive {

absl::StatusOr<std::map<std::string, double>> SchoolFacts(soci::session& s, int64_t school_id, int school_year) {
  if (school_id <= 0) return InvalidArgument("school_id required", "school_id");
  std::map<std::string, double> f = {
      {"visit_quota_staff", 0}, {"visit_quota_met", 0}, {"class_students", 0}, {"class_students_visited", 0}};
  try {
    XQ_ASSIGN_OR_RETURN(auto rows, CountsIn(s, school_id, 0, school_year));
    for (const auto& [staff, counts] : rows) {
      f["visit_quota_staff"] += 1;
      if (staff.progress.met) f["visit_quota_met"] += 1;
      if (counts.role == "head_teacher") {
        f["class_students"] += static_cast<double>(counts.class_students);
        f["class_students_visited"] += static_cast<double>(counts.class_students_visited);
      }
    }
  } catch (const std::exception& e) {
    return Internal(e.what());
  }
  return f;
}

}  // namespace xq::archive
