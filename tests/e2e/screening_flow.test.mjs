// The screening loop's screens as their users meet them (issue 18): the
// guardian's consent page remembers a decision after a reload and tells two
// campaigns of the same name apart; the student's home lists the surveys
// to do and the notice (告知书) stands before the first question on a
// 375 px phone; the psychology teacher's home lists the day's work, the
// menu carries the count, and one student's warnings make one card.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  acknowledgeNoticesWhenShown,
  ApiClient,
  kPhoneViewport,
  launchBrowser,
  newPage,
  pageWidth,
  startServer,
  uiLogin,
} from './helpers.mjs';

let server;
let browser;
const kName = '期中心理小调查';
const kNotice = '这份问卷帮助老师了解同学们最近的状态，答案只有学校心理老师能看到。';
let first;
let second;
let childId;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function api(username) {
  const c = new ApiClient(server.baseUrl);
  await c.login(username, server.accounts[username].password);
  return c;
}

test('setup: two campaigns of the same name for the class', async () => {
  const psych = await api('psych_staff');
  const classId = String(server.accounts.head_teacher.scope_unit_id);
  // The second of the same name is confirmed by its creator (the form asks).
  const make = (opens, closes, confirm) =>
    psych.post('/api/v1/campaigns', {
      json: { name: kName, unit_ids: [classId], scales: [{ instrument_id: 'phq9' }], notice: kNotice, opens_on: opens, closes_on: closes,
        ...(confirm ? { confirm_duplicate_name: true } : {}) },
    });
  const a = await make('2026-11-25', '2027-01-15', false);
  const b = await make('2026-12-01', '2027-02-28', true);
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(b.status, 201, JSON.stringify(b.body));
  first = a.body;
  second = b.body;
});

test('the guardian\'s consent is remembered after a reload; same-named campaigns show their dates', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    await uiLogin(page, 'guardian', server.accounts.guardian.password);
    await page.goto('/screening/consents');
    const cards = page.getByTestId('consent-request').filter({ hasText: kName });
    await cards.first().waitFor();
    assert.equal(await cards.count(), 2);
    const cardA = cards.filter({ hasText: '2026-11-25' });
    const cardB = cards.filter({ hasText: '2026-12-01' });
    assert.equal(await cardA.count(), 1, 'the dates tell the two apart');
    assert.equal(await cardB.count(), 1);
    assert.match(await cardA.getByTestId('consent-campaign-meta').innerText(), /2026-11-25.*2027-01-15/);
    await cardA.getByTestId('consent-agree').click();
    await cardA.getByTestId('consent-done').waitFor();

    await page.reload();
    await cards.first().waitFor();
    const againA = page.getByTestId('consent-request').filter({ hasText: '2026-11-25' });
    const againB = page.getByTestId('consent-request').filter({ hasText: '2026-12-01' });
    await againA.getByTestId('consent-done').waitFor();
    assert.match(await againA.innerText(), /已同意/);
    assert.equal(await againA.getByTestId('consent-agree').count(), 0, 'no buttons again after a reload');
    assert.equal(await againB.getByTestId('consent-agree').count(), 1, 'the other campaign still asks');
  } finally {
    await context.close();
  }
  const guardian = await api('guardian');
  const reqs = await guardian.get('/api/v1/consent-requests');
  childId = reqs.body.items.find((r) => r.campaign_id === second.id).student_id;
  const ok = await guardian.post(`/api/v1/campaigns/${second.id}/consents`, { json: { student_id: childId, decision: 'consent' } });
  assert.equal(ok.status, 201);
});

test('on a phone the student\'s home lists the surveys and the notice comes before the first question', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    await uiLogin(page, 'student', server.accounts.student.password);
    await page.goto('/');
    const todos = page.getByTestId('todo-survey');
    await todos.first().waitFor();
    assert.ok((await todos.count()) >= 2, 'both campaigns are to do');
    assert.match(await page.getByTestId('todos').innerText(), /问卷待完成/);
    await page.screenshot({ path: '/tmp/webscreen-student-home-375.png', fullPage: true });

    await page.goto('/screening/mine');
    const card = page.getByTestId('assignment').filter({ hasText: kName }).first();
    await card.waitFor();
    await card.getByRole('button').click();
    const notice = page.getByTestId('answer-notice');
    await notice.waitFor();
    assert.equal(await page.getByTestId('answer-notice-text').innerText(), kNotice);
    assert.equal(await page.locator('[data-testid^="question-"]').count(), 0, 'no question before the notice');
    const width = await pageWidth(page);
    assert.ok(width <= 375, `the notice fits a 375 px screen (${width})`);
    const box = await page.getByTestId('answer-notice-continue').boundingBox();
    assert.ok(box.height >= 40 && box.width >= 300, JSON.stringify(box));
    await page.screenshot({ path: '/tmp/webscreen-notice-375.png', fullPage: true });
    await page.getByTestId('answer-notice-continue').click();
    await page.getByTestId('question-q1').waitFor();
  } finally {
    await context.close();
  }
});

test('the psychology teacher\'s home lists the day\'s work, the menu shows the count, warnings group per student', { timeout: 120_000 }, async () => {
  // The student answers both campaigns with a critical item 9.
  const student = await api('student');
  const list = (await student.get('/api/v1/assignments')).body.items.filter((a) => [first.id, second.id].includes(a.campaign_id));
  assert.equal(list.length, 2);
  for (const a of list) {
    const detail = (await student.get(`/api/v1/assignments/${a.id}`)).body;
    const answers = {};
    for (const it of detail.instrument.items) if (it.required && it.type !== 'text') answers[it.id] = it.options[0].code;
    answers.q9 = '1';
    const sub = await student.post(`/api/v1/assignments/${a.id}/submission`, { json: { submission_id: `flow-${a.id}`, answers } });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    assert.equal(sub.body.reach_out_now, true);
  }
  // The warning module raises them from the submissions log, within
  // seconds of the acknowledgement (not before the answer returns).
  const psychApi = await api('psych_staff');
  let open;
  for (const start = Date.now(); Date.now() - start < 5000; await new Promise((r) => setTimeout(r, 100))) {
    open = await psychApi.get('/api/v1/warnings?state=open');
    if (open.body.total >= 2) break;
  }
  assert.ok(open.body.total >= 2, `two urgent warnings within 5 s (${open.body.total})`);

  const { context, page } = await newPage(browser, server.baseUrl);
  await acknowledgeNoticesWhenShown(page);
  try {
    await uiLogin(page, 'psych_staff', server.accounts.psych_staff.password);
    await page.goto('/');
    const urgent = page.getByTestId('todo-urgent-warnings');
    await urgent.waitFor();
    assert.equal(Number(await urgent.getByTestId('todo-count').innerText()), open.body.total);
    await page.getByTestId('todo-follow-ups').waitFor();
    assert.ok(Number(await page.getByTestId('todo-follow-ups').getByTestId('todo-count').innerText()) >= 2);
    // The counsellor's day, as the server counts it.
    const day = (await psychApi.get('/api/v1/todos')).body.items.find((x) => x.kind === 'counselling_today');
    const counselling = page.getByTestId('todo-counselling');
    await counselling.waitFor();
    assert.equal(Number(await counselling.getByTestId('todo-count').innerText()), day.count);
    const campaigns = page.getByTestId('todo-campaigns');
    assert.match(await campaigns.innerText(), new RegExp(kName));
    const badge = page.getByTestId('badge-warnings');
    await badge.waitFor();
    assert.equal(Number(await badge.innerText()), open.body.total);
    await page.screenshot({ path: '/tmp/webscreen-psych-home.png', fullPage: true });

    await urgent.click();
    await page.getByTestId('warnings').waitFor();
    const mine = page.locator(`[data-testid="warning"][data-student="${childId}"]`);
    await mine.waitFor();
    assert.equal(await mine.count(), 1, 'one card per student');
    assert.equal(await mine.getAttribute('data-count'), '2');
    assert.equal(await mine.getByTestId('warning-entry').count(), 2);
    await mine.getByTestId('warning-ack').click();
    await mine.waitFor({ state: 'detached' });
    const left = await psychApi.get('/api/v1/warnings?state=open');
    assert.equal(left.body.total, open.body.total - 2, 'both of the student\'s warnings acknowledged');
    // The menu's count follows the inbox.
    const want = String(left.body.total);
    await page.waitForFunction(
      (n) => (document.querySelector('[data-testid="badge-warnings"]')?.textContent.trim() || '0') === n,
      want,
      { timeout: 10_000 },
    );
  } finally {
    await context.close();
  }
});
