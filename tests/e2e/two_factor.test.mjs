// Two-factor sign-in in the browser: the city admin turns the switch on;
// a psychology teacher sets it up (QR code and key on the page, first
// code, recovery codes shown once), then signs in with a code and with a
// recovery code. Codes are computed with node:crypto from the key the page
// shows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, kPhoneViewport, launchBrowser, newPage, pageWidth, startServer } from './helpers.mjs';
import { nextStep, totp } from './totp.mjs';

let server;
let browser;
let secret = '';
let recoveryCodes = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const city = new ApiClient(server.baseUrl);
  await city.login('city_admin');
  const res = await city.request('PUT', '/api/v1/settings/two-factor', { json: { required: true } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function password(page, username) {
  await page.goto('/login');
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(server.accounts[username].password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('2fa-step').waitFor();
}

test('enrolment: QR code and key, a first code, then the recovery codes once', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    await password(page, 'psych_staff');
    assert.match(await page.getByTestId('2fa-step').textContent(), /设置双重验证/);
    await page.getByTestId('2fa-secret').waitFor();
    assert.match(await page.getByTestId('2fa-qr').getAttribute('src'), /^data:image\/gif;base64,/);
    secret = await page.getByTestId('2fa-secret').getAttribute('data-secret');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal((await page.getByTestId('2fa-secret').textContent()).replace(/\s+/g, ''), secret);
    // Not signed in yet.
    assert.equal(await page.getByTestId('user-name').count(), 0);
    // A wrong code is refused on the page.
    const right = totp(secret);
    await page.getByTestId('2fa-code').fill(right === '000000' ? '000001' : '000000');
    await page.getByTestId('2fa-submit').click();
    await page.getByTestId('2fa-error').waitFor();
    assert.match(await page.getByTestId('2fa-error').textContent(), /验证码不正确/);
    await page.getByTestId('2fa-code').fill(totp(secret));
    await page.getByTestId('2fa-submit').click();
    const list = page.getByTestId('2fa-recovery-codes');
    await list.waitFor();
    recoveryCodes = await list.locator('code').allTextContents();
    assert.equal(recoveryCodes.length, 10);
    for (const c of recoveryCodes) assert.match(c, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    // No horizontal scrolling on a phone.
    const overflow = (await pageWidth(page)) - 375;
    assert.ok(overflow <= 1, `page wider than the phone by ${overflow}px`);
    await page.getByTestId('2fa-codes-done').click();
    await page.getByTestId('user-name').waitFor();
  } finally {
    await context.close();
  }
});

test('sign-in with a code of the authenticator', { timeout: 120_000 }, async () => {
  assert.ok(secret, 'enrolment ran first');
  await nextStep();  // the enrolment's code step is spent
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await password(page, 'psych_staff');
    assert.match(await page.getByTestId('2fa-step').textContent(), /动态验证码/);
    await page.getByTestId('2fa-code').fill(totp(secret));
    await page.getByTestId('2fa-submit').click();
    await page.getByTestId('user-name').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
  } finally {
    await context.close();
  }
});

test('sign-in with a recovery code, which then no longer works', { timeout: 120_000 }, async () => {
  assert.equal(recoveryCodes.length, 10, 'enrolment ran first');
  const { context, page } = await newPage(browser, server.baseUrl, { locale: 'zh-CN' });
  try {
    await password(page, 'psych_staff');
    await page.getByTestId('2fa-toggle-recovery').click();
    await page.getByTestId('2fa-recovery').fill(recoveryCodes[0]);
    await page.getByTestId('2fa-submit').click();
    await page.getByTestId('user-name').waitFor();
  } finally {
    await context.close();
  }
  const again = await newPage(browser, server.baseUrl);
  try {
    await password(again.page, 'psych_staff');
    await again.page.getByTestId('2fa-toggle-recovery').click();
    await again.page.getByTestId('2fa-recovery').fill(recoveryCodes[0]);
    await again.page.getByTestId('2fa-submit').click();
    await again.page.getByTestId('2fa-error').waitFor();
    assert.match(await again.page.getByTestId('2fa-error').textContent(), /验证码不正确/);
    assert.equal(await again.page.getByTestId('user-name').count(), 0);
  } finally {
    await again.context.close();
  }
});
