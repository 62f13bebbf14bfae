// Phone-sized screen (375 px): sign in, open the menu drawer, use it, and
// nothing overflows the page width. Saves screenshots to the temp dir.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kPhoneViewport, launchBrowser, newPage, pageWidth, startServer, uiLogin, visibleMenu } from './helpers.mjs';

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

test('375 px: login, drawer menu and roster work', { timeout: 180_000 }, async () => {
  const me = server.accounts.head_teacher;
  const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    await page.goto('/login');
    await page.getByTestId('login-submit').waitFor();
    await page.getByTestId('hotlines').locator('[data-testid="hotline"]').first().waitFor();
    assert.ok((await pageWidth(page)) <= kPhoneViewport.width, 'login page fits');
    await page.screenshot({ path: path.join(tmpdir(), 'xq-login-375.png'), fullPage: true });

    await uiLogin(page, me.username, me.password);
    // The side menu is hidden; the drawer toggle is shown instead.
    assert.ok(await page.getByTestId('nav-toggle').isVisible());
    assert.equal(await page.getByTestId('menu-home').count(), 0, 'menu closed until opened');

    const menu = await visibleMenu(page);
    assert.ok(menu.includes('menu-roster.read') && menu.includes('menu-org.browse'), menu.join(','));
    await page.getByTestId('menu-roster.read').click();
    await page.waitForURL((url) => url.pathname === '/roster');
    await page.getByTestId('roster-table').locator('tbody tr').first().waitFor();
    // The drawer closed after navigating.
    await page.getByTestId('menu-home').waitFor({ state: 'hidden' });
    assert.ok((await pageWidth(page)) <= kPhoneViewport.width, 'roster page fits');
    await page.screenshot({ path: path.join(tmpdir(), 'xq-roster-375.png'), fullPage: true });

    // Sign out from the drawer.
    await visibleMenu(page);
    await page.getByTestId('menu-logout').click();
    await page.waitForURL((url) => url.pathname === '/login');
  } finally {
    await context.close();
  }
});
