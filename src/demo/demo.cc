#include "demo/demo.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <optional>

#include "auth/password.h"
#include "core/status.h"
#include "db/row.h"
#include "demo/accounts.h"
#include "demo/names.h"
#include "counselling/hotline_demo.h"
#include "fmt/format.h"
#include "policy/model.h"

namespace xq::demo {
namespace {

// All demo rows are stamped with the start of the 2025–26 school year so
// that a seed always yields identical rows.
constexpr int kYear = 2025;
constexpr long long kDemoTime = 1'756'656'000'000'000LL;  // 2025-09-01T00:00:00+08:00

constexpr std::array<std::string_view, 16> kTianjinDistricts = {
    "和平区", "河东区", "河西区", "南开区", "河北区",   "红桥区", "东丽区", "西青区",
    "津南区", "北辰区", "武清区", "宝坻区", "滨海新区", "宁河区", "静海区", "蓟州区"};
// Relative number of K-12 schools per district (roughly by population).
constexpr std::array<int, 16> kDistrictWeights = {5, 6, 7, 8, 6, 4, 6, 7, 6, 6, 10, 8, 14, 4, 7, 8};

constexpr std::array<std::string_view, 16> kDepartments = {
    "计算机学院", "数学科学学院", "物理学院", "化学学院", "外国语学院",   "文学院",       "经济学院",     "管理学院",
    "法学院",     "医学院",       "教育学院", "艺术学院", "机械工程学院", "电气工程学院", "土木工程学院", "心理学院"};
constexpr std::array<std::string_view, 16> kMajors = {"计算机", "数学",     "物理", "化学",     "英语",   "汉语言",
                                                      "经济",   "工商管理", "法学", "临床医学", "教育学", "美术",
                                                      "机械",   "电气",     "土木", "心理学"};
constexpr std::array<std::string_view, 20> kUniversityWords = {
    "理工", "师范", "医科", "财经", "外国语", "科技",   "工业", "商业", "农业", "城建",
    "海洋", "交通", "传媒", "体育", "艺术",   "中医药", "电子", "航运", "建筑", "信息"};
constexpr std::array<std::string_view, 20> kCollegeWords = {"机电", "电子信息", "交通", "轻工", "现代", "渤海", "城市",
                                                            "石油", "铁道",     "医学", "艺术", "工程", "滨海", "国土",
                                                            "生物", "商务",     "公安", "旅游", "化工", "海运"};

struct UnitRef {
  long long id = 0;
  std::string path;
  long long school_id = 0;
  long long district_id = 0;
  std::string name;
};

struct GradeSpec {
  std::string name;
  int grade_year;  // stored; 0 → NULL (kindergarten)
  int age;         // typical age in September
  int entry_year;  // year the cohort entered this school stage
};

// K-12 grades of a school kind.
std::vector<GradeSpec> GradesOf(std::string_view kind) {
  static constexpr std::array<std::string_view, 9> kNums = {"一", "二", "三", "四", "五", "六", "七", "八", "九"};
  std::vector<GradeSpec> g;
  auto add = [&](std::string name, int year, int age, int stage_start) {
    g.push_back({std::move(name), year, age, kYear - (year - stage_start)});
  };
  if (kind == "kindergarten") {
    g.push_back({"小班", 0, 3, kYear});
    g.push_back({"中班", 0, 4, kYear - 1});
    g.push_back({"大班", 0, 5, kYear - 2});
  } else if (kind == "primary") {
    for (int y = 1; y <= 6; ++y) add(fmt::format("{}年级", kNums[y - 1]), y, y + 5, 1);
  } else if (kind == "junior") {
    for (int y = 7; y <= 9; ++y) add(fmt::format("{}年级", kNums[y - 1]), y, y + 5, 7);
  } else if (kind == "senior" || kind == "vocational") {
    for (int y = 10; y <= 12; ++y)
      add(kind == "senior" ? fmt::format("高{}", kNums[y - 10]) : fmt::format("{}年级", kNums[y - 10]), y, y + 5, 10);
  } else if (kind == "nine_year") {
    for (int y = 1; y <= 9; ++y) add(fmt::format("{}年级", kNums[y - 1]), y, y + 5, 1);
  } else if (kind == "complete_secondary") {
    for (int y = 7; y <= 9; ++y) add(fmt::format("{}年级", kNums[y - 1]), y, y + 5, 7);
    for (int y = 10; y <= 12; ++y) add(fmt::format("高{}", kNums[y - 10]), y, y + 5, 10);
  }
  return g;
}

// One school to generate.
struct SchoolPlan {
  std::string name;
  std::string kind;
  int district = -1;  // index into districts, -1: under the city
  int classes_per_grade = 2;
  int class_min = 20, class_max = 28;
  int departments = 4;  // higher ed
  bool demo = false;    // the K-12 school of the demo accounts
};

// What the demo accounts need to know about generated people.
struct Anchors {
  UnitRef city, district;
  UnitRef school, grade, class1, class2;
  long long leader = 0, psych = 0, data_admin = 0, grade_head = 0, head1 = 0, head2 = 0, subject = 0;
  long long student = 0, peer = 0, guardian = 0;
  std::string student_name, peer_name, guardian_name;
  UnitRef univ, univ_class, univ_dorm;
  long long univ_psych = 0, counsellor = 0, dorm_leader = 0;
  std::string dorm_leader_name;
};

// Column buffers and bulk-bound INSERTs, flushed in one transaction per
// batch, parents before children.
class Writer {
 public:
  explicit Writer(soci::session& s) : s_(s) {}

  size_t Pending() const {
    return u_id.size() + t_id.size() + s_id.size() + m_id.size() + g_id.size() + l_student.size() + p_id.size();
  }

  void Flush() {
    if (Pending() == 0) return;
    // Statements are prepared per batch: SOCI's PostgreSQL backend sizes its
    // bulk buffers when a statement is prepared.
    s_.begin();
    if (!u_id.empty()) {
      soci::statement st =
          (s_.prepare << "INSERT INTO org_units (id, parent_id, kind, name, code, school_kind, school_id, "
                         "district_id, path, grade_year, created_at) VALUES (:a, :b, :c, :d, :e, :f, :g, "
                         ":h, :i, :j, :k)",
           soci::use(u_id), soci::use(u_parent, u_parent_i), soci::use(u_kind), soci::use(u_name),
           soci::use(u_code, u_code_i), soci::use(u_sk, u_sk_i), soci::use(u_school, u_school_i),
           soci::use(u_district, u_district_i), soci::use(u_path), soci::use(u_gy, u_gy_i), soci::use(u_created));
      st.execute(true);
    }
    if (!t_id.empty()) {
      soci::statement st =
          (s_.prepare << "INSERT INTO staff (id, school_id, org_unit_id, name, phone, title, created_at) "
                         "VALUES (:a, :b, :c, :d, :e, :f, :g)",
           soci::use(t_id), soci::use(t_school, t_school_i), soci::use(t_unit), soci::use(t_name), soci::use(t_phone),
           soci::use(t_title), soci::use(t_created));
      st.execute(true);
    }
    if (!s_id.empty()) {
      soci::statement st =
          (s_.prepare << "INSERT INTO students (id, school_id, student_no, name, sex, birth_date, "
                         "enrolment_date, grade_id, class_id, dorm_id, unit_path, status, created_at, "
                         "updated_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i, :j, :k, 'active', :l, :m)",
           soci::use(s_id), soci::use(s_school), soci::use(s_no), soci::use(s_name), soci::use(s_sex),
           soci::use(s_birth), soci::use(s_enrol), soci::use(s_grade), soci::use(s_class), soci::use(s_dorm, s_dorm_i),
           soci::use(s_path), soci::use(s_created), soci::use(s_updated));
      st.execute(true);
    }
    if (!m_id.empty()) {
      soci::statement st =
          (s_.prepare << "INSERT INTO class_memberships (id, school_id, student_id, class_id, start_date) "
                         "VALUES (:a, :b, :c, :d, :e)",
           soci::use(m_id), soci::use(m_school), soci::use(m_student), soci::use(m_class), soci::use(m_start));
      st.execute(true);
    }
    if (!g_id.empty()) {
      soci::statement st =
          (s_.prepare << "INSERT INTO guardians (id, school_id, name, phone, created_at) "
                         "VALUES (:a, :b, :c, :d, :e)",
           soci::use(g_id), soci::use(g_school), soci::use(g_name), soci::use(g_phone), soci::use(g_created));
      st.execute(true);
    }
    if (!l_student.empty()) {
      soci::statement st =
          (s_.prepare << "INSERT INTO student_guardians (student_id, guardian_id, school_id, relation) "
                         "VALUES (:a, :b, :c, :d)",
           soci::use(l_student), soci::use(l_guardian), soci::use(l_school), soci::use(l_relation));
      st.execute(true);
    }
    if (!p_id.empty()) {
      soci::statement st =
          (s_.prepare << "INSERT INTO pairings (id, school_id, staff_id, student_id, created_at) "
                         "VALUES (:a, :b, :c, :d, :e)",
           soci::use(p_id), soci::use(p_school), soci::use(p_staff), soci::use(p_student), soci::use(p_created));
      st.execute(true);
    }
    s_.commit();
    Clear();
  }

  void AddUnit(long long id, long long parent, std::string_view kind, std::string name, std::string code,
               std::string_view school_kind, long long school, long long district, std::string path, int grade_year) {
    u_id.push_back(id);
    u_parent.push_back(parent);
    u_parent_i.push_back(parent ? soci::i_ok : soci::i_null);
    u_kind.emplace_back(kind);
    u_name.push_back(std::move(name));
    u_code_i.push_back(code.empty() ? soci::i_null : soci::i_ok);
    u_code.push_back(std::move(code));
    u_sk.emplace_back(school_kind);
    u_sk_i.push_back(school_kind.empty() ? soci::i_null : soci::i_ok);
    u_school.push_back(school);
    u_school_i.push_back(school ? soci::i_ok : soci::i_null);
    u_district.push_back(district);
    u_district_i.push_back(district ? soci::i_ok : soci::i_null);
    u_path.push_back(std::move(path));
    u_gy.push_back(grade_year);
    u_gy_i.push_back(grade_year ? soci::i_ok : soci::i_null);
    u_created.push_back(kDemoTime);
  }

  void AddStaff(long long id, long long school, long long unit, std::string name, std::string phone,
                std::string title) {
    t_id.push_back(id);
    t_school.push_back(school);
    t_school_i.push_back(school ? soci::i_ok : soci::i_null);
    t_unit.push_back(unit);
    t_name.push_back(std::move(name));
    t_phone.push_back(std::move(phone));
    t_title.push_back(std::move(title));
    t_created.push_back(kDemoTime);
  }

  void AddStudent(long long id, long long school, std::string no, std::string name, bool male, std::string birth,
                  const std::string& enrol, long long grade, long long cls, long long dorm, const std::string& path) {
    s_id.push_back(id);
    s_school.push_back(school);
    s_no.push_back(std::move(no));
    s_name.push_back(std::move(name));
    s_sex.emplace_back(male ? "M" : "F");
    s_birth.push_back(std::move(birth));
    s_enrol.push_back(enrol);
    s_grade.push_back(grade);
    s_class.push_back(cls);
    s_dorm.push_back(dorm);
    s_dorm_i.push_back(dorm ? soci::i_ok : soci::i_null);
    s_path.push_back(path);
    s_created.push_back(kDemoTime);
    s_updated.push_back(kDemoTime);
  }

  void AddMembership(long long id, long long school, long long student, long long cls, const std::string& start) {
    m_id.push_back(id);
    m_school.push_back(school);
    m_student.push_back(student);
    m_class.push_back(cls);
    m_start.push_back(start);
  }

  void AddGuardian(long long id, long long school, long long student, std::string name, std::string phone,
                   std::string_view relation) {
    g_id.push_back(id);
    g_school.push_back(school);
    g_name.push_back(std::move(name));
    g_phone.push_back(std::move(phone));
    g_created.push_back(kDemoTime);
    l_student.push_back(student);
    l_guardian.push_back(id);
    l_school.push_back(school);
    l_relation.emplace_back(relation);
  }

  void AddPairing(long long id, long long school, long long staff, long long student) {
    p_id.push_back(id);
    p_school.push_back(school);
    p_staff.push_back(staff);
    p_student.push_back(student);
    p_created.push_back(kDemoTime);
  }

 private:
  void Clear() {
    for (auto* v : {&u_id,       &u_parent, &u_school,  &u_district, &u_created, &t_id,      &t_school,  &t_unit,
                    &t_created,  &s_id,     &s_school,  &s_grade,    &s_class,   &s_dorm,    &s_created, &s_updated,
                    &m_id,       &m_school, &m_student, &m_class,    &g_id,      &g_school,  &g_created, &l_student,
                    &l_guardian, &l_school, &p_id,      &p_school,   &p_staff,   &p_student, &p_created})
      v->clear();
    for (auto* v : {&u_kind, &u_name, &u_code, &u_sk, &u_path, &t_name, &t_phone, &t_title, &s_no, &s_name, &s_sex,
                    &s_birth, &s_enrol, &s_path, &m_start, &g_name, &g_phone, &l_relation})
      v->clear();
    for (auto* v : {&u_parent_i, &u_code_i, &u_sk_i, &u_school_i, &u_district_i, &u_gy_i, &t_school_i, &s_dorm_i})
      v->clear();
    u_gy.clear();
  }

  soci::session& s_;
  // org_units
  std::vector<long long> u_id, u_parent, u_school, u_district, u_created;
  std::vector<std::string> u_kind, u_name, u_code, u_sk, u_path;
  std::vector<int> u_gy;
  std::vector<soci::indicator> u_parent_i, u_code_i, u_sk_i, u_school_i, u_district_i, u_gy_i;
  // staff
  std::vector<long long> t_id, t_school, t_unit, t_created;
  std::vector<std::string> t_name, t_phone, t_title;
  std::vector<soci::indicator> t_school_i;
  // students
  std::vector<long long> s_id, s_school, s_grade, s_class, s_dorm, s_created, s_updated;
  std::vector<std::string> s_no, s_name, s_sex, s_birth, s_enrol, s_path;
  std::vector<soci::indicator> s_dorm_i;
  // class_memberships
  std::vector<long long> m_id, m_school, m_student, m_class;
  std::vector<std::string> m_start;
  // guardians + student_guardians
  std::vector<long long> g_id, g_school, g_created, l_student, l_guardian, l_school;
  std::vector<std::string> g_name, g_phone, l_relation;
  // pairings
  std::vector<long long> p_id, p_school, p_staff, p_student, p_created;
};

class Generator {
 public:
  Generator(soci::session& s, const Options& o) : w_(s), opt_(o), rng_(o.seed) {}

  absl::Status Run(Summary& sum) {
    started_ = std::chrono::steady_clock::now();
    UnitRef city = AddUnit(nullptr, "city", "天津市", "", 0);
    anchors_.city = city;
    std::vector<std::string_view> district_names;
    if (opt_.scale == Scale::kSmall)
      district_names = {"和平区", "河西区"};
    else if (opt_.scale == Scale::kDistrict)
      district_names = {"和平区"};
    else
      district_names.assign(kTianjinDistricts.begin(), kTianjinDistricts.end());
    std::vector<UnitRef> districts;
    for (std::string_view d : district_names) districts.push_back(AddUnit(&city, "district", std::string(d), "", 0));
    anchors_.district = districts.front();
    sum_.districts = static_cast<int64_t>(districts.size());

    std::vector<SchoolPlan> plans = Plan(district_names);
    for (const SchoolPlan& p : plans) {
      UnitRef* parent = p.district >= 0 ? &districts[p.district] : &city;
      if (p.kind == "university" || p.kind == "college")
        HigherEdSchool(*parent, p);
      else
        K12School(*parent, p);
      if (w_.Pending() >= opt_.batch_rows) Flush();
    }
    Flush();
    sum = sum_;
    return absl::OkStatus();
  }

  const Anchors& anchors() const { return anchors_; }
  long long NextId() { return ++next_id_; }

 private:
  void Flush() {
    w_.Flush();
    if (opt_.progress) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      opt_.progress(fmt::format("demo: {} schools, {} students, {} staff ({:.1f} s)", sum_.schools, sum_.students,
                                sum_.staff, secs));
    }
  }

  std::vector<SchoolPlan> Plan(const std::vector<std::string_view>& districts) {
    std::vector<SchoolPlan> plans;
    auto k12 = [&](int district, std::string kind, int n_in_district) {
      SchoolPlan p;
      p.district = district;
      p.kind = kind;
      std::string d(districts[district]);
      std::string num = ChineseNumber(n_in_district);
      if (kind == "kindergarten")
        p.name = fmt::format("{}第{}幼儿园", d, num);
      else if (kind == "primary")
        p.name = fmt::format("{}第{}小学", d, num);
      else if (kind == "junior")
        p.name = fmt::format("{}第{}中学", d, num);
      else if (kind == "senior")
        p.name = fmt::format("{}第{}高级中学", d, num);
      else if (kind == "nine_year")
        p.name = fmt::format("{}第{}九年制学校", d, num);
      else if (kind == "complete_secondary")
        p.name = fmt::format("{}第{}完全中学", d, num);
      else
        p.name = fmt::format("{}第{}职业中专", d, num);
      return p;
    };
    auto higher = [&](std::string kind, int n) {
      SchoolPlan p;
      p.kind = kind;
      if (kind == "university") {
        p.name = fmt::format("天津{}大学", kUniversityWords[n % kUniversityWords.size()]);
        if (n >= static_cast<int>(kUniversityWords.size()))
          p.name += fmt::format("第{}分校", ChineseNumber(n / 20 + 1));
      } else {
        p.name = fmt::format("天津{}职业技术学院", kCollegeWords[n % kCollegeWords.size()]);
        if (n >= static_cast<int>(kCollegeWords.size())) p.name += fmt::format("第{}分院", ChineseNumber(n / 20 + 1));
      }
      return p;
    };
    if (opt_.scale == Scale::kSmall) {
      std::vector<std::pair<int, std::string>> kinds = {
          {0, "junior"}, {0, "primary"},   {0, "kindergarten"}, {0, "complete_secondary"},
          {1, "senior"}, {1, "nine_year"}, {1, "vocational"}};
      std::map<std::pair<int, std::string>, int> count;
      for (auto& [d, kind] : kinds) {
        SchoolPlan p = k12(d, kind, ++count[{d, kind}]);
        p.classes_per_grade = 2;
        p.class_min = 18;
        p.class_max = 26;
        plans.push_back(std::move(p));
      }
      SchoolPlan u = higher("university", 0);
      u.departments = 4;
      u.classes_per_grade = 2;
      u.class_min = 20;
      u.class_max = 28;
      plans.push_back(u);
      SchoolPlan c = higher("college", 0);
      c.departments = 3;
      c.classes_per_grade = 2;
      c.class_min = 20;
      c.class_max = 28;
      plans.push_back(c);
    } else {
      // K-12 kinds by share of schools (percent).
      static constexpr std::array<std::pair<std::string_view, int>, 7> kMix = {{{"primary", 52},
                                                                                {"junior", 14},
                                                                                {"senior", 8},
                                                                                {"nine_year", 8},
                                                                                {"complete_secondary", 9},
                                                                                {"vocational", 5},
                                                                                {"kindergarten", 4}}};
      const bool city = opt_.scale == Scale::kCity;
      const int total_k12 = city ? 1400 : 100;
      int weight_sum = 0;
      for (size_t d = 0; d < districts.size(); ++d) weight_sum += city ? kDistrictWeights[d] : 1;
      int made = 0;
      for (size_t d = 0; d < districts.size(); ++d) {
        int n =
            d + 1 == districts.size() ? total_k12 - made : total_k12 * (city ? kDistrictWeights[d] : 1) / weight_sum;
        made += n;
        std::map<std::string, int> count;
        for (int i = 0; i < n; ++i) {
          std::string kind;
          if (d == 0 && i == 0) {
            kind = "junior";  // the demo accounts' school
          } else {
            int r = static_cast<int>(rng_.Next() % 100), acc = 0;
            for (const auto& [k, share] : kMix) {
              acc += share;
              if (r < acc) {
                kind = std::string(k);
                break;
              }
            }
          }
          SchoolPlan p = k12(static_cast<int>(d), kind, ++count[kind]);
          int base = kind == "primary"              ? 4
                     : kind == "junior"             ? 8
                     : kind == "senior"             ? 10
                     : kind == "nine_year"          ? 3
                     : kind == "complete_secondary" ? 6
                     : kind == "vocational"         ? 8
                                                    : 4;
          if (!city) base = base * 3 / 2;  // district scale: a dense central district
          p.classes_per_grade = std::max(2, static_cast<int>(rng_.Between(base * 3 / 4, base * 5 / 4)));
          p.class_min = kind == "kindergarten" ? 25 : 38;
          p.class_max = kind == "kindergarten" ? 32 : 45;
          plans.push_back(std::move(p));
        }
      }
      const int n_univ = city ? 28 : 1, n_college = city ? 28 : 0;
      for (int i = 0; i < n_univ; ++i) {
        SchoolPlan u = higher("university", i);
        u.departments = city ? 16 : 6;
        u.classes_per_grade = city ? 6 : 3;
        u.class_min = 30;
        u.class_max = 36;
        plans.push_back(u);
      }
      for (int i = 0; i < n_college; ++i) {
        SchoolPlan c = higher("college", i);
        c.departments = 12;
        c.classes_per_grade = 5;
        c.class_min = 30;
        c.class_max = 36;
        plans.push_back(c);
      }
    }
    plans.front().demo = true;
    return plans;
  }

  UnitRef AddUnit(const UnitRef* parent, std::string_view kind, std::string name, std::string_view school_kind,
                  int grade_year, std::string code = "") {
    UnitRef u;
    u.id = NextId();
    u.path = (parent ? parent->path : std::string("/")) + std::to_string(u.id) + "/";
    u.school_id = kind == "school" ? u.id : parent ? parent->school_id : 0;
    u.district_id = kind == "district" ? u.id : parent ? parent->district_id : 0;
    u.name = name;
    w_.AddUnit(u.id, parent ? parent->id : 0, kind, std::move(name), std::move(code), school_kind, u.school_id,
               u.district_id, u.path, grade_year);
    ++sum_.org_units;
    return u;
  }

  long long AddStaff(const UnitRef& unit, std::string title, std::string name = "") {
    long long id = NextId();
    if (name.empty()) name = PersonName(rng_, rng_.Chance(35));
    w_.AddStaff(id, unit.school_id, unit.id, std::move(name), MobilePhone(rng_), std::move(title));
    ++sum_.staff;
    return id;
  }

  std::string BirthDate(int age) {
    int month = static_cast<int>(rng_.Between(1, 12));
    int year = kYear - age - (month >= 9 ? 1 : 0);
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int day = static_cast<int>(rng_.Between(1, kDays[month - 1]));
    return fmt::format("{:04d}-{:02d}-{:02d}", year, month, day);
  }

  // Adds a student with membership and a guardian; returns its id.
  long long AddStudent(const UnitRef& school, long long grade_id, const UnitRef& cls, long long dorm, std::string no,
                       bool male, int age, const std::string& enrol, std::string* name_out = nullptr,
                       long long* guardian_out = nullptr, std::string* guardian_name_out = nullptr) {
    long long id = NextId();
    std::string name = PersonName(rng_, male);
    bool father = rng_.Chance(50);
    std::string gname = father ? NameWithSurname(rng_, SurnameOf(name), true) : PersonName(rng_, false);
    if (name_out) *name_out = name;
    w_.AddStudent(id, school.id, std::move(no), std::move(name), male, BirthDate(age), enrol, grade_id, cls.id, dorm,
                  cls.path);
    w_.AddMembership(NextId(), school.id, id, cls.id, enrol);
    long long gid = NextId();
    if (guardian_out) *guardian_out = gid;
    if (guardian_name_out) *guardian_name_out = gname;
    w_.AddGuardian(gid, school.id, id, std::move(gname), MobilePhone(rng_), father ? "父亲" : "母亲");
    ++sum_.students;
    ++sum_.guardians;
    return id;
  }

  // Pairs every student of the school (in generation order) round-robin
  // with the teachers: subject teachers first, then head teachers.
  void PairAll(const UnitRef& school, const std::vector<long long>& students, const std::vector<long long>& teachers) {
    for (size_t i = 0; i < students.size(); ++i) {
      w_.AddPairing(NextId(), school.id, teachers[i % teachers.size()], students[i]);
      ++sum_.pairings;
    }
  }

  void SchoolStaff(const UnitRef& school, bool higher, long long* leader, long long* psych, long long* data_admin,
                   int students) {
    *leader = AddStaff(school, "校长");
    AddStaff(school, "副校长");
    // ≥2 full-time psychology teachers, universities ≥1 per 4,000 students.
    int n_psych = higher ? std::max(2, students / 4000 + 1) : 2;
    *psych = AddStaff(school, "专职心理教师");
    for (int i = 1; i < n_psych; ++i) AddStaff(school, "专职心理教师");
    *data_admin = AddStaff(school, higher ? "学籍管理员" : "教务员");
    ++sum_.schools;
  }

  void K12School(const UnitRef& district, const SchoolPlan& p) {
    int code = ++school_seq_;
    UnitRef school = AddUnit(&district, "school", p.name, p.kind, 0, fmt::format("12{:05d}", code));
    std::vector<GradeSpec> grades = GradesOf(p.kind);
    // Class sizes first, so staff numbers follow the roster.
    std::vector<std::vector<int>> sizes(grades.size());
    int total = 0;
    for (auto& g : sizes) {
      g.resize(p.classes_per_grade);
      for (int& n : g) total += (n = static_cast<int>(rng_.Between(p.class_min, p.class_max)));
    }
    long long leader, psych, data_admin;
    SchoolStaff(school, false, &leader, &psych, &data_admin, total);
    int n_subject = std::max(2, total / 20);
    std::vector<long long> teachers;
    for (int i = 0; i < n_subject; ++i) teachers.push_back(AddStaff(school, "任课教师"));
    std::vector<long long> students;
    students.reserve(total);
    for (size_t gi = 0; gi < grades.size(); ++gi) {
      const GradeSpec& gs = grades[gi];
      UnitRef grade = AddUnit(&school, "grade", gs.name, "", gs.grade_year);
      long long grade_head = AddStaff(grade, "年级组长");
      std::string enrol = fmt::format("{}-09-01", gs.entry_year);
      for (int c = 0; c < p.classes_per_grade; ++c) {
        UnitRef cls = AddUnit(&grade, "class", fmt::format("{}班", c + 1), "", 0);
        long long head = AddStaff(cls, "班主任");
        teachers.push_back(head);
        const bool anchor = p.demo && gi == 0 && c < 2;
        if (anchor && c == 0) {
          anchors_.school = school;
          anchors_.grade = grade;
          anchors_.class1 = cls;
          anchors_.leader = leader;
          anchors_.psych = psych;
          anchors_.data_admin = data_admin;
          anchors_.grade_head = grade_head;
          anchors_.head1 = head;
          anchors_.subject = teachers.front();
        } else if (anchor) {
          anchors_.class2 = cls;
          anchors_.head2 = head;
        }
        for (int seat = 1; seat <= sizes[gi][c]; ++seat) {
          std::string no =
              fmt::format("{:05d}{}{:02d}{:02d}{:02d}", code, gs.entry_year, std::max(gs.grade_year, 0), c + 1, seat);
          std::string name, gname;
          long long gid = 0;
          long long id =
              AddStudent(school, grade.id, cls, 0, std::move(no), rng_.Chance(51), gs.age, enrol, &name, &gid, &gname);
          students.push_back(id);
          if (anchor && c == 0 && seat == 1) {
            anchors_.student = id;
            anchors_.student_name = name;
            anchors_.guardian = gid;
            anchors_.guardian_name = gname;
          } else if (anchor && c == 0 && seat == 2) {
            anchors_.peer = id;
            anchors_.peer_name = name;
          }
        }
      }
    }
    PairAll(school, students, teachers);
  }

  void HigherEdSchool(const UnitRef& city, const SchoolPlan& p) {
    int code = ++school_seq_;
    const bool univ = p.kind == "university";
    const int years = univ ? 4 : 3;
    UnitRef school = AddUnit(&city, "school", p.name, p.kind, 0, fmt::format("10{:05d}", code));
    std::vector<std::vector<int>> sizes(p.departments * years);
    int total = 0;
    for (auto& g : sizes) {
      g.resize(p.classes_per_grade);
      for (int& n : g) total += (n = static_cast<int>(rng_.Between(p.class_min, p.class_max)));
    }
    long long leader, psych, data_admin;
    SchoolStaff(school, true, &leader, &psych, &data_admin, total);
    int n_subject = std::max(2, total / 20);
    std::vector<long long> teachers;
    for (int i = 0; i < n_subject; ++i) teachers.push_back(AddStaff(school, "任课教师"));
    // Dorms fill six students of one sex each, numbered building/floor/room.
    struct DormFill {
      long long id = 0;
      int used = 6;
    };
    std::array<DormFill, 2> dorm{};
    int dorm_seq = 0;
    const bool anchor_school = anchors_.univ.id == 0 && univ;
    auto dorm_for = [&](bool male) {
      DormFill& d = dorm[male ? 0 : 1];
      if (d.used >= 6) {
        int k = dorm_seq++;
        std::string name = fmt::format("{}号楼{}{:02d}", 1 + k / 120, 1 + (k / 20) % 6, 1 + k % 20);
        UnitRef u = AddUnit(&school, "dorm", std::move(name), "", 0);
        if (anchor_school && anchors_.univ_dorm.id == 0) anchors_.univ_dorm = u;
        d = {u.id, 0};
      }
      ++d.used;
      return d.id;
    };
    std::vector<long long> students;
    students.reserve(total);
    if (anchor_school) {
      anchors_.univ = school;
      anchors_.univ_psych = psych;
    }
    for (int di = 0; di < p.departments; ++di) {
      UnitRef dept = AddUnit(&school, "department", std::string(kDepartments[di % kDepartments.size()]), "", 0);
      AddStaff(dept, "院系负责人");
      std::string_view major = kMajors[di % kMajors.size()];
      for (int y = 0; y < years; ++y) {
        int entry = kYear - y;
        std::string enrol = fmt::format("{}-09-01", entry);
        for (int c = 0; c < p.classes_per_grade; ++c) {
          UnitRef cls = AddUnit(&dept, "class", fmt::format("{}{}级{}班", major, entry, c + 1), "", entry);
          long long head = AddStaff(cls, "辅导员");
          teachers.push_back(head);
          if (anchor_school && anchors_.univ_class.id == 0) {
            anchors_.univ_class = cls;
            anchors_.counsellor = head;
          }
          for (int seat = 1; seat <= sizes[di * years + y][c]; ++seat) {
            bool male = rng_.Chance(50);
            long long dorm_id = dorm_for(male);
            std::string no = fmt::format("{}{:02d}{:02d}{:03d}", entry, di + 1, c + 1, seat);
            std::string name;
            long long id = AddStudent(school, dept.id, cls, dorm_id, std::move(no), male, 18 + y, enrol, &name);
            students.push_back(id);
            if (anchor_school && anchors_.dorm_leader == 0 && dorm_id == anchors_.univ_dorm.id) {
              anchors_.dorm_leader = id;
              anchors_.dorm_leader_name = name;
            }
          }
        }
      }
    }
    PairAll(school, students, teachers);
  }

  Writer w_;
  const Options& opt_;
  Rng rng_;
  Summary sum_;
  Anchors anchors_;
  long long next_id_ = 0;
  int school_seq_ = 0;
  std::chrono::steady_clock::time_point started_;
};

struct AccountRow {
  std::string_view username;
  policy::Role role;
  std::string person_type;
  long long person_id;
  std::string display_name;
  UnitRef scope;
};

// Staff for the district and city accounts (they are not school staff).
absl::Status InsertAccounts(soci::session& s, Generator& gen, const Anchors& a, Summary& sum) {
  auto staff_at = [&](const UnitRef& unit, const std::string& title, std::string name) {
    long long id = gen.NextId();
    long long unit_id = unit.id, school = unit.school_id, created = kDemoTime;
    soci::indicator isc = school ? soci::i_ok : soci::i_null;
    std::string phone = "022" + fmt::format("{:08d}", 23000000 + id % 1000000);
    s << "INSERT INTO staff (id, school_id, org_unit_id, name, phone, title, created_at) "
         "VALUES (:a, :b, :c, :d, :e, :f, :g)",
        soci::use(id), soci::use(school, isc), soci::use(unit_id), soci::use(name), soci::use(phone), soci::use(title),
        soci::use(created);
    ++sum.staff;
    return std::make_pair(id, name);
  };
  auto staff_name = [&](long long id) {
    std::string name;
    s << "SELECT name FROM staff WHERE id = :id", soci::use(id), soci::into(name);
    return name;
  };
  std::vector<AccountRow> rows;
  auto add_new_staff = [&](std::string_view user, policy::Role role, const UnitRef& unit, const std::string& title,
                           std::string name) {
    auto [id, n] = staff_at(unit, title, std::move(name));
    rows.push_back({user, role, "staff", id, n, unit});
  };
  auto add_staff = [&](std::string_view user, policy::Role role, const UnitRef& unit, long long id) {
    rows.push_back({user, role, "staff", id, staff_name(id), unit});
  };
  using policy::Role;
  add_new_staff("city_admin", Role::kCityAdmin, a.city, "市教委管理员", "刘建国");
  add_new_staff("district_admin", Role::kDistrictAdmin, a.district, "区教育局管理员", "陈立新");
  add_new_staff("district_liaison", Role::kDistrictLiaison, a.district, "区级联络员", "王海燕");
  add_new_staff("crisis_group", Role::kCrisisGroup, a.district, "心理危机应急工作组成员", "赵明远");
  add_new_staff("expert", Role::kExpert, a.district, "专家指导委员会委员", "孙静怡");
  add_new_staff("hospital_liaison", Role::kHospitalLiaison, a.city, "精神卫生中心联络员", "周文博");
  add_new_staff("auditor", Role::kAuditor, a.city, "审计员", "吴晓峰");
  add_staff("school_leader", Role::kSchoolLeader, a.school, a.leader);
  add_staff("psych_staff", Role::kPsychStaff, a.school, a.psych);
  add_staff("school_data_admin", Role::kSchoolDataAdmin, a.school, a.data_admin);
  add_staff("grade_head", Role::kGradeHead, a.grade, a.grade_head);
  add_staff("head_teacher", Role::kHeadTeacher, a.class1, a.head1);
  add_staff("head_teacher2", Role::kHeadTeacher, a.class2, a.head2);
  add_staff("subject_teacher", Role::kSubjectTeacher, a.school, a.subject);
  rows.push_back({"peer_reporter", Role::kPeerReporter, "student", a.peer, a.peer_name, a.class1});
  rows.push_back({"student", Role::kStudent, "student", a.student, a.student_name, a.class1});
  rows.push_back({"guardian", Role::kGuardian, "guardian", a.guardian, a.guardian_name, a.class1});
  add_staff("univ_psych_staff", Role::kPsychStaff, a.univ, a.univ_psych);
  add_staff("counsellor", Role::kHeadTeacher, a.univ_class, a.counsellor);
  rows.push_back({"dorm_leader", Role::kPeerReporter, "student", a.dorm_leader, a.dorm_leader_name, a.univ_dorm});

  for (const AccountRow& r : rows) {
    XQ_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(kDemoPassword));
    long long id = gen.NextId(), person = r.person_id, school = r.scope.school_id, created = kDemoTime;
    soci::indicator isc = school ? soci::i_ok : soci::i_null;
    std::string user(r.username), display = r.display_name, type = r.person_type;
    s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, person_id, "
         "school_id, created_at, updated_at) VALUES (:a, :b, :c, :d, :e, :f, :g, :h, :i)",
        soci::use(id), soci::use(user), soci::use(hash), soci::use(display), soci::use(type), soci::use(person),
        soci::use(school, isc), soci::use(created), soci::use(created);
    long long rid = gen.NextId(), unit = r.scope.id;
    std::string role(policy::RoleName(r.role));
    s << "INSERT INTO role_assignments (id, account_id, role, org_unit_id, school_id, created_at) "
         "VALUES (:a, :b, :c, :d, :e, :f)",
        soci::use(rid), soci::use(id), soci::use(role), soci::use(unit), soci::use(school, isc), soci::use(created);
    ++sum.accounts;
  }
  // The demo accounts sign in with their password alone: the city's
  // two-factor switch (migration 021) starts off here; the city admin turns
  // it on (PUT /api/v1/settings/two-factor). A real city has it on.
  {
    long long at = kDemoTime;
    s << "INSERT INTO city_settings (key, value, updated_by, updated_at) VALUES ('two_factor', "
         "'off', NULL, :t)",
        soci::use(at);
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<Scale> ScaleFromName(std::string_view name) {
  if (name == "small") return Scale::kSmall;
  if (name == "district") return Scale::kDistrict;
  if (name == "city") return Scale::kCity;
  return std::nullopt;
}

absl::StatusOr<Summary> Generate(db::Database& db, const Options& options) {
  Summary sum;
  const bool sqlite = db.dialect() == db::Dialect::kSqlite;
  XQ_RETURN_IF_ERROR(db.Run([&](soci::session& s) -> absl::Status {
    long long units = 0, accounts = 0;
    s << "SELECT COUNT(*) FROM org_units", soci::into(units);
    s << "SELECT COUNT(*) FROM accounts", soci::into(accounts);
    if (units > 0 || accounts > 0)
      return absl::FailedPreconditionError(
          fmt::format("the database is not empty ({} org units, {} accounts); demo data goes only into a new "
                      "database",
                      units, accounts));
    // Bulk load: no fsync per batch and no per-row foreign-key lookups
    // (the generator writes parents first); both are restored afterwards,
    // also on failure.
    int sync = 2, fk = 1;
    if (sqlite) {
      s << "PRAGMA synchronous", soci::into(sync);
      s << "PRAGMA foreign_keys", soci::into(fk);
      s << "PRAGMA synchronous=OFF";
      s << "PRAGMA foreign_keys=OFF";
      s << "PRAGMA cache_size=-262144";
    }
    absl::Status st;
    try {
      Generator gen(s, options);
      st = gen.Run(sum);
      if (st.ok()) {
        s.begin();
        st = InsertAccounts(s, gen, gen.anchors(), sum);
        const Anchors& a = gen.anchors();
        if (st.ok())
          st = counselling::SeedHotlineDemo(
              s, {a.city.id, a.district.id, a.school.id, a.class1.id, a.class2.id, a.student, kDemoTime},
              [](void* g) -> int64_t { return static_cast<Generator*>(g)->NextId(); }, &gen);
        if (st.ok())
          s.commit();
        else
          s.rollback();
      }
    } catch (...) {
      st = db::StatusFromCurrentException("demo generation");
      try {
        s.rollback();
      } catch (...) {
      }
    }
    if (sqlite) {
      s << "PRAGMA synchronous=" + std::to_string(sync);
      s << "PRAGMA foreign_keys=" + std::to_string(fk);
      s << "PRAGMA cache_size=-2000";
      if (st.ok()) s << "PRAGMA optimize";
    } else if (st.ok()) {
      s << "ANALYZE";
    }
    return st;
  }));
  return sum;
}

}  // namespace xq::demo
