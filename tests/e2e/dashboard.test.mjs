// The supervision dashboards (issue 21, item 4): the city admin lands on the
// city's dashboard, drills down to a district and a school and exports;
// then the sign-off flow in the browser: the school submits, the district
// returns it with a comment, the school re-submits, the district approves
// and the city accepts. Also on a phone-sized screen for the school leader.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kPhoneViewport, launchBrowser, newPage, startServer, uiLogin } from './helpers.mjs';

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

const kindOf = (page) => page.getByTestId('dash-unit').getAttribute('data-kind');
async function waitKind(page, kind) {
  await page.waitForFunction((k) => document.querySelector('[data-testid="dash-unit"]')?.dataset.kind === k, kind);
}

test('the city admin drills from the city to a school and exports', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'city_admin', server.accounts.city_admin.password);
    await waitKind(page, 'city');  // lands on the dashboard
    assert.match(page.url(), /\/dashboard\/\d+/);
    await page.getByTestId('dash-bar').waitFor();
    const pairing = page.getByTestId('val-pairing');
    assert.match(await pairing.innerText(), /100\.0%/);
    // Fed by the work records the demo fills: a percentage, not 无数据.
    assert.match(await page.getByTestId('val-psych_teacher_schools').innerText(), /^\d+(\.\d+)?%$/);

    const district = server.accounts.district_admin.scope_unit_id;
    await page.getByTestId(`open-${district}`).click();
    await waitKind(page, 'district');
    const school = server.accounts.school_leader.scope_unit_id;
    await page.getByTestId(`open-${school}`).click();
    await waitKind(page, 'school');
    assert.equal(await kindOf(page), 'school');
    // Back up through the breadcrumb.
    await page.getByTestId(`crumb-${district}`).click();
    await waitKind(page, 'district');

    // Evidence: the schools behind the figure, no student.
    await page.getByTestId('evidence-pairing').click();
    const drawer = page.getByTestId('evidence');
    await drawer.getByTestId('evidence-status').first().waitFor();
    const text = await drawer.innerText();
    assert.ok(!text.includes(server.accounts.student.display_name));

    await page.goto(`/dashboard/${school}`);
    await waitKind(page, 'school');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('dash-export').click()]);
    assert.match(download.suggestedFilename(), /\.xlsx$/);
  } finally {
    await context.close();
  }
});

test('submit, return, re-submit, approve, accept', { timeout: 240_000 }, async () => {
  const school = server.accounts.school_leader.scope_unit_id;
  const as = async (user, opts = {}) => {
    const p = await newPage(browser, server.baseUrl, opts);
    await uiLogin(p.page, user, server.accounts[user].password);
    await p.page.goto(`/dashboard/${school}`);
    await waitKind(p.page, 'school');
    return p;
  };
  const state = (page, s) =>
    page.waitForFunction((st) => document.querySelector('[data-testid="signoff-state"]')?.dataset.state === st, s);

  // The school leader, on a phone.
  const leader = await as('school_leader', { viewport: kPhoneViewport });
  try {
    await state(leader.page, 'none');
    await leader.page.getByTestId('signoff-submit').click();
    await state(leader.page, 'submitted');
    assert.equal(await leader.page.getByTestId('signoff-approve').count(), 0, 'the school does not approve');
  } finally {
    await leader.context.close();
  }

  const district = await as('district_admin');
  try {
    await state(district.page, 'submitted');
    assert.equal(await district.page.getByTestId('signoff-submit').count(), 0);
    await district.page.getByTestId('signoff-return').click();
    await district.page.getByTestId('return-comment').fill('请核对包联数据');  // the textarea itself
    await district.page.getByTestId('return-confirm').click();
    await state(district.page, 'returned');
  } finally {
    await district.context.close();
  }

  const again = await as('school_leader');
  try {
    await state(again.page, 'returned');
    assert.match(await again.page.getByTestId('signoff-comment').innerText(), /请核对包联数据/);
    await again.page.getByTestId('signoff-submit').click();
    await state(again.page, 'submitted');
  } finally {
    await again.context.close();
  }

  const district2 = await as('district_admin');
  try {
    await district2.page.getByTestId('signoff-approve').click();
    await state(district2.page, 'district_approved');
    assert.equal(await district2.page.getByTestId('signoff-accept').count(), 0, 'the district does not accept');
  } finally {
    await district2.context.close();
  }

  const city = await as('city_admin');
  try {
    await city.page.getByTestId('signoff-accept').click();
    await state(city.page, 'accepted');
    // Signed figures beside the live ones.
    await city.page.getByTestId('signed-pairing').waitFor();
    assert.match(await city.page.getByTestId('signed-pairing').innerText(), /100\.0%/);
  } finally {
    await city.context.close();
  }
});
