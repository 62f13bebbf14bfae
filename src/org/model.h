// Plain types of the organisation module (R-01 org tree, R-02 people,
// R-04 teacher–student pairing). No I/O; values only.
//
// Org tree: city → district → school → grade (K-12) or department (higher
// ed) → class; dorms (higher ed) hang under the school. Universities and
// colleges hang directly under the city. Every unit carries a materialised
// path "/<ancestor ids>/<own id>/" used for scope checks (policy::InScope).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xq::org {

// Unit kinds as stored in org_units.kind.
inline constexpr std::string_view kCity = "city";
inline constexpr std::string_view kDistrict = "district";
inline constexpr std::string_view kSchool = "school";
inline constexpr std::string_view kGrade = "grade";
inline constexpr std::string_view kDepartment = "department";
inline constexpr std::string_view kClass = "class";
inline constexpr std::string_view kDorm = "dorm";

bool IsUnitKind(std::string_view kind);
// Whether a unit of kind child may hang under a unit of kind parent.
// school_kind is the school kind of the child (schools) or of the school the
// parent belongs to (grade/department/class/dorm); may be empty otherwise.
bool MayHangUnder(std::string_view parent_kind, std::string_view child_kind, std::string_view school_kind);

// School kinds (org_units.school_kind), ascii names in the database and
// Chinese labels in JSON (school_kind_label).
enum class SchoolKind {
  kKindergarten,       // 幼儿园
  kPrimary,            // 小学
  kJunior,             // 初级中学
  kSenior,             // 高级中学
  kNineYear,           // 九年一贯制学校
  kCompleteSecondary,  // 完全中学
  kVocational,         // 中等职业学校 (中职)
  kCollege,            // 高职专科院校 (专科)
  kUniversity,         // 本科院校 (本科/研究生)
};
inline constexpr int kSchoolKindCount = 9;
std::string_view SchoolKindName(SchoolKind k);
std::string_view SchoolKindLabelZh(SchoolKind k);
std::optional<SchoolKind> SchoolKindFromName(std::string_view name);
// Label for a stored name; "" when unknown or empty.
std::string_view SchoolKindLabelFor(std::string_view name);
// Colleges and universities: departments instead of grades, dorms, and
// they hang under the city.
bool IsHigherEd(std::string_view school_kind);

struct OrgUnit {
  int64_t id = 0;
  int64_t parent_id = 0;  // 0 for the city
  std::string kind;
  std::string name;
  std::string code;
  std::string school_kind;  // schools only
  int64_t school_id = 0;    // the school the unit belongs to (itself for a school)
  int64_t district_id = 0;  // 0 for the city and universities
  std::string path;
  int grade_year = 0;
  int64_t created_at = 0;
  bool has_children = false;  // filled by listing queries only
};

// Fills parent_id, path, school_id and district_id of child (whose id and
// kind are set) from its parent (nullptr for the city).
void DeriveFromParent(const OrgUnit* parent, OrgUnit& child);
// Ids named by a materialised path, root first: "/1/7/42/" → {1, 7, 42}.
std::vector<int64_t> IdsOfPath(std::string_view path);
// True if path has the form "/<digits>/.../" (safe to use as a LIKE prefix).
bool IsWellFormedPath(std::string_view path);

struct Student {
  int64_t id = 0;
  int64_t school_id = 0;
  std::string student_no;  // 学号
  std::string name;
  std::string sex;  // "M" | "F"
  std::string birth_date;
  std::string enrolment_date;
  int64_t grade_id = 0;
  int64_t class_id = 0;
  int64_t dorm_id = 0;
  std::string unit_path;  // path of the class (or grade/school)
  std::string status = "active";
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A student with the names of the units it belongs to (for listings).
struct StudentRecord {
  Student student;
  std::string class_name;
  std::string grade_name;
  std::string school_name;
  std::string dorm_name;
  std::string dorm_path;
};

struct Guardian {
  int64_t id = 0;
  int64_t school_id = 0;
  std::string name;
  std::string phone;
  int64_t created_at = 0;
};

struct GuardianLink {
  Guardian guardian;
  std::string relation;  // e.g. "父亲", "母亲"; may be empty
};

struct Staff {
  int64_t id = 0;
  int64_t school_id = 0;  // 0 for district/city staff
  int64_t org_unit_id = 0;
  std::string name;
  std::string phone;
  std::string title;
  int64_t created_at = 0;
};

// A student's class over time (R-02: transfers keep history).
struct ClassMembership {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t student_id = 0;
  int64_t class_id = 0;
  std::string start_date;
  std::string end_date;  // empty while current
};

// 教师包联学生.
struct Pairing {
  int64_t id = 0;
  int64_t school_id = 0;
  int64_t staff_id = 0;
  int64_t student_id = 0;
  int64_t created_at = 0;
};

struct PairingCoverage {
  int64_t students = 0;
  int64_t paired = 0;
  // paired / students in percent, 100 when there are no students.
  double percent() const { return students == 0 ? 100.0 : 100.0 * paired / students; }
};

// One validated row of a roster import, values normalised: sex
// "M"/"F", dates "YYYY-MM-DD". Optional values are empty when absent.
struct RosterEntry {
  int line = 0;  // 1-based line in the file where the row starts
  std::string student_no;
  std::string name;
  std::string sex;
  std::string birth_date;
  std::string enrolment_date;
  std::string school;  // as written; checked against the target school
  std::string grade;   // 年级 (K-12) or 院系 (higher ed)
  std::string class_name;
  std::string dorm;
  std::string guardian_name;
  std::string guardian_phone;
};

struct RosterApplyResult {
  int64_t created = 0;
  int64_t updated = 0;
};

}  // namespace xq::org
