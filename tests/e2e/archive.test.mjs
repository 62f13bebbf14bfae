// The psychology teacher opens a student's archive and writes a 一生一策;
// the printable page has no diagnostic words. A head teacher records a
// home visit on a phone and sees their quota progress; a guardian sees the
// visit without its summary.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, launchBrowser, newPage, pageWidth, startServer, uiLogin } from './helpers.mjs';

const kDiagnostic = /抑郁|焦虑|精神疾病|阳性|自杀|PHQ|GAD|SCL|UPI/;

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

async function firstStudentOf(user) {
  const c = new ApiClient(server.baseUrl);
  await c.login(user);
  return (await c.get('/api/v1/students?page_size=1')).body.items[0];
}

test('the psychology teacher opens the archive and writes a plan; the print page is neutral', { timeout: 120_000 }, async () => {
  const s = await firstStudentOf('guardian');  // the guardian's child, in head_teacher's class
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'psych_staff');
    await page.getByTestId('menu-archive.read').click();
    await page.getByTestId('archive').waitFor();
    await page.getByTestId('student-search-input').fill(s.name);
    await page.getByTestId('student-search-button').click();
    await page.getByTestId('student-result').first().click();
    await page.getByTestId('archive-header').waitFor();
    assert.equal((await page.getByTestId('archive-name').textContent()).trim(), s.name);
    await page.getByRole('tab', { name: '一生一策' }).click();
    await page.getByTestId('plan-edit').click();
    await page.getByTestId('plan-goals-input').fill('稳定作息，逐步恢复学习节奏');
    await page.getByTestId('plan-measures-input').fill('每周谈心一次；家校两周沟通一次');
    await page.getByTestId('plan-resp-0').fill('王老师');
    await page.getByTestId('plan-resp-1').fill('李家长');
    await page.getByTestId('plan-save').click();
    await page.getByTestId('plan-view').waitFor();
    assert.match(await page.getByTestId('plan-goals').textContent(), /稳定作息/);
    // A diagnostic word is refused with a message, nothing saved.
    await page.getByTestId('plan-edit').click();
    await page.getByTestId('plan-goals-input').fill('缓解焦虑');
    await page.getByTestId('plan-save').click();
    await page.getByTestId('plan-error').waitFor();
    const href = await page.getByTestId('plan-print-link').getAttribute('href').catch(() => null);
    const api = new ApiClient(server.baseUrl);
    await api.login('psych_staff');
    const plan = (await api.get(`/api/v1/students/${s.id}/plan`)).body;
    assert.match(plan.goals, /稳定作息/);
    const print = await context.newPage();
    await print.goto(href || `/plans/${plan.id}/print`);
    await print.getByTestId('plan-print').locator('article').waitFor();
    const text = await print.getByTestId('plan-print').innerText();
    assert.match(text, /一生一策/);
    assert.match(text, /稳定作息/);
    assert.doesNotMatch(text, kDiagnostic);
    // The sheet is A4 on paper.
    await print.emulateMedia({ media: 'print' });
    assert.equal(await print.getByTestId('plan-print-button').isVisible(), false);
    // The timeline shows the plan line.
    const tl = await api.get(`/api/v1/students/${s.id}/timeline?module=plans`);
    assert.equal(tl.status, 200);
    // Back on the archive's first page, the plan is among those open and
    // leads to the student.
    await page.goto('/archive');
    const line = page.getByTestId('archive-plan').filter({ hasText: s.name });
    await line.waitFor();
    await line.click();
    await page.getByTestId('archive-header').waitFor();
    assert.equal((await page.getByTestId('archive-name').textContent()).trim(), s.name);
  } finally {
    await context.close();
  }
});

test('a head teacher records a home visit on a phone; the guardian sees it without the summary', { timeout: 120_000 }, async () => {
  const s = await firstStudentOf('guardian');
  const phone = { width: 375, height: 740 };
  const { context, page } = await newPage(browser, server.baseUrl, { viewport: phone });
  try {
    await uiLogin(page, 'head_teacher');
    await page.goto('/contacts');
    await page.getByTestId('my-quota').waitFor();
    await page.getByTestId('student-search-input').fill(s.name);
    await page.getByTestId('student-search-button').click();
    await page.getByTestId('student-result').first().click();
    await page.getByTestId('contact-summary').fill('家长配合度高，孩子作息需调整');
    await page.getByTestId('contact-save').click();
    await page.waitForFunction(() => /已完成 [1-9]/.test(document.querySelector('[data-testid="my-quota"]')?.innerText || ''));
    const width = await pageWidth(page);
    assert.ok(width <= 375 + 1, `no horizontal scroll on a phone (${width})`);
  } finally {
    await context.close();
  }
  const g = await newPage(browser, server.baseUrl, { viewport: phone });
  try {
    await uiLogin(g.page, 'guardian');
    await g.page.goto('/children/visits');
    await g.page.getByTestId('child-visit').first().waitFor();
    const text = await g.page.getByTestId('child-visits').innerText();
    assert.match(text, /面谈/);
    assert.doesNotMatch(text, /作息需调整/);
    assert.doesNotMatch(text, kDiagnostic);
  } finally {
    await g.context.close();
  }
});
