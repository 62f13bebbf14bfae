// Granting and revoking roles (授权), the four-eyes rule and second-factor
// requirements (ACCESS.md "Granting roles"; policy/policy.h).
#include "policy/policy.h"

#include <algorithm>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "policy/internal.h"

namespace xq::policy {
namespace {

bool SchoolLevelRole(Role r) {
  switch (r) {
    case Role::kStudent:
    case Role::kGuardian:
    case Role::kPeerReporter:
    case Role::kSubjectTeacher:
    case Role::kHeadTeacher:
    case Role::kGradeHead:
    case Role::kPsychStaff:
    case Role::kSchoolLeader:
    case Role::kSchoolDataAdmin:
      return true;
    default:
      return false;
  }
}

bool MayGrantRole(Role granter, Role role) {
  switch (granter) {
    case Role::kSchoolDataAdmin:
      return SchoolLevelRole(role);
    case Role::kDistrictAdmin:
      return role != Role::kCityAdmin && role != Role::kAuditor;
    case Role::kCityAdmin:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool IsAccountsAdmin(Role r) {
  return r == Role::kSchoolDataAdmin || r == Role::kDistrictAdmin || r == Role::kCityAdmin;
}

Decision DecideGrant(const Actor& granter, Role role, std::string_view unit_path) {
  if (!WellFormedPath(unit_path)) {
    return Deny(fmt::format("'{}' is not an org unit path", unit_path));
  }
  std::string denials;
  for (const Grant& g : granter.grants) {
    if (!IsAccountsAdmin(g.role)) continue;
    std::string why;
    if (!InScope(g.unit_path, unit_path)) {
      why = fmt::format("{} at {} may not grant outside its scope ({})", RoleName(g.role), g.unit_path, unit_path);
    } else if (!MayGrantRole(g.role, role)) {
      why = fmt::format("{} may not grant {}", RoleName(g.role), RoleName(role));
    } else {
      Decision d;
      d.allowed = true;
      d.view = View::kFull;
      d.via = g.role;
      d.reason = fmt::format("{} at {} may grant {} at {}", RoleName(g.role), g.unit_path, RoleName(role), unit_path);
      return d;
    }
    if (!denials.empty()) denials += "; ";
    denials += why;
  }
  if (denials.empty()) {
    denials = fmt::format("granting {} needs an accounts administration role", RoleName(role));
  }
  return Deny(std::move(denials));
}

bool RequiresSecondFactor(Role role) {
  switch (role) {
    case Role::kPsychStaff:
    case Role::kCrisisGroup:
    case Role::kExpert:
    case Role::kHospitalLiaison:
    case Role::kSchoolDataAdmin:
    case Role::kDistrictAdmin:
    case Role::kCityAdmin:
      return true;
    default:
      return false;
  }
}

bool RequiresSecondFactor(const Actor& actor) {
  return std::any_of(actor.grants.begin(), actor.grants.end(),
                     [](const Grant& g) { return RequiresSecondFactor(g.role); });
}

bool NeedsSecondApproval(Role role) {
  switch (role) {
    case Role::kPsychStaff:
    case Role::kCrisisGroup:
    case Role::kExpert:
    case Role::kHospitalLiaison:
      return true;
    default:
      return false;
  }
}

bool ReadsIdentifiedData(Role role) {
  // ACCESS.md rows that read identified screening answers and results,
  // clinical records or others' reports school- or case-wide (D2/D3/D5/D6):
  // the roles that need a second approval. A head teacher, grade head or
  // school leader reads neutral levels and own units' reports: people wear
  // several hats (a data admin may head a class), so those stay grantable.
  return NeedsSecondApproval(role);
}

bool AdministersAccounts(Role role) { return IsAccountsAdmin(role); }

Decision DecideGrantTo(const Actor& granter, Role role, std::string_view unit_path, const GrantTarget& target) {
  if (target.account_id != 0 && target.account_id == granter.account_id) {
    return Deny(fmt::format("nobody grants a role to its own account ({})", RoleName(role)));
  }
  Decision d = DecideGrant(granter, role, unit_path);
  if (!d.allowed) return d;
  if (role == Role::kStudent || role == Role::kGuardian) {
    return Deny(fmt::format("{} roles come from the roster, not from account administration", RoleName(role)));
  }
  if (role == Role::kPeerReporter) {
    if (target.person_type != "student" || !target.member_of_unit) {
      return Deny("peer_reporter (心理委员) is granted only to a student of that unit's school");
    }
  } else if (target.person_type != "staff" || !target.member_of_unit) {
    return Deny(fmt::format("{} is granted only to a staff member of that unit ({} account)", RoleName(role),
                            target.person_type));
  }
  const bool holds_admin = std::any_of(target.roles.begin(), target.roles.end(), IsAccountsAdmin);
  const bool holds_identified = std::any_of(target.roles.begin(), target.roles.end(), ReadsIdentifiedData);
  if (ReadsIdentifiedData(role) && holds_admin) {
    return Deny(fmt::format("an account administrator never holds {} (it reads identified data)", RoleName(role)));
  }
  if (IsAccountsAdmin(role) && holds_identified) {
    return Deny(fmt::format("an account that reads identified data never becomes {}", RoleName(role)));
  }
  if (NeedsSecondApproval(role)) {
    d.needs_approval = true;
    d.reason += "; takes effect after a second administrator approves";
  }
  return d;
}

Decision DecideRevoke(const Actor& granter, Role role, std::string_view unit_path, int64_t target_account_id) {
  if (target_account_id != 0 && target_account_id == granter.account_id) {
    return Deny(fmt::format("nobody revokes or changes a role of its own account ({})", RoleName(role)));
  }
  return DecideGrant(granter, role, unit_path);
}

Decision DecideApproval(const Actor& approver, int64_t requested_by, Role role, std::string_view unit_path,
                        const GrantTarget& target) {
  if (approver.account_id != 0 && approver.account_id == requested_by) {
    return Deny("the administrator who asked for a grant does not approve it (four-eyes)");
  }
  Decision d = DecideGrantTo(approver, role, unit_path, target);
  if (!d.allowed) return d;
  d.needs_approval = false;
  d.reason = fmt::format("{} may approve {} at {} asked for by account {}", RoleName(*d.via), RoleName(role), unit_path,
                         requested_by);
  return d;
}

}  // namespace xq::policy
