// Plain types of the access policy (spec: ACCESS.md). The decision function
// is in policy/policy.h. Pure data; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xq::policy {

// Roles of ACCESS.md / R-03. Names (RoleName) are stored in the database
// and sent in JSON: student guardian peer_reporter subject_teacher
// head_teacher grade_head psych_staff school_leader school_data_admin
// district_admin district_liaison crisis_group expert hospital_liaison
// city_admin auditor.
enum class Role {
  kStudent,
  kGuardian,
  kPeerReporter,
  kSubjectTeacher,
  kHeadTeacher,   // 班主任 / 辅导员
  kGradeHead,     // 年级组长 / 院系负责人
  kPsychStaff,    // 心理中心专职教师
  kSchoolLeader,  // 校领导
  kSchoolDataAdmin,
  kDistrictAdmin,    // 区教育局
  kDistrictLiaison,  // 区级联络员
  kCrisisGroup,      // 心理危机应急工作组
  kExpert,           // 专家指导委员会
  kHospitalLiaison,  // 精神卫生医疗机构
  kCityAdmin,        // 市教委
  kAuditor,
};
inline constexpr int kRoleCount = 16;

std::string_view RoleName(Role r);
std::optional<Role> RoleFromName(std::string_view name);
// Chinese label for UIs and exports, e.g. "班主任".
std::string_view RoleLabelZh(Role r);

// Data classes D0..D9 of ACCESS.md.
enum class DataClass {
  kPublic,       // D0
  kRoster,       // D1
  kRawAnswers,   // D2
  kResults,      // D3
  kAttention,    // D4
  kClinical,     // D5
  kReports,      // D6
  kAggregate,    // D7
  kWorkRecords,  // D8
  kAudit,        // D9
  kAccounts,     // accounts and role grants (administration), not a D-class of its own
};
inline constexpr int kDataClassCount = 11;
std::string_view DataClassName(DataClass c);  // "D0".."D9", "accounts"

enum class Action { kRead, kWrite, kExport };
std::string_view ActionName(Action a);

// A role bound to an org unit (scope = that unit and everything under it).
struct Grant {
  Role role;
  int64_t unit_id = 0;
  std::string unit_path;  // materialised path of the unit, e.g. "/1/7/42/"
};

// Who is asking. Built by the auth module from the session.
struct Actor {
  int64_t account_id = 0;
  std::vector<Grant> grants;
  int64_t student_id = 0;                   // set when the account is a student
  std::vector<int64_t> child_ids;           // guardian: own children
  std::vector<int64_t> paired_student_ids;  // subject teacher: 包联 students
};

// What is asked about. Services fill in the facts the policy needs; the
// policy never reads the database.
struct Resource {
  DataClass data_class = DataClass::kPublic;
  // Where the object lives: for a student's data, the path of the
  // student's class (or dorm, grade, school); for school-level objects the
  // school's path; for aggregates the unit aggregated over.
  std::string unit_path;
  // Second location (a student's dorm path), for dorm-bound peer reporters.
  std::string alt_unit_path;
  int64_t student_id = 0;         // the student the data is about, 0 if none
  int64_t author_account_id = 0;  // D6/D8: who wrote it
  bool submitted = false;         // D2: the student has submitted the answers
  bool feedback_allowed = false;  // D3: the scale allows showing feedback to the student
  bool escalated = false;         // warning / crisis case escalated to the actor's level
  bool consulted = false;         // D5: the actor (expert) was consulted on this case
  bool referred_here = false;     // hospital liaison: referred to the actor's hospital
  bool level_one = false;         // D4: the attention level is 一级 (school leader sees names)
  bool break_glass = false;       // emergency access with a written reason
  bool closed = false;            // escalated case closed: access ends
  // D5 counselling session notes (concern, notes, next steps): psychology
  // staff read them only as their author or as head of the school's
  // psychology centre; no other role reads them (school leaders, crisis
  // group and students included). An expert reads a shared summary, which
  // is not session_notes but `consulted`.
  bool session_notes = false;
  bool centre_head = false;  // the actor heads the psychology centre of the object's school
};

// How much of the object the actor may see when allowed.
enum class View {
  kNone,
  kFull,          // everything of the class
  kNamesOnly,     // D1 for peer reporters: names, no contact data
  kCountsOnly,    // D4 for school leaders (except 一级)
  kFeedbackOnly,  // D3 for a student: the neutral feedback text
  kSummary,       // D5 for crisis group / school leader: status, not notes
  kOwnOnly,       // D6 for reporters: only what they wrote
  kNeutral,       // campaign scales: the neutral titles students see, not the scale names
};
// "none" "full" "names_only" "counts_only" "feedback_only" "summary" "own_only"
// "neutral"
std::string_view ViewName(View v);

struct Decision {
  bool allowed = false;
  View view = View::kNone;
  std::optional<Role> via;  // the role that granted access
  std::string reason;       // for the audit log and developers
  // Allowed only through break-glass (emergency access with a written
  // reason): the service must flag the access and notify the school's
  // psychology centre and the auditor (ACCESS.md).
  bool break_glass = false;
  // DecideGrantTo: the grant is allowed as a request only; it takes effect
  // when a second administrator approves it (DecideApproval, four-eyes).
  bool needs_approval = false;
  explicit operator bool() const { return allowed; }
};

}  // namespace xq::policy
