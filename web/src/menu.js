// The navigation menu: one entry per view, shown only when the user has the
// entry's capability (from /auth/me). `testid` is stable for browser tests:
// "menu-<capability>" or "menu-<name>" for entries everyone has.
export const kMenu = [
  { key: 'home', path: '/', label: 'menu.home', icon: 'HomeFilled', capability: null },
  { key: 'org', path: '/org', label: 'menu.org', icon: 'OfficeBuilding', capability: 'org.browse' },
  { key: 'roster', path: '/roster', label: 'menu.roster', icon: 'User', capability: 'roster.read' },
  { key: 'import', path: '/roster/import', label: 'menu.import', icon: 'Upload', capability: 'roster.import' },
  { key: 'accounts', path: '/accounts', label: 'menu.accounts', icon: 'Key', capability: 'accounts.manage' },
  { key: 'audit', path: '/audit', label: 'menu.audit', icon: 'Document', capability: 'audit.read' },
  { key: 'profile', path: '/me', label: 'menu.profile', icon: 'Avatar', capability: 'self.profile' },
  { key: 'children', path: '/children', label: 'menu.children', icon: 'UserFilled', capability: 'children.read' },
  { key: 'my-screenings', path: '/screening/mine', label: 'menu.myScreenings', icon: 'EditPen', capability: 'screening.answer' },
  { key: 'consents', path: '/screening/consents', label: 'menu.consents', icon: 'Stamp', capability: 'consent.respond' },
  { key: 'campaigns', path: '/screening/campaigns', label: 'menu.campaigns', icon: 'List', capability: 'screening.manage' },
  { key: 'warnings', path: '/warnings', label: 'menu.warnings', icon: 'Bell', capability: 'warnings.inbox' },
  { key: 'follow-ups', path: '/follow-ups', label: 'menu.followUps', icon: 'Calendar', capability: 'followups.review' },
  { key: 'progress', path: '/screening/progress', label: 'menu.progress', icon: 'DataLine', capability: 'screening.progress' },
  { key: 'attention', path: '/attention', label: 'menu.attention', icon: 'Star', capability: 'attention.read' },
  { key: 'batches', path: '/screening/campaigns', label: 'menu.batches', icon: 'List', capability: 'screening.campaigns' },
  { key: 'stats', path: '/screening/stats', label: 'menu.stats', icon: 'PieChart', capability: 'screening.stats' },
  { key: 'crisis-cases', path: '/crisis/cases', label: 'menu.crisisCases', icon: 'FirstAidKit', capability: 'crisis.cases' },
  { key: 'crisis-referrals', path: '/crisis/referrals', label: 'menu.crisisReferrals', icon: 'Van', capability: 'crisis.referrals' },
  { key: 'crisis-review', path: '/crisis/break-glass', label: 'menu.crisisReview', icon: 'View', capability: 'crisis.review' },
  { key: 'crisis-notices', path: '/crisis/notices', label: 'menu.crisisNotices', icon: 'Message', capability: 'crisis.notices' },
  { key: 'hotlines', path: '/hotlines', label: 'menu.hotlines', icon: 'Phone', capability: 'hotlines.read' },
  { key: 'password', path: '/password', label: 'menu.password', icon: 'Lock', capability: null },
  { key: 'logout', path: null, label: 'menu.logout', icon: 'SwitchButton', capability: null },
].map((item) => ({ ...item, testid: `menu-${item.capability || item.key}` }));
