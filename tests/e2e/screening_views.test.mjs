// The results tab speaks Chinese (issue 18.6): the scale's Chinese name,
// the band's label and the class, not codes; filtering by band is done by
// the server. Answers are imported on paper, so the rows are known.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient, kRepoRoot, launchBrowser, newPage, startServer, uiLogin, xqBin } from './helpers.mjs';

let server;
let browser;
let dir;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  dir = mkdtempSync(path.join(tmpdir(), 'xq-e2e-views-'));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the results tab shows the scale name, band labels and classes in Chinese', { timeout: 180_000 }, async () => {
  const psych = new ApiClient(server.baseUrl);
  await psych.login('psych_staff', server.accounts.psych_staff.password);
  const classId = String(server.accounts.head_teacher.scope_unit_id);
  const c = await psych.post('/api/v1/campaigns', {
    json: { name: '结果标签检查', unit_ids: [classId], scales: [{ instrument_id: 'phq9' }] },
  });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const names = await psych.get(`/api/v1/campaigns/${c.body.id}/non-respondents?unit_id=${classId}`);
  const [a, b] = names.body.items;
  const file = path.join(dir, 'paper.csv');
  writeFileSync(file, ['student_no,q1,q2,q3,q4,q5,q6,q7,q8,q9', `${a.student_no},2,2,2,2,2,0,0,0,0`,
    `${b.student_no},0,0,0,0,0,0,0,0,0`].join('\n'));
  const r = spawnSync(xqBin(), ['screening', 'import', '--db', server.db, '--campaign', c.body.id, file], {
    cwd: kRepoRoot, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);

  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'psych_staff', server.accounts.psych_staff.password);
    await page.goto(`/screening/campaigns/${c.body.id}`);
    await page.getByRole('tab', { name: '结果' }).click();
    const table = page.getByTestId('results-table');
    await table.locator('tbody tr').nth(1).waitFor();
    const text = await table.innerText();
    assert.match(text, /患者健康问卷抑郁量表（PHQ-9）/);
    assert.match(text, /中度（10–14）/);
    assert.match(text, /无或极轻微（0–4）/);
    assert.match(text, /总分 10/);
    assert.match(text, /年级\d+班/);
    for (const code of ['phq9', 'moderate', 'minimal', 'total:', '{"']) assert.ok(!text.includes(code), code);
    assert.match(await page.getByTestId('results-pager').innerText(), /共 2 条/);

    // Only the flagged row, filtered by the server.
    await page.getByTestId('results-band').click();
    await page.locator('.el-select-dropdown__item').filter({ hasText: '仅需随访' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="results-table"] tbody tr').length === 1);
    assert.match(await table.innerText(), /中度（10–14）/);
    assert.match(await page.getByTestId('results-pager').innerText(), /共 1 条/);
  } finally {
    await context.close();
  }
});

test('the city admin sets k on the statistics page; the table follows it', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'city_admin', server.accounts.city_admin.password);
    await page.goto('/screening/stats');
    const input = page.getByTestId('suppression-k-input').locator('input');
    await input.waitFor();
    assert.equal(await input.inputValue(), '10');
    await input.fill('15');
    await input.blur();
    await page.getByTestId('suppression-k-save').click();
    await page.waitForFunction(() => /k = 15/.test(document.querySelector('[data-testid="suppression-note"]')?.textContent || ''));
    assert.match(await page.getByTestId('suppression-note').innerText(), /少于 15/);
  } finally {
    await context.close();
  }
  // Nobody else is offered the setting.
  const other = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(other.page, 'district_admin', server.accounts.district_admin.password);
    await other.page.goto('/screening/stats');
    await other.page.getByTestId('suppression-note').waitFor();
    assert.equal(await other.page.getByTestId('suppression-k').count(), 0);
    assert.match(await other.page.getByTestId('suppression-note').innerText(), /k = 15/);
  } finally {
    await other.context.close();
  }
});
