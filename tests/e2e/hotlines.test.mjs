// R-33 on a phone (375 px): after the school's hotlines change, the student
// sees the confirmation on the home page and confirms with one tap; the
// head teacher sees the class's awareness rate and marks a class meeting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, kPhoneViewport, launchBrowser, newPage, pageWidth, startServer, uiLogin } from './helpers.mjs';

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

test('375 px: a student confirms after a change; the head teacher sees the rate', { timeout: 180_000 }, async () => {
  // Before any change the demo's confirmations count: the head teacher sees the rate.
  const head = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    const { page } = head;
    await uiLogin(page, 'head_teacher');
    await page.goto('/hotlines');
    const rates = page.getByTestId('hotline-rates');
    await rates.waitFor();
    const value = await rates.getByTestId('hotline-rate-value').first().textContent();
    assert.match(value, /^\d+\.\d%$/);
    assert.equal(await page.getByTestId('hotline-awareness').count(), 0, 'staff are not asked');
    await page.getByTestId('hotline-class-meeting').click();
    assert.ok((await pageWidth(page)) <= kPhoneViewport.width, 'hotlines page fits the phone');
  } finally {
    await head.context.close();
  }
  // The psychology teacher changes the school's lines.
  const psych = new ApiClient(server.baseUrl);
  await psych.login('psych_staff');
  const school = server.accounts.psych_staff.scope_unit_id;
  const saved = await psych.request('PUT', `/api/v1/hotlines/units/${school}`, {
    json: { lines: [{ name: '学校心理辅导室', number: '022-55667788', hours: '午间' }] },
  });
  assert.equal(saved.status, 204);

  const student = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    const { page } = student;
    await uiLogin(page, 'student');
    const box = page.getByTestId('hotline-awareness');
    await box.waitFor();
    await box.getByTestId('awareness-hotlines').locator('[data-testid="hotline"]').nth(3).waitFor();
    assert.ok((await box.textContent()).includes('022-55667788'), 'the new line is shown');
    assert.ok((await pageWidth(page)) <= kPhoneViewport.width, 'home fits the phone');
    await page.getByTestId('hotline-confirm').click();
    await page.getByTestId('hotline-confirmed').waitFor();
    await page.reload();
    await page.getByTestId('home').waitFor();
    await page.getByTestId('hotlines').locator('[data-testid="hotline"]').first().waitFor();
    assert.equal(await page.getByTestId('hotline-awareness').count(), 0, 'not asked again');
  } finally {
    await student.context.close();
  }

  // The meeting asked the class again; the student confirmed above, after it.
  const api = new ApiClient(server.baseUrl);
  await api.login('student');
  assert.equal((await api.get('/api/v1/hotlines/awareness/me')).body.needs_confirm, false);
});
