#include "records/demo_data.h"

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "core/ids.h"
#include "core/status.h"
#include "db/row.h"
#include "fmt/format.h"
#include "records/events.h"
#include "records/records_store.h"

namespace xq::records {
namespace {

struct UnitRow {
  int64_t id = 0;
  std::string kind;
  std::string path;
  std::string school_kind;
  int64_t district_id = 0;
  int64_t students = 0;
  int64_t classes = 0;
};

constexpr std::array<std::string_view, 20> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                                        "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"};
constexpr std::array<std::string_view, 16> kGiven = {"静", "敏", "丽", "强", "磊", "洋", "艳",   "勇",
                                                     "军", "杰", "娟", "涛", "明", "超", "秀英", "晓燕"};

int CurrentSchoolYear(const Clock& clock) {
  // Asia/Shanghai; a school year starts in September.
  const auto t = std::chrono::sys_seconds(std::chrono::seconds(clock.NowMicros() / 1'000'000 + 8 * 3600));
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  const int y = static_cast<int>(ymd.year());
  return static_cast<unsigned>(ymd.month()) >= 9 ? y : y - 1;
}

class Builder {
 public:
  Builder(uint64_t seed, int year, int64_t now) : rng_(seed * 7919 + 21), year_(year), now_(now) {}

  double U() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int I(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string Name() {
    return std::string(kSurnames[I(0, kSurnames.size() - 1)]) + std::string(kGiven[I(0, kGiven.size() - 1)]);
  }
  std::string Date(int month_from, int month_to) {
    const int m = I(month_from, month_to);
    const int y = m >= 9 ? year_ : year_ + 1;
    return fmt::format("{:04}-{:02}-{:02}", y, m, I(1, 28));
  }

  Record& Add(const UnitRow& u, std::string_view kind) {
    Record r;
    r.id = NewId();
    r.kind = std::string(kind);
    r.unit_id = u.id;
    r.unit_path = u.path;
    r.school_id = u.kind == "school" ? u.id : 0;
    r.school_year = year_;
    r.created_at = r.updated_at = now_;
    records.push_back(std::move(r));
    changed.insert({u.id, std::string(kind)});
    return records.back();
  }
  static void Num(Record& r, const char* f, double v) { r.values[f] = Value{v, ""}; }
  static void Text(Record& r, const char* f, std::string v) { r.values[f] = Value{std::nullopt, std::move(v)}; }

  void School(const UnitRow& s, double lag) {
    const bool univ = s.school_kind == "university" || s.school_kind == "college";
    const bool kinder = s.school_kind == "kindergarten";
    // Staff: universities about one per 4,000 students; most K-12 schools
    // one or two; a few schools (more in lagging districts) none.
    int fulltime = univ ? std::max<int>(1, static_cast<int>(s.students / 4000) + (U() < 0.7 ? 1 : 0))
                        : (s.students > 1200 ? 2 : 1);
    if (kinder) fulltime = U() < 0.5 ? 1 : 0;
    if (U() < 0.03 + 0.05 * lag) fulltime = 0;
    for (int i = 0; i < fulltime; ++i) {
      Record& r = Add(s, "staff");
      Text(r, "name", Name());
      Text(r, "employment", "full_time");
      const bool certified = U() > 0.12;
      Num(r, "certified", certified ? 1 : 0);
      Text(r, "qualification", certified ? "心理学专业，心理健康教育教师资格" : "其他专业，在职培训中");
      Text(r, "since", fmt::format("{:04}-09-01", year_ - I(0, 12)));
    }
    if (fulltime == 0 || U() < 0.4) {
      Record& r = Add(s, "staff");
      Text(r, "name", Name());
      Text(r, "employment", "part_time");
      Num(r, "certified", U() < 0.4 ? 1 : 0);
    }
    // A room, mostly to the standard.
    if (U() > 0.04 + 0.06 * lag) {
      Record& r = Add(s, "rooms");
      Text(r, "name", univ ? "大学生心理健康教育中心" : "心理辅导室");
      const bool good = U() > 0.15 + 0.25 * lag;
      Num(r, "area_m2", good ? I(60, univ ? 400 : 160) : I(20, 59));
      for (const char* f : {"individual_room", "group_room", "relaxation", "reception", "privacy"})
        Num(r, f, good || U() < 0.7 ? 1 : 0);
      Num(r, "sand_tray", good || U() < 0.5 ? 1 : 0);
    }
    // Courses.
    if (univ) {
      Record& r = Add(s, "courses");
      Text(r, "course_type", "university_compulsory");
      Text(r, "name", "大学生心理健康教育");
      const int hours = U() < 0.85 ? I(32, 36) : I(16, 30);
      Num(r, "hours", hours);
      Num(r, "credits", hours >= 32 ? 2 : 1);
      Num(r, "hours_resilience", std::round(hours * (0.3 + 0.1 * U())));
      Num(r, "hours_life", std::round(hours * (0.3 + 0.1 * U())));
      Num(r, "hours_other", hours - r.values["hours_resilience"].num.value() - r.values["hours_life"].num.value());
    } else if (!kinder) {
      const double mean = U() < 0.2 + 0.3 * lag ? 0.25 : 0.5 + 0.5 * U();
      for (int c = 0; c < s.classes; ++c) {
        Record& r = Add(s, "courses");
        Text(r, "course_type", "timetable");
        Text(r, "name", fmt::format("第{}班", c + 1));
        const double periods = U() < 0.1 ? 0 : std::round(mean * 2 * (0.5 + U())) / 2;
        Num(r, "periods_per_week", periods);
        const double hours = periods * 36;
        Num(r, "hours", hours);
        Num(r, "hours_resilience", std::round(hours * (0.2 + 0.2 * U())));
        Num(r, "hours_life", std::round(hours * (0.2 + 0.2 * U())));
      }
      const int school_based = U() < 0.15 + 0.2 * lag ? 0 : I(1, 3);
      for (int i = 0; i < school_based; ++i) {
        Record& r = Add(s, "courses");
        Text(r, "course_type", "school_based");
        Text(r, "name", std::array<const char*, 4>{"阳光心理", "情绪小管家", "生命教育", "成长心语"}[I(0, 3)]);
        Num(r, "hours", I(8, 18));
      }
    }
    // Activities.
    {
      Record& r = Add(s, "activities");
      Text(r, "activity", "mh_month");
      Text(r, "name", "5·25心理健康月");
      const bool held = U() > 0.05 + 0.1 * lag;
      Num(r, "held", held ? 1 : 0);
      if (held) {
        Text(r, "date", fmt::format("{:04}-05-{:02}", year_ + 1, I(6, 25)));
        Num(r, "participants", std::max<int64_t>(1, static_cast<int64_t>(s.students * (0.6 + 0.4 * U()))));
      }
    }
    if (!kinder && U() > 0.2 + 0.3 * lag) {
      Record& r = Add(s, "activities");
      Text(r, "activity", "resilience");
      Text(r, "name", "阳光成长计划");
      Num(r, "held", 1);
      Text(r, "date", Date(10, 12));
      Num(r, "participants", std::max<int64_t>(1, static_cast<int64_t>(s.students * (0.2 + 0.3 * U()))));
    }
    // Head teachers' training (each class has one head teacher).
    if (!univ || U() < 0.9) {
      Record& r = Add(s, "training");
      Text(r, "title", univ ? "辅导员心理健康教育能力培训" : "班主任心理健康教育专题培训");
      Text(r, "trainee_role", univ ? "counsellor" : "head_teacher");
      const int64_t heads = std::max<int64_t>(1, univ ? s.students / 200 : s.classes);
      Num(r, "trainees", std::round(heads * std::min(1.0, 0.6 + 0.5 * U() - 0.2 * lag)));
      Text(r, "certificate", std::array<const char*, 3>{"A", "B", "C"}[I(0, 2)]);
      Num(r, "hours", I(8, 24));
      Num(r, "mental_health", 1);
      Text(r, "date", Date(9, 12));
    }
    // Family education (K-12 guidance station).
    if (!univ && U() > 0.1 + 0.2 * lag) {
      Record& r = Add(s, "family");
      Text(r, "site_type", "school_station");
      Text(r, "name", "家庭教育指导站");
      Num(r, "public_service", U() < 0.6 ? 1 : 0);
      Num(r, "sessions", I(2, 12));
      Num(r, "participants", I(50, 800));
    }
    // Funding: about 20–40 yuan per student, less where the district lags.
    {
      Record& r = Add(s, "funding");
      const double per_student = U() < 0.1 + 0.4 * lag ? 8 + 11 * U() : 20 + 20 * U();
      Num(r, "amount_yuan", std::round(std::max<int64_t>(s.students, 100) * per_student));
      Text(r, "source", "生均公用经费");
    }
  }

  void District(const UnitRow& d, double lag, int schools) {
    const int research = U() < 0.2 + 0.4 * lag ? 1 : I(2, 3);
    for (int i = 0; i < research; ++i) {
      Record& r = Add(d, "research");
      Text(r, "name", Name());
      Num(r, "full_time", i == 0 || U() < 0.5 ? 1 : 0);
      Text(r, "title", "中小学高级教师");
    }
    const int courses = I(6, 14);
    for (int i = 0; i < courses; ++i) {
      Record& r = Add(d, "training");
      const bool mh = U() < (lag > 0.5 ? 0.05 : 0.18);
      Text(r, "title", mh ? "国培计划·心理健康教育专题" : "国培计划·学科教学能力提升");
      Text(r, "trainee_role", "other");
      Num(r, "trainees", I(40, 200));
      Num(r, "hours", I(16, 72));
      Num(r, "mental_health", mh ? 1 : 0);
      Text(r, "date", Date(9, 12));
    }
    if (d.kind == "district") {
      if (U() > 0.1 * lag) {
        Record& r = Add(d, "family");
        Text(r, "site_type", "district_centre");
        Text(r, "name", "区家庭教育指导中心");
        Num(r, "public_service", 1);
        Num(r, "sessions", I(12, 40));
      }
      const int stations = std::max(2, schools / 8);
      for (int i = 0; i < stations; ++i) {
        Record& r = Add(d, "family");
        Text(r, "site_type", "community_station");
        Text(r, "name", fmt::format("社区家庭教育指导站{}", i + 1));
        Num(r, "public_service", U() < 0.65 - 0.3 * lag ? 1 : 0);
        Num(r, "sessions", I(1, 10));
      }
    }
  }

  std::vector<Record> records;
  std::set<std::pair<int64_t, std::string>> changed;

 private:
  std::mt19937_64 rng_;
  int year_;
  int64_t now_;
};

}  // namespace

absl::StatusOr<DemoRecordsSummary> SeedDemoRecords(db::Database& db, const Clock& clock,
                                                   const DemoRecordsOptions& options) {
  DemoRecordsSummary sum;
  sum.school_year = options.school_year ? options.school_year : CurrentSchoolYear(clock);
  const int64_t now = clock.NowMicros();
  XQ_RETURN_IF_ERROR(db.InTransaction([&](soci::session& s) -> absl::Status {
    std::vector<UnitRow> units;
    std::map<int64_t, size_t> at;
    soci::rowset<soci::row> rows =
        (s.prepare << "SELECT id, kind, path, school_kind, district_id FROM org_units WHERE kind IN ('city', "
                      "'district', 'school') ORDER BY id");
    for (const auto& r : rows) {
      at[db::GetInt(r, 0)] = units.size();
      units.push_back({db::GetInt(r, 0), db::GetStr(r, 1), db::GetStr(r, 2), db::GetStr(r, 3), db::GetInt(r, 4)});
    }
    soci::rowset<soci::row> counts = (s.prepare << "SELECT school_id, COUNT(*) FROM students GROUP BY school_id");
    for (const auto& r : counts)
      if (auto it = at.find(db::GetInt(r, 0)); it != at.end()) units[it->second].students = db::GetInt(r, 1);
    soci::rowset<soci::row> classes =
        (s.prepare << "SELECT school_id, COUNT(*) FROM org_units WHERE kind = 'class' GROUP BY school_id");
    for (const auto& r : classes)
      if (auto it = at.find(db::GetInt(r, 0)); it != at.end()) units[it->second].classes = db::GetInt(r, 1);
    long long existing = 0;
    s << "SELECT COUNT(*) FROM work_records WHERE school_year = :y", soci::use(sum.school_year), soci::into(existing);
    if (existing > 0)
      return absl::FailedPreconditionError(fmt::format("the database already has work records of {}", sum.school_year));

    Builder b(options.seed, sum.school_year, now);
    // Every third district lags (more so the later ones), so that the
    // dashboards have a story to tell.
    std::map<int64_t, double> lag;
    std::map<int64_t, int> schools_in;
    int nth = 0;
    for (const UnitRow& u : units) {
      if (u.kind == "district") lag[u.id] = (nth++ % 3 == 2) ? 0.5 + 0.5 * b.U() : 0.1 * b.U();
      if (u.kind == "school") ++schools_in[u.district_id];
    }
    for (const UnitRow& u : units) {
      if (u.kind == "school") {
        b.School(u, lag.count(u.district_id) ? lag[u.district_id] : 0);
        ++sum.schools;
      } else {
        b.District(u, lag.count(u.id) ? lag[u.id] : 0, schools_in[u.id]);
        ++sum.units;
      }
    }
    XQ_RETURN_IF_ERROR(InsertRecordsIn(s, b.records));
    sum.records = static_cast<int64_t>(b.records.size());
    for (const Record& r : b.records) sum.values += static_cast<int64_t>(r.values.size());
    for (const auto& [unit_id, kind] : b.changed) {
      const UnitRow& u = units[at[unit_id]];
      XQ_RETURN_IF_ERROR(PublishChanged(s, {u.kind == "school" ? u.id : 0, u.id, kind, sum.school_year}, now));
    }
    return absl::OkStatus();
  }));
  return sum;
}

}  // namespace xq::records
