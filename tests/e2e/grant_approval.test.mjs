// Four-eyes grants in the browser: a school data admin asks for a psychology
// centre role, sees it pending and cannot approve its own request; the
// school's psychology centre is told at sign-in; a district admin approves it
// in the accounts view, and the role is then in effect. A temporary
// password sends every other page to the password form.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newPage, startServer, uiLogin } from './helpers.mjs';

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

test('a psychology role waits for a second administrator', { timeout: 240_000 }, async () => {
  const admin = await newPage(browser, server.baseUrl);
  try {
    const { page } = admin;
    await uiLogin(page, 'school_data_admin', server.accounts.school_data_admin.password);
    const res = await page.evaluate(async ({ unit }) => {
      const me = await (await fetch('/api/v1/auth/me')).json();
      const r = await fetch('/api/v1/accounts', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({
          username: 'e2e_psych',
          display_name: '测试心理老师',
          password: 'Start@2026xyz',
          roles: [{ role: 'psych_staff', unit_id: String(unit) }],
        }),
      });
      return { status: r.status, body: await r.json() };
    }, { unit: server.accounts.psych_staff.scope_unit_id });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.pending_roles.length, 1);

    await page.goto('/accounts');
    const pending = page.getByTestId('grant-requests');
    const approve = pending.getByTestId('approve-e2e_psych');
    await approve.waitFor();
    assert.equal(await approve.isDisabled(), true, 'the requester cannot approve its own request');
    const row = page.getByTestId('accounts-table').locator('tbody tr', { hasText: 'e2e_psych' });
    await row.getByTestId('pending-role').waitFor();
    assert.match(await row.getByTestId('pending-role').textContent(), /待审批/);
  } finally {
    await admin.context.close();
  }

  // The psychology centre is told at its next sign-in.
  const psych = await newPage(browser, server.baseUrl);
  try {
    const { page } = psych;
    await uiLogin(page, 'psych_staff', server.accounts.psych_staff.password);
    const dialog = page.getByTestId('notices');
    const notice = dialog.locator('[data-kind="grant_requested"]').first();
    await notice.waitFor();
    assert.match(await notice.textContent(), /测试心理老师.*心理中心教师/);
    await page.getByTestId('notices-ack-all').click();
    await dialog.waitFor({ state: 'hidden' });
  } finally {
    await psych.context.close();
  }

  // A second administrator approves.
  const district = await newPage(browser, server.baseUrl);
  try {
    const { page } = district;
    await uiLogin(page, 'district_admin', server.accounts.district_admin.password);
    await page.goto('/accounts');
    const approve = page.getByTestId('approve-e2e_psych');
    await approve.waitFor();
    assert.equal(await approve.isDisabled(), false);
    await approve.click();
    await page.locator('.el-message-box:visible .el-button--primary').click();
    await page.locator('.el-message--success').waitFor();
    await page.getByTestId('grant-requests-empty').waitFor();
  } finally {
    await district.context.close();
  }

  // The new account: a temporary password first, then the role is there.
  const fresh = await newPage(browser, server.baseUrl);
  try {
    const p = fresh.page;
    await p.goto('/login');
    await p.getByTestId('login-username').fill('e2e_psych');
    await p.getByTestId('login-password').fill('Start@2026xyz');
    await p.getByTestId('login-submit').click();
    await p.waitForURL((url) => url.pathname === '/password');
    // Told of the approval even before the change (the notices answer).
    await p.getByTestId('notices').locator('[data-kind="grant_approved"]').waitFor();
    await p.getByTestId('notices-ack-all').click();
    await p.getByTestId('notices').waitFor({ state: 'hidden' });
    // Any other page is sent back to the password form by the API's answer.
    await p.goto('/roster');
    await p.waitForURL((url) => url.pathname === '/password');
    await p.getByTestId('pw-current').fill('Start@2026xyz');
    await p.getByTestId('pw-next').fill('Changed@2026xyz');
    await p.getByTestId('pw-repeat').fill('Changed@2026xyz');
    await p.getByTestId('pw-submit').click();
    await p.locator('.el-message--success').waitFor();
    const me = await p.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    assert.deepEqual(me.roles.map((r) => r.role), ['psych_staff']);
    assert.equal(me.must_change_password, false);
  } finally {
    await fresh.context.close();
  }
});
