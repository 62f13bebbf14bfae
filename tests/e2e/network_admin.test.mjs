// The warning network's settings and the inbox in the browser: the
// psychology centre edits the school's warning deadlines (a bad pair is
// refused on the form), a head teacher is denied the editor, adds a ledger
// entry and resolves it, and the inbox pages through the notices, marks one
// read, filters unread ones and marks all read; the school data admin sets
// the outbound channels; the psychology centre lowers a warning's level.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, kPhoneViewport, launchBrowser, newPage, pageWidth, settle, startServer, uiLogin, visibleMenu } from './helpers.mjs';

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

async function api(user) {
  const c = new ApiClient(server.baseUrl);
  c.me = await c.login(user, server.accounts[user].password);
  return c;
}

// Acknowledges the notices dialog if it opened by itself after sign-in.
async function dismissNotices(page) {
  await settle(page);
  const ackAll = page.getByTestId('notices-ack-all');
  if (await ackAll.isVisible()) {
    await ackAll.click();
    await ackAll.waitFor({ state: 'hidden' });
  }
}

test('the psychology centre edits the warning deadlines', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'psych_staff', server.accounts.psych_staff.password);
    await dismissNotices(page);
    assert.ok((await visibleMenu(page)).includes('menu-network.deadlines'));
    await page.getByTestId('menu-network.deadlines').click();
    await page.getByTestId('network-deadlines').waitFor();
    await settle(page);
    // The defaults: 1 h / 24 h / 72 h to acknowledge.
    assert.equal(await page.getByTestId('deadlines-ack-1').inputValue(), '60');
    assert.equal(await page.getByTestId('deadlines-ack-2').inputValue(), '1440');
    assert.equal(await page.getByTestId('deadlines-ack-3').inputValue(), '4320');

    // Acting due before acknowledging: refused on the form.
    await page.getByTestId('deadlines-ack-1').fill('30');
    await page.getByTestId('deadlines-action-1').fill('20');
    await page.getByTestId('deadlines-error-action-1').waitFor();
    assert.equal(await page.getByTestId('deadlines-save').isDisabled(), true);
    await page.getByTestId('deadlines-action-1').fill('0');
    assert.match(await page.getByTestId('deadlines-error-action-1').textContent(), /正整数/);
    await page.getByTestId('deadlines-action-1').fill('200000');
    assert.match(await page.getByTestId('deadlines-error-action-1').textContent(), /90 天/);

    await page.getByTestId('deadlines-action-1').fill('240');
    await page.getByTestId('deadlines-error-action-1').waitFor({ state: 'detached' });
    await page.getByTestId('deadlines-save').click();
    await page.getByTestId('deadlines-saved').waitFor();

    const psych = await api('psych_staff');
    const school = server.accounts.psych_staff.scope_unit_id;
    const d = (await psych.get(`/api/v1/schools/${school}/warning-deadlines`)).body;
    assert.equal(d.ack_seconds['1'], 1800);
    assert.equal(d.action_seconds['1'], 14400);
    assert.equal(d.ack_seconds['2'], 86400);

    // Shown again after a reload.
    await page.reload();
    await settle(page);
    assert.equal(await page.getByTestId('deadlines-ack-1').inputValue(), '30');

    // On a phone the table fits the screen.
    await page.setViewportSize(kPhoneViewport);
    await settle(page);
    const width = await pageWidth(page);
    assert.ok(width <= kPhoneViewport.width, `fits 375 px (${width})`);
  } finally {
    await context.close();
  }
});

test('a head teacher is denied the deadline editor, adds and resolves a ledger entry', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'head_teacher', server.accounts.head_teacher.password);
    await dismissNotices(page);
    assert.ok(!(await visibleMenu(page)).includes('menu-network.deadlines'));
    await page.goto('/network/deadlines');
    await page.getByTestId('forbidden').waitFor();

    await page.goto('/network/class');
    await settle(page);
    await page.getByTestId('ledger-add').click();
    const form = page.getByTestId('ledger-form');
    await form.waitFor();
    await settle(page);
    await page.getByTestId('ledger-student').click();
    const option = page.locator('.el-select-dropdown__item:visible').first();
    const name = (await option.textContent()).trim();
    await option.click();
    await page.getByTestId('ledger-factor-kind').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '家庭变故' }).first().click();
    await page.getByTestId('ledger-note').fill('父母近期离异，情绪低落');
    await page.getByTestId('ledger-save').click();
    await form.waitFor({ state: 'hidden' });
    const row = page.getByTestId('ledger-factor').filter({ hasText: name }).filter({ hasText: '父母近期离异' });
    await row.waitFor();

    const head = await api('head_teacher');
    const active = (await head.get('/api/v1/network/risk-factors?status=active')).body.items;
    const entry = active.find((f) => f.student_name === name && f.note === '父母近期离异，情绪低落');
    assert.ok(entry, 'the entry is in the ledger');

    await row.getByTestId('ledger-resolve').click();
    await page.locator('.el-message-box:visible .el-button--primary').click();
    await row.waitFor({ state: 'detached' });
    const resolved = (await head.get('/api/v1/network/risk-factors?status=resolved')).body.items;
    assert.ok(resolved.some((f) => f.id === entry.id), 'the entry is resolved');
  } finally {
    await context.close();
  }
});

test('the inbox pages through the notices and marks them read', { timeout: 180_000 }, async () => {
  // 22 crisis cases: 22 urgent notices for the auditor.
  const psych = await api('psych_staff');
  const school = server.accounts.psych_staff.scope_unit_id;
  const students = (await psych.get(`/api/v1/students?unit_id=${school}&page_size=22`)).body.items;
  assert.equal(students.length, 22);
  for (const s of students) {
    const r = await psych.post('/api/v1/crisis/cases', { json: { student_id: s.id, source: 'hotline', level: 3, record: '来电' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const auditor = await api('auditor');
  const total = (await auditor.get('/api/v1/notices?page_size=200')).body.items.length;
  assert.ok(total >= 22 && total <= 40, `${total} notices`);

  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'auditor', server.accounts.auditor.password);
    // Urgent notices open the dialog by itself; its link leads to the inbox.
    const dialog = page.getByTestId('notices');
    await dialog.locator('[data-kind="crisis_opened"]').first().waitFor();
    await page.getByTestId('notices-inbox').click();
    await page.waitForURL((url) => url.pathname === '/inbox');
    await settle(page);
    const items = page.getByTestId('inbox-notice');
    assert.equal(await items.count(), 20);
    // The auditor may not open crisis cases: no link to them.
    assert.equal(await page.getByTestId('inbox-link').count(), 0);
    assert.match(await page.getByTestId('inbox-unread').textContent(), new RegExp(`${total}`));
    assert.equal(await page.getByTestId('inbox-prev').isDisabled(), true);

    await page.getByTestId('inbox-next').click();
    await page.getByTestId('inbox-page').filter({ hasText: '第 2 页' }).waitFor();
    await settle(page);
    assert.equal(await page.getByTestId('inbox-notice').count(), total - 20);
    assert.equal(await page.getByTestId('inbox-next').isDisabled(), true);
    await page.getByTestId('inbox-prev').click();
    await page.getByTestId('inbox-page').filter({ hasText: '第 1 页' }).waitFor();
    await settle(page);
    assert.equal(await page.getByTestId('inbox-notice').count(), 20);

    // One read: the count follows, and the unread filter leaves it out.
    const first = page.getByTestId('inbox-notice').first();
    assert.equal(await first.getAttribute('data-read'), 'false');
    assert.equal(await first.getByTestId('inbox-urgent').count(), 1);
    await first.getByTestId('inbox-ack').click();
    await page.locator('[data-testid="inbox-notice"][data-read="true"]').first().waitFor();
    assert.match(await page.getByTestId('inbox-unread').textContent(), new RegExp(`${total - 1}`));
    await page.getByTestId('inbox-unread-only').click();
    await page.getByTestId('inbox-page').filter({ hasText: '第 1 页' }).waitFor();
    await settle(page);
    assert.equal(await page.locator('[data-testid="inbox-notice"][data-read="true"]').count(), 0);

    // All read: nothing unread is left.
    await page.getByTestId('inbox-read-all').click();
    await page.getByTestId('inbox-unread').filter({ hasText: '0 条未读' }).waitFor();
    await settle(page);
    assert.equal(await page.getByTestId('inbox-notice').count(), 0);
    const after = (await auditor.get('/api/v1/notices?unread=true')).body;
    assert.equal(after.unread, 0);

    // Signing in again: nothing urgent unread, so the dialog stays shut.
    await page.reload();
    await settle(page);
    assert.equal(await dialog.isVisible(), false);
  } finally {
    await context.close();
  }
});

test('a crisis group member follows the inbox link to the case escalated to it', { timeout: 120_000 }, async () => {
  const psych = await api('psych_staff');
  const unit = server.accounts.head_teacher2.scope_unit_id;
  const [student] = (await psych.get(`/api/v1/students?unit_id=${unit}&page_size=1`)).body.items;
  const opened = await psych.post('/api/v1/crisis/cases', { json: { student_id: student.id, source: 'hotline', level: 1, record: '来电' } });
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'crisis_group', server.accounts.crisis_group.password);
    await dismissNotices(page);
    await page.goto('/inbox');
    await settle(page);
    const n = page.getByTestId('inbox-notice').filter({ has: page.locator('[data-testid="inbox-link"]') }).first();
    assert.equal(await n.getAttribute('data-kind'), 'crisis_escalated');
    await n.getByTestId('inbox-link').click();
    await page.waitForURL((url) => url.pathname === `/crisis/cases/${opened.body.id}`);
  } finally {
    await context.close();
  }
});

test('the school data admin sets the channels; the webhook address is never shown again', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'school_data_admin', server.accounts.school_data_admin.password);
    await dismissNotices(page);
    const menu = await visibleMenu(page);
    assert.ok(menu.includes('menu-notify.channels') && !menu.includes('menu-network.deadlines'));
    await page.getByTestId('menu-notify.channels').click();
    await page.getByTestId('notify-channels').waitFor();
    await settle(page);
    assert.match(await page.getByTestId('channels-webhook-state').textContent(), /未设置/);
    await page.getByTestId('channels-site-url').fill('http://xinqiao.school.local');
    await page.getByTestId('channels-webhook').fill('https://127.0.0.1:9/send?key=SECRET-KEY-4242');
    await page.getByTestId('channels-smtp-host').fill('127.0.0.1');
    await page.getByTestId('channels-smtp-port').fill('2525');
    await page.getByTestId('channels-smtp-from').fill('xinqiao@school.local');
    await page.getByTestId('channels-smtp-user').fill('xinqiao');
    await page.getByTestId('channels-smtp-password').fill('MAIL-PASSWORD-7781');
    await page.getByTestId('channels-recipients-psych_staff').fill('a@school.local\nb@school.local');
    await page.getByTestId('channels-save').click();
    await page.getByTestId('channels-webhook-state').filter({ hasText: '已设置' }).waitFor();
    assert.equal(await page.getByTestId('channels-webhook').inputValue(), '');
    assert.ok(!(await page.content()).includes('SECRET-KEY-4242'));
    assert.match(await page.getByTestId('channels-smtp-password-state').textContent(), /已设置/);
    assert.equal(await page.getByTestId('channels-smtp-password').inputValue(), '');
    assert.ok(!(await page.content()).includes('MAIL-PASSWORD-7781'));

    const admin = await api('school_data_admin');
    const u = (await admin.get('/api/v1/notify/channels')).body.items[0];
    assert.equal(u.webhook_set, true);
    assert.equal(u.smtp_port, 2525);
    assert.equal(u.smtp_user, 'xinqiao');
    assert.equal(u.smtp_password_set, true);
    assert.deepEqual(u.recipients.psych_staff, ['a@school.local', 'b@school.local']);

    // A bad port is refused by the server and named.
    await page.getByTestId('channels-smtp-port').fill('70000');
    await page.getByTestId('channels-save').click();
    await page.getByTestId('channels-error').waitFor();
    assert.match(await page.getByTestId('channels-error').textContent(), /smtp_port|端口/);
    assert.equal((await admin.get('/api/v1/notify/channels')).body.items[0].smtp_port, 2525);
  } finally {
    await context.close();
  }
});

test('the psychology centre lowers a warning\'s level with a reason', { timeout: 120_000 }, async () => {
  const peer = await api('peer_reporter');
  const students = (await peer.get('/api/v1/network/students')).body.items;
  const student = students[students.length - 1];
  const r = await peer.post('/api/v1/network/observations', {
    json: { student_id: student.id, category: 'marked_abnormality', urgency: 'immediate', what_seen: '课间独自发呆，不与人交流' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const psych = await api('psych_staff');
  let w;
  for (let i = 0; i < 60 && !w; i++) {
    w = (await psych.get('/api/v1/network/warnings')).body.items.find((x) => x.student_id === student.id);
    if (!w) await new Promise((res) => setTimeout(res, 250));
  }
  assert.ok(w, 'the warning');
  assert.equal(w.level, 1);

  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'psych_staff', server.accounts.psych_staff.password);
    await dismissNotices(page);
    await page.goto('/network/board');
    await settle(page);
    const card = page.getByTestId('network-warning').filter({ hasText: student.name }).first();
    await card.getByTestId('network-warning-level').click();
    const dialog = page.getByTestId('level-dialog');
    await dialog.waitFor();
    await page.getByTestId('level-to-2').click();
    // No reason, no change.
    assert.equal(await page.getByTestId('level-save').isDisabled(), true);
    await page.getByTestId('level-reason').fill('面谈后评估风险有所下降');
    await page.getByTestId('level-save').click();
    await dialog.waitFor({ state: 'hidden' });
    const after = (await psych.get(`/api/v1/network/warnings/${w.id}`)).body;
    assert.equal(after.level, 2);
  } finally {
    await context.close();
  }
});
