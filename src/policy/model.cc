// Names and labels of the policy's plain types (spec: ACCESS.md, R-03).
#include "policy/model.h"

#include <array>

namespace xq::policy {
namespace {

struct RoleInfo {
  Role role;
  std::string_view name;      // stored in role_assignments.role, sent in JSON
  std::string_view label_zh;  // shown in UIs and exports
};

// Indexed by the enum's value; RoleName relies on that order.
constexpr std::array<RoleInfo, kRoleCount> kRoles = {{
    {Role::kStudent, "student", "学生"},
    {Role::kGuardian, "guardian", "家长"},
    {Role::kPeerReporter, "peer_reporter", "心理委员/寝室长"},
    {Role::kSubjectTeacher, "subject_teacher", "任课教师"},
    {Role::kHeadTeacher, "head_teacher", "班主任/辅导员"},
    {Role::kGradeHead, "grade_head", "年级组长/院系负责人"},
    {Role::kPsychStaff, "psych_staff", "心理中心教师"},
    {Role::kSchoolLeader, "school_leader", "校领导"},
    {Role::kSchoolDataAdmin, "school_data_admin", "学校数据管理员"},
    {Role::kDistrictAdmin, "district_admin", "区教育局管理员"},
    {Role::kDistrictLiaison, "district_liaison", "区级联络员"},
    {Role::kCrisisGroup, "crisis_group", "危机干预工作组"},
    {Role::kExpert, "expert", "专家"},
    {Role::kHospitalLiaison, "hospital_liaison", "医院联络员"},
    {Role::kCityAdmin, "city_admin", "市教委管理员"},
    {Role::kAuditor, "auditor", "审计员"},
}};

constexpr bool RolesInEnumOrder() {
  for (int i = 0; i < kRoleCount; ++i) {
    if (static_cast<int>(kRoles[i].role) != i) return false;
  }
  return true;
}
static_assert(RolesInEnumOrder(), "kRoles must follow the order of enum Role");
static_assert(static_cast<int>(Role::kAuditor) + 1 == kRoleCount);
static_assert(static_cast<int>(DataClass::kAccounts) + 1 == kDataClassCount);

constexpr std::array<std::string_view, kDataClassCount> kDataClassNames = {"D0", "D1", "D2", "D3", "D4",      "D5",
                                                                           "D6", "D7", "D8", "D9", "accounts"};

}  // namespace

std::string_view RoleName(Role r) {
  const int i = static_cast<int>(r);
  if (i < 0 || i >= kRoleCount) return "unknown";
  return kRoles[i].name;
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (const RoleInfo& info : kRoles) {
    if (info.name == name) return info.role;
  }
  return std::nullopt;
}

std::string_view RoleLabelZh(Role r) {
  const int i = static_cast<int>(r);
  if (i < 0 || i >= kRoleCount) return "未知";
  return kRoles[i].label_zh;
}

std::string_view DataClassName(DataClass c) {
  const int i = static_cast<int>(c);
  if (i < 0 || i >= kDataClassCount) return "unknown";
  return kDataClassNames[i];
}

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kRead:
      return "read";
    case Action::kWrite:
      return "write";
    case Action::kExport:
      return "export";
  }
  return "unknown";
}

std::string_view ViewName(View v) {
  switch (v) {
    case View::kNone:
      return "none";
    case View::kFull:
      return "full";
    case View::kNamesOnly:
      return "names_only";
    case View::kCountsOnly:
      return "counts_only";
    case View::kFeedbackOnly:
      return "feedback_only";
    case View::kSummary:
      return "summary";
    case View::kOwnOnly:
      return "own_only";
    case View::kNeutral:
      return "neutral";
  }
  return "unknown";
}

}  // namespace xq::policy
