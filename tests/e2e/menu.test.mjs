// The role-aware menu: every demo account sees exactly the entries of its
// role's capabilities (ACCESS.md), no more; and the language switch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newPage, startServer, uiLogin, visibleMenu } from './helpers.mjs';

// Capability → roles that have it (the policy's capability table).
const kCapabilityRoles = {
  'org.browse': [
    'head_teacher', 'grade_head', 'psych_staff', 'school_leader', 'school_data_admin',
    'district_admin', 'district_liaison', 'city_admin',
  ],
  'roster.read': [
    'subject_teacher', 'head_teacher', 'grade_head', 'psych_staff', 'school_leader',
    'school_data_admin', 'peer_reporter',
  ],
  'roster.import': ['school_data_admin'],
  'accounts.manage': ['school_data_admin', 'district_admin', 'city_admin'],
  'audit.read': ['auditor'],
  'self.profile': ['student'],
  'children.read': ['guardian'],
  // Screening entries (derived from roles in the web UI, web/src/capabilities.js).
  'screening.answer': ['student', 'peer_reporter'],
  'consent.respond': ['guardian'],
  'screening.manage': ['psych_staff'],
  'warnings.inbox': ['psych_staff'],
  'followups.review': ['psych_staff'],
  'screening.progress': ['head_teacher', 'grade_head', 'school_leader'],
  'attention.read': ['head_teacher', 'grade_head'],
  'screening.campaigns': ['district_admin', 'city_admin'],
  'screening.stats': ['district_admin', 'city_admin'],
  // Archive entries.
  'archive.read': ['psych_staff'],
  'contacts.record': ['school_leader', 'grade_head', 'head_teacher', 'subject_teacher', 'psych_staff'],
  'reviews.record': ['grade_head', 'psych_staff'],
  'children.visits': ['guardian'],
  'indicators.dashboard': ['school_leader', 'district_admin', 'district_liaison', 'city_admin'],
  // The warning network.
  'network.report': ['peer_reporter', 'subject_teacher', 'head_teacher', 'grade_head', 'psych_staff'],
  'network.weekly': ['peer_reporter'],
  'network.class': ['head_teacher', 'grade_head'],
  'network.board': ['psych_staff', 'school_leader', 'crisis_group'],
  // The school's warning deadlines; the outbound notice channels of a unit.
  'network.deadlines': ['psych_staff', 'school_leader'],
  'notify.channels': ['school_data_admin', 'district_admin', 'city_admin'],
  // 工作台账 (work records of the unit itself).
  'records.manage': [
    'psych_staff', 'school_leader', 'school_data_admin', 'district_admin',
    'district_liaison', 'expert', 'city_admin',
  ],
  // Crisis cases, referrals, break-glass review, notices to confirm.
  'crisis.cases': ['psych_staff', 'school_leader', 'crisis_group', 'expert'],
  'crisis.referrals': ['psych_staff', 'hospital_liaison'],
  'crisis.review': ['auditor'],
  'crisis.notices': ['guardian'],
  'crisis.guidance': ['head_teacher', 'grade_head'],
  // Counselling: booking (every student account), the centre's schedule and
  // records, referrals from teachers, supervision summaries.
  'counselling.book': ['student', 'peer_reporter'],
  'counselling.schedule': ['psych_staff'],
  'counselling.records': ['psych_staff'],
  'counselling.refer': ['head_teacher', 'grade_head'],
  'counselling.shares': ['expert'],
};
const kEveryone = ['menu-home', 'menu-hotlines.read', 'menu-password', 'menu-logout'];

function expectedMenu(role) {
  const ids = [...kEveryone];
  for (const [cap, roles] of Object.entries(kCapabilityRoles)) {
    if (roles.includes(role)) ids.push(`menu-${cap}`);
  }
  return ids.sort();
}

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('every demo account sees exactly the menu of its role', { timeout: 600_000 }, async () => {
  assert.ok(server.accountList.length >= 20, 'demo has one account per role and more');
  for (const account of server.accountList) {
    const { context, page } = await newPage(browser, server.baseUrl);
    try {
      await uiLogin(page, account.username, account.password);
      const menu = await visibleMenu(page);
      assert.deepEqual(menu, expectedMenu(account.role), `menu of ${account.username} (${account.role})`);
      // The header names the user.
      assert.equal((await page.getByTestId('user-name').textContent()).trim(), account.display_name);
    } finally {
      await context.close();
    }
  }
});

test('a view outside the capabilities shows 无权访问, not the view', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'head_teacher', server.accounts.head_teacher.password);
    for (const p of ['/audit', '/accounts', '/roster/import', '/children', '/me']) {
      await page.goto(p);
      await page.getByTestId('forbidden').waitFor();
      assert.match(await page.getByTestId('forbidden').textContent(), /无权访问/);
      assert.equal(await page.getByTestId('audit-table').count(), 0);
      assert.equal(await page.getByTestId('accounts-table').count(), 0);
    }
    // The auditor may open the audit log.
    await context.clearCookies();
    await uiLogin(page, 'auditor', server.accounts.auditor.password);
    await page.goto('/audit');
    await page.getByTestId('audit-table').waitFor();
    assert.equal(await page.getByTestId('forbidden').count(), 0);
  } finally {
    await context.close();
  }
});

test('switching to English changes the menu labels', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'city_admin', server.accounts.city_admin.password);
    const home = page.getByTestId('menu-home');
    const org = page.getByTestId('menu-org.browse');
    assert.equal((await home.textContent()).trim(), '首页');
    assert.equal((await org.textContent()).trim(), '组织架构');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="menu-home"]')?.textContent.trim() === 'Home',
    );
    assert.equal((await org.textContent()).trim(), 'Organisation');
    assert.equal((await page.getByTestId('menu-logout').textContent()).trim(), 'Sign out');
    // The choice survives a reload.
    await page.reload();
    await home.waitFor();
    assert.equal((await home.textContent()).trim(), 'Home');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="menu-home"]')?.textContent.trim() === '首页',
    );
  } finally {
    await context.close();
  }
});
