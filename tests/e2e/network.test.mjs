// The warning network in the browser: a peer files a report on a 375 px
// phone, the head teacher sees it in 我的班级, and an ignored 一级 warning
// reaches the school leader's board (time moved by the server's test
// clock, XQ_TEST_CLOCK=1).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { acknowledgeNoticesWhenShown, ApiClient, kPhoneViewport, launchBrowser, newPage, pageWidth, settle, startServer, uiLogin } from './helpers.mjs';

let server;
let browser;

before(async () => {
  process.env.XQ_TEST_CLOCK = '1';
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a peer reports on a phone, the head teacher sees it, an ignored 一级 warning reaches the leader', { timeout: 300_000 }, async () => {
  const peer = server.accounts.peer_reporter;
  const phone = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  let studentName;
  try {
    const { page } = phone;
    await uiLogin(page, peer.username, peer.password);
    await page.goto('/network/report');
    await settle(page);
    await page.getByTestId('report-student').click();
    const option = page.locator('[data-testid^="report-student-"]').nth(1);
    studentName = (await option.textContent()).trim();
    await option.click();
    await page.getByTestId('report-category-marked_abnormality').click();
    await page.getByTestId('report-urgency-immediate').click();
    await page.getByTestId('report-text').fill('午休时独自坐在天台边上，叫他也不回应');
    assert.ok((await pageWidth(page)) <= kPhoneViewport.width, 'the form fits 375 px');
    await page.getByTestId('report-submit').click();
    await page.getByTestId('report-sent').waitFor();
    await page.getByTestId('my-report').filter({ hasText: studentName }).first().waitFor();
    assert.ok((await pageWidth(page)) <= kPhoneViewport.width, 'the list fits 375 px');

    // The weekly report, "nothing to report": a to-do on the home page
    // until it is filed, then the form says so.
    await page.goto('/');
    const todo = page.getByTestId('todo-weekly-report');
    await todo.waitFor();
    assert.match(await todo.textContent(), /1班 本周的心理委员周报还未提交/);
    await todo.getByRole('button', { name: '去提交' }).click();
    await page.waitForURL('**/network/weekly');
    await settle(page);
    assert.equal(await page.getByTestId('weekly-already').count(), 0);
    await page.getByTestId('weekly-submit').click();
    await page.getByTestId('weekly-filed').waitFor();
    await page.reload();
    await page.getByTestId('weekly-already').waitFor();
    assert.ok(await page.getByTestId('weekly-submit').isDisabled(), 'filed once a week');
    await page.goto('/');
    await page.getByTestId('home').waitFor();
    await settle(page);
    assert.equal(await page.getByTestId('todo-weekly-report').count(), 0);
  } finally {
    await phone.context.close();
  }

  const head = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    const { page } = head;
    await uiLogin(page, 'head_teacher', server.accounts.head_teacher.password);
    await acknowledgeNoticesWhenShown(page);
    await page.goto('/network/class');
    await settle(page);
    await page.getByTestId('class-observation').filter({ hasText: studentName }).first().waitFor();
    await page.getByTestId('class-filed').first().waitFor();
    // The urgent warning is raised from the report's event within seconds.
    for (let i = 0; i < 40; i++) {
      if (await page.getByTestId('network-warning').filter({ hasText: studentName }).count()) break;
      await page.waitForTimeout(500);
      await page.reload();
      await settle(page);
    }
    const card = page.getByTestId('network-warning').filter({ hasText: studentName }).first();
    await card.waitFor();
    assert.match(await card.getByTestId('network-warning-step').textContent(), /班级/);
    assert.ok((await pageWidth(page)) <= kPhoneViewport.width, '我的班级 fits 375 px');
    // The home page counts the warnings waiting for the head teacher and
    // leads to them.
    const waiting = await page.getByTestId('network-warning-ack').count();
    await page.goto('/');
    const todo = page.getByTestId('todo-network-warnings');
    await todo.waitFor();
    assert.equal(Number(await todo.getByTestId('todo-count').textContent()), waiting);
    assert.ok(waiting >= 1);
    await todo.click();
    await page.waitForURL('**/network/class');
  } finally {
    await head.context.close();
  }

  // Nobody acknowledges: four missed hours take it class → grade →
  // psychology centre → school leader.
  const clock = new ApiClient(server.baseUrl);
  for (let i = 0; i < 3; i++) {
    const r = await clock.post('/api/v1/test/clock', { json: { advance_seconds: 3601 } });
    assert.equal(r.status, 200);
  }

  const leader = await newPage(browser, server.baseUrl);
  try {
    const { page } = leader;
    await uiLogin(page, 'school_leader', server.accounts.school_leader.password);
    // The leader was told: the notice opens on sign-in.
    const notices = page.getByTestId('notices');
    await notices.waitFor();
    assert.match(await notices.textContent(), /紧急待办/);
    await notices.getByRole('button', { name: '全部知道了' }).click();
    await notices.waitFor({ state: 'hidden' });
    await page.goto('/network/board');
    await settle(page);
    const card = page.getByTestId('network-warning').filter({ hasText: studentName }).first();
    await card.waitFor();
    assert.match(await card.getByTestId('network-warning-step').textContent(), /校领导/);
    // A 一级 warning was made known to the leader at once: the card says so.
    assert.equal((await card.getByTestId('network-warning-informed').textContent()).trim(), '已知会您');
    assert.equal(await page.getByTestId('network-warning-close').count(), 0, 'leaders do not close');
    await card.getByTestId('network-warning-ack').click();
    await page.getByTestId('network-warning').filter({ hasText: studentName }).filter({ hasText: '已接收' }).first().waitFor();
  } finally {
    await leader.context.close();
  }
});
