// The warning network's settings and the inbox from the API side (issue
// 19): who may change a school's warning deadlines (with accounts holding
// more than one role), what bad input answers, that both the change and the
// refusal are audited; the menu capabilities of the new screens; warning
// and crisis notices that are urgent; and the inbox's cursor paging,
// unread filter and marking read. Time is driven by the server's test clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ApiClient } from '../e2e/helpers.mjs';

let srv;

before(async () => {
  process.env.XQ_TEST_CLOCK = '1';
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

async function as(user) {
  const c = new ApiClient(srv.baseUrl);
  c.me = await c.login(user);
  return c;
}

const schoolOf = (user) => srv.accounts[user].scope_unit_id;
const deadlinesOf = (id) => `/api/v1/schools/${id}/warning-deadlines`;
const kGood = {
  ack_seconds: { 1: 1800, 2: 43200, 3: 172800 },
  action_seconds: { 1: 7200, 2: 172800, 3: 604800 },
};

function assertError(res, status, field) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(typeof res.body.error?.code, 'string', JSON.stringify(res.body));
  if (field !== undefined) assert.equal(res.body.error.field, field, JSON.stringify(res.body));
}

async function accountId(admin, username) {
  const res = await admin.get(`/api/v1/accounts?q=${encodeURIComponent(username)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const a = res.body.items.find((x) => x.username === username);
  assert.ok(a, `account ${username}`);
  return a.id;
}

async function capabilities(user) {
  return (await (await as(user)).get('/api/v1/auth/me')).body.capabilities;
}

test('the deadline editor and the channel form are on the menus of those who may use them', async () => {
  for (const u of ['psych_staff', 'school_leader']) {
    const caps = await capabilities(u);
    assert.ok(caps.includes('network.deadlines'), u);
    assert.ok(!caps.includes('notify.channels'), u);
  }
  for (const u of ['school_data_admin', 'district_admin', 'city_admin']) {
    const caps = await capabilities(u);
    assert.ok(caps.includes('notify.channels'), u);
    assert.ok(!caps.includes('network.deadlines'), u);
  }
  for (const u of ['head_teacher', 'grade_head', 'subject_teacher', 'crisis_group', 'auditor', 'student', 'peer_reporter']) {
    const caps = await capabilities(u);
    assert.ok(!caps.includes('network.deadlines') && !caps.includes('notify.channels'), u);
  }
});

test('deadlines: bad input answers 400 naming the field, and changes nothing', async () => {
  const psych = await as('psych_staff');
  const school = schoolOf('psych_staff');
  const before = (await psych.get(deadlinesOf(school))).body;
  const cases = [
    // Acknowledging may not be due after acting.
    [{ ack_seconds: { 1: 7200, 2: 86400, 3: 259200 }, action_seconds: { 1: 3600, 2: 259200, 3: 604800 } }, 'action.1'],
    [{ ack_seconds: { 1: 3600, 2: 86400, 3: 259200 }, action_seconds: { 1: 86400, 2: 259200, 3: 200000 } }, 'action.3'],
    // Positive (at least a minute).
    [{ ack_seconds: { 1: 0, 2: 86400, 3: 259200 }, action_seconds: kGood.action_seconds }, 'ack.1'],
    [{ ack_seconds: { 1: 3600, 2: -60, 3: 259200 }, action_seconds: kGood.action_seconds }, 'ack.2'],
    // Whole seconds for each of the three levels.
    [{ ack_seconds: { 1: '3600', 2: 86400, 3: 259200 }, action_seconds: kGood.action_seconds }, 'ack_seconds'],
    [{ ack_seconds: { 1: 3600.5, 2: 86400, 3: 259200 }, action_seconds: kGood.action_seconds }, 'ack_seconds'],
    [{ ack_seconds: { 1: 3600, 2: 86400 }, action_seconds: kGood.action_seconds }, 'ack_seconds'],
    [{ ack_seconds: [3600, 86400, 259200], action_seconds: kGood.action_seconds }, 'ack_seconds'],
    [{ ack_seconds: kGood.ack_seconds }, 'action_seconds'],
    [{ ...kGood, extra: 1 }, 'extra'],
  ];
  for (const [json, field] of cases) {
    assertError(await psych.request('PUT', deadlinesOf(school), { json }), 400, field);
  }
  assertError(await psych.request('PUT', deadlinesOf(school), { body: 'not json', headers: { 'Content-Type': 'application/json' } }), 400);
  assertError(await psych.request('PUT', deadlinesOf('abc'), { json: kGood }), 404);
  assertError(await psych.request('PUT', deadlinesOf('999999999'), { json: kGood }), 404);
  assert.deepEqual((await psych.get(deadlinesOf(school))).body, before);
});

test('deadlines: head teachers, grade heads and others may not change them; refusals are audited', async () => {
  const school = schoolOf('psych_staff');
  for (const u of ['head_teacher', 'grade_head']) {
    const c = await as(u);
    assert.equal((await c.get(deadlinesOf(school))).status, 200, u);
    assertError(await c.request('PUT', deadlinesOf(school), { json: kGood }), 403);
  }
  // Not staff of the school: it is not there for them.
  for (const u of ['univ_psych_staff', 'student', 'guardian', 'subject_teacher', 'school_data_admin', 'city_admin']) {
    const c = await as(u);
    assertError(await c.request('PUT', deadlinesOf(school), { json: kGood }), 404);
    assertError(await c.get(deadlinesOf(school)), 404);
  }
  const auditor = await as('auditor');
  const head = await as('head_teacher');
  const log = await auditor.get('/api/v1/audit-events?page_size=200&action=denied');
  assert.equal(log.status, 200);
  assert.ok(
    log.body.items.some((e) => e.object_type === 'warning_deadlines' && e.actor_id === head.me.id),
    'the head teacher\'s refusal is in the log',
  );
});

test('deadlines: the psychology centre changes them in an audited transaction', async () => {
  const psych = await as('psych_staff');
  const school = schoolOf('psych_staff');
  const ok = await psych.request('PUT', deadlinesOf(school), { json: kGood });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body, {
    ack_seconds: { 1: 1800, 2: 43200, 3: 172800 },
    action_seconds: { 1: 7200, 2: 172800, 3: 604800 },
  });
  // Every reader of the school sees the new values.
  const head = await as('head_teacher');
  assert.equal((await head.get(deadlinesOf(school))).body.ack_seconds['1'], 1800);
  const auditor = await as('auditor');
  const log = await auditor.get('/api/v1/audit-events?page_size=200');
  assert.ok(
    log.body.items.some((e) => e.object_type === 'warning_deadlines' && e.action === 'update' && e.actor_id === psych.me.id),
    'the change is in the log',
  );
});

test('accounts with two roles: a leader role lets a teacher change them; a grade head role does not', async () => {
  const admin = await as('school_data_admin');
  const school = schoolOf('psych_staff');
  // A subject teacher who is also a school leader.
  const teacherId = await accountId(admin, 'subject_teacher');
  const granted = await admin.post(`/api/v1/accounts/${teacherId}/roles`, { json: { role: 'school_leader', unit_id: school } });
  assert.ok([200, 201].includes(granted.status), JSON.stringify(granted.body));
  const teacher = await as('subject_teacher');
  assert.ok((await capabilities('subject_teacher')).includes('network.deadlines'));
  const ok = await teacher.request('PUT', deadlinesOf(school), { json: kGood });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  // A head teacher who is also a grade head still only reads.
  const headId = await accountId(admin, 'head_teacher2');
  const grade = schoolOf('grade_head');
  const asGrade = await admin.post(`/api/v1/accounts/${headId}/roles`, { json: { role: 'grade_head', unit_id: grade } });
  assert.ok([200, 201].includes(asGrade.status), JSON.stringify(asGrade.body));
  const head2 = await as('head_teacher2');
  const me = await head2.get('/api/v1/auth/me');
  assert.deepEqual(me.body.roles.map((r) => r.role).sort(), ['grade_head', 'head_teacher']);
  assert.ok(!me.body.capabilities.includes('network.deadlines'));
  assertError(await head2.request('PUT', deadlinesOf(school), { json: kGood }), 403);
});

test('crisis cases opened, escalated or overdue are urgent notices', async () => {
  const psych = await as('psych_staff');
  const unit = schoolOf('head_teacher');
  const students = (await psych.get(`/api/v1/students?unit_id=${unit}&page_size=3`)).body.items;
  const opened = await psych.post('/api/v1/crisis/cases', { json: { student_id: students[0].id, source: 'hotline', level: 1, record: '来电' } });
  assert.equal(opened.status, 201, JSON.stringify(opened.body));

  const auditor = await as('auditor');
  const mine = async (c, kind) => (await c.get(`/api/v1/notices?kind=${kind}`)).body;
  const told = await mine(auditor, 'crisis_opened');
  assert.ok(told.items.length >= 1);
  assert.ok(told.items.every((n) => n.urgent === true), JSON.stringify(told.items));
  assert.ok(told.unread_urgent >= 1);
  // A level-1 case goes to the district crisis group at once.
  const group = await as('crisis_group');
  const escalated = await mine(group, 'crisis_escalated');
  assert.ok(escalated.items.length >= 1);
  assert.ok(escalated.items.every((n) => n.urgent === true));

  // The report step's hour passes: overdue, urgent.
  const clock = new ApiClient(srv.baseUrl);
  assert.equal((await clock.post('/api/v1/test/clock', { json: { advance_seconds: 3601 } })).status, 200);
  const again = await as('auditor');
  let overdue;
  for (let i = 0; i < 40 && !overdue?.items.length; i++) {
    overdue = await mine(again, 'crisis_step_overdue');
    if (!overdue.items.length) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(overdue.items.length >= 1, 'the overdue step is told');
  assert.ok(overdue.items.every((n) => n.urgent === true));

});

test('a warning is an urgent notice linked to where its owner acknowledges it', async () => {
  const peer = await as('peer_reporter');
  const students = (await peer.get('/api/v1/network/students')).body.items;
  const r = await peer.post('/api/v1/network/observations', {
    json: { student_id: students[0].id, category: 'major_setback', urgency: 'immediate', what_seen: '独自坐在天台边上' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const head = await as('head_teacher');
  let told;
  for (let i = 0; i < 60 && !told?.items.length; i++) {
    told = (await head.get('/api/v1/notices?kind=warning_raised')).body;
    if (!told.items.length) await new Promise((res) => setTimeout(res, 250));
  }
  assert.ok(told.items.length >= 1, 'the head teacher is told');
  for (const n of told.items) {
    assert.equal(n.urgent, true);
    assert.equal(n.link, '/network/class');
    assert.ok(!JSON.stringify(n).includes(students[0].name), 'no name in the notice');
  }
  assert.ok(told.unread_urgent >= 1);
});

test('the inbox pages by cursor, filters unread and marks read', async () => {
  // Three more cases: three more notices for the auditor.
  const psych = await as('psych_staff');
  const unit = schoolOf('head_teacher');
  const students = (await psych.get(`/api/v1/students?unit_id=${unit}&page_size=4`)).body.items;
  for (const s of students.slice(1, 4)) {
    const r = await psych.post('/api/v1/crisis/cases', { json: { student_id: s.id, source: 'hotline', level: 3, record: '来电' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const auditor = await as('auditor');
  const whole = await auditor.get('/api/v1/notices?page_size=200');
  assert.equal(whole.status, 200);
  const total = whole.body.items.length;
  assert.ok(total >= 5, `the auditor has ${total} notices`);

  // Two at a time, following `next`, gives each notice once, newest first.
  const seen = [];
  let after = '';
  for (let i = 0; i < 200; i++) {
    const page = await auditor.get(`/api/v1/notices?page_size=2${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.items.length <= 2);
    seen.push(...page.body.items.map((n) => n.id));
    if (!page.body.next) break;
    after = page.body.next;
  }
  assert.deepEqual(seen, whole.body.items.map((n) => n.id));

  // Marking one read: it leaves the unread filter, the counts follow.
  const unread = (await auditor.get('/api/v1/notices?unread=true&page_size=200')).body;
  assert.ok(unread.items.length >= 2);
  const first = unread.items[0];
  assert.equal((await auditor.post(`/api/v1/notices/${first.id}/read`)).status, 204);
  const after1 = (await auditor.get('/api/v1/notices?unread=true&page_size=200')).body;
  assert.equal(after1.unread, unread.unread - 1);
  assert.ok(!after1.items.some((n) => n.id === first.id));
  assert.ok(after1.items.every((n) => n.read === false));

  // Another account's notice is not there for this one.
  const group = await as('crisis_group');
  assertError(await group.post(`/api/v1/notices/${after1.items[0].id}/read`), 404);

  // Bad input names the field.
  assertError(await auditor.get('/api/v1/notices?after=nonsense'), 400, 'after');
  assertError(await auditor.get('/api/v1/notices?unread=yes'), 400, 'unread');
  assertError(await auditor.get('/api/v1/notices?page_size=0'), 400, 'page_size');
  assertError(await auditor.get('/api/v1/notices?colour=red'), 400);

  // Read all: none left, urgent included.
  const all = await auditor.post('/api/v1/notices/read-all', { json: {} });
  assert.equal(all.status, 200);
  assert.equal(all.body.marked, after1.unread);
  const none = (await auditor.get('/api/v1/notices?unread=true')).body;
  assert.equal(none.items.length, 0);
  assert.equal(none.unread, 0);
  assert.equal(none.unread_urgent, 0);
});
