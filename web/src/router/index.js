// Routes. `meta.title` is the i18n key of the page title (router/title.js);
// `meta.capability` names the capability a view needs; the layout
// shows the 无权访问 page instead of the view when the user lacks it (the
// URL stays, so the user sees why). Every signed-in route loads /auth/me
// first; without a session the user is sent to /login.
import { createRouter, createWebHistory } from 'vue-router';
import { useSessionStore } from '../stores/session.js';
import AppLayout from '../layout/AppLayout.vue';

const routes = [
  { path: '/login', name: 'login', component: () => import('../views/auth/LoginView.vue'), meta: { public: true, title: 'login.title' } },
  {
    path: '/slip',
    name: 'slip',
    component: () => import('../views/screening/SlipLoginView.vue'),
    meta: { public: true, title: 'pageTitle.slip' },
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      { path: '', name: 'home', component: () => import('../views/home/HomeView.vue'), meta: { title: 'menu.home' } },
      {
        path: 'org',
        name: 'org',
        component: () => import('../views/org/OrgView.vue'),
        meta: { capability: 'org.browse', title: 'menu.org' },
      },
      {
        path: 'roster',
        name: 'roster',
        component: () => import('../views/roster/RosterView.vue'),
        meta: { capability: 'roster.read', title: 'menu.roster' },
      },
      {
        path: 'roster/import',
        name: 'import',
        component: () => import('../views/roster/ImportView.vue'),
        meta: { capability: 'roster.import', title: 'menu.import' },
      },
      {
        path: 'accounts',
        name: 'accounts',
        component: () => import('../views/accounts/AccountsView.vue'),
        meta: { capability: 'accounts.manage', title: 'menu.accounts' },
      },
      {
        path: 'audit',
        name: 'audit',
        component: () => import('../views/audit/AuditView.vue'),
        meta: { capability: 'audit.read', title: 'menu.audit' },
      },
      {
        path: 'me',
        name: 'profile',
        component: () => import('../views/self/ProfileView.vue'),
        meta: { capability: 'self.profile', title: 'menu.profile' },
      },
      {
        path: 'children',
        name: 'children',
        component: () => import('../views/self/ChildrenView.vue'),
        meta: { capability: 'children.read', title: 'menu.children' },
      },
      {
        path: 'archive',
        name: 'archive',
        component: () => import('../views/archive/ArchiveView.vue'),
        meta: { capability: 'archive.read', title: 'menu.archive' },
      },
      {
        path: 'plans/:id/print',
        name: 'plan-print',
        component: () => import('../views/archive/PlanPrintView.vue'),
        meta: { capability: 'archive.read', title: 'menu.planPrint' },
      },
      {
        path: 'contacts',
        name: 'contacts',
        component: () => import('../views/archive/ContactsView.vue'),
        meta: { capability: 'contacts.record', title: 'menu.contacts' },
      },
      {
        path: 'reviews',
        name: 'reviews',
        component: () => import('../views/archive/ReviewsView.vue'),
        meta: { capability: 'reviews.record', title: 'menu.reviews' },
      },
      {
        path: 'children/visits',
        name: 'child-visits',
        component: () => import('../views/archive/ChildVisitsView.vue'),
        meta: { capability: 'children.visits', title: 'menu.childVisits' },
      },
      {
        path: 'hotlines',
        name: 'hotlines',
        component: () => import('../views/hotlines/HotlinesView.vue'),
        meta: { capability: 'hotlines.read', title: 'menu.hotlines' },
      },
      // --- the warning network
      {
        path: 'network/report',
        name: 'network-report',
        component: () => import('../views/network/ReportView.vue'),
        meta: { capability: 'network.report', title: 'menu.networkReport' },
      },
      {
        path: 'network/weekly',
        name: 'network-weekly',
        component: () => import('../views/network/WeeklyView.vue'),
        meta: { capability: 'network.weekly', title: 'menu.networkWeekly' },
      },
      {
        path: 'network/class',
        name: 'network-class',
        component: () => import('../views/network/MyClassView.vue'),
        meta: { capability: 'network.class', title: 'menu.networkClass' },
      },
      {
        path: 'network/board',
        name: 'network-board',
        component: () => import('../views/network/BoardView.vue'),
        meta: { capability: 'network.board', title: 'menu.networkBoard' },
      },
      {
        path: 'network/deadlines',
        name: 'network-deadlines',
        component: () => import('../views/network/DeadlinesView.vue'),
        meta: { capability: 'network.deadlines', title: 'menu.networkDeadlines' },
      },
      {
        path: 'notify/channels',
        name: 'notify-channels',
        component: () => import('../views/network/ChannelsView.vue'),
        meta: { capability: 'notify.channels', title: 'menu.notifyChannels' },
      },
      // The signed-in account's notices, from the bell (every account).
      {
        path: 'inbox',
        name: 'inbox',
        component: () => import('../views/network/InboxView.vue'),
        meta: { title: 'menu.inbox' },
      },
      {
        path: 'records',
        name: 'records',
        component: () => import('../views/records/RecordsView.vue'),
        meta: { capability: 'records.manage', title: 'menu.records' },
      },
      // --- counselling: booking, schedule, session records, referrals, supervision
      {
        path: 'counselling',
        name: 'counselling-book',
        component: () => import('../views/counselling/BookView.vue'),
        meta: { capability: 'counselling.book', title: 'menu.counsellingBook' },
      },
      {
        path: 'counselling/schedule',
        name: 'counselling-schedule',
        component: () => import('../views/counselling/ScheduleView.vue'),
        meta: { capability: 'counselling.schedule', title: 'menu.counsellingSchedule' },
      },
      {
        path: 'counselling/records',
        name: 'counselling-records',
        component: () => import('../views/counselling/RecordsView.vue'),
        meta: { capability: 'counselling.records', title: 'menu.counsellingRecords' },
      },
      {
        path: 'counselling/records/new',
        name: 'counselling-record-new',
        component: () => import('../views/counselling/RecordFormView.vue'),
        meta: { capability: 'counselling.records', title: 'menu.counsellingRecordForm' },
      },
      {
        path: 'counselling/records/:id',
        name: 'counselling-record',
        component: () => import('../views/counselling/RecordView.vue'),
        meta: { capability: 'counselling.records', title: 'menu.counsellingRecordForm' },
      },
      {
        path: 'counselling/referral',
        name: 'counselling-refer',
        component: () => import('../views/counselling/ReferView.vue'),
        meta: { capability: 'counselling.refer', title: 'menu.counsellingRefer' },
      },
      {
        path: 'counselling/shares',
        name: 'counselling-shares',
        component: () => import('../views/counselling/SharesView.vue'),
        meta: { capability: 'counselling.shares', title: 'menu.counsellingShares' },
      },
      // --- crisis cases, green channel, break-glass
      {
        path: 'crisis/cases',
        name: 'crisis-cases',
        component: () => import('../views/crisis/CrisisCasesView.vue'),
        meta: { capability: 'crisis.cases', title: 'menu.crisisCases' },
      },
      {
        path: 'crisis/cases/:id',
        name: 'crisis-case',
        component: () => import('../views/crisis/CrisisCaseView.vue'),
        meta: { capability: 'crisis.cases', title: 'menu.crisisCases' },
      },
      {
        path: 'crisis/referrals',
        name: 'crisis-referrals',
        component: () => import('../views/crisis/ReferralsView.vue'),
        meta: { capability: 'crisis.referrals', title: 'menu.crisisReferrals' },
      },
      {
        path: 'crisis/break-glass',
        name: 'crisis-review',
        component: () => import('../views/crisis/BreakGlassReviewView.vue'),
        meta: { capability: 'crisis.review', title: 'menu.crisisReview' },
      },
      {
        path: 'crisis/guidance',
        name: 'crisis-guidance',
        component: () => import('../views/crisis/GuidanceView.vue'),
        meta: { capability: 'crisis.guidance', title: 'menu.crisisGuidance' },
      },
      // 倒查: the server decides who may run it (auditors, psychology staff, crisis groups).
      {
        path: 'crisis/trace',
        name: 'crisis-trace',
        component: () => import('../views/crisis/TraceView.vue'),
        meta: { title: 'menu.crisisTrace' },
      },
      {
        path: 'crisis/notices',
        name: 'crisis-notices',
        component: () => import('../views/crisis/GuardianNoticesView.vue'),
        meta: { capability: 'crisis.notices', title: 'menu.crisisNotices' },
      },
      // --- screening (capabilities from policy::Capabilities on the server)
      {
        path: 'screening/mine',
        name: 'my-screenings',
        component: () => import('../views/screening/MyScreeningsView.vue'),
        meta: { capability: 'screening.answer', title: 'menu.myScreenings' },
      },
      {
        path: 'screening/mine/:id',
        name: 'answer',
        component: () => import('../views/screening/AnswerView.vue'),
        meta: { capability: 'screening.answer', title: 'pageTitle.answer' },
      },
      {
        path: 'screening/consents',
        name: 'consents',
        component: () => import('../views/screening/ConsentView.vue'),
        meta: { capability: 'consent.respond', title: 'menu.consents' },
      },
      {
        path: 'screening/campaigns',
        name: 'campaigns',
        component: () => import('../views/screening/CampaignsView.vue'),
        meta: { capability: 'screening.campaign', title: 'menu.batches' },
      },
      {
        path: 'screening/campaigns/:id',
        name: 'campaign',
        component: () => import('../views/screening/CampaignDetailView.vue'),
        meta: { capability: 'screening.campaign', title: 'pageTitle.campaign' },
      },
      {
        path: 'screening/students/:id',
        name: 'student-history',
        component: () => import('../views/screening/StudentHistoryView.vue'),
        meta: { capability: 'screening.manage', title: 'pageTitle.studentHistory' },
      },
      {
        path: 'screening/progress',
        name: 'progress',
        component: () => import('../views/screening/ProgressView.vue'),
        meta: { capability: 'screening.progress', title: 'menu.progress' },
      },
      {
        path: 'screening/stats',
        name: 'stats',
        component: () => import('../views/screening/StatsView.vue'),
        meta: { capability: 'screening.stats', title: 'menu.stats' },
      },
      {
        path: 'warnings',
        name: 'warnings',
        component: () => import('../views/warning/WarningsView.vue'),
        meta: { capability: 'warnings.inbox', title: 'menu.warnings' },
      },
      {
        path: 'follow-ups',
        name: 'follow-ups',
        component: () => import('../views/warning/FollowUpsView.vue'),
        meta: { capability: 'followups.review', title: 'menu.followUps' },
      },
      {
        path: 'attention',
        name: 'attention',
        component: () => import('../views/warning/AttentionView.vue'),
        meta: { capability: 'attention.read', title: 'menu.attention' },
      },
      {
        // Loaded on demand: the charts stay out of the first load.
        path: 'dashboard/:unit?',
        name: 'dashboard',
        component: () => import('../views/indicators/DashboardView.vue'),
        meta: { capability: 'indicators.dashboard', title: 'menu.dashboard' },
      },
      {
        path: 'password',
        name: 'password',
        component: () => import('../views/auth/PasswordView.vue'),
        meta: { title: 'menu.password' },
      },
      {
        path: ':rest(.*)*',
        name: 'not-found',
        component: () => import('../views/common/NotFoundView.vue'),
        meta: { title: 'notFound.title' },
      },
    ],
  },
];

export const router = createRouter({
  history: createWebHistory(),
  routes,
});

router.beforeEach(async (to, from) => {
  // Login slips link to /#/slip?login=…&code=… (works with any routing).
  if (to.hash.startsWith('#/slip')) {
    const params = new URLSearchParams(to.hash.slice(to.hash.indexOf('?') + 1));
    return { name: 'slip', query: Object.fromEntries(params) };
  }
  // Fetch the view's code while /auth/me is asked, not after it answered
  // (first load: one round trip less; the router reuses the same module).
  for (const record of to.matched) {
    const view = record.components?.default;
    if (typeof view === 'function') view().catch(() => {});
  }
  const session = useSessionStore();
  try {
    await session.load();
  } catch {
    // Server unreachable: let the login page show the error on submit.
  }
  if (to.meta.public) {
    if (to.name === 'login' && session.signedIn) return { path: '/' };
    return true;
  }
  if (!session.signedIn) {
    return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  }
  // City and district officials land on their dashboard after signing in
  // (school staff keep their home page with its to-dos).
  if (to.name === 'home' && from.name === 'login' && session.has('indicators.dashboard') && !session.has('roster.read')) {
    return { name: 'dashboard' };
  }
  return true;
});
