// THE access policy (spec: ACCESS.md; design: docs/design/access.md).
//
// Each grant of the actor is judged on its own against the ACCESS.md row of
// its role; the most permissive allowed outcome wins. Anything a rule does
// not allow explicitly is denied, and every denial says why. Grants
// (grants.cc), menu capabilities (capabilities.cc) and unit-level decisions
// (unit_decisions.cc) live beside this file.
#include "policy/policy.h"

#include <algorithm>
#include <array>
#include <utility>

#include "fmt/format.h"
#include "policy/internal.h"

namespace xq::policy {
namespace {

bool Contains(const std::vector<int64_t>& ids, int64_t id) {
  return id != 0 && std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool IsIdentified(DataClass k) {
  return k == DataClass::kRoster || k == DataClass::kRawAnswers || k == DataClass::kResults ||
         k == DataClass::kAttention || k == DataClass::kClinical || k == DataClass::kReports;
}

// D2..D6: what break-glass may open (ACCESS.md notes).
bool IsBreakGlassClass(DataClass k) {
  return k == DataClass::kRawAnswers || k == DataClass::kResults || k == DataClass::kAttention ||
         k == DataClass::kClinical || k == DataClass::kReports;
}

// Higher is more permissive; used to pick among several grants.
int ViewRank(View v) {
  switch (v) {
    case View::kNone:
      return 0;
    case View::kFeedbackOnly:
    case View::kNeutral:
      return 1;
    case View::kCountsOnly:
      return 2;
    case View::kOwnOnly:
      return 3;
    case View::kNamesOnly:
      return 4;
    case View::kSummary:
      return 5;
    case View::kFull:
      return 6;
  }
  return 0;
}

// True if a is a better outcome for the actor than b: allowed beats
// denied, a wider view beats a narrower one, and ordinary access beats
// break-glass (so an access the actor has anyway is not flagged).
bool Better(const Decision& a, const Decision& b) {
  if (a.allowed != b.allowed) return a.allowed;
  if (ViewRank(a.view) != ViewRank(b.view)) return ViewRank(a.view) > ViewRank(b.view);
  return !a.break_glass && b.break_glass;
}

bool ResourceInGrant(const Grant& g, const Resource& r) {
  return InScope(g.unit_path, r.unit_path) || (!r.alt_unit_path.empty() && InScope(g.unit_path, r.alt_unit_path));
}

// One grant judged against one request (read or write; exports are
// decided in DecideExport).
struct Ctx {
  const Actor& actor;
  const Grant& grant;
  Action action;
  const Resource& res;

  bool Read() const { return action == Action::kRead; }
  bool Write() const { return action == Action::kWrite; }
  DataClass Class() const { return res.data_class; }
  bool InGrantScope() const { return ResourceInGrant(grant, res); }
  bool Self() const { return actor.student_id != 0 && actor.student_id == res.student_id; }
  bool OwnChild() const { return Contains(actor.child_ids, res.student_id); }
  bool Paired() const { return Contains(actor.paired_student_ids, res.student_id); }
  bool OwnAuthor() const { return actor.account_id != 0 && res.author_account_id == actor.account_id; }
  // A write creates a new object (no author yet; the service records the
  // actor) or changes the actor's own.
  bool NewOrOwn() const { return res.author_account_id == 0 || OwnAuthor(); }
};

std::string Head(const Ctx& c) {
  return fmt::format("{} may {} {}", RoleName(c.grant.role), ActionName(c.action), DataClassName(c.Class()));
}

Decision Allow(const Ctx& c, View view, std::string_view why) {
  Decision d;
  d.allowed = true;
  d.view = view;
  d.via = c.grant.role;
  d.reason = fmt::format("{} ({})", Head(c), why);
  return d;
}

// Deny: policy/internal.h.
// The role has no access of this kind to this class at all.
Decision Never(const Ctx& c) {
  return Deny(fmt::format("{} may not {} {}", RoleName(c.grant.role), ActionName(c.action), DataClassName(c.Class())));
}

// Allowed only if cond holds; `what` names the condition.
Decision Only(const Ctx& c, bool cond, View view, std::string_view what) {
  if (cond) return Allow(c, view, what);
  return Deny(fmt::format("{} only {}", Head(c), what));
}

// Allowed only within the grant's unit.
Decision InScopeOnly(const Ctx& c, View view) {
  if (c.InGrantScope()) {
    return Allow(c, view, fmt::format("in scope {}", c.grant.unit_path));
  }
  return Deny(fmt::format("{} only in scope {}; object at '{}'", Head(c), c.grant.unit_path, c.res.unit_path));
}

// --- one function per ACCESS.md row -------------------------------------

Decision StudentRule(const Ctx& c) {
  switch (c.Class()) {
    case DataClass::kRoster:
      if (c.Read()) return Only(c, c.Self(), View::kFull, "for self");
      break;
    case DataClass::kRawAnswers:
      if (!c.Self()) return Deny(Head(c) + " only for own answers");
      if (c.res.submitted) return Deny(Head(c) + " only until submitted");
      return Allow(c, View::kFull, "own answers, not yet submitted");
    case DataClass::kResults:
      if (!c.Read()) break;
      if (!c.Self()) return Deny(Head(c) + " only for own feedback");
      if (!c.res.feedback_allowed) return Deny(Head(c) + " only if the scale shows feedback");
      return Allow(c, View::kFeedbackOnly, "own feedback text");
    case DataClass::kClinical:
      if (c.res.session_notes) return Deny(Head(c) + " never session notes");
      // Own appointments: read, and book or cancel (R-40 self-booking).
      // The service never returns notes to a student.
      return Only(c, c.Self(), View::kSummary, "for own appointments");
    default:
      break;
  }
  return Never(c);
}

Decision GuardianRule(const Ctx& c) {
  if (!c.Read()) return Never(c);
  switch (c.Class()) {
    case DataClass::kRoster:
      return Only(c, c.OwnChild(), View::kFull, "for own child");
    case DataClass::kWorkRecords:
      return Only(c, c.OwnChild(), View::kFull, "for own child's home visits");
    default:
      return Never(c);
  }
}

// D6 for those who write reports: W in scope; R of what they wrote.
Decision ReporterD6(const Ctx& c) {
  if (c.Write()) {
    if (!c.NewOrOwn()) return Deny(Head(c) + " only for own reports");
    return InScopeOnly(c, View::kFull);
  }
  return Only(c, c.OwnAuthor(), View::kOwnOnly, "own reports");
}

Decision PeerReporterRule(const Ctx& c) {
  switch (c.Class()) {
    case DataClass::kRoster:
      if (c.Read()) return InScopeOnly(c, View::kNamesOnly);
      break;
    case DataClass::kReports:
      return ReporterD6(c);
    default:
      break;
  }
  return Never(c);
}

Decision SubjectTeacherRule(const Ctx& c) {
  switch (c.Class()) {
    case DataClass::kRoster:
      if (c.Read()) return Only(c, c.Paired(), View::kFull, "for paired students (包联)");
      break;
    case DataClass::kReports:
      return ReporterD6(c);
    case DataClass::kWorkRecords:
      if (c.Read()) return Only(c, c.OwnAuthor(), View::kFull, "own records");
      return Only(c, c.NewOrOwn(), View::kFull, "own records");
    default:
      break;
  }
  return Never(c);
}

Decision HeadTeacherRule(const Ctx& c) {
  switch (c.Class()) {
    case DataClass::kRoster:
    case DataClass::kAttention:
    case DataClass::kAggregate:
      if (c.Read()) return InScopeOnly(c, View::kFull);
      break;
    case DataClass::kReports:
      if (c.Read()) {
        if (c.InGrantScope()) return InScopeOnly(c, View::kFull);
        if (c.OwnAuthor()) return Allow(c, View::kOwnOnly, "own reports");
        return InScopeOnly(c, View::kFull);  // the denial names the scope
      }
      return ReporterD6(c);
    case DataClass::kWorkRecords:
      if (c.Read()) {
        if (c.OwnAuthor()) return Allow(c, View::kFull, "own records");
        return InScopeOnly(c, View::kFull);
      }
      return Only(c, c.NewOrOwn(), View::kFull, "own records");
    default:
      break;
  }
  return Never(c);
}

Decision GradeHeadRule(const Ctx& c) {
  switch (c.Class()) {
    case DataClass::kRoster:
    case DataClass::kAttention:
    case DataClass::kAggregate:
      if (c.Read()) return InScopeOnly(c, View::kFull);
      break;
    case DataClass::kReports:      // observations, as every teacher
    case DataClass::kWorkRecords:  // review meetings, home visits
      return InScopeOnly(c, View::kFull);
    default:
      break;
  }
  return Never(c);
}

// The "school" column: read D1, read and write D2..D8 in the school.
// Session notes (D5): written by any of the centre's staff in scope, read
// and changed only by their author or the head of the centre.
Decision PsychStaffRule(const Ctx& c) {
  if (c.Class() == DataClass::kClinical && c.res.session_notes) {
    if (c.Write() && c.res.author_account_id == 0) return InScopeOnly(c, View::kFull);
    if (!c.OwnAuthor() && !c.res.centre_head) {
      return Deny(Head(c) + " session notes only as their author or head of the psychology centre");
    }
    return InScopeOnly(c, View::kFull);
  }
  switch (c.Class()) {
    case DataClass::kRoster:
      if (c.Read()) return InScopeOnly(c, View::kFull);
      break;
    case DataClass::kAggregate:
    case DataClass::kRawAnswers:
    case DataClass::kResults:
    case DataClass::kAttention:
    case DataClass::kClinical:
    case DataClass::kReports:
    case DataClass::kWorkRecords:
      return InScopeOnly(c, View::kFull);
    default:
      break;
  }
  return Never(c);
}

Decision SchoolLeaderRule(const Ctx& c) {
  switch (c.Class()) {
    case DataClass::kRoster:
    case DataClass::kAggregate:
      if (c.Read()) return InScopeOnly(c, View::kFull);
      break;
    case DataClass::kAttention:
      if (!c.Read()) break;
      if (c.InGrantScope() && c.res.level_one) {
        return Allow(c, View::kFull, fmt::format("named for 一级, in scope {}", c.grant.unit_path));
      }
      return InScopeOnly(c, View::kCountsOnly);
    case DataClass::kClinical:
      if (c.res.session_notes) return Deny(Head(c) + " never session notes");
      if (c.Read()) return InScopeOnly(c, View::kSummary);  // crisis case status, not notes
      break;
    case DataClass::kWorkRecords:
      return InScopeOnly(c, View::kFull);
    default:
      break;
  }
  return Never(c);
}

Decision SchoolDataAdminRule(const Ctx& c) {
  switch (c.Class()) {
    case DataClass::kRoster:
    case DataClass::kWorkRecords:
    case DataClass::kAccounts:
      return InScopeOnly(c, View::kFull);
    default:
      break;
  }
  return Never(c);
}

// District admin, district liaison, city admin: aggregates and work records
// in scope, never identified student data. Admins also record their own
// level's work and sign off figures.
Decision HigherLevelRule(const Ctx& c) {
  const bool admin = c.grant.role != Role::kDistrictLiaison;
  switch (c.Class()) {
    case DataClass::kAggregate:
      if (c.Read()) return InScopeOnly(c, View::kFull);
      break;
    case DataClass::kWorkRecords:
      if (c.Read() || admin) return InScopeOnly(c, View::kFull);
      break;
    case DataClass::kAccounts:
      if (admin) return InScopeOnly(c, View::kFull);
      break;
    default:
      break;
  }
  return Never(c);
}

Decision CrisisGroupRule(const Ctx& c) {
  if (!c.Read()) return Never(c);
  View view = View::kFull;
  switch (c.Class()) {
    case DataClass::kAggregate:
      return InScopeOnly(c, View::kFull);
    case DataClass::kClinical:
      if (c.res.session_notes) return Deny(Head(c) + " never session notes");
      view = View::kSummary;
      [[fallthrough]];
    case DataClass::kRoster:
    case DataClass::kResults:
    case DataClass::kAttention:
    case DataClass::kReports:
      if (!c.res.escalated) return Deny(Head(c) + " only for cases escalated to the group");
      if (c.res.closed) return Deny(Head(c) + " only while the escalated case is open");
      return InScopeOnly(c, view);
    default:
      return Never(c);
  }
}

Decision ExpertRule(const Ctx& c) {
  if (!c.Read()) return Never(c);
  switch (c.Class()) {
    case DataClass::kClinical:
      // Session notes themselves never; a summary shared for supervision is
      // `consulted`.
      if (c.res.session_notes) return Deny(Head(c) + " never session notes, only shared summaries");
      return Only(c, c.res.consulted, View::kFull, "for consulted cases");
    case DataClass::kAggregate:
    case DataClass::kWorkRecords:
      return InScopeOnly(c, View::kFull);  // assigned units
    default:
      return Never(c);
  }
}

Decision HospitalLiaisonRule(const Ctx& c) {
  switch (c.Class()) {
    case DataClass::kRoster:
      if (c.Read()) return Only(c, c.res.referred_here, View::kFull, "for students referred here");
      break;
    case DataClass::kResults:
      if (c.Read()) {
        return Only(c, c.res.referred_here, View::kSummary, "referral summary of students referred here");
      }
      break;
    case DataClass::kClinical:
      if (c.res.session_notes) return Deny(Head(c) + " never session notes");
      // Reads the referral and writes the hospital's feedback.
      return Only(c, c.res.referred_here, View::kFull, "for referrals to this hospital");
    default:
      break;
  }
  return Never(c);
}

Decision AuditorRule(const Ctx& c) {
  if (c.Class() == DataClass::kAudit && c.Read()) return InScopeOnly(c, View::kFull);
  return Never(c);
}

Decision RoleRule(const Ctx& c) {
  switch (c.grant.role) {
    case Role::kStudent:
      return StudentRule(c);
    case Role::kGuardian:
      return GuardianRule(c);
    case Role::kPeerReporter:
      return PeerReporterRule(c);
    case Role::kSubjectTeacher:
      return SubjectTeacherRule(c);
    case Role::kHeadTeacher:
      return HeadTeacherRule(c);
    case Role::kGradeHead:
      return GradeHeadRule(c);
    case Role::kPsychStaff:
      return PsychStaffRule(c);
    case Role::kSchoolLeader:
      return SchoolLeaderRule(c);
    case Role::kSchoolDataAdmin:
      return SchoolDataAdminRule(c);
    case Role::kDistrictAdmin:
    case Role::kDistrictLiaison:
    case Role::kCityAdmin:
      return HigherLevelRule(c);
    case Role::kCrisisGroup:
      return CrisisGroupRule(c);
    case Role::kExpert:
      return ExpertRule(c);
    case Role::kHospitalLiaison:
      return HospitalLiaisonRule(c);
    case Role::kAuditor:
      return AuditorRule(c);
  }
  return Never(c);
}

// Emergency access (ACCESS.md notes): psychology staff of another school,
// or a crisis-group member, may read D2..D6 of a student when the service
// marks the request as break-glass (it has recorded the written reason).
std::optional<Decision> BreakGlass(const Ctx& c) {
  if (!c.Read() || !c.res.break_glass || !IsBreakGlassClass(c.Class())) return std::nullopt;
  const bool other_school_psych = c.grant.role == Role::kPsychStaff && !c.InGrantScope();
  if (!other_school_psych && c.grant.role != Role::kCrisisGroup) return std::nullopt;
  Decision d = Allow(c, View::kFull, "break-glass: emergency access with a written reason");
  d.break_glass = true;
  return d;
}

Decision DecideGrantRule(const Ctx& c) {
  Decision d = RoleRule(c);
  if (std::optional<Decision> bg = BreakGlass(c); bg && Better(*bg, d)) return *bg;
  return d;
}

// Every student account is judged as a student, whatever other roles it
// holds: a 心理委员, 寝室长 or student cadre answers their own assessments
// like any classmate even when the account carries only that role's grant.
// The student row decides by the account's own student id, not by a unit,
// so the implied grant has no scope of its own. It covers what answering
// needs: own answers (D2), own feedback (D3) and own appointments (D5); the
// roster (D1) stays as the account's roles give it. An account without any
// grant stays without access (facts alone give nothing).
bool NeedsImpliedStudentGrant(const Actor& actor, DataClass k) {
  if (k != DataClass::kRawAnswers && k != DataClass::kResults && k != DataClass::kClinical) return false;
  if (actor.student_id == 0 || actor.grants.empty()) return false;
  return std::none_of(actor.grants.begin(), actor.grants.end(),
                      [](const Grant& g) { return g.role == Role::kStudent; });
}

Decision Combine(const Actor& actor, Action action, const Resource& res) {
  static const Grant kImpliedStudent{Role::kStudent, 0, ""};
  const bool implied = NeedsImpliedStudentGrant(actor, res.data_class);
  if (actor.grants.empty()) {
    return Deny(fmt::format("no role may {} {} for this account (default deny)", ActionName(action),
                            DataClassName(res.data_class)));
  }
  std::vector<const Grant*> grants;
  for (const Grant& g : actor.grants) grants.push_back(&g);
  if (implied) grants.push_back(&kImpliedStudent);
  Decision best;
  std::string denials;
  for (const Grant* gp : grants) {
    const Grant& g = *gp;
    Decision d = DecideGrantRule(Ctx{actor, g, action, res});
    if (d.allowed) {
      if (!best.allowed || Better(d, best)) best = std::move(d);
    } else if (!best.allowed) {
      if (!denials.empty()) denials += "; ";
      denials += d.reason;
    }
  }
  if (!best.allowed) best.reason = std::move(denials);
  return best;
}

Decision DecideExport(const Actor& actor, const Resource& res) {
  const DataClass k = res.data_class;
  if (IsIdentified(k)) {
    // Identified data leaves the system only through psychology staff of
    // the student's school; the service asks for a purpose and watermarks.
    for (const Grant& g : actor.grants) {
      if (g.role == Role::kPsychStaff && ResourceInGrant(g, res)) {
        Decision d;
        d.allowed = true;
        d.view = View::kFull;
        d.via = g.role;
        d.reason = fmt::format("psych_staff may export {} (in scope {}; purpose and watermark required)",
                               DataClassName(k), g.unit_path);
        return d;
      }
    }
    return Deny(fmt::format("export of identified data ({}) is for psychology staff in scope only", DataClassName(k)));
  }
  if (k == DataClass::kAggregate || k == DataClass::kWorkRecords || k == DataClass::kAudit) {
    // Exports are a staff function: students, guardians and peer reporters
    // read their few records in the app but export nothing.
    Actor staff = actor;
    std::erase_if(staff.grants, [](const Grant& g) {
      return g.role == Role::kStudent || g.role == Role::kGuardian || g.role == Role::kPeerReporter;
    });
    Decision d = Combine(staff, Action::kRead, res);
    d.reason = "export: " + d.reason;
    return d;
  }
  return Deny(fmt::format("no role may export {}", DataClassName(k)));
}

}  // namespace

bool InScope(std::string_view scope_path, std::string_view unit_path) {
  // Both paths end in '/', so a prefix match cannot confuse "/1/7/" with
  // "/1/70/". Malformed paths are in nobody's scope (default deny).
  if (!WellFormedPath(scope_path) || !WellFormedPath(unit_path)) return false;
  return unit_path.starts_with(scope_path);
}

Decision Decide(const Actor& actor, Action action, const Resource& resource) {
  const DataClass k = resource.data_class;
  if (k == DataClass::kPublic && action != Action::kWrite) {
    Decision d;
    d.allowed = true;
    d.view = View::kFull;
    d.reason = fmt::format("D0 is public: anyone may {} it", ActionName(action));
    return d;
  }
  if (k == DataClass::kPublic) {
    // Org names and hotlines are maintained by the administrators of the unit.
    for (const Grant& g : actor.grants) {
      if (IsAccountsAdmin(g.role) && ResourceInGrant(g, resource)) {
        return Allow(Ctx{actor, g, action, resource}, View::kFull,
                     fmt::format("administrator in scope {}", g.unit_path));
      }
    }
    return Deny("only administrators (school data admin, district admin, city admin) may write D0 in scope");
  }
  if (k == DataClass::kAudit && action == Action::kWrite) {
    return Deny("nobody may write D9: the audit log is appended by the system only");
  }
  if (action == Action::kExport) return DecideExport(actor, resource);
  return Combine(actor, action, resource);
}

namespace {

bool UnitRecordReader(Role r) {
  switch (r) {
    case Role::kPsychStaff:
    case Role::kSchoolLeader:
    case Role::kSchoolDataAdmin:
    case Role::kDistrictAdmin:
    case Role::kDistrictLiaison:
    case Role::kCityAdmin:
    case Role::kExpert:
      return true;
    default:
      return false;
  }
}

bool SchoolRecordWriter(Role r) {
  return r == Role::kPsychStaff || r == Role::kSchoolLeader || r == Role::kSchoolDataAdmin;
}

}  // namespace

Decision DecideUnitRecord(const Actor& actor, Action action, std::string_view unit_path) {
  Resource res;
  res.data_class = DataClass::kWorkRecords;
  res.unit_path = std::string(unit_path);
  std::string denials;
  for (const Grant& g : actor.grants) {
    const Ctx c{actor, g, action == Action::kExport ? Action::kRead : action, res};
    Decision d;
    if (!UnitRecordReader(g.role)) {
      d = Deny(fmt::format("{} keeps no unit work records", RoleName(g.role)));
    } else if (action == Action::kWrite && !SchoolRecordWriter(g.role)) {
      // District and city admins write their own unit's records only.
      if ((g.role == Role::kDistrictAdmin || g.role == Role::kCityAdmin) && g.unit_path == unit_path) {
        d = RoleRule(c);
      } else {
        d = Deny(fmt::format("{} may write work records of its own unit only ({}); object at '{}'", RoleName(g.role),
                             g.unit_path, unit_path));
      }
    } else {
      d = RoleRule(c);
    }
    if (d.allowed) return d;
    if (!denials.empty()) denials += "; ";
    denials += d.reason;
  }
  if (denials.empty()) denials = "no role may access work records for this account (default deny)";
  return Deny(denials);
}

std::vector<Grant> UnitRecordScopes(const Actor& actor) {
  std::vector<Grant> out;
  for (const Grant& g : actor.grants) {
    if (!UnitRecordReader(g.role) || !DecideUnitRecord(actor, Action::kRead, g.unit_path)) continue;
    out.push_back(g);
  }
  std::sort(out.begin(), out.end(),
            [](const Grant& a, const Grant& b) { return a.unit_path.size() < b.unit_path.size(); });
  std::vector<Grant> kept;
  for (const Grant& g : out) {
    const bool inside =
        std::any_of(kept.begin(), kept.end(), [&](const Grant& k) { return InScope(k.unit_path, g.unit_path); });
    if (!inside) kept.push_back(g);
  }
  return kept;
}

}  // namespace xq::policy
