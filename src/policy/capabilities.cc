// Menu capabilities per role (docs/design/access.md "menu entries") and
// who sees scale titles; the server still decides every request.
#include "policy/policy.h"

#include <algorithm>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "policy/internal.h"

namespace xq::policy {
namespace {

struct CapabilityRow {
  std::string_view capability;
  std::vector<Role> roles;
};

// UI menu capabilities (the server still decides every request). Add a row
// per new menu entry.
const std::vector<CapabilityRow>& CapabilityTable() {
  static const std::vector<CapabilityRow> kTable = {
      {"org.browse",
       {Role::kHeadTeacher, Role::kGradeHead, Role::kPsychStaff, Role::kSchoolLeader, Role::kSchoolDataAdmin,
        Role::kDistrictAdmin, Role::kDistrictLiaison, Role::kCityAdmin}},
      {"roster.read",
       {Role::kSubjectTeacher, Role::kHeadTeacher, Role::kGradeHead, Role::kPsychStaff, Role::kSchoolLeader,
        Role::kSchoolDataAdmin, Role::kPeerReporter}},
      {"roster.import", {Role::kSchoolDataAdmin}},
      {"accounts.manage", {Role::kSchoolDataAdmin, Role::kDistrictAdmin, Role::kCityAdmin}},
      {"audit.read", {Role::kAuditor}},
      {"self.profile", {Role::kStudent}},
      {"children.read", {Role::kGuardian}},
      // Screening (R-10…R-16): campaigns, urgent warnings and follow-ups for
      // the psychology centre; progress and attention lists for teachers;
      // campaigns and statistics for district and city; consent for guardians.
      {"screening.manage", {Role::kPsychStaff}},
      {"warnings.inbox", {Role::kPsychStaff}},
      {"followups.review", {Role::kPsychStaff}},
      {"screening.progress", {Role::kHeadTeacher, Role::kGradeHead, Role::kSchoolLeader}},
      {"attention.read", {Role::kHeadTeacher, Role::kGradeHead}},
      {"screening.campaigns", {Role::kDistrictAdmin, Role::kCityAdmin}},
      {"screening.stats", {Role::kDistrictAdmin, Role::kCityAdmin}},
      {"screening.campaign", {Role::kPsychStaff, Role::kDistrictAdmin, Role::kCityAdmin}},
      {"consent.respond", {Role::kGuardian}},
      {"screening.answer", {Role::kStudent}},
      // Archive: the psychology centre's archive
      // pages; talks and home visits for every teacher; review meetings for
      // grade heads and the psychology centre; guardians' child's visits.
      {"archive.read", {Role::kPsychStaff}},
      {"contacts.record",
       {Role::kSchoolLeader, Role::kGradeHead, Role::kHeadTeacher, Role::kSubjectTeacher, Role::kPsychStaff}},
      {"reviews.record", {Role::kGradeHead, Role::kPsychStaff}},
      {"children.visits", {Role::kGuardian}},
      // Indicators and sign-off (R-60…R-62): the dashboards for the school's
      // leaders, the district and the city; sign-off for those who sign.
      {"indicators.dashboard", {Role::kSchoolLeader, Role::kDistrictAdmin, Role::kDistrictLiaison, Role::kCityAdmin}},
      {"indicators.signoff", {Role::kSchoolLeader, Role::kSchoolDataAdmin, Role::kDistrictAdmin, Role::kCityAdmin}},
      // The warning network: the report form and
      // one's own reports; the weekly class report; a head teacher's or
      // grade head's classes; the board of warnings (the psychology
      // centre; school leaders counts and 一级; crisis groups what was
      // escalated to them).
      {"network.report",
       {Role::kPeerReporter, Role::kSubjectTeacher, Role::kHeadTeacher, Role::kGradeHead, Role::kPsychStaff}},
      {"network.weekly", {Role::kPeerReporter}},
      {"network.class", {Role::kHeadTeacher, Role::kGradeHead}},
      {"network.board", {Role::kPsychStaff, Role::kSchoolLeader, Role::kCrisisGroup}},
      // The school's warning deadlines: those who may change them
      // (DecideWarningDeadlines); the outbound channels: the administrator
      // bound to the unit (DecideChannelSettings).
      {"network.deadlines", {Role::kPsychStaff, Role::kSchoolLeader}},
      {"notify.channels", {Role::kSchoolDataAdmin, Role::kDistrictAdmin, Role::kCityAdmin}},
      // 工作台账 (R-50…R-55): the unit's own work records.
      {"records.manage",
       {Role::kPsychStaff, Role::kSchoolLeader, Role::kSchoolDataAdmin, Role::kDistrictAdmin, Role::kDistrictLiaison,
        Role::kCityAdmin, Role::kExpert}},
      // Crisis cases (R-41…R-43): the case board (full for psychology staff,
      // status only for school leaders and crisis groups, consulted cases for
      // experts), referrals (psychology staff, hospital liaisons), the
      // break-glass review (auditors) and the 告知书 to confirm (guardians).
      {"crisis.cases", {Role::kPsychStaff, Role::kSchoolLeader, Role::kCrisisGroup, Role::kExpert}},
      {"crisis.referrals", {Role::kPsychStaff, Role::kHospitalLiaison}},
      {"crisis.review", {Role::kAuditor}},
      {"crisis.notices", {Role::kGuardian}},
      {"crisis.guidance", {Role::kHeadTeacher, Role::kGradeHead}},
      // Counselling: booking for students (and every student
      // account, below); the schedule and appointments, and the session
      // records (D5: the author's own, the centre head's school), for the
      // psychology centre; referrals to the centre for head teachers and
      // grade heads; summaries shared for supervision for experts.
      {"counselling.book", {Role::kStudent}},
      {"counselling.schedule", {Role::kPsychStaff}},
      {"counselling.records", {Role::kPsychStaff}},
      {"counselling.refer", {Role::kHeadTeacher, Role::kGradeHead}},
      {"counselling.shares", {Role::kExpert}},
  };
  return kTable;
}

// Shown to every account, including one without grants.
constexpr std::string_view kEveryoneCapability = "hotlines.read";

// Roles that create screening campaigns (psychology staff for their school,
// district and city admins for their scope); they choose the scales and so
// see their names.
bool CreatesCampaigns(Role r) { return r == Role::kPsychStaff || r == Role::kDistrictAdmin || r == Role::kCityAdmin; }

}  // namespace

std::vector<std::string> Capabilities(const Actor& actor) {
  std::vector<std::string> out{std::string(kEveryoneCapability)};
  for (const CapabilityRow& row : CapabilityTable()) {
    const bool has = std::any_of(actor.grants.begin(), actor.grants.end(), [&](const Grant& g) {
      return std::find(row.roles.begin(), row.roles.end(), g.role) != row.roles.end();
    });
    if (has) out.emplace_back(row.capability);
  }
  // Every student account answers its own assessments and books its own
  // counselling, whatever its roles (a 心理委员 is a student too).
  if (actor.student_id != 0) {
    out.emplace_back("screening.answer");
    out.emplace_back("counselling.book");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool MayUseCampaignTemplates(const Actor& actor) {
  return std::any_of(actor.grants.begin(), actor.grants.end(), [](const Grant& g) { return CreatesCampaigns(g.role); });
}

View ScaleTitleView(const Actor& actor, std::string_view owner_path) {
  for (const Grant& g : actor.grants) {
    if (!CreatesCampaigns(g.role)) continue;
    // The campaign is the grant's own, or one cascading into the grant's unit.
    if (InScope(g.unit_path, owner_path) || InScope(owner_path, g.unit_path)) return View::kFull;
  }
  return View::kNeutral;
}

}  // namespace xq::policy
