#include "counselling/hotline_facts.h"

#include <algorithm>

#include "core/status.h"
#include "counselling/hotline_store.h"
#include "db/row.h"
#include "fmt/format.h"

namespace xq::counselling {

absl::StatusOr<std::map<std::string, double>> SchoolFacts(soci::session& s, int64_t school_id, int /*school_year*/) {
  long long school = school_id;
  std::string path;
  soci::indicator ind = soci::i_null;
  s << "SELECT path FROM org_units WHERE id = :s AND kind = 'school'", soci::use(school), soci::into(path, ind);
  if (!s.got_data() || ind != soci::i_ok) return NotFound("school not found");
  std::string in;
  for (int64_t id : PathIds(path)) in += (in.empty() ? "" : ",") + std::to_string(id);
  long long since = 0;
  soci::rowset<soci::row> changes =
      (s.prepare << fmt::format("SELECT changed_at FROM hotline_changes WHERE org_unit_id IN ({})", in));
  for (const auto& r : changes) since = std::max<long long>(since, db::GetInt(r, 0));
  long long students = 0, confirmed = 0;
  soci::rowset<soci::row> rows =
      (s.prepare << "SELECT COUNT(*), SUM(CASE WHEN a.confirmed_at >= :t THEN 1 ELSE 0 END) FROM students st "
                    "LEFT JOIN hotline_awareness a ON a.person_type = 'student' AND a.person_id = st.id "
                    "WHERE st.school_id = :s AND st.status = 'active'",
       soci::use(since), soci::use(school));
  for (const auto& r : rows) {
    students = db::GetInt(r, 0);
    confirmed = students ? db::GetInt(r, 1) : 0;
  }
  return std::map<std::string, double>{{"awareness_students", static_cast<double>(students)},
                                       {"awareness_confirmed", static_cast<double>(confirmed)}};
}

}  // namespace xq::counselling
