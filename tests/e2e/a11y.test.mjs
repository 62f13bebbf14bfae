// Accessibility in the browser: axe-core finds no serious or critical
// violation on the pages of the demo roles (every role set's landing page,
// every page of every menu and the detail pages behind them, the sign-in
// pages, 无权访问 and the missing page; see the scan's test for how pages
// shared by several roles are counted); the side menu works from the keyboard; every page is titled
// after its view; after 下一题 the focus moves to the new question and its
// position is announced.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kMenu } from '../../web/src/menu.js';
import {
  acknowledgeNoticesWhenShown,
  ApiClient,
  apiLoginInto,
  axeViolations,
  kPhoneViewport,
  launchBrowser,
  newPage,
  settle,
  startServer,
  uiLogin,
} from './helpers.mjs';

let server;
let browser;
let campaignId;
let studentId;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  // A screening the student may answer (so 答题 and the campaign and
  // history pages have content): the guardian consents.
  const psych = new ApiClient(server.baseUrl);
  await psych.login('psych_staff', server.accounts.psych_staff.password);
  const created = await psych.post('/api/v1/campaigns', {
    json: {
      name: '无障碍检查',
      unit_ids: [String(server.accounts.head_teacher.scope_unit_id)],
      scales: [{ instrument_id: 'phq9' }],
      notice: '这份问卷帮助老师了解同学们最近的状态。',
      consent_text: '请监护人阅读后选择是否同意孩子参加。',
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  campaignId = created.body.id;
  const guardian = new ApiClient(server.baseUrl);
  await guardian.login('guardian', server.accounts.guardian.password);
  const reqs = await guardian.get('/api/v1/consent-requests');
  const mine = reqs.body.items.find((r) => r.campaign_id === campaignId);
  assert.ok(mine, 'the guardian is asked');
  studentId = mine.student_id;
  const ok = await guardian.post(`/api/v1/campaigns/${campaignId}/consents`, {
    json: { student_id: studentId, decision: 'consent' },
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// The paths a signed-in account can reach: its menu's pages and the detail
// pages behind them.
async function pathsOf(api, me) {
  const caps = new Set(me.capabilities || []);
  const has = (c) => !c || caps.has(c);
  const paths = new Set(kMenu.filter((i) => i.path && has(i.capability)).map((i) => i.path));
  if (has('screening.answer')) {
    const list = await api.get('/api/v1/assignments');
    const a = (list.body?.items || []).find((x) => ['pending', 'in_progress'].includes(x.state));
    if (a) paths.add(`/screening/mine/${a.id}`);
  }
  if (has('screening.manage') || has('screening.campaigns')) paths.add(`/screening/campaigns/${campaignId}`);
  if (has('screening.manage')) paths.add(`/screening/students/${studentId}`);
  // 无权访问 (a page of another role) and the missing page.
  paths.add(has('audit.read') ? '/accounts' : '/audit');
  paths.add('/no-such-page');
  return [...paths];
}

// Every demo role set signs in and its pages are checked: its landing page
// (/), every other page its menu leads to, the detail pages behind them
// (答题, a campaign, a student's history), 无权访问 and the missing page, on a
// desktop viewport; the pages of students, guardians, peer reporters and
// head teachers, who use phones, also on a phone; and every tab of a page
// with tabs. A page shared by several role sets is opened for each of them
// but scanned again only when it is built of different parts for this one
// (its set of element kinds differs: other components, controls or
// sections; more rows of the same table do not count), which keeps the scan
// within a few minutes. Signed out: the sign-in pages on a
// phone. One browser, one context per role set.
async function structureOf(page) {
  return page.evaluate(() => {
    const kinds = new Set();
    // Components by their block classes (el-table, xq-quota), not their
    // states or modifiers (is-active, el-button--primary).
    for (const e of document.querySelectorAll('body *')) {
      const blocks = [...e.classList].filter((c) => /^(el|xq)-[a-z-]+$/.test(c) && !c.includes('--')).sort();
      kinds.add(`${e.tagName}.${blocks.join('.')}`);
    }
    return [...kinds].sort().join('|');
  });
}

test('axe-core: no serious or critical violation on any page for any demo role', { timeout: 900_000 }, async (t) => {
  const started = Date.now();
  const found = [];
  // Signed out: the sign-in pages.
  {
    const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
    for (const p of ['/login', '/slip']) {
      await page.goto(p);
      await settle(page);
      for (const v of await axeViolations(page)) found.push(`${p} (signed out, phone): ${v}`);
    }
    await context.close();
  }
  const seen = new Set();
  const scanned = new Set(); // "<path> <viewport> <structure>"
  let visited = 0;
  let scans = 0;
  let tabs = 0;
  const scan = async (page, where, key) => {
    const structure = `${key} ${await structureOf(page)}`;
    if (scanned.has(structure)) return;
    scanned.add(structure);
    scans += 1;
    for (const v of await axeViolations(page)) found.push(`${where}: ${v}`);
  };
  for (const account of server.accountList) {
    const { context, page } = await newPage(browser, server.baseUrl);
    try {
      const { api, me } = await apiLoginInto(context, server.baseUrl, account.username, account.password);
      const roles = [...new Set((me.roles || []).map((r) => r.role))].sort().join('+');
      if (seen.has(roles)) continue;
      seen.add(roles);
      const phone = /student|guardian|peer_reporter|head_teacher/.test(roles);
      for (const p of await pathsOf(api, me)) {
        for (const viewport of phone ? [null, kPhoneViewport] : [null]) {
          const key = `${p.replace(/\/\d+$/, '/:id')} ${viewport ? 'phone' : 'desktop'}`;
          const where = `${p} (${account.username}: ${roles}${viewport ? ', phone' : ''})`;
          await page.setViewportSize(viewport || { width: 1280, height: 860 });
          await page.goto(p);
          await page.getByTestId('user-name').waitFor();
          await settle(page);
          visited += 1;
          await scan(page, where, key);
          // The other tabs of the page, each once it is shown.
          const tabList = page.locator('.xq-page [role=tab]');
          for (let i = 0; i < (await tabList.count()); i += 1) {
            const tab = tabList.nth(i);
            if ((await tab.getAttribute('aria-selected')) === 'true' || !(await tab.isVisible())) continue;
            const label = (await tab.innerText()).trim();
            await tab.click();
            await settle(page);
            tabs += 1;
            await scan(page, `${where} tab ${label}`, `${key} tab ${i}`);
          }
        }
      }
    } finally {
      await context.close();
    }
  }
  t.diagnostic(
    `${visited} page views and ${tabs} tabs of ${seen.size} role sets, ${scans} scans, in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  assert.ok(seen.size >= 15, `demo roles covered: ${[...seen].join(', ')}`);
  assert.ok(visited >= 40, `pages opened: ${visited}`);
  assert.ok(tabs >= 3, `tabs opened: ${tabs}`);
  assert.deepEqual(found, []);
});

// An account holding more than one role when the demo has one, else the
// psychology staff (the longest menu).
async function multiRoleAccount() {
  for (const account of server.accountList) {
    const api = new ApiClient(server.baseUrl);
    const me = await api.login(account.username, account.password);
    if (new Set((me.roles || []).map((r) => r.role)).size > 1) return { account, me };
  }
  const account = server.accounts.psych_staff;
  const api = new ApiClient(server.baseUrl);
  return { account, me: await api.login(account.username, account.password) };
}

test('the side menu is reached and used from the keyboard', { timeout: 180_000 }, async () => {
  const multi = await multiRoleAccount();
  const { account, me } = multi;
  const caps = new Set(me.capabilities);
  const entries = kMenu.filter((i) => !i.capability || caps.has(i.capability));
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, account.username, account.password);
    await page.goto('/');
    await page.getByTestId('menu-home').waitFor();
    // Exactly one tab stop in the menu: the current entry.
    const tabStops = await page
      .locator('[data-testid="nav-menu"] [role="menuitem"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('tabindex')));
    assert.equal(tabStops.length, entries.length);
    assert.deepEqual(
      tabStops.filter((t) => t === '0').length,
      1,
      `tabindex of the entries: ${tabStops.join(',')}`,
    );
    // Tab from the top of the page reaches it.
    const focusedTestId = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') || '');
    let reached = '';
    for (let i = 0; i < 15 && !reached.startsWith('menu-'); i += 1) {
      await page.keyboard.press('Tab');
      reached = await focusedTestId();
    }
    assert.equal(reached, 'menu-home', 'Tab reaches the current menu entry');
    // ↓ moves to the next entry, End to the last (退出登录), Home back.
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedTestId(), entries[1].testid);
    await page.keyboard.press('End');
    assert.equal(await focusedTestId(), 'menu-logout');
    await page.keyboard.press('Home');
    assert.equal(await focusedTestId(), 'menu-home');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedTestId(), 'menu-logout', '↑ on the first entry wraps to the last');
    // Enter on 修改密码 opens it; the menu then has it as its tab stop.
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedTestId(), 'menu-password');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/password');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="menu-password"]')?.getAttribute('tabindex') === '0',
    );
    // Space opens an entry too.
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    const second = entries[1];
    await page.keyboard.press(' ');
    await page.waitForURL((url) => url.pathname === second.path);
  } finally {
    await context.close();
  }
});

test('every page is titled after its view, in the chosen language', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await page.goto('/login');
    await page.waitForFunction(() => document.title === '登录 - 心桥');
    await uiLogin(page, 'district_admin', server.accounts.district_admin.password);
    // District officials land on their dashboard.
    await page.waitForFunction(() => document.title === '工作看板 - 心桥');
    const titled = async (p, title) => {
      await page.goto(p);
      await page.getByTestId('user-name').waitFor();
      await page.waitForFunction((t) => document.title === t, title).catch(() => {});
      assert.equal(await page.title(), title, p);
    };
    await titled('/screening/campaigns', '测评批次 - 心桥');
    await titled('/screening/stats', '统计 - 心桥');
    await titled(`/screening/campaigns/${campaignId}`, '测评详情 - 心桥');
    await titled('/audit', '无权访问 - 心桥');
    await titled('/no-such-page', '页面不存在 - 心桥');
    // Moving through the menu retitles the page.
    await page.getByTestId('menu-org.browse').click();
    await page.waitForURL('**/org');
    await page.waitForFunction(() => document.title === '组织架构 - 心桥');
    // The language switch retitles it at once.
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => document.title === 'Organisation - Xinqiao');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => document.title === '组织架构 - 心桥');

    // The psychology staff call the same page 测评管理, as their menu does.
    await context.clearCookies();
    await uiLogin(page, 'psych_staff', server.accounts.psych_staff.password);
    await titled('/screening/campaigns', '测评管理 - 心桥');
    await titled(`/screening/students/${studentId}`, '测评记录 - 心桥');
    await titled('/warnings', '预警收件箱 - 心桥');
  } finally {
    await context.close();
  }
});

test('after 下一题 the focus is on the new question and its position is announced', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    const { api } = await apiLoginInto(context, server.baseUrl, 'student', server.accounts.student.password);
    const list = await api.get('/api/v1/assignments');
    const a = list.body.items.find((x) => x.campaign_id === campaignId);
    assert.ok(a, 'the student has the screening');
    await page.goto(`/screening/mine/${a.id}`);
    // The campaign's notice (告知书) stands before the first question.
    const notice = page.getByTestId('answer-notice');
    await Promise.race([notice.waitFor(), page.getByTestId('question-q1').waitFor()]);
    if (await notice.isVisible()) await page.getByTestId('answer-notice-continue').click();
    await page.getByTestId('question-q1').waitFor();
    await page.waitForFunction(() => document.title === '答题 - 心桥');
    const announce = page.getByTestId('question-announce');
    assert.equal(await announce.getAttribute('aria-live'), 'polite');
    await page.getByTestId('question-q1').getByTestId('option-0').click();
    // Keyboard: Tab to 下一题 and press Enter.
    await page.getByTestId('answer-next').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('question-q2').waitFor();
    await page.waitForFunction(
      () => document.activeElement?.closest('[data-testid="question-q2"]') !== null &&
        document.activeElement?.getAttribute('data-testid') === 'question-text',
    );
    assert.match(await announce.textContent(), /第 2 \/ 10 题/);
    // 上一题 works the same way.
    await page.getByTestId('answer-prev').click();
    await page.getByTestId('question-q1').waitFor();
    await page.waitForFunction(
      () => document.activeElement?.closest('[data-testid="question-q1"]') !== null,
    );
    assert.match(await announce.textContent(), /第 1 \/ 10 题/);
    assert.deepEqual(await axeViolations(page), []);
  } finally {
    await context.close();
  }
});

// Dialogs and drawers opened by a click, as their users meet them: the
// phone drawer of a head teacher, a student's cancel confirmation on a phone,
// the notices dialog, the campaign form and the account form.
test('axe-core: no serious or critical violation in the dialogs users open', { timeout: 300_000 }, async () => {
  const found = [];
  const check = async (page, what, opened) => {
    await opened.waitFor();
    await settle(page);
    for (const v of await axeViolations(page)) found.push(`${what}: ${v}`);
  };
  const as = async (username, viewport, steps) => {
    const { context, page } = await newPage(browser, server.baseUrl, viewport ? { viewport } : {});
    try {
      await uiLogin(page, username, server.accounts[username].password);
      await steps(page);
    } finally {
      await context.close();
    }
  };
  await as('head_teacher', kPhoneViewport, async (page) => {
    await page.getByTestId('nav-toggle').click();
    await check(page, 'phone drawer (head_teacher)', page.locator('.el-drawer').first());
  });
  // A time the student books, then cancels.
  const psych = new ApiClient(server.baseUrl);
  await psych.login('psych_staff', server.accounts.psych_staff.password);
  const hour = 3600 * 1000;
  const at = (h) => new Date(Math.floor(Date.now() / hour) * hour + h * hour).toISOString();
  const slot = await psych.post('/api/v1/counselling/slots', {
    json: { slots: [{ room: '心理辅导室 2', starts_at: at(26), ends_at: at(27) }] },
  });
  assert.equal(slot.status, 201, JSON.stringify(slot.body));
  await as('student', kPhoneViewport, async (page) => {
    await page.goto('/counselling');
    await settle(page);
    await page.locator(`[data-testid="slot"][data-slot-id="${slot.body.items[0].id}"]`).getByTestId('book').click();
    await page.getByTestId('my-booking').first().getByTestId('cancel').click();
    await check(page, 'cancel a booking (student, phone)', page.locator('.el-message-box'));
  });
  await as('psych_staff', null, async (page) => {
    // The notices dialog opens by itself when urgent notices wait, else from the bell.
    const notices = page.getByTestId('notices');
    await notices.waitFor({ timeout: 3_000 }).catch(() => {});
    if (!(await notices.isVisible())) await page.getByTestId('notices-open').click();
    await check(page, 'notices (psych_staff)', notices);
    await acknowledgeNoticesWhenShown(page);
    if (await notices.isVisible()) await page.keyboard.press('Escape');
    await page.goto('/screening/campaigns');
    await page.getByTestId('campaign-create').click();
    await check(page, 'new campaign (psych_staff)', page.getByTestId('campaign-dialog'));
  });
  await as('school_data_admin', null, async (page) => {
    await page.goto('/accounts');
    await page.getByTestId('accounts-create').click();
    await check(page, 'new account (school_data_admin)', page.getByTestId('create-username'));
  });
  assert.deepEqual(found, []);
});
