#include "indicators/definitions.h"

#include <algorithm>
#include <cstdlib>

#include "core/status.h"
#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace xq::indicators {
namespace {

constexpr Level S = Level::kSchool, D = Level::kDistrict;
constexpr Kind kShare = Kind::kShareOfUnits, kRatio = Kind::kRatio;
constexpr Direction kGe = Direction::kAtLeast;
constexpr unsigned kK12 = kPrimary | kJunior | kSenior;

// The targets of the city's plan. Fact names: see docs/design.md
// "Indicators" for which module provides each.
const std::vector<Definition>& Table() {
  static const std::vector<Definition> kTable = {
      {"psych_teacher_schools", "配备专职心理健康教育教师的学校占比", "Schools with a full-time psychology teacher",
       kAllStages, S, kShare, "psych_teachers_fulltime >= 1", "", "", 0.95, kGe, false, "缺少专职心理教师的学校"},
      {"staffing_higher", "高校专职心理教师配比（1:4000 且不少于2名）",
       "Universities: psychology staff 1 per 4,000 students and at least 2", kHigher, S, kShare,
       "psych_teachers_fulltime >= max(2, ceil(students / 4000))", "", "", 1.0, kGe, false, "未达配比的高校"},
      {"staffing_secondary", "中学专职心理教师不少于2名", "Junior and senior schools: at least 2 psychology teachers",
       kJunior | kSenior, S, kShare, "psych_teachers_fulltime >= 2", "", "", 1.0, kGe, false, "未达配比的中学"},
      {"staffing_primary", "小学专职心理教师不少于1名", "Primary schools: at least 1 psychology teacher", kPrimary, S,
       kShare, "psych_teachers_fulltime >= 1", "", "", 1.0, kGe, false, "未达配比的小学"},
      {"guidance_stations", "建有心理健康与家庭教育指导中心（站）的学校占比",
       "Schools with a mental-health and family-education guidance station", kAllStages, S, kShare,
       "family_guidance_station >= 1", "", "", 1.0, kGe, false, "未建指导站的学校"},
      {"psych_rooms", "心理辅导室达标的学校占比", "Schools whose counselling room meets the standard", kAllStages, S,
       kShare, "psych_room_standard >= 1", "", "", 1.0, kGe, false, "辅导室未达标的学校"},
      {"family_sites_public", "提供公益心理健康服务的家庭教育指导站点占比",
       "Family-education sites giving public mental-health services", kAllStages, D, kRatio, "",
       "community_stations_public_service", "community_stations", 0.6, kGe, false, "各区站点情况"},
      {"screening_k12", "普测覆盖率（中小学，小学4-6年级及以上）", "Screening coverage (K-12, grades 4 and up)", kK12,
       S, kRatio, "", "cohort_screened_k12", "cohort_students_k12", 1.0, kGe, true, "覆盖不足的学校"},
      {"screening_he_first", "普测覆盖率（高校新生）", "Screening coverage (university freshmen)", kHigher, S, kRatio,
       "", "cohort_screened_he1", "cohort_students_he1", 1.0, kGe, true, "覆盖不足的高校"},
      {"screening_he_second", "普测覆盖率（高校第二轮）", "Screening coverage (universities, second round)", kHigher, S,
       kRatio, "", "cohort_screened_he2", "cohort_students_he2", 1.0, kGe, true, "覆盖不足的高校"},
      {"follow_up_on_time", "需关注学生按期跟进率", "Students needing attention followed up on time", kAllStages, S,
       kRatio, "", "followed_up_on_time", "screen_positive", 1.0, kGe, true, "未按期跟进的学校"},
      {"hotline_awareness", "心理援助热线知晓率", "Hotline awareness", kAllStages, S, kRatio, "", "awareness_confirmed",
       "awareness_students", 1.0, kGe, false, "知晓率不足的学校"},
      {"pairing", "教师包联学生覆盖率", "Students paired with a teacher", kAllStages, S, kRatio, "", "paired_students",
       "students", 1.0, kGe, false, "包联未全覆盖的学校"},
      {"head_teacher_training", "班主任年度培训覆盖率", "Head teachers trained this year", kAllStages, S, kRatio, "",
       "head_teachers_trained", "head_teachers", 1.0, kGe, false, "培训未全覆盖的学校"},
      {"home_visit_staff", "家访任务完成的教师占比", "Staff meeting their home-visit quota", kK12, S, kRatio, "",
       "visit_quota_met", "visit_quota_staff", 1.0, kGe, false, "家访未完成的学校"},
      {"home_visit_students", "班级学生家访覆盖率", "Class students visited at home", kK12, S, kRatio, "",
       "class_students_visited", "class_students", 1.0, kGe, false, "家访覆盖不足的学校"},
      {"course_hours", "心理健康课平均每班每周不少于0.5课时", "Course hours: at least 0.5 periods a week per class",
       kK12, S, kShare, "course_periods_per_week_sum / classes_with_timetable >= 0.5", "", "", 1.0, kGe, false,
       "课时不足的学校"},
      {"school_based_course", "开设校本心理课程的学校占比", "Schools with a school-based course", kK12, S, kShare,
       "school_based_courses >= 1", "", "", 1.0, kGe, false, "未开设校本课程的学校"},
      {"course_content", "课程内容占比达标（抗挫与生命教育各不少于1/3）",
       "Course content: resilience and life education each at least 1/3", kAllStages, S, kShare,
       "course_hours_resilience >= course_hours_total / 3 && course_hours_life >= course_hours_total / 3", "", "", 1.0,
       kGe, false, "内容占比不足的学校"},
      {"university_course", "高校开设心理健康必修课（32-36学时，2学分）",
       "Universities: compulsory course (32–36 hours, 2 credits)", kHigher, S, kShare, "university_course_ok >= 1", "",
       "", 1.0, kGe, false, "未达标的高校"},
      {"funding", "生均心理健康经费不少于20元", "Funding of at least 20 yuan per student", kAllStages, S, kShare,
       "funding_yuan / students >= 20", "", "", 1.0, kGe, false, "经费不足的学校"},
      {"research_staff", "教研机构心理教研员不少于2名", "Research offices with at least 2 psychology researchers",
       kAllStages, D, kShare, "research_psych_staff >= 2", "", "", 1.0, kGe, false, "教研员不足的区"},
      {"district_training", "区级国培学时中心理健康占比不少于10%",
       "District training hours on mental health at least 10 %", kAllStages, D, kShare,
       "district_training_hours_mh / district_training_hours_total >= 0.1", "", "", 1.0, kGe, false, "未达比例的区"},
  };
  return kTable;
}

}  // namespace

unsigned StageOf(std::string_view k) {
  if (k == "primary") return kPrimary;
  if (k == "junior" || k == "nine_year") return kJunior;
  if (k == "senior" || k == "complete_secondary" || k == "vocational") return kSenior;
  if (k == "college" || k == "university") return kHigher;
  return 0;
}

absl::StatusOr<std::vector<Indicator>> ParseDefinitions(const std::vector<Definition>& defs) {
  std::vector<Indicator> out;
  for (const Definition& d : defs) {
    Indicator ind{.id = std::string(d.id),
                  .name_zh = std::string(d.name_zh),
                  .name_en = std::string(d.name_en),
                  .stages = d.stages,
                  .level = d.level,
                  .kind = d.kind,
                  .target = d.target,
                  .direction = d.direction,
                  .screening = d.screening,
                  .evidence_zh = std::string(d.evidence_zh)};
    auto parse = [&](std::string_view text, std::string_view what, Expr* out_expr) -> absl::Status {
      auto e = Expr::Parse(text);
      if (!e.ok())
        return InvalidArgument(fmt::format("indicator {}: {}: {}", d.id, what, std::string(e.status().message())),
                               "expression");
      *out_expr = *std::move(e);
      return absl::OkStatus();
    };
    if (d.kind == Kind::kShareOfUnits) {
      XQ_RETURN_IF_ERROR(parse(d.condition, "condition", &ind.condition));
    } else {
      XQ_RETURN_IF_ERROR(parse(d.numerator, "numerator", &ind.numerator));
      XQ_RETURN_IF_ERROR(parse(d.denominator, "denominator", &ind.denominator));
    }
    for (const auto& o : out)
      if (o.id == ind.id) return InvalidArgument(fmt::format("indicator {} is declared twice", d.id), "id");
    out.push_back(std::move(ind));
  }
  return out;
}

const std::vector<Indicator>& Indicators() {
  static const std::vector<Indicator> kParsed = [] {
    auto p = ParseDefinitions(Table());
    if (!p.ok()) {
      spdlog::critical("indicator table: {}", p.status().ToString());
      std::abort();
    }
    return *std::move(p);
  }();
  return kParsed;
}

const Indicator* FindIndicator(std::string_view id) {
  for (const auto& i : Indicators())
    if (i.id == id) return &i;
  return nullptr;
}

Contribution Contribute(const Indicator& ind, const Facts& facts, unsigned stage) {
  Contribution c;
  if (ind.level == Level::kSchool && (stage & ind.stages) == 0) return c;
  if (ind.kind == Kind::kShareOfUnits) {
    auto v = ind.condition.Eval(facts);
    if (!v) return c;
    c.known = true;
    c.den = 1;
    c.num = *v != 0 ? 1 : 0;
    return c;
  }
  auto n = ind.numerator.Eval(facts);
  auto d = ind.denominator.Eval(facts);
  if (!n || !d || *d == 0) return c;  // no students of the cohort: nothing to count
  c.known = true;
  // Every ratio is a coverage: a unit counts at most all of its own (a
  // school whose records list more trainees than it has head teachers —
  // one teacher trained twice — is at 100 %, and does not make up for
  // another school's shortfall in its district's figure).
  c.num = std::min(*n, *d);
  c.den = *d;
  return c;
}

bool Meets(const Indicator& ind, double value) {
  constexpr double kEps = 1e-9;
  return ind.direction == Direction::kAtLeast ? value >= ind.target - kEps : value <= ind.target + kEps;
}

}  // namespace xq::indicators
