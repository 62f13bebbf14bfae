// The crisis path in the browser: a psychology teacher opens a case and
// goes through its steps, refers the student through the green channel; the
// hospital liaison accepts and answers; the student comes back with a
// return plan, which the head teacher sees on a phone, in neutral words.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { acknowledgeNoticesWhenShown, ApiClient, kPhoneViewport, launchBrowser, newPage, pageWidth, settle, startServer, uiLogin } from './helpers.mjs';

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

// Kinds of notices that open the dialog by themselves after sign-in; the
// others are found behind the bell.
const kUrgentKinds = new Set(['crisis_opened', 'crisis_escalated', 'crisis_step_overdue', 'crisis_referral_overdue']);

// Signs in and acknowledges the notices the crisis steps cause (the notice
// itself is checked: its kind is in the list). Urgent ones open the dialog
// by themselves; for the others the bell is opened.
async function signIn(page, user, kind) {
  await uiLogin(page, user);
  if (kind) {
    if (!kUrgentKinds.has(kind)) await page.getByTestId('notices-open').click();
    await page.locator(`[data-testid="notice"][data-kind="${kind}"]`).first().waitFor();
    await page.getByTestId('notices-ack-all').click();
    await page.getByTestId('notices-ack-all').waitFor({ state: 'hidden' });
  }
}

async function api(user) {
  const c = new ApiClient(server.baseUrl);
  c.me = await c.login(user);
  return c;
}

test('a case opens, is referred, answered by the hospital, and the student returns with a plan', { timeout: 300_000 }, async () => {
  // A partner hospital whose liaison is the demo liaison.
  const city = await api('city_admin');
  const liaisonApi = await api('hospital_liaison');
  const hospital = await city.post('/api/v1/crisis/hospitals', {
    json: { name: '市精神卫生中心', unit_id: server.accounts.city_admin.scope_unit_id, liaison_account_ids: [liaisonApi.me.id] },
  });
  assert.equal(hospital.status, 201);
  const psychApi = await api('psych_staff');
  const students = await psychApi.get(`/api/v1/students?unit_id=${server.accounts.head_teacher.scope_unit_id}&page_size=1`);
  const student = students.body.items[0];

  // The psychology teacher opens the case from the board.
  const staff = await newPage(browser, server.baseUrl);
  const page = staff.page;
  await uiLogin(page, 'psych_staff');
  await page.goto('/crisis/cases');
  await page.getByTestId('crisis-new').click();
  await page.getByTestId('crisis-student').click();
  await page.keyboard.type(student.student_no);
  await page.locator('.el-select-dropdown__item:visible', { hasText: student.name }).first().click();
  await page.getByTestId('crisis-record').fill('晚自习后来电，情绪低落，已安排老师陪同');
  await page.getByTestId('crisis-open').click();
  await page.waitForURL(/\/crisis\/cases\/\d+/);
  const caseId = page.url().split('/').pop();
  await settle(page);
  assert.equal((await page.getByTestId('crisis-step').textContent()).trim(), '报告');

  for (const [record, step] of [['已报告心理中心', '评估'], ['完成评估，需要干预', '干预']]) {
    await page.getByTestId('crisis-advance-record').fill(record);
    await page.getByTestId('crisis-advance-submit').click();
    await page.getByTestId('crisis-step').filter({ hasText: step }).waitFor();
  }
  // The intervention checklist (watch, guardian told, notice, safety plan).
  await page.getByTestId('crisis-guardian-text').fill('电话告知母亲，已到校陪伴');
  await page.getByTestId('crisis-add-guardian').click();
  await page.getByTestId('crisis-items').filter({ hasText: '已告知监护人' }).waitFor();
  await page.getByTestId('crisis-plan-text').fill('每天放学前与心理老师见面，晚间由家长陪同');
  await page.getByTestId('crisis-add-plan').click();
  await page.getByTestId('crisis-items').filter({ hasText: '安全计划' }).waitFor();
  await page.getByTestId('crisis-notice-file').setInputFiles({ name: 'notice.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n告知书\n%%EOF\n') });
  await page.getByTestId('crisis-items').filter({ hasText: 'notice.pdf' }).waitFor();
  // The watch through the API (the date-range picker is exercised by hand).
  const watch = await psychApi.post(`/api/v1/crisis/cases/${caseId}/items`, {
    json: { kind: 'watch', text: '张老师（白天）、家长（夜间）', starts_at: new Date().toISOString(), ends_at: new Date(Date.now() + 86400e3).toISOString() },
  });
  assert.equal(watch.status, 201);
  await page.reload();
  await settle(page);
  await page.getByTestId('crisis-to-refer').click();
  await page.getByTestId('crisis-advance-record').fill('干预完成，转介医院');
  await page.getByTestId('crisis-advance-submit').click();
  await page.getByTestId('crisis-step').filter({ hasText: '转介' }).waitFor();
  // The referral through the green channel.
  await page.getByTestId('crisis-hospital').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '市精神卫生中心' }).first().click();
  await page.getByTestId('crisis-refer-summary').fill('近两周睡眠差，已做安全计划，请评估');
  await page.getByTestId('crisis-refer-submit').click();
  await page.getByTestId('crisis-referral-state').filter({ hasText: '待医院回复' }).waitFor();

  // The hospital liaison answers.
  const hosp = await newPage(browser, server.baseUrl);
  await signIn(hosp.page, 'hospital_liaison', 'crisis_referral');
  await hosp.page.goto('/crisis/referrals');
  await hosp.page.getByTestId('referral').first().waitFor();
  assert.equal(await hosp.page.getByTestId('referral').count(), 1);
  await hosp.page.getByTestId('referral-accept').click();
  await hosp.page.getByTestId('referral-state').filter({ hasText: '医院已接收' }).waitFor();
  await hosp.page.getByTestId('referral-clinical').fill('门诊评估完成，建议定期复诊');
  await hosp.page.getByTestId('referral-advice').fill('建议减轻课业压力，每周与心理老师谈心');
  await hosp.page.getByTestId('referral-answer').click();
  await hosp.page.getByTestId('referral-state').filter({ hasText: '医院已反馈' }).waitFor();
  await hosp.context.close();

  // Back at school: the certificate and the return plan.
  await page.reload();
  await settle(page);
  // A referral answered is a to-do, not urgent: behind the bell.
  await page.getByTestId('notices-open').click();
  await page.locator('[data-testid="notice"][data-kind="crisis_referral_answered"]').first().waitFor();
  await page.getByTestId('notices-ack-all').click();
  await page.getByTestId('notices-ack-all').waitFor({ state: 'hidden' });
  await page.getByTestId('crisis-referral-advice').filter({ hasText: '建议减轻课业压力' }).waitFor();
  await page.getByTestId('crisis-certificate-file').setInputFiles({ name: 'cert.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n复学证明\n%%EOF\n') });
  await page.getByTestId('crisis-return-assessment').waitFor();
  await page.getByTestId('crisis-return-assessment').fill('复诊后状态平稳，可以复学');
  const plan = '每周与心理老师谈心一次，班主任多鼓励，体育课量力而行';
  await page.getByTestId('crisis-return-plan-input').fill(plan);
  await page.getByTestId('crisis-return-submit').click();
  await page.getByTestId('crisis-return-plan').filter({ hasText: plan }).waitFor();
  // The 倒查 page of the case, its chain verified.
  await page.getByTestId('crisis-trace-link').click();
  await page.getByTestId('trace-chain').filter({ hasText: '校验通过' }).waitFor();
  // In words, not the audit log's codes.
  const what = await page.getByTestId('trace-what').allTextContents();
  assert.ok(what.some((w) => w.includes('推进步骤 · 危机个案：报告 → 评估')), what.join('\n'));
  assert.ok(!what.some((w) => /^[a-z_.]+$/.test(w.trim())), what.join('\n'));
  await staff.context.close();

  // The head teacher sees the neutral plan on a phone, nothing more.
  const head = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  await uiLogin(head.page, 'head_teacher');
  await head.page.goto('/crisis/guidance');
  await head.page.getByTestId('guidance-plan').filter({ hasText: plan }).waitFor();
  const text = await head.page.locator('body').innerText();
  for (const w of ['抑郁', '焦虑', '精神疾病', '阳性', '自杀', '门诊评估完成', '复诊后状态平稳']) assert.ok(!text.includes(w), w);
  const width = await pageWidth(head.page);
  assert.ok(width <= 375 + 1, `no sideways scroll at 375 px (${width})`);
  // The leader sees status only.
  const leader = await newPage(browser, server.baseUrl);
  await uiLogin(leader.page, 'school_leader');
  // The home page counts the open cases and leads to them.
  await acknowledgeNoticesWhenShown(leader.page);
  const leaderApi = await api('school_leader');
  const open = (await leaderApi.get('/api/v1/crisis/cases?status=open&page_size=200')).body.items;
  const card = leader.page.getByTestId('todo-crisis-cases');
  await card.waitFor();
  assert.equal(Number(await card.getByTestId('todo-count').textContent()), open.length);
  assert.ok(open.some((c) => c.id === caseId));
  await card.click();
  await leader.page.waitForURL('**/crisis/cases');
  await leader.page.goto(`/crisis/cases/${caseId}`);
  await leader.page.getByTestId('crisis-summary-only').waitFor();
  assert.equal(await leader.page.getByTestId('crisis-items').count(), 0);
  await head.context.close();
  await leader.context.close();
});

test('a guardian on a phone is asked on the home page to confirm the school\'s notice, and confirms it', { timeout: 120_000 }, async () => {
  const psychApi = await api('psych_staff');
  const guardianApi = await api('guardian');
  const child = (await guardianApi.get('/api/v1/students?page_size=5')).body.items[0];
  const open = await psychApi.post('/api/v1/crisis/cases', { json: { student_id: child.id, source: 'hotline', level: 3, record: '来电' } });
  assert.equal(open.status, 201, JSON.stringify(open.body));
  const base = `/api/v1/crisis/cases/${open.body.id}`;
  for (const to of ['assess', 'intervene']) assert.equal((await psychApi.post(`${base}/advance`, { json: { to, record: 'r' } })).status, 200);
  assert.equal((await psychApi.post(`${base}/items`, { json: { kind: 'notice_app', text: '' } })).status, 201);

  const { context, page } = await newPage(browser, server.baseUrl, { viewport: kPhoneViewport });
  try {
    await uiLogin(page, 'guardian');
    await acknowledgeNoticesWhenShown(page);
    const todo = page.getByTestId('todo-guardian-notices');
    await todo.waitFor();
    assert.match(await todo.textContent(), /学校发来 1 份告知书，请查看并确认/);
    await todo.getByRole('button', { name: '去确认' }).click();
    await page.waitForURL('**/crisis/notices');
    await page.getByTestId('guardian-confirm').first().click();
    await page.getByTestId('guardian-confirm').waitFor({ state: 'detached' });
    await page.goto('/');
    await page.getByTestId('home').waitFor();
    await settle(page);
    assert.equal(await page.getByTestId('todo-guardian-notices').count(), 0, 'confirmed: no longer a to-do');
    assert.ok((await pageWidth(page)) <= kPhoneViewport.width, 'the home page fits 375 px');
  } finally {
    await context.close();
  }
});
