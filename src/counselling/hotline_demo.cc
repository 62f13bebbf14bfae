#include "counselling/hotline_demo.h"

#include <string>
#include <vector>

#include "db/row.h"

namespace xq::counselling {
namespace {

struct DemoLine {
  int64_t unit;
  int64_t school;
  const char* name;
  const char* number;
  const char* hours;
  const char* note;
};

}  // namespace

absl::Status SeedHotlineDemo(soci::session& s, const HotlineDemoUnits& u, int64_t (*next_id)(void*), void* gen) {
  const std::vector<DemoLine> lines = {
      {u.city_id, 0, "阳光心理热线", "4001060525", "24小时", ""},
      {u.city_id, 0, "阳光家庭教育热线", "4000716515", "", "工作日 9:00-17:00"},
      {u.district_id, 0, "区未成年人心理援助热线", "022-27311234", "8:00-22:00", ""},
      {u.school_id, u.school_id, "学校心理辅导中心", "022-27319876", "周一至周五 12:00-13:30",
       "心理辅导室在行政楼二层"},
  };
  int pos = 0;
  int64_t prev_unit = 0;
  for (const auto& l : lines) {
    if (l.unit != prev_unit) pos = 0;
    prev_unit = l.unit;
    long long id = next_id(gen), unit = l.unit, school = l.school, at = u.at;
    std::string name = l.name, number = l.number, hours = l.hours, note = l.note;
    s << "INSERT INTO hotlines (id, org_unit_id, name, number, hours, note, school_id, position, created_at) "
         "VALUES (:i, :u, :n, :m, :h, :o, :s, :p, :t)",
        soci::use(id), soci::use(unit), soci::use(name), soci::use(number), soci::use(hours), soci::use(note),
        soci::use(school), soci::use(pos), soci::use(at);
    ++pos;
  }
  for (int64_t unit : {u.city_id, u.district_id, u.school_id}) {
    long long un = unit, school = unit == u.school_id ? u.school_id : 0, at = u.at, by = 0;
    s << "INSERT INTO hotline_changes (org_unit_id, school_id, changed_at, changed_by) VALUES (:u, :s, :t, :b)",
        soci::use(un), soci::use(school), soci::use(at), soci::use(by);
  }
  // Most of one class confirmed in a class meeting, a few of another.
  auto confirm = [&](int64_t class_id, int every) {
    long long c = class_id;
    std::vector<long long> ids;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT id FROM students WHERE class_id = :c AND status = 'active' ORDER BY id", soci::use(c));
    for (const auto& r : rows) ids.push_back(db::GetInt(r, 0));
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == u.skip_student_id || static_cast<int>(i % 10) >= every) continue;
      long long pid = ids[i], school = u.school_id, at = u.at + 86'400'000'000LL + static_cast<long long>(i);
      std::string type = "student", via = "class_meeting";
      long long acc = 0;
      s << "INSERT INTO hotline_awareness (person_type, person_id, school_id, class_id, account_id, via, confirmed_at) "
           "VALUES (:t, :i, :s, :c, :a, :v, :at)",
          soci::use(type), soci::use(pid), soci::use(school), soci::use(c), soci::use(acc), soci::use(via),
          soci::use(at);
    }
  };
  if (u.class_id) {
    confirm(u.class_id, 5);
    long long id = next_id(gen), school = u.school_id, c = u.class_id, at = u.at + 86'400'000'000LL, by = 0;
    s << "INSERT INTO hotline_class_meetings (id, school_id, class_id, held_at, marked_by) VALUES (:i, :s, :c, :t, :b)",
        soci::use(id), soci::use(school), soci::use(c), soci::use(at), soci::use(by);
  }
  if (u.other_class_id) confirm(u.other_class_id, 1);
  return absl::OkStatus();
}

}  // namespace xq::counselling
