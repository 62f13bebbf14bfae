// The demo's named accounts (internal to the demo module): which exist, in
// the order they are listed, and the role each is made for.
#pragma once

#include <array>
#include <string_view>

#include "policy/model.h"

namespace xq::demo {

struct AccountSpec {
  std::string_view username;
  policy::Role role;
};

// The demo accounts, in the order they are listed.
constexpr std::array<AccountSpec, 20> kAccounts = {{
    {"city_admin", policy::Role::kCityAdmin},
    {"district_admin", policy::Role::kDistrictAdmin},
    {"district_liaison", policy::Role::kDistrictLiaison},
    {"crisis_group", policy::Role::kCrisisGroup},
    {"expert", policy::Role::kExpert},
    {"hospital_liaison", policy::Role::kHospitalLiaison},
    {"auditor", policy::Role::kAuditor},
    {"school_leader", policy::Role::kSchoolLeader},
    {"psych_staff", policy::Role::kPsychStaff},
    {"school_data_admin", policy::Role::kSchoolDataAdmin},
    {"grade_head", policy::Role::kGradeHead},
    {"head_teacher", policy::Role::kHeadTeacher},
    {"head_teacher2", policy::Role::kHeadTeacher},
    {"subject_teacher", policy::Role::kSubjectTeacher},
    {"peer_reporter", policy::Role::kPeerReporter},
    {"student", policy::Role::kStudent},
    {"guardian", policy::Role::kGuardian},
    {"univ_psych_staff", policy::Role::kPsychStaff},
    {"counsellor", policy::Role::kHeadTeacher},
    {"dorm_leader", policy::Role::kPeerReporter},
}};

}  // namespace xq::demo
