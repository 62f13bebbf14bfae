// Account administration in the browser: a school data admin creates an
// account with a role at a class (picked from the lazy unit tree), adds a
// second grant and revokes the first; the new account must change its
// password before anything else. Grants outside the school are refused.
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

// Picks an option of an el-select (by its visible label).
async function chooseOption(page, testid, label) {
  await page.getByTestId(testid).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click();
}

// Opens the unit picker and expands the tree until a class shows; picks it.
async function chooseFirstClass(page, testid) {
  await page.getByTestId(testid).locator('.el-select').click();
  const pop = page.locator('.el-popper.xq-unit-popper:visible');
  await pop.locator('.el-tree-node').first().waitFor();
  const classes = pop.locator('.el-tree-node__content', { hasText: '班级' });
  for (let i = 0; i < 6 && (await classes.count()) === 0; i++) {
    const n = await pop.locator('.el-tree-node').count();
    await pop.locator('.el-tree-node__expand-icon:not(.is-leaf):not(.expanded)').first().click();
    await page.waitForFunction(
      (k) => document.querySelectorAll('.el-popper.xq-unit-popper .el-tree-node').length > k,
      n,
    );
  }
  const node = classes.first();
  const label = (await node.textContent()).split('·')[0].trim();
  await node.click();
  return label;
}

test('create an account with a class role, add a grant, revoke one', { timeout: 240_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'school_data_admin', server.accounts.school_data_admin.password);
    await page.goto('/accounts');
    const table = page.getByTestId('accounts-table');
    await table.locator('tbody tr').first().waitFor();

    await page.getByTestId('accounts-create').click();
    await page.getByTestId('create-username').fill('e2e_teacher');
    await page.getByTestId('create-display-name').fill('测试任课老师');
    await page.getByTestId('create-password').fill('Start@2026xyz');
    await chooseOption(page, 'create-role', '任课教师');
    const className = await chooseFirstClass(page, 'create-unit');
    await page.getByTestId('create-submit').click();

    const row = table.locator('tbody tr', { hasText: 'e2e_teacher' });
    await row.waitFor();
    const tag = row.locator('.el-tag', { hasText: '任课教师' });
    assert.match(await tag.textContent(), new RegExp(className));

    // Add a second grant from the row's 添加角色.
    await row.getByText('添加角色').click();
    await chooseOption(page, 'grant-role', '班主任');
    await chooseFirstClass(page, 'grant-unit');
    await page.getByTestId('grant-submit').click();
    await row.locator('.el-tag', { hasText: '班主任' }).waitFor();

    // Revoke the first: close its tag and confirm. (An account left with
    // no grant in the admin's scope would drop out of the list.)
    await tag.locator('.el-tag__close').click();
    await page.locator('.el-message-box:visible .el-button--primary').click();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="accounts-table"] tbody tr')];
      const r = rows.find((x) => x.textContent.includes('e2e_teacher'));
      return r && !r.textContent.includes('任课教师') && r.textContent.includes('班主任');
    });
  } finally {
    await context.close();
  }

  // The new account signs in and is asked to change the password first.
  const second = await newPage(browser, server.baseUrl);
  try {
    const p = second.page;
    await p.goto('/login');
    await p.getByTestId('login-username').fill('e2e_teacher');
    await p.getByTestId('login-password').fill('Start@2026xyz');
    await p.getByTestId('login-submit').click();
    await p.waitForURL((url) => url.pathname === '/password');
    await p.getByTestId('pw-current').fill('Start@2026xyz');
    await p.getByTestId('pw-next').fill('Changed@2026xyz');
    await p.getByTestId('pw-repeat').fill('Changed@2026xyz');
    await p.getByTestId('pw-submit').click();
    await p.locator('.el-message--success').waitFor();
    await p.getByTestId('menu-roster.read').waitFor();
  } finally {
    await second.context.close();
  }
});

test('a school data admin may not grant a role outside the school', { timeout: 120_000 }, async () => {
  // The unit picker only offers the admin's own subtree; the server refuses
  // anything else whatever the page sends.
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'school_data_admin', server.accounts.school_data_admin.password);
    const status = await page.evaluate(async ({ unit }) => {
      const me = await (await fetch('/api/v1/auth/me')).json();
      const res = await fetch('/api/v1/accounts', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({
          username: 'e2e_outside',
          display_name: '越权测试',
          password: 'Start@2026xyz',
          roles: [{ role: 'head_teacher', unit_id: String(unit) }],
        }),
      });
      return res.status;
    }, { unit: server.accounts.city_admin.scope_unit_id });
    assert.ok([403, 404].includes(status), `status ${status}`);
  } finally {
    await context.close();
  }
});
