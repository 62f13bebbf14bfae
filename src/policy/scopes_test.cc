// Where an actor may do something (policy/scopes.h): one scope per grant
// that Decide allows at the grant's own unit, in grant order, with the view
// it gives; accounts holding several roles keep only the grants that allow.
#include "policy/scopes.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace xq::policy {
namespace {

using ::testing::ElementsAre;

constexpr const char* kSchool = "/1/2/3/";
constexpr const char* kOtherSchool = "/1/2/4/";
constexpr const char* kClass = "/1/2/3/4/5/";

Actor WithGrants(std::vector<Grant> grants) {
  Actor a;
  a.account_id = 42;
  a.grants = std::move(grants);
  return a;
}

TEST(ScopesTest, OneScopePerAllowingGrantInGrantOrder) {
  Actor a = WithGrants({Grant{Role::kPsychStaff, 3, kSchool}, Grant{Role::kPsychStaff, 4, kOtherSchool}});
  auto scopes = ScopesFor(a, Action::kRead, DataClass::kResults);
  ASSERT_EQ(scopes.size(), 2u);
  EXPECT_EQ(scopes[0].role, Role::kPsychStaff);
  EXPECT_EQ(scopes[0].view, View::kFull);
  EXPECT_THAT(PathsOf(scopes), ElementsAre(kSchool, kOtherSchool));
}

TEST(ScopesTest, SeveralRolesKeepOnlyTheGrantsThatAllow) {
  // A head teacher of a class who is also psychology staff of the school:
  // results (D3) only through the psychology grant, attention levels (D4)
  // through both.
  Actor a = WithGrants({Grant{Role::kHeadTeacher, 5, kClass}, Grant{Role::kPsychStaff, 3, kSchool}});
  auto results = ScopesFor(a, Action::kRead, DataClass::kResults);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].role, Role::kPsychStaff);
  EXPECT_EQ(results[0].path, kSchool);
  EXPECT_THAT(PathsOf(ScopesFor(a, Action::kRead, DataClass::kAttention)), ElementsAre(kClass, kSchool));
  // The roles asked for narrow the grants considered.
  EXPECT_THAT(PathsOf(ScopesFor(a, Action::kRead, DataClass::kAttention, {Role::kHeadTeacher})), ElementsAre(kClass));
  EXPECT_TRUE(ScopesFor(a, Action::kRead, DataClass::kResults, {Role::kHeadTeacher}).empty());
}

TEST(ScopesTest, TheViewIsTheOneDecideGives) {
  // Peer reporters read names in their class, without contact data.
  Actor a = WithGrants({Grant{Role::kPeerReporter, 5, kClass}});
  a.student_id = 101;
  auto scopes = ScopesFor(a, Action::kRead, DataClass::kRoster);
  ASSERT_EQ(scopes.size(), 1u);
  EXPECT_EQ(scopes[0].view, View::kNamesOnly);
}

TEST(ScopesTest, DeniedActorsHaveNoScope) {
  EXPECT_TRUE(ScopesFor(WithGrants({}), Action::kRead, DataClass::kRoster).empty());
  Actor student = WithGrants({Grant{Role::kStudent, 5, kClass}});
  student.student_id = 100;
  EXPECT_TRUE(ScopesFor(student, Action::kRead, DataClass::kResults).empty());
  // A grant bound to no unit covers nothing.
  EXPECT_TRUE(ScopesFor(WithGrants({Grant{Role::kPsychStaff, 3, ""}}), Action::kRead, DataClass::kResults).empty());
  // Writing results is not what a head teacher may do anywhere.
  EXPECT_TRUE(
      ScopesFor(WithGrants({Grant{Role::kHeadTeacher, 5, kClass}}), Action::kWrite, DataClass::kResults).empty());
}

TEST(ScopesTest, CoveringIsTheFirstScopeOverTheUnit) {
  std::vector<Scope> scopes = {{Role::kHeadTeacher, kClass, View::kFull}, {Role::kPsychStaff, kSchool, View::kFull}};
  const Scope* s = Covering(scopes, "/1/2/3/4/5/");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->role, Role::kHeadTeacher);
  s = Covering(scopes, "/1/2/3/9/");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->role, Role::kPsychStaff);
  EXPECT_EQ(Covering(scopes, "/1/2/30/"), nullptr);  // a sibling whose path starts alike
  EXPECT_EQ(Covering(scopes, "/1/2/"), nullptr);     // above every scope
  EXPECT_EQ(Covering({}, kSchool), nullptr);
}

TEST(ScopesTest, PrimaryRoleIsTheFirstGrants) {
  EXPECT_EQ(PrimaryRole(WithGrants({})), "");
  EXPECT_EQ(PrimaryRole(WithGrants({Grant{Role::kHeadTeacher, 5, kClass}, Grant{Role::kPsychStaff, 3, kSchool}})),
            "head_teacher");
}

}  // namespace
}  // namespace xq::policy
