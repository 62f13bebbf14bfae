// Roster scope in the browser: a head teacher sees their own class, and a
// link to another class shows "not found or not yours" while the API
// itself answers 404 (the denial is the server's, not the page's).
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

async function headerTexts(page) {
  const table = page.getByTestId('roster-table');
  return (await table.locator('thead th').allTextContents()).map((s) => s.trim()).filter(Boolean);
}

test('head teacher: another class is denied, own class lists students', { timeout: 180_000 }, async () => {
  const me = server.accounts.head_teacher;
  const other = server.accounts.head_teacher2;
  assert.ok(me.scope_unit_id && other.scope_unit_id);
  assert.notEqual(me.scope_unit_id, other.scope_unit_id);

  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, me.username, me.password);

    await page.goto(`/roster?unit_id=${encodeURIComponent(other.scope_unit_id)}`);
    await page.getByTestId('roster-denied').waitFor();
    assert.match(await page.getByTestId('roster-denied').textContent(), /该班级不存在或您无权查看/);
    assert.equal(await page.getByTestId('roster-table').count(), 0, 'no table, no rows');
    const status = await page.evaluate(async (unitId) => {
      const res = await fetch(`/api/v1/students?unit_id=${encodeURIComponent(unitId)}`, {
        credentials: 'same-origin',
      });
      return res.status;
    }, other.scope_unit_id);
    assert.equal(status, 404);

    await page.goto(`/roster?unit_id=${encodeURIComponent(me.scope_unit_id)}`);
    const rows = page.getByTestId('roster-table').locator('tbody tr');
    await rows.first().waitFor();
    assert.ok((await rows.count()) > 0);
    assert.equal(await page.getByTestId('roster-denied').count(), 0);
    const headers = await headerTexts(page);
    assert.ok(headers.includes('学号') && headers.includes('姓名'), headers.join(','));
    assert.match(await page.getByTestId('roster-total').textContent(), /共 \d+ 条/);
  } finally {
    await context.close();
  }
});

test('head teacher: search narrows the roster on the server', { timeout: 120_000 }, async () => {
  const me = server.accounts.head_teacher;
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, me.username, me.password);
    await page.goto(`/roster?unit_id=${encodeURIComponent(me.scope_unit_id)}`);
    const table = page.getByTestId('roster-table');
    await table.locator('tbody tr').first().waitFor();
    const firstName = (await table.locator('tbody tr').first().locator('td').nth(1).textContent()).trim();
    await page.getByTestId('roster-search').fill(firstName);
    await page.getByTestId('roster-search').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === firstName);
    await page.waitForFunction(
      (name) => {
        const rows = [...document.querySelectorAll('[data-testid="roster-table"] tbody tr')];
        return rows.length > 0 && rows.every((r) => r.textContent.includes(name));
      },
      firstName,
    );
  } finally {
    await context.close();
  }
});

test('peer reporter: roster shows names, never 学号 or 性别', { timeout: 120_000 }, async () => {
  const me = server.accounts.peer_reporter;
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, me.username, me.password);
    await page.goto('/roster');
    const rows = page.getByTestId('roster-table').locator('tbody tr');
    await rows.first().waitFor();
    const headers = await headerTexts(page);
    assert.ok(headers.includes('姓名'), headers.join(','));
    assert.ok(!headers.includes('学号') && !headers.includes('性别'), headers.join(','));
  } finally {
    await context.close();
  }
});
