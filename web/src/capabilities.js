// Screening capabilities derived in the browser from the user's roles, for
// the menu and route guards only (the server decides every request).
// The server's capability list (policy::Capabilities) has no screening
// entries yet; once it sends these names they simply coincide.
const kRoleCapabilities = {
  // Psychology centre: campaigns, urgent warnings, follow-up interviews.
  'screening.manage': ['psych_staff'],
  'warnings.inbox': ['psych_staff'],
  'followups.review': ['psych_staff'],
  // Teachers and leaders: progress and names of non-respondents.
  'screening.progress': ['head_teacher', 'grade_head', 'school_leader'],
  'attention.read': ['head_teacher', 'grade_head'],
  // District and city: campaigns in scope and aggregate statistics.
  'screening.campaigns': ['district_admin', 'city_admin'],
  'screening.stats': ['district_admin', 'city_admin'],
  // Not a menu entry: campaign details for everyone who lists campaigns.
  'screening.campaign': ['psych_staff', 'district_admin', 'city_admin'],
  'consent.respond': ['guardian'],
  'screening.answer': ['student'],
};

// me: the /auth/me answer. Returns the derived capability names.
export function derivedCapabilities(me) {
  if (!me) return [];
  const roles = new Set((me.roles || []).map((r) => r.role));
  const out = [];
  for (const [cap, capRoles] of Object.entries(kRoleCapabilities)) {
    if (capRoles.some((r) => roles.has(r))) out.push(cap);
  }
  // Every student account answers its own assessments, whatever its roles
  // (a 心理委员 is a student too).
  if (me.person_type === 'student' && !out.includes('screening.answer')) out.push('screening.answer');
  return out;
}
