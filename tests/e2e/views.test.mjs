// Each view renders real server data for a role that may use it: hotlines,
// organisation tree → roster, accounts, audit log, a student's own page, a
// guardian's children, and the roster import (errors and an Excel file).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ApiClient, launchBrowser, newPage, startServer, uiLogin } from './helpers.mjs';

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

// Runs fn(page) signed in as username, in a fresh context.
async function as(username, fn) {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, username, server.accounts[username].password);
    await fn(page);
  } finally {
    await context.close();
  }
}

test('home shows the city hotlines', { timeout: 120_000 }, async () => {
  await as('subject_teacher', async (page) => {
    const hotlines = page.getByTestId('home').getByTestId('hotlines');
    await hotlines.getByTestId('hotline').first().waitFor();
    const text = await hotlines.textContent();
    assert.match(text, /阳光心理热线/);
    assert.match(text, /4001060525/);
    assert.match(text, /阳光家庭教育热线/);
    assert.match(text, /4000716515/);
  });
});

test('organisation tree opens the roster of a class', { timeout: 180_000 }, async () => {
  await as('psych_staff', async (page) => {
    await page.goto('/org');
    const tree = page.getByTestId('org-tree');
    await tree.locator('[data-kind]').first().waitFor();
    // Expand level by level until a class shows up.
    for (let i = 0; i < 6 && (await tree.locator('[data-kind="class"]').count()) === 0; i++) {
      const closed = tree.locator('.el-tree-node__expand-icon:not(.is-leaf):not(.expanded)').first();
      const before = await tree.locator('[data-kind]').count();
      await closed.click();
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-testid="org-tree"] [data-kind]').length > n,
        before,
      );
    }
    const cls = tree.locator('[data-kind="class"]').first();
    const id = (await cls.getAttribute('data-testid')).replace('org-node-', '');
    await cls.click();
    await page.waitForURL((url) => url.pathname === '/roster' && url.searchParams.get('unit_id') === id);
    await page.getByTestId('roster-table').waitFor();
    assert.equal(await page.getByTestId('roster-denied').count(), 0);
  });
});

test('accounts in scope are listed for the school data admin', { timeout: 120_000 }, async () => {
  await as('school_data_admin', async (page) => {
    await page.goto('/accounts');
    const rows = page.getByTestId('accounts-table').locator('tbody tr');
    await rows.first().waitFor();
    const text = await page.getByTestId('accounts-table').textContent();
    assert.match(text, /head_teacher/);
    // Nobody outside the school: the city admin is not listed.
    assert.doesNotMatch(text, /city_admin/);
  });
});

test('the auditor reads the audit log, which records the sign-ins', { timeout: 120_000 }, async () => {
  await as('auditor', async (page) => {
    await page.goto('/audit');
    const rows = page.getByTestId('audit-table').locator('tbody tr');
    await rows.first().waitFor();
    assert.ok((await rows.count()) > 0);
  });
});

test('a student sees their own information and the hotlines', { timeout: 120_000 }, async () => {
  const me = server.accounts.student;
  await as('student', async (page) => {
    await page.goto('/me');
    const profile = page.getByTestId('profile');
    await profile.getByTestId('hotline').first().waitFor();
    const text = await profile.textContent();
    assert.ok(text.includes(me.display_name), text);
    assert.match(text, /4001060525/);
  });
});

test('a guardian sees their children', { timeout: 120_000 }, async () => {
  await as('guardian', async (page) => {
    await page.goto('/children');
    await page.getByTestId('child').first().waitFor();
    assert.ok((await page.getByTestId('child').count()) >= 1);
  });
});

test('a malformed roster file is rejected with the problems listed', { timeout: 120_000 }, async () => {
  await as('school_data_admin', async (page) => {
    await page.goto('/roster/import');
    // The admin's school is preselected when it is the only one.
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="import-school"]')?.closest('.el-select')
        ?.textContent.trim().length > 0,
    );
    await page.getByTestId('import-file').setInputFiles({
      name: 'roster.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('no such column,another\nx,y\n', 'utf8'),
    });
    assert.match(await page.getByTestId('import-file-name').textContent(), /roster\.csv/);
    await page.getByTestId('import-submit').click();
    await page.locator('[data-testid="import-problems"], [data-testid="import-error"]').first().waitFor();
    assert.equal(await page.getByTestId('import-result').count(), 0);
  });
});

test('an Excel (GB18030) roster file is imported and the student is then listed', { timeout: 180_000 }, async () => {
  // A class of the admin's school, taken from the roster itself.
  const api = new ApiClient(server.baseUrl);
  const me = await api.login('school_data_admin', server.accounts.school_data_admin.password);
  const schoolId = me.roles.find((r) => r.unit_kind === 'school').unit_id;
  const sample = await api.get(`/api/v1/students?unit_id=${schoolId}&page_size=1`);
  assert.equal(sample.status, 200);
  const { grade_name: grade, class_name: cls } = sample.body.items[0];
  const csv = `学号,姓名,性别,年级,班级\r\nE2E20260001,导入测试生,女,${grade},${cls}\r\n`;
  const gb18030 = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: csv });
  assert.notDeepEqual(gb18030, Buffer.from(csv, 'utf8'), 'the file really is GB18030');

  await as('school_data_admin', async (page) => {
    await page.goto('/roster/import');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="import-school"]')?.closest('.el-select')
        ?.textContent.trim().length > 0,
    );
    await page.getByTestId('import-file').setInputFiles({
      name: '名册.csv',
      mimeType: 'text/csv',
      buffer: gb18030,
    });
    await page.getByTestId('import-submit').click();
    const result = page.getByTestId('import-result');
    await result.waitFor();
    assert.match(await result.textContent(), /新增 1 人/);

    await page.goto(`/roster?unit_id=${schoolId}&q=${encodeURIComponent('导入测试生')}`);
    const rows = page.getByTestId('roster-table').locator('tbody tr');
    await rows.first().waitFor();
    assert.match(await rows.first().textContent(), /E2E20260001/);
  });
});
