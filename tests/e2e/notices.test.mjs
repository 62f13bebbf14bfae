// The bell's dialog groups identical notices: a school leader told at once
// of several 一级 warnings (知会) sees one entry with their number instead
// of one line each, "got it" on it marks every one of them read, and a
// different notice stays apart. The peer reporter who raises them is also
// a student of the class.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, launchBrowser, newPage, settle, startServer, uiLogin } from './helpers.mjs';

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

async function api(user) {
  const c = new ApiClient(server.baseUrl);
  c.me = await c.login(user, server.accounts[user].password);
  return c;
}

async function unreadInformed(c) {
  const res = await c.get('/api/v1/notices?kind=warning_informed&page_size=200');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.filter((n) => !n.read);
}

test('identical 知会 notices show once with their number, and "got it" marks them all read', { timeout: 120_000 }, async () => {
  const leader = await api('school_leader');
  const before = (await unreadInformed(leader)).length;
  // Two immediate reports from the class's peer reporter: two 一级 warnings,
  // each made known at once to the school leader.
  const peer = await api('peer_reporter');
  const students = (await peer.get('/api/v1/network/students')).body.items;
  assert.ok(students.length >= 2);
  for (const s of students.slice(0, 2)) {
    const r = await peer.post('/api/v1/network/observations', {
      json: { student_id: s.id, category: 'marked_abnormality', urgency: 'immediate', what_seen: '站在栏杆边不肯下来' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  let told = [];
  for (let i = 0; i < 40 && told.length < before + 2; i++) {
    told = await unreadInformed(leader);
    if (told.length < before + 2) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(told.length >= 2, `the leader is told of both (${told.length})`);

  const { context, page } = await newPage(browser, server.baseUrl);
  try {
    await uiLogin(page, 'school_leader', server.accounts.school_leader.password);
    await page.getByTestId('notices').waitFor();
    await settle(page);
    const entries = page.locator('[data-testid="notice"][data-kind="warning_informed"]');
    assert.equal(await entries.count(), 1, 'one entry for the identical notices');
    const entry = entries.first();
    assert.equal((await entry.getByTestId('notice-count').innerText()).trim(), `同类 ${told.length} 条`);
    assert.equal(await entry.getByTestId('notice-link').getAttribute('href'), '/network/board');
    // Got it: every one of them is read; the other notices stay unread.
    const othersBefore = (await leader.get('/api/v1/notices?page_size=200')).body.unread - told.length;
    await entry.getByRole('button', { name: '知道了' }).click();
    await entry.getByRole('button', { name: '知道了' }).waitFor({ state: 'detached' });
    assert.equal((await unreadInformed(leader)).length, 0, 'all of them read');
    assert.equal((await leader.get('/api/v1/notices?page_size=200')).body.unread, othersBefore, 'the others stay unread');
  } finally {
    await context.close();
  }
});
