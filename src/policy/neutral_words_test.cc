// Unit tests: the diagnostic-word list and the scale-title view of
// campaigns (issue 17.4).
#include "policy/neutral_words.h"

#include "core/status.h"
#include "gtest/gtest.h"
#include "policy/policy.h"

namespace xq::policy {
namespace {

TEST(NeutralWords, FindsDiagnosticWordsOnce) {
  auto w = DiagnosticWordsIn("该生疑似抑郁症，焦虑明显，请多关注。");
  EXPECT_EQ(w, (std::vector<std::string>{"抑郁症", "焦虑", "疑似"}));
  // The longer word is reported, not also the shorter one inside it.
  EXPECT_EQ(DiagnosticWordsIn("精神分裂症"), (std::vector<std::string>{"精神分裂症"}));
  EXPECT_EQ(DiagnosticWordsIn("PHQ-9 阳性"), (std::vector<std::string>{"阳性", "PHQ"}));
}

TEST(NeutralWords, NoFalsePositivesOnEverydayWords) {
  for (const char* text : {"请多关心该生的作息和情绪，鼓励参加集体活动。", "近期学习压力较大，有些紧张和担心。",
                           "操场上有障碍物，注意安全。", "阳光体育活动", "乐观开朗，积极向上", ""}) {
    EXPECT_TRUE(DiagnosticWordsIn(text).empty()) << text;
    EXPECT_TRUE(CheckNeutralText(text, "guidance").ok()) << text;
  }
}

TEST(NeutralWords, RefusalNamesFieldCodeAndWords) {
  auto st = CheckNeutralText("疑似抑郁，请关注", "guidance");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(st), "guidance");
  EXPECT_EQ(CodeOf(st), "diagnostic_wording");
  EXPECT_NE(st.message().find("抑郁"), std::string_view::npos);
  EXPECT_NE(st.message().find("疑似"), std::string_view::npos);
}

Actor With(std::vector<Grant> grants) {
  Actor a;
  a.account_id = 1;
  a.grants = std::move(grants);
  return a;
}

TEST(ScaleTitleView, CreatorsSeeTitlesOthersNeutral) {
  const std::string school = "/1/2/3/", district = "/1/2/", other = "/1/9/10/";
  EXPECT_EQ(ScaleTitleView(With({{Role::kPsychStaff, 3, school}}), school), View::kFull);
  // A district campaign cascading into the school.
  EXPECT_EQ(ScaleTitleView(With({{Role::kPsychStaff, 3, school}}), district), View::kFull);
  EXPECT_EQ(ScaleTitleView(With({{Role::kDistrictAdmin, 2, district}}), school), View::kFull);
  EXPECT_EQ(ScaleTitleView(With({{Role::kCityAdmin, 1, "/1/"}}), school), View::kFull);
  EXPECT_EQ(ScaleTitleView(With({{Role::kPsychStaff, 10, other}}), school), View::kNeutral);
  for (Role r : {Role::kHeadTeacher, Role::kGradeHead, Role::kSchoolLeader, Role::kSchoolDataAdmin,
                 Role::kDistrictLiaison, Role::kStudent, Role::kGuardian, Role::kCrisisGroup, Role::kAuditor}) {
    EXPECT_EQ(ScaleTitleView(With({{r, 3, school}}), school), View::kNeutral) << RoleName(r);
    EXPECT_FALSE(MayUseCampaignTemplates(With({{r, 3, school}}))) << RoleName(r);
  }
  // Several roles: the creating one decides.
  EXPECT_EQ(ScaleTitleView(With({{Role::kHeadTeacher, 5, "/1/2/3/4/5/"}, {Role::kPsychStaff, 3, school}}), school),
            View::kFull);
  EXPECT_TRUE(MayUseCampaignTemplates(With({{Role::kHeadTeacher, 5, "/1/2/3/4/5/"}, {Role::kPsychStaff, 3, school}})));
  EXPECT_FALSE(MayUseCampaignTemplates(With({})));
  EXPECT_EQ(ViewName(View::kNeutral), "neutral");
}

}  // namespace
}  // namespace xq::policy
