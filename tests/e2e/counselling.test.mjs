// Counselling in the browser: a student books a counsellor's time on a
// 375 px phone and a second student (the class 心理委员, a student account
// holding two roles) cannot take the same time but waits for it and gets it
// when the first cancels; a psychology teacher who also heads a class
// records a walk-in session with high and imminent risk and sees the
// warning and the crisis case it raised; the notes stay with their author
// (a head teacher and a school leader cannot open the screen; another
// counsellor who is not the centre head is told the record is not found).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  acknowledgeNoticesWhenShown,
  ApiClient,
  kPhoneViewport,
  launchBrowser,
  newPage,
  pageWidth,
  settle,
  startServer,
  uiLogin,
} from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await publishTwo();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function api(user) {
  const c = new ApiClient(server.baseUrl);
  c.me = await c.login(user);
  return c;
}

const kHour = 3600 * 1000;
const at = (hoursFromNow) => new Date(Math.floor(Date.now() / kHour) * kHour + hoursFromNow * kHour).toISOString();
// Words no student screen may show.
const kDiagnostic = ['抑郁', '焦虑', '障碍', '风险', '诊断', '阳性', '疑似', '危机', '预警'];

let slots = [];
async function publishTwo() {
  const psych = await api('psych_staff');
  const res = await psych.post('/api/v1/counselling/slots', {
    json: {
      slots: [
        { room: '心理辅导室 3', starts_at: at(30), ends_at: at(31) },
        { room: '心理辅导室 3', starts_at: at(31), ends_at: at(32) },
        // Begins within the hour: a walk-in and its record.
        { room: '心理辅导室 3', starts_at: at(1), ends_at: at(2) },
      ],
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  slots = res.body.items;
}

const slotRow = (page, id) => page.locator(`[data-testid="slot"][data-slot-id="${id}"]`);

test('a student books on a phone; a second student cannot take the time, waits and gets it on a cancellation', { timeout: 180_000 }, async () => {
  const a = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  const b = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    await uiLogin(a.page, 'student');
    await uiLogin(b.page, 'peer_reporter');
    for (const p of [a.page, b.page]) {
      await acknowledgeNoticesWhenShown(p);
      await p.goto('/counselling');
      await settle(p);
      await slotRow(p, slots[0].id).waitFor();
      assert.equal(await slotRow(p, slots[0].id).getAttribute('data-state'), 'free');
    }
    // The page fits the phone: nothing wider than the screen.
    const width = await pageWidth(a.page);
    assert.ok(width <= 375, `the booking page is ${width} px wide on a 375 px phone`);
    const text = await a.page.getByTestId('counselling-book').textContent();
    for (const w of kDiagnostic) assert.ok(!text.includes(w), `the student's page says ${w}`);

    // The student books; it shows under 我的预约 and the time is theirs.
    await slotRow(a.page, slots[0].id).getByTestId('book').click();
    await a.page.getByTestId('my-booking').first().waitFor();
    await slotRow(a.page, slots[0].id).getByTestId('mine').waitFor();
    assert.match(await a.page.getByTestId('my-booking').first().textContent(), /心理辅导室 3/);

    // The second student's page still shows it free; booking it is refused
    // with a plain message and the page then offers the waitlist.
    await slotRow(b.page, slots[0].id).getByTestId('book').click();
    await b.page.locator('.el-message--error', { hasText: '已经被预约' }).waitFor();
    await slotRow(b.page, slots[0].id).getByTestId('wait').waitFor();
    assert.equal(await slotRow(b.page, slots[0].id).getAttribute('data-state'), 'taken');
    assert.equal(await b.page.getByTestId('my-booking').count(), 0);
    // Nobody's name on a taken time.
    assert.ok(!(await b.page.getByTestId('counselling-book').textContent()).includes(server.accounts.student.display_name));
    await slotRow(b.page, slots[0].id).getByTestId('wait').click();
    await b.page.getByTestId('my-wait').waitFor();

    // The first student cancels; the time goes to the waiting student.
    await a.page.getByTestId('my-booking').first().getByTestId('cancel').click();
    await a.page.locator('.el-message-box .el-button--primary').click();
    await a.page.getByTestId('my-none').waitFor();
    await b.page.reload();
    await settle(b.page);
    await b.page.getByTestId('my-booking').first().waitFor();
    await slotRow(b.page, slots[0].id).getByTestId('mine').waitFor();
    assert.equal(await b.page.getByTestId('my-wait').count(), 0);
    const text2 = await b.page.getByTestId('counselling-book').textContent();
    for (const w of kDiagnostic) assert.ok(!text2.includes(w), `the student's page says ${w}`);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

let recordId = '';
test('a psychology teacher who heads a class records a walk-in; high and imminent risk show the warning and the crisis case', { timeout: 240_000 }, async () => {
  // head_teacher2 also joins the psychology centre (granted and approved).
  const admin = await api('school_data_admin');
  const list = await admin.get('/api/v1/accounts?q=head_teacher2&page_size=50');
  const target = list.body.items.find((x) => x.username === 'head_teacher2');
  const asked = await admin.post(`/api/v1/accounts/${target.id}/roles`, {
    json: { role: 'psych_staff', unit_id: server.accounts.psych_staff.scope_unit_id },
  });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  assert.equal((await (await api('district_admin')).post(`/api/v1/grant-requests/${asked.body.id}/approval`)).status, 200);
  const both = await api('head_teacher2');
  assert.deepEqual(both.me.roles.map((r) => r.role).sort(), ['head_teacher', 'psych_staff']);
  const student = (await both.get(`/api/v1/students?unit_id=${server.accounts.head_teacher.scope_unit_id}&page_size=5`)).body.items[1];

  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'head_teacher2');
    await acknowledgeNoticesWhenShown(page);
    // Both roles' menus: the class and the centre.
    await page.getByTestId('menu-counselling.schedule').waitFor();
    await page.getByTestId('menu-network.class').waitFor();
    await page.getByTestId('menu-counselling.schedule').click();
    await settle(page);
    const actions = page.getByTestId(`slot-actions-${slots[2].id}`);
    if (!(await actions.isVisible())) {
      await page.getByTestId('next-week').click();
      await settle(page);
    }
    // A walk-in on the free time.
    await actions.getByTestId('walk-in').click();
    await page.getByTestId('walk-in-student').click();
    await page.keyboard.type(student.student_no);
    await page.locator('.el-select-dropdown__item:visible', { hasText: student.name }).first().click();
    await page.getByTestId('booking-save').click();
    await actions.getByTestId('no-show').waitFor();
    // The session record of it, with imminent risk.
    await actions.getByTestId('write-record').click();
    await page.getByTestId('record-student').waitFor();
    assert.equal((await page.getByTestId('record-student').textContent()).trim(), student.name);
    await page.getByTestId('risk-imminent').click();
    await page.getByTestId('record-concern').fill('来访时情绪激动，谈到不想活了');
    await page.getByTestId('record-notes').fill('已陪同至心理中心，联系家长');
    await page.getByTestId('record-save').click();
    await page.getByTestId('record-saved').waitFor();
    const raised = page.getByTestId('risk-raised');
    assert.equal(await raised.getAttribute('data-risk'), 'imminent');
    assert.match(await raised.textContent(), /一级预警.*危机个案/);
    // The crisis case the record opened, linked and open to its author.
    await page.getByTestId('crisis-case-link').waitFor({ timeout: 30_000 });
    recordId = (await page.getByTestId('record-link').getAttribute('href')).split('/').pop();
    await page.getByTestId('crisis-case-link').click();
    await page.waitForURL(/\/crisis\/cases\/\d+/);
    await page.getByTestId('crisis-step').waitFor();
    assert.match(await page.getByTestId('crisis-case').textContent(), new RegExp(student.name));

    // High risk: a 二级 warning on the centre's board, no crisis case.
    await page.goto('/counselling/records/new');
    await page.getByTestId('record-student-picker').click();
    await page.keyboard.type(student.student_no);
    await page.locator('.el-select-dropdown__item:visible', { hasText: student.name }).first().click();
    await page.getByTestId('risk-high').click();
    await page.getByTestId('record-concern').fill('学业压力大，睡眠差');
    await page.getByTestId('record-save').click();
    await page.getByTestId('record-saved').waitFor();
    assert.equal(await page.getByTestId('risk-raised').getAttribute('data-risk'), 'high');
    assert.match(await page.getByTestId('risk-raised').textContent(), /二级预警/);
    assert.equal(await page.getByTestId('crisis-case-link').count(), 0);
    let board;
    for (let i = 0; i < 20; i++) {
      board = await both.get('/api/v1/network/warnings?state=open&page_size=200');
      if (board.body.items?.some((w) => w.student_id === student.id && w.source === 'counselling' && w.level === 2)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(board.body.items.some((w) => w.student_id === student.id && w.source === 'counselling' && w.level === 2), JSON.stringify(board.body));

    // The record list shows both; the author reads the notes.
    await page.goto(`/counselling/records/${recordId}`);
    await page.getByTestId('record-notes-value').waitFor();
    assert.equal((await page.getByTestId('record-notes-value').textContent()).trim(), '已陪同至心理中心，联系家长');
  } finally {
    await context.close();
  }
});

test('denials: a head teacher and a school leader cannot reach the notes; another counsellor (not the centre head) is told not found', { timeout: 120_000 }, async () => {
  assert.ok(recordId, 'the record of the previous test');
  for (const [user, viewport] of [['head_teacher', kPhoneViewport], ['school_leader', undefined]]) {
    const { context, page } = await newPage(browser, server.baseUrl, { viewport });
    try {
      await uiLogin(page, user);
      await acknowledgeNoticesWhenShown(page);
      for (const p of ['/counselling/records', `/counselling/records/${recordId}`, '/counselling/schedule']) {
        await page.goto(p);
        await page.getByTestId('forbidden').waitFor();
        assert.equal(await page.getByTestId('record-notes-value').count(), 0, `${user} ${p}`);
      }
      assert.ok(!(await page.content()).includes('已陪同至心理中心'));
    } finally {
      await context.close();
    }
  }
  // The head teacher refers a student instead, and sees only the state.
  {
    const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
    try {
      await uiLogin(page, 'head_teacher');
      await acknowledgeNoticesWhenShown(page);
      await page.goto('/counselling/referral');
      await settle(page);
      await page.getByTestId('refer-student').click();
      await page.locator('.el-select-dropdown__item:visible').first().click();
      await page.getByTestId('refer-reason').fill('最近上课常走神，和同学交流少');
      await page.getByTestId('refer-submit').click();
      await page.getByTestId('my-referral').first().waitFor();
      assert.match(await page.getByTestId('my-referral').first().textContent(), /待接收/);
    } finally {
      await context.close();
    }
  }
  // psych_staff is on the centre's staff but neither the author nor the head.
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'psych_staff');
    await acknowledgeNoticesWhenShown(page);
    await page.goto(`/counselling/records/${recordId}`);
    await page.getByTestId('record-error').waitFor();
    assert.equal(await page.getByTestId('record-notes-value').count(), 0);
    assert.ok(!(await page.content()).includes('已陪同至心理中心'));
    // The referral reaches the centre, with its reason.
    await page.goto('/counselling/schedule');
    await settle(page);
    await page.getByRole('tab', { name: /转介/ }).click();
    await page.getByTestId('referral').first().waitFor();
    assert.match(await page.getByTestId('referral').first().textContent(), /最近上课常走神/);
  } finally {
    await context.close();
  }
});

test('supervision: the author shares a summary with an expert, who reads only the summary', { timeout: 120_000 }, async () => {
  assert.ok(recordId, 'the record of the walk-in test');
  const expert = await api('expert');
  const author = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(author.page, 'head_teacher2');
    await acknowledgeNoticesWhenShown(author.page);
    await author.page.goto(`/counselling/records/${recordId}`);
    await author.page.getByTestId('share-form').waitFor();
    // The expert is picked from the school's directory (district and city), not typed.
    await author.page.getByTestId('share-expert').click();
    await author.page.getByTestId(`share-expert-${expert.me.id}`).click();
    await author.page.getByTestId('share-summary').fill('初二学生，来访时情绪激动，已开启危机个案，请督导建议');
    await author.page.getByTestId('share-save').click();
    await author.page.getByTestId('share').first().waitFor();
    assert.match(await author.page.getByTestId('share').first().textContent(), new RegExp(expert.me.display_name));
  } finally {
    await author.context.close();
  }
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'expert');
    await acknowledgeNoticesWhenShown(page);
    await page.getByTestId('menu-counselling.shares').click();
    await page.getByTestId('share').first().waitFor();
    assert.match(await page.getByTestId('share').first().textContent(), /请督导建议/);
    assert.ok(!(await page.content()).includes('已陪同至心理中心'), 'the notes stay with their author');
    await page.goto(`/counselling/records/${recordId}`);
    await page.getByTestId('forbidden').waitFor();
  } finally {
    await context.close();
  }
});
