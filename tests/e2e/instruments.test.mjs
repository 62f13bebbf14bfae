// The scale picker in the campaign form (issue 22): psychology staff see
// each chosen scale's licence, wording status and norm sets, are warned
// about unvalidated wording before and after creating, and the chosen norm
// set is stored; the licensed C-SSRS is not offered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
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

test('the campaign form shows licence, wording status and norm sets, and warns about unvalidated wording', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'psych_staff', server.accounts.psych_staff.password);
    await page.goto('/screening/campaigns');
    await page.getByTestId('campaign-create').click();
    await page.getByTestId('campaign-name').fill('K10 常模测试');
    await page.getByTestId('campaign-scales').click();
    const options = page.locator('.el-select-dropdown__item:visible');
    await options.first().waitFor();
    const offered = await options.allTextContents();
    assert.ok(!offered.some((x) => /C-SSRS|哥伦比亚/.test(x)), 'the licensed C-SSRS is not offered');
    await options.filter({ hasText: 'K10' }).first().click();
    await page.keyboard.press('Escape');

    const info = page.getByTestId('campaign-scale-info');
    await info.first().waitFor();
    const text = await info.first().textContent();
    assert.match(text, /版权与许可：.*Kessler/);
    assert.match(text, /自译文本（未经验证）/);
    assert.match(await page.getByTestId('campaign-wording-warning').textContent(), /未经验证.*K10/);

    await page.getByTestId('campaign-norm-set').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '澳大利亚统计局分级' }).first().click();

    await page.getByTestId('campaign-submit').click();
    await page.locator('.el-message--warning').filter({ hasText: '未经验证' }).waitFor();
    await page.waitForURL(/\/screening\/campaigns\/\d+/);
    const id = page.url().split('/').pop();
    const psych = new ApiClient(server.baseUrl);
    await psych.login('psych_staff', server.accounts.psych_staff.password);
    const c = await psych.get(`/api/v1/campaigns/${id}`);
    assert.equal(c.body.scales[0].instrument_id, 'k10');
    assert.equal(c.body.scales[0].norm_set, 'abs_2001');
  } finally {
    await context.close();
  }
});
