// Decisions about unit-level objects rather than a student's data: sign-off
// of figures, city settings, warning deadlines, hotlines and channels
// (policy/policy.h). Work records are decided with the data-class rules
// (policy.cc).
#include "policy/policy.h"

#include <algorithm>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "policy/internal.h"

namespace xq::policy {

Decision DecideSignOff(const Actor& actor, SignOffStep step, std::string_view school_path, bool school_has_district) {
  if (!WellFormedPath(school_path)) return Deny(fmt::format("'{}' is not an org unit path", school_path));
  // Each step belongs to one level: the school signs its own figures (a
  // grant at the school itself), the district reviews its schools (the city
  // reviews a school that has no district, e.g. a university), the city
  // accepts. A grant at a higher level never stands in for a lower one.
  for (const Grant& g : actor.grants) {
    bool ok = false;
    switch (step) {
      case SignOffStep::kSubmit:
        ok = (g.role == Role::kSchoolLeader || g.role == Role::kSchoolDataAdmin) && g.unit_path == school_path;
        break;
      case SignOffStep::kReview:
        ok = ((g.role == Role::kDistrictAdmin && school_has_district) ||
              (g.role == Role::kCityAdmin && !school_has_district)) &&
             InScope(g.unit_path, school_path) && g.unit_path != school_path;
        break;
      case SignOffStep::kAccept:
        ok = g.role == Role::kCityAdmin && InScope(g.unit_path, school_path);
        break;
    }
    if (ok) {
      Decision d;
      d.allowed = true;
      d.view = View::kFull;
      d.via = g.role;
      d.reason = fmt::format("{} at {} signs for {}", RoleName(g.role), g.unit_path, school_path);
      return d;
    }
  }
  return Deny(fmt::format("no grant of the actor may take this sign-off step for {}", school_path));
}

Decision DecideCitySettings(const Actor& actor, Action action) {
  for (const Grant& g : actor.grants) {
    const bool may = action == Action::kWrite
                         ? g.role == Role::kCityAdmin
                         : action == Action::kRead && (IsAccountsAdmin(g.role) || g.role == Role::kAuditor);
    if (!may) continue;
    Decision d;
    d.allowed = true;
    d.view = View::kFull;
    d.via = g.role;
    d.reason = fmt::format("{} may {} the city's settings", RoleName(g.role), ActionName(action));
    return d;
  }
  return Deny(action == Action::kWrite ? "only the city admin changes the city's settings"
                                       : "the city's settings are for administrators and the auditor");
}

Decision DecideWarningDeadlines(const Actor& actor, Action action, std::string_view school_path) {
  for (const Grant& g : actor.grants) {
    const bool owner = g.role == Role::kPsychStaff || g.role == Role::kSchoolLeader;
    const bool reader = owner || g.role == Role::kGradeHead || g.role == Role::kHeadTeacher;
    const bool may = action == Action::kWrite
                         ? owner && InScope(g.unit_path, school_path)
                         : action == Action::kRead && reader &&
                               (InScope(g.unit_path, school_path) || InScope(school_path, g.unit_path));
    if (!may) continue;
    Decision d;
    d.allowed = true;
    d.view = View::kFull;
    d.via = g.role;
    d.reason = fmt::format("{} may {} the school's warning deadlines", RoleName(g.role), ActionName(action));
    return d;
  }
  return Deny(action == Action::kWrite ? "only the psychology centre and the school leader change warning deadlines"
                                       : "warning deadlines are for the school's staff");
}

namespace {

Decision AllowVia(Role r, std::string reason) {
  Decision d;
  d.allowed = true;
  d.view = View::kFull;
  d.via = r;
  d.reason = std::move(reason);
  return d;
}

}  // namespace

Decision DecideHotlineEdit(const Actor& actor, std::string_view unit_kind, std::string_view unit_path) {
  if (!WellFormedPath(unit_path)) return Deny(fmt::format("'{}' is not an org unit path", unit_path));
  for (const Grant& g : actor.grants) {
    if (g.unit_path != unit_path) continue;
    const bool may = (unit_kind == "city" && g.role == Role::kCityAdmin) ||
                     (unit_kind == "district" && g.role == Role::kDistrictAdmin) ||
                     (unit_kind == "school" && (g.role == Role::kSchoolDataAdmin || g.role == Role::kSchoolLeader ||
                                                g.role == Role::kPsychStaff));
    if (may)
      return AllowVia(g.role,
                      fmt::format("{} edits the hotlines of its {} {}", RoleName(g.role), unit_kind, unit_path));
  }
  return Deny(fmt::format("no role bound to the {} {} edits its hotlines", unit_kind, unit_path));
}

Decision DecideHotlineClassMeeting(const Actor& actor, std::string_view class_path) {
  if (!WellFormedPath(class_path)) return Deny(fmt::format("'{}' is not an org unit path", class_path));
  for (const Grant& g : actor.grants) {
    const bool role = g.role == Role::kHeadTeacher || g.role == Role::kGradeHead || g.role == Role::kPsychStaff;
    if (role && InScope(g.unit_path, class_path))
      return AllowVia(g.role,
                      fmt::format("{} at {} holds class meetings of {}", RoleName(g.role), g.unit_path, class_path));
  }
  return Deny(
      fmt::format("only the class's head teacher, grade head or psychology staff mark a meeting of {}", class_path));
}

Decision DecideExpertDirectory(const Actor& actor, std::string_view school_path) {
  if (!WellFormedPath(school_path)) return Deny(fmt::format("'{}' is not an org unit path", school_path));
  for (const Grant& g : actor.grants) {
    if (g.role == Role::kPsychStaff && InScope(g.unit_path, school_path))
      return AllowVia(g.role,
                      fmt::format("psych_staff at {} shares records of {} for supervision", g.unit_path, school_path));
  }
  return Deny(fmt::format("only the psychology centre staff of {} share records for supervision", school_path));
}

Decision DecideChannelSettings(const Actor& actor, std::string_view unit_kind, std::string_view unit_path) {
  if (!WellFormedPath(unit_path)) return Deny(fmt::format("'{}' is not an org unit path", unit_path));
  for (const Grant& g : actor.grants) {
    if (g.unit_path != unit_path) continue;
    const bool may = (unit_kind == "city" && g.role == Role::kCityAdmin) ||
                     (unit_kind == "district" && g.role == Role::kDistrictAdmin) ||
                     (unit_kind == "school" && g.role == Role::kSchoolDataAdmin);
    if (may)
      return AllowVia(g.role, fmt::format("{} sets the channels of its {} {}", RoleName(g.role), unit_kind, unit_path));
  }
  return Deny(fmt::format("no administrator bound to the {} {} sets its channels", unit_kind, unit_path));
}

}  // namespace xq::policy
