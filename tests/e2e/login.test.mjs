// Sign-in errors are translated from the API's error codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newPage, startServer } from './helpers.mjs';

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

async function tryLogin(page, username, password) {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

test('wrong password shows 用户名或密码错误 and stays on /login', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await page.goto('/login');
    await tryLogin(page, 'head_teacher', 'not-the-password');
    const error = page.getByTestId('login-error');
    await error.waitFor();
    assert.match(await error.textContent(), /用户名或密码错误/);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.getByTestId('user-name').count(), 0);
  } finally {
    await context.close();
  }
});

test('a page without a session goes to /login and back after signing in', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await page.goto('/password');
    await page.waitForURL((url) => url.pathname === '/login');
    await tryLogin(page, 'student', server.accounts.student.password);
    await page.waitForURL((url) => url.pathname === '/password');
    await page.getByTestId('pw-submit').waitFor();
  } finally {
    await context.close();
  }
});

test('repeated failures show 登录失败次数过多 with the wait', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await page.goto('/login');
    const error = page.getByTestId('login-error');
    let text = '';
    for (let i = 0; i < 10 && !/登录失败次数过多/.test(text); i++) {
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
      await tryLogin(page, 'grade_head', `wrong-${i}`);
      await answered;
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid="login-error"]') &&
          !document.querySelector('[data-testid="login-submit"].is-loading'),
      );
      text = await error.textContent();
    }
    assert.match(text, /登录失败次数过多，请稍后再试/);
    assert.match(text, /\d+ 秒/);
  } finally {
    await context.close();
  }
});
