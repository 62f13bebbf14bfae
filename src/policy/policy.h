// THE access policy of xinqiao (spec: ACCESS.md). One pure decision
// function; every service asks it before reading or changing data, and the
// serializer omits what the returned View excludes. Default: deny.
// Thread-safe: pure functions of their arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/model.h"

namespace xq::policy {

// True if unit_path lies in the subtree of scope_path (prefix match on
// materialised paths "/1/7/42/").
bool InScope(std::string_view scope_path, std::string_view unit_path);

// Decides whether actor may perform action on resource.
Decision Decide(const Actor& actor, Action action, const Resource& resource);

// UI capabilities of an actor (drives the role-aware menu; the server still
// decides every request with Decide). Sorted, unique. Names:
//   org.browse roster.read roster.import accounts.manage audit.read
//   self.profile children.read hotlines.read
std::vector<std::string> Capabilities(const Actor& actor);

// Sign-off of a school's indicator figures: submit (and re-submit)
// by the school's leader or data admin bound to the school itself; review
// (approve or return) by a district admin whose district holds the school,
// or the city admin for a school with no district; accept by the city admin.
enum class SignOffStep { kSubmit, kReview, kAccept };
Decision DecideSignOff(const Actor& actor, SignOffStep step, std::string_view school_path, bool school_has_district);

// Whether the actor sees the campaign templates (GET /screening-templates):
// only roles that create campaigns (psychology staff, district and city
// admins). Their titles name diagnostic scales.
bool MayUseCampaignTemplates(const Actor& actor);

// How the scales of a campaign owned by the unit at owner_path are titled
// for the actor: kFull (the scale's own title, e.g. a PHQ-9 name) for
// psychology staff and district/city admins whose scope holds the campaign
// or lies under it; kNeutral (心理健康小调查（n）, as students see them) for
// everybody else: head teachers, grade heads, school leaders, data admins,
// district liaisons and any other role (default: neutral).
View ScaleTitleView(const Actor& actor, std::string_view owner_path);

// Whether granter may grant role at a unit with path unit_path
// (account administration within scope).
// Scope and role power only; DecideGrantTo adds the rules about the account.
Decision DecideGrant(const Actor& granter, Role role, std::string_view unit_path);

// Two-factor sign-in (docs/design/access.md "Two-factor sign-in"): whether
// an account holding `role` must give a TOTP code after its password while
// the city requires it. True for the roles that read D2, D3 or D5
// (psychology staff, crisis group, expert, hospital liaison) and for the
// account administrators (school data admin, district admin, city admin).
bool RequiresSecondFactor(Role role);
bool RequiresSecondFactor(const Actor& actor);

// The city's settings (the two-factor switch): read by account
// administrators and the auditor, changed (kWrite) by the city admin only.
Decision DecideCitySettings(const Actor& actor, Action action);
// A school's warning deadlines (R-31: how long each level may wait for
// acknowledgement and action): read by the psychology centre, the school
// leader, grade heads and head teachers of the school; changed (kWrite) by
// the psychology centre and the school leader. school_path is the school's
// materialised path; a grant must hold it or lie under it (reads) or hold
// it (writes).
Decision DecideWarningDeadlines(const Actor& actor, Action action, std::string_view school_path);
// Roles that read D2, D3, D5 or D6 beyond the holder's own reports (psychology
// centre staff, crisis group, expert, hospital liaison): a grant takes effect
// only after a second administrator approves it (four-eyes, R-73).
bool NeedsSecondApproval(Role role);
// Roles whose ACCESS.md row reads identified screening, clinical or report
// data of others (D2/D3/D5/D6). An account administrator never holds one.
bool ReadsIdentifiedData(Role role);
// school_data_admin, district_admin, city_admin.
bool AdministersAccounts(Role role);

// The account a role would be granted to, as the service read it.
struct GrantTarget {
  int64_t account_id = 0;
  std::string person_type;      // "staff" | "student" | "guardian"
  bool member_of_unit = false;  // belongs to the unit's school (above schools: to none)
  std::vector<Role> roles;      // roles it holds now (pending requests not included)
};

// Whether granter may give role at unit_path to target: never to its own
// account; staff roles only to staff members of that unit, 心理委员
// (peer_reporter) only to a student of it; an administrator never ends up
// with a role of ReadsIdentifiedData (nor such a holder with an admin role).
// Allowed with needs_approval set for NeedsSecondApproval roles.
Decision DecideGrantTo(const Actor& granter, Role role, std::string_view unit_path, const GrantTarget& target);
// Whether granter may revoke target's role at unit_path (in scope; never a
// role of its own account).
Decision DecideRevoke(const Actor& granter, Role role, std::string_view unit_path, int64_t target_account_id);
// Whether approver may approve or reject the pending grant requested_by asked
// for: a second administrator with the power to grant it, who is neither the
// requester nor the account concerned.
Decision DecideApproval(const Actor& approver, int64_t requested_by, Role role, std::string_view unit_path,
                        const GrantTarget& target);

// Hotlines are public (D0) but kept per level: the city admin edits
// the city's lines, the district admin its district's, and the school data
// admin, a school leader or psychology centre staff their school's. The
// grant must be bound to that very unit (a district admin does not edit a
// school's lines). unit_kind: "city" | "district" | "school".
Decision DecideHotlineEdit(const Actor& actor, std::string_view unit_kind, std::string_view unit_path);
// Who marks a class meeting on the hotlines held (students then confirm on
// their phones): a head teacher or grade head whose scope holds the class,
// or the school's psychology centre staff.
Decision DecideHotlineClassMeeting(const Actor& actor, std::string_view class_path);
// The expert directory of a school (督导): the experts assigned to the
// school's district, the city or the school itself (a university), whom the
// school's psychology centre staff may share a session record's summary
// with. Only psychology staff whose scope holds the school; every other
// role is denied (a head teacher, a student, the school leader).
Decision DecideExpertDirectory(const Actor& actor, std::string_view school_path);
// The channel settings of outbound messages (webhook, SMTP) of a unit: the
// school data admin for its school, the district admin for its district,
// the city admin for the city; bound to that very unit.
Decision DecideChannelSettings(const Actor& actor, std::string_view unit_kind, std::string_view unit_path);
// 工作台账 (work records about a unit itself: staffing, training, rooms,
// courses, activities, family education, funding, research staff; R-50…R-55,
// D8). unit_path is the unit the record belongs to (a school, or a
// district/city for their own records). Read: the roles whose D8 covers the
// whole unit (psychology staff, school leader, school data admin of the
// school; district admin/liaison, city admin and experts over their scope);
// a head teacher's or teacher's D8 (own and classes) does not reach them.
// Write: psychology staff, school leader and school data admin for their
// school; district and city admins for their own unit only (never a
// school's record). Every other role is denied.
Decision DecideUnitRecord(const Actor& actor, Action action, std::string_view unit_path);
// The units whose records the actor may read (the scopes of the grants
// DecideUnitRecord would allow reading), widest first, without duplicates
// or units inside another listed one.
std::vector<Grant> UnitRecordScopes(const Actor& actor);

}  // namespace xq::policy
