// 工作台账 in the browser: a school data admin downloads the template,
// imports it with one bad row, sees the problem (file, line, column),
// fixes it, checks and imports; the records then show in the table. On a
// phone-sized screen (375 px), as school staff often work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kPhoneViewport, launchBrowser, newPage, pageWidth, settle, startServer, uiLogin } from './helpers.mjs';

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

test('a school data admin imports a template with one bad row, fixes it and imports', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    await uiLogin(page, 'school_data_admin', server.accounts.school_data_admin.password);
    await page.goto('/records');
    await page.getByTestId('records-tab-funding').click();
    await settle(page);
    assert.match(await page.getByTestId('records-unit-name').textContent(), /\S/);

    // The template is a real .xlsx with the kind's Chinese headers.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('records-template').click()]);
    assert.match(download.suggestedFilename(), /经费\.xlsx$/);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(path).subarray(0, 4).toString('binary'), 'PK\x03\x04');

    // One bad row (line 3: the amount is not a number): nothing is written.
    const file = page.getByTestId('records-file');
    await file.setInputFiles({
      name: '经费.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('金额(元),来源,说明\n30000,生均公用经费,\n一万,专项经费,\n', 'utf8'),
    });
    const problems = page.getByTestId('records-problems');
    await problems.waitFor();
    const text = await problems.textContent();
    assert.match(text, /经费\.csv/);
    assert.match(text, /金额\(元\)/);
    assert.match(text, /一万/);
    const cells = await problems.locator('tbody tr').first().locator('td').allTextContents();
    assert.equal(cells[1].trim(), '3', `line of the bad row: ${cells}`);
    assert.equal(await page.getByTestId('records-preview').count(), 0);

    // Fixed: the check shows what would be written, then the import writes it.
    await file.setInputFiles({
      name: '经费.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('金额(元),来源,说明\n30000,生均公用经费,\n12345,专项经费,心理辅导室改造\n', 'utf8'),
    });
    const preview = page.getByTestId('records-preview');
    await preview.waitFor();
    assert.match(await preview.textContent(), /2/);
    assert.equal(await problems.count(), 0);
    await page.getByTestId('records-import-confirm').click();
    await page.getByTestId('records-imported').waitFor();
    await settle(page);
    const table = await page.getByTestId('records-table').textContent();
    assert.match(table, /12345/);
    assert.match(table, /心理辅导室改造/);
    assert.match(await page.getByTestId('records-total').textContent(), /2/);
    // Nothing spills sideways on the phone: the page is as wide as the screen.
    const width = await pageWidth(page);
    assert.ok(width <= kPhoneViewport.width + 1, `page width ${width}`);
  } finally {
    await context.close();
  }
});

test('a district admin reads its schools but adds only district records; a head teacher has no 工作台账', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'district_admin', server.accounts.district_admin.password);
    await page.goto('/records');
    await page.getByTestId('records-tab-funding').click();
    await settle(page);
    assert.equal(await page.getByTestId('records-add').count(), 0, 'funding is kept by schools');
    assert.ok((await page.getByTestId('records-table').locator('tbody tr').count()) > 1);
    await page.getByTestId('records-tab-research').click();
    await settle(page);
    await page.getByTestId('records-add').click();
    // el-input hands its attributes (the test id) to the native input.
    await page.getByTestId('records-field-name').fill('钱教研');
    await page.getByTestId('records-save').click();
    await page.getByTestId('records-dialog').waitFor({ state: 'hidden' });
    await settle(page);
    assert.match(await page.getByTestId('records-table').textContent(), /钱教研/);
  } finally {
    await context.close();
  }
  const other = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(other.page, 'head_teacher', server.accounts.head_teacher.password);
    await other.page.goto('/records');
    await other.page.getByText('无权访问').first().waitFor();
    assert.equal(await other.page.getByTestId('records-table').count(), 0);
  } finally {
    await other.context.close();
  }
});
