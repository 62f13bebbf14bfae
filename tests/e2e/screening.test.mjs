// Screening in the browser, end to end: psychology staff set up a PHQ-9
// screening for a class; the guardian agrees; the student answers on a
// phone (one question per screen), leaves, resumes at the same question,
// marks item 9 and submits, and sees only neutral feedback and hotlines;
// the urgent warning reaches the psychology centre's inbox within seconds
// and is acknowledged, and the interview confirms 二级关注; the head
// teacher sees completion and the level but no score anywhere; the
// district admin sees suppressed aggregates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  acknowledgeNoticesWhenShown,
  ApiClient,
  kPhoneViewport,
  launchBrowser,
  newPage,
  startServer,
  uiLogin,
} from './helpers.mjs';

let server;
let browser;
let campaign;
let studentId;
let submittedAt;
// The psychology staff's inbox, open while the student answers.
let inbox;

const kCampaignName = '班级心理健康小调查';
const kForbidden = /分数|得分|score|PHQ|抑郁|焦虑|阳性/i;
const kScoreFields = new Set(['scores', 'bands', 'score', 'band', 'classes', 'critical', 'result']);

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await inbox?.context.close();
  await browser?.close();
  await server?.stop();
});

// Every JSON answer of /api/v1 the page receives, for the field scan.
function recordApi(page) {
  const bodies = [];
  page.on('response', async (res) => {
    if (!res.url().includes('/api/v1/')) return;
    if (!(res.headers()['content-type'] || '').includes('json')) return;
    try {
      bodies.push({ url: res.url(), body: await res.json() });
    } catch {
      // Bodies of redirected or aborted responses are gone.
    }
  });
  return bodies;
}

function scoreFields(v, found = []) {
  if (Array.isArray(v)) v.forEach((x) => scoreFields(x, found));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (kScoreFields.has(k)) found.push(k);
      scoreFields(x, found);
    }
  }
  return found;
}

async function answer(page, item, code) {
  const q = page.getByTestId(`question-${item}`);
  await q.waitFor();
  await q.getByTestId(`option-${code}`).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="save-state"]')?.dataset.state === 'saved');
}

test('psychology staff set up a class screening; the guardian agrees in the browser', { timeout: 120_000 }, async () => {
  const psych = new ApiClient(server.baseUrl);
  await psych.login('psych_staff', server.accounts.psych_staff.password);
  const classId = String(server.accounts.head_teacher.scope_unit_id);
  const res = await psych.post('/api/v1/campaigns', {
    json: {
      name: kCampaignName,
      unit_ids: [classId],
      scales: [{ instrument_id: 'phq9' }],
      notice: '这份问卷帮助老师了解同学们最近的状态。',
      consent_text: '请监护人阅读后选择是否同意孩子参加。',
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  campaign = res.body;
  assert.ok(campaign.assignments > 0);

  const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    await uiLogin(page, 'guardian', server.accounts.guardian.password);
    await page.goto('/screening/consents');
    await page.getByTestId('consent-no-penalty').waitFor();
    assert.match(await page.getByTestId('consent-no-penalty').textContent(), /不会对孩子产生任何不利影响/);
    const card = page.getByTestId('consent-request').filter({ hasText: kCampaignName });
    await card.waitFor();
    await card.getByTestId('consent-agree').click();
    await card.getByTestId('consent-done').waitFor();
    assert.match(await card.textContent(), /已同意/);
  } finally {
    await context.close();
  }
  const guardian = new ApiClient(server.baseUrl);
  await guardian.login('guardian', server.accounts.guardian.password);
  const reqs = await guardian.get('/api/v1/consent-requests');
  studentId = reqs.body.items.find((r) => r.campaign_id === campaign.id).student_id;
  assert.ok(studentId);
});

test('the student answers on a phone, resumes where they left, submits and sees neutral feedback', { timeout: 180_000 }, async () => {
  // The inbox is open before the answers arrive.
  inbox = await newPage(browser, server.baseUrl);
  await acknowledgeNoticesWhenShown(inbox.page);
  await uiLogin(inbox.page, 'psych_staff', server.accounts.psych_staff.password);
  await inbox.page.goto('/warnings');
  await inbox.page.getByTestId('warnings').waitFor();

  const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  const seen = recordApi(page);
  try {
    await uiLogin(page, 'student', server.accounts.student.password);
    // 我的测评 is in the student's menu.
    await page.getByTestId('nav-toggle').click();
    await page.getByTestId('menu-screening.answer').click();
    const card = page.getByTestId('assignment').filter({ hasText: kCampaignName });
    await card.waitFor();
    await card.getByRole('button').click();
    // The campaign's notice comes before the first question.
    await page.getByTestId('answer-notice').waitFor();
    await page.getByTestId('answer-notice-continue').click();
    await page.getByTestId('question-q1').waitFor();
    assert.match(await page.getByTestId('answer-position').textContent(), /第 1 \/ 10 题/);

    await answer(page, 'q1', '0');
    await page.getByTestId('answer-next').click();
    await answer(page, 'q2', '1');
    await page.screenshot({ path: '/tmp/webscreen-answer-375.png', fullPage: true });
    // Big touch targets on a phone.
    const box = await page.getByTestId('question-q2').getByTestId('option-0').boundingBox();
    assert.ok(box.height >= 44 && box.width >= 300, JSON.stringify(box));
    await page.getByTestId('answer-next').click();
    await answer(page, 'q3', '0');
    await page.getByTestId('answer-next').click();
    await page.getByTestId('question-q4').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="save-state"]')?.dataset.state === 'saved');

    // Leave (sign out) and come back: the same question, earlier answers kept.
    await page.reload();
    await page.getByTestId('question-q4').waitFor();
    await page.evaluate(async () => {
      const me = await (await fetch('/api/v1/auth/me')).json();
      await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': me.csrf_token } });
    });
    await uiLogin(page, 'student', server.accounts.student.password);
    await page.goto('/screening/mine');
    const again = page.getByTestId('assignment').filter({ hasText: kCampaignName });
    await again.waitFor();
    assert.match(await again.textContent(), /继续作答/);
    await again.getByRole('button').click();
    await page.getByTestId('question-q4').waitFor();
    assert.match(await page.getByTestId('answer-position').textContent(), /第 4 \/ 10 题 · 已答 3 题/);
    await page.getByTestId('answer-prev').click();
    await page.getByTestId('question-q3').waitFor();
    assert.equal(await page.getByTestId('option-0').getAttribute('aria-checked'), 'true');
    await page.getByTestId('answer-next').click();

    for (const item of ['q4', 'q5', 'q6', 'q7', 'q8']) {
      await answer(page, item, '0');
      await page.getByTestId('answer-next').click();
    }
    await answer(page, 'q9', '1');
    await page.getByTestId('answer-next').click();
    await page.getByTestId('question-q10').waitFor();
    submittedAt = Date.now();
    await page.getByTestId('answer-submit').click();

    await page.getByTestId('feedback').waitFor();
    const text = await page.getByTestId('feedback').innerText();
    assert.match(text, /已提交/);
    assert.ok((await page.getByTestId('feedback-text').count()) >= 1);
    const hotlines = await page.getByTestId('feedback-hotlines').innerText();
    assert.ok(hotlines.includes('4001060525') && hotlines.includes('4000716515'), hotlines);
    assert.match(hotlines, /阳光心理热线/);
    const pageText = await page.locator('body').innerText();
    assert.doesNotMatch(pageText, /分数|得分|score|PHQ|抑郁|焦虑|阳性/i);
    await page.screenshot({ path: '/tmp/webscreen-feedback-375.png', fullPage: true });
    // Nothing the student's page received carries a score.
    const submission = seen.find((r) => r.url.endsWith('/submission'));
    assert.ok(submission, 'the submission answer was seen');
    assert.deepEqual(scoreFields(submission.body), []);
  } finally {
    await context.close();
  }
});

test('the urgent warning reaches the inbox within seconds; acknowledged; interview confirms 二级关注', { timeout: 120_000 }, async () => {
  const { page } = inbox;
  const warning = page.locator(`[data-testid="warning"][data-student="${studentId}"]`);
  await warning.waitFor({ timeout: 15_000 });
  const delay = Date.now() - submittedAt;
  assert.ok(delay < 10_000, `warning shown after ${delay} ms`);
  const text = await warning.innerText();
  assert.match(text, /紧急/);
  assert.match(await warning.getByTestId('warning-item').textContent(), /q9/);
  await warning.getByTestId('warning-ack').click();
  await warning.waitFor({ state: 'detached' });

  await page.goto('/follow-ups');
  const mine = page.getByTestId('follow-ups-table').locator('tbody tr').filter({ has: page.locator(`a[href="/screening/students/${studentId}"]`) });
  await mine.waitFor();
  assert.match(await mine.innerText(), /紧急预警/);
  await mine.getByTestId('interview').click();
  const dialog = page.getByTestId('interview-dialog');
  await dialog.getByTestId('level-2').click();
  await dialog.getByTestId('interview-notes').fill('访谈复核：情绪平稳，约定每周谈心。');
  await dialog.getByTestId('interview-save').click();
  await mine.waitFor({ state: 'detached' });
});

test('the head teacher sees completion and the confirmed level, and no score anywhere', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  await acknowledgeNoticesWhenShown(page);
  const seen = recordApi(page);
  try {
    await uiLogin(page, 'head_teacher', server.accounts.head_teacher.password);
    await page.getByTestId('menu-screening.progress').click();
    await page.goto(`/screening/progress?campaign=${campaign.id}`);
    await page.getByTestId('progress-unit').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="progress-completed"]')?.textContent) >= 1);
    await page.getByTestId('non-respondents').waitFor();
    const names = await page.getByTestId('non-respondent').allTextContents();
    assert.ok(names.length > 0);
    assert.doesNotMatch(await page.locator('body').innerText(), kForbidden);
    await page.getByTestId('remind').click();
    // The reminder says what happened: to-dos on home pages, nothing sent elsewhere.
    await page.getByText(/已加入首页待办：\d+ 名同学，\d+ 位监护人/).waitFor();
    assert.match(await page.locator('body').innerText(), /没有另外送达/);

    await page.getByTestId('menu-attention.read').click();
    const item = page.getByTestId('attention-item').filter({ hasText: '二级关注' });
    await item.first().waitFor();
    assert.match(await item.first().innerText(), /指导意见/);
    assert.doesNotMatch(await page.locator('body').innerText(), kForbidden);
    assert.ok(seen.length >= 3, 'API answers were seen');
    for (const r of seen) assert.deepEqual(scoreFields(r.body), [], r.url);
    assert.doesNotMatch(JSON.stringify(seen.map((r) => r.body)), /抑郁|焦虑|阳性|PHQ/);
  } finally {
    await context.close();
  }
});

test('the district admin sees aggregates with small cells suppressed', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'district_admin', server.accounts.district_admin.password);
    await page.getByTestId('menu-screening.stats').click();
    await page.getByTestId('stats-view').waitFor();
    await page.goto(`/screening/stats?campaign=${campaign.id}`);
    await page.getByTestId('agg-table').waitFor();
    assert.match(await page.getByTestId('suppression-note').innerText(), /少于 10/);
    assert.ok((await page.locator('[data-testid="agg-cell"][data-suppressed="true"]').count()) >= 1);
    assert.match(await page.getByTestId('agg-grand-total').innerText(), /—/);
    assert.doesNotMatch(await page.locator('body').innerText(), /抑郁|焦虑|阳性|PHQ/);
  } finally {
    await context.close();
  }
});

test('login slips: the head teacher prints them; a student signs in on a phone from the slip address', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  let slip;
  try {
    await uiLogin(page, 'head_teacher', server.accounts.head_teacher.password);
    await page.goto(`/screening/progress?campaign=${campaign.id}`);
    await page.getByTestId('slips-issue').click();
    await page.locator('.el-message-box').getByRole('button', { name: '生成登录条' }).click();
    const first = page.getByTestId('slip').first();
    await first.waitFor();
    assert.ok((await page.getByTestId('slip').count()) > 2);
    // Each slip carries a QR image of its sign-in address.
    const qr = await first.getByTestId('slip-qr').evaluate((img) => ({ w: img.naturalWidth, src: img.src.slice(0, 15) }));
    assert.ok(qr.w > 50 && qr.src.startsWith('data:image/'), JSON.stringify(qr));
    const texts = await page.getByTestId('slip').allInnerTexts();
    slip = texts.map((t) => t.match(/(\/#\/slip\?login=[^&\s]+&code=\S+)/)?.[1]).find((u) => u && /login=s\d+-/.test(u));  // no password yet: a first sign-in, not a reset
    assert.ok(slip, texts[0]);
  } finally {
    await context.close();
  }
  const phone = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    await phone.page.goto(slip);
    await phone.page.getByTestId('slip-code').waitFor();
    assert.notEqual(await phone.page.getByTestId('slip-code').inputValue(), '');
    await phone.page.getByTestId('slip-password').fill('Garden#2026');
    await phone.page.getByTestId('slip-repeat').fill('Garden#2026');
    await phone.page.getByTestId('slip-submit').click();
    await phone.page.getByTestId('my-screenings').waitFor();
    await phone.page.getByTestId('assignment').filter({ hasText: kCampaignName }).waitFor();
  } finally {
    await phone.context.close();
  }
});
