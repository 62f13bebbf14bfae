// The warning network per role: observations,
// weekly class reports, the ledger and the warning board with escalation,
// with every denial of ACCESS.md for this data. Time is driven by the
// server's test clock (XQ_TEST_CLOCK=1, POST /api/v1/test/clock).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ApiClient } from '../e2e/helpers.mjs';

let srv;
const clients = {};
// Every body a role outside the psychology centre received, for the word scan.
const neutralViews = [];

async function as(username) {
  if (!clients[username]) {
    clients[username] = new ApiClient(srv.baseUrl);
    await clients[username].login(username);
  }
  return clients[username];
}

function keep(role, res) {
  neutralViews.push({ role, body: res.body });
  return res;
}

async function advance(seconds) {
  const c = new ApiClient(srv.baseUrl);
  const r = await c.post('/api/v1/test/clock', { json: { advance_seconds: seconds } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // Past the 30-minute idle timeout every session has ended: sign in anew.
  if (seconds >= 1800) for (const k of Object.keys(clients)) delete clients[k];
  return r.body;
}

// Waits for the event dispatcher (a fast pass runs every second).
async function eventually(fn, what) {
  for (let i = 0; i < 60; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

before(async () => {
  process.env.XQ_TEST_CLOCK = '1';
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

let classStudents;
let otherStudents;
let peerClassId;
let schoolId;

test('peers pick only their own class and bad input is 4xx naming the field', async () => {
  const peer = await as('peer_reporter');
  const head = await as('head_teacher');
  const head2 = await as('head_teacher2');
  const me = await peer.get('/api/v1/auth/me');
  peerClassId = me.body.roles.find((r) => r.role === 'peer_reporter').unit_id;
  assert.ok(me.body.capabilities.includes('network.report'));
  assert.ok(me.body.capabilities.includes('network.weekly'));
  const mine = keep('peer', await peer.get('/api/v1/network/students'));
  assert.equal(mine.status, 200);
  assert.ok(mine.body.items.length > 0);
  assert.ok(mine.body.items.every((s) => !('student_no' in s)), 'names only');
  const ht = await head.get('/api/v1/network/students');
  assert.deepEqual(new Set(mine.body.items.map((s) => s.id)), new Set(ht.body.items.map((s) => s.id)));
  classStudents = mine.body.items;
  otherStudents = (await head2.get('/api/v1/network/students')).body.items;
  assert.ok(otherStudents.length > 0);
  assert.ok(!otherStudents.some((s) => classStudents.find((c) => c.id === s.id)));

  const other = await peer.post('/api/v1/network/observations', {
    json: { student_id: otherStudents[0].id, category: 'bullying', urgency: 'soon', what_seen: '被人推搡' },
  });
  assert.equal(other.status, 400);
  assert.equal(other.body.error.field, 'student_id');
  for (const [json, field] of [
    [{ student_id: classStudents[1].id, category: 'nope', urgency: 'soon', what_seen: 'x' }, 'category'],
    [{ student_id: classStudents[1].id, category: 'bullying', urgency: 'later', what_seen: 'x' }, 'urgency'],
    [{ student_id: classStudents[1].id, category: 'bullying', urgency: 'soon', what_seen: '  ' }, 'what_seen'],
    [{ student_id: classStudents[1].id, category: 'bullying', urgency: 'soon' }, 'what_seen'],
    [{ student_id: classStudents[1].id, category: 'bullying', urgency: 'soon', what_seen: 'x', colour: 1 }, 'colour'],
  ]) {
    const r = await peer.post('/api/v1/network/observations', { json });
    assert.equal(r.status, 400, JSON.stringify(json));
    assert.equal(r.body.error.field, field);
  }
  const guardian = await as('guardian');
  assert.equal((await guardian.get('/api/v1/network/students')).status, 403);
  const student = await as('student');
  assert.equal((await student.get('/api/v1/network/students')).status, 403);
});

test('reporters read back only their own; head teachers see their classes', async () => {
  const peer = await as('peer_reporter');
  const head = await as('head_teacher');
  const r = await peer.post('/api/v1/network/observations', {
    json: { student_id: classStudents[1].id, category: 'academic_pressure', urgency: 'soon', what_seen: '连续三天午饭没吃' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const byHead = await head.post('/api/v1/network/observations', {
    json: { student_id: classStudents[2].id, category: 'family_change', urgency: 'record', what_seen: '家里搬家了' },
  });
  assert.equal(byHead.status, 201);
  const diag = await peer.post('/api/v1/network/observations', {
    json: { student_id: classStudents[2].id, category: 'emotional_crisis', urgency: 'record', what_seen: '他说自己可能有抑郁症' },
  });
  assert.equal(diag.status, 201);

  const mine = keep('peer', await peer.get('/api/v1/network/observations?mine=true'));
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.items.map((o) => o.id).sort(), [r.body.id, diag.body.id].sort());
  assert.equal((await peer.get('/api/v1/network/observations?mine=false')).status, 403);
  assert.equal((await peer.get('/api/v1/network/observations?mine=maybe')).status, 400);

  const cls = keep('head_teacher', await head.get('/api/v1/network/observations?mine=false'));
  assert.equal(cls.status, 200);
  const ids = cls.body.items.map((o) => o.id);
  for (const id of [r.body.id, byHead.body.id, diag.body.id]) assert.ok(ids.includes(id));
  const withheld = cls.body.items.find((o) => o.id === diag.body.id);
  assert.ok(!withheld.what_seen.includes('抑郁'), 'withheld outside the psychology centre');
  const head2 = await as('head_teacher2');
  const other = keep('head_teacher2', await head2.get('/api/v1/network/observations?mine=false'));
  assert.ok(!other.body.items.some((o) => ids.includes(o.id)));
  const psych = await as('psych_staff');
  const all = await psych.get('/api/v1/network/observations?mine=false');
  assert.ok(all.body.items.find((o) => o.id === diag.body.id).what_seen.includes('抑郁'));

  // The ledger: a factor from the "soon" report; head teachers of the class only.
  const ledger = keep('head_teacher', await head.get('/api/v1/network/risk-factors'));
  assert.equal(ledger.status, 200);
  assert.ok(ledger.body.items.some((f) => f.student_id === classStudents[1].id && f.source === 'observation'));
  assert.equal((await peer.get('/api/v1/network/risk-factors')).status, 403);
  assert.ok(!(await head2.get('/api/v1/network/risk-factors')).body.items.some((f) => f.student_id === classStudents[1].id));
  const add = await head.post('/api/v1/network/risk-factors', {
    json: { student_id: classStudents[3].id, factor: 'financial_difficulty', source: 'home_visit' },
  });
  assert.equal(add.status, 201);
  const foreign = await head.post('/api/v1/network/risk-factors', {
    json: { student_id: otherStudents[0].id, factor: 'financial_difficulty' },
  });
  assert.equal(foreign.status, 404);
  const badDate = await head.post('/api/v1/network/risk-factors', {
    json: { student_id: classStudents[3].id, factor: 'financial_difficulty', start_date: '2026-02-30' },
  });
  assert.equal(badDate.status, 400);
  assert.equal(badDate.body.error.field, 'start_date');
  const resolved = await psych.post(`/api/v1/network/risk-factors/${add.body.id}/resolution`, { json: {} });
  assert.equal(resolved.status, 200);
  assert.equal(resolved.body.status, 'resolved');
  assert.equal((await psych.post(`/api/v1/network/risk-factors/${add.body.id}/resolution`, { json: {} })).status, 409);
});

test('one weekly report per class and week; head teachers see filing, the psychology centre silent classes', async () => {
  const peer = await as('peer_reporter');
  const head = await as('head_teacher');
  const head2 = await as('head_teacher2');
  const psych = await as('psych_staff');
  const empty = await peer.post('/api/v1/network/weekly-reports', { json: { class_id: peerClassId, nothing_to_report: false } });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.field, 'note');
  const future = await peer.post('/api/v1/network/weekly-reports', {
    json: { class_id: peerClassId, nothing_to_report: true, week: '2099-W01' },
  });
  assert.equal(future.status, 400);
  assert.equal(future.body.error.field, 'week');
  // Until it is filed, the week's report is a to-do on the peer's home (the
  // peer is a student of the class too) and counted on the menu.
  const weeklyTodos = async () => {
    const r = await peer.get('/api/v1/todos');
    assert.equal(r.status, 200);
    return r.body;
  };
  const before = await weeklyTodos();
  const due = before.items.filter((x) => x.kind === 'weekly_report');
  assert.deepEqual(due.map((x) => x.class_id), [peerClassId]);
  assert.match(due[0].week, /^\d{4}-W\d{2}$/);
  assert.equal(before.badges.weekly_reports, 1);
  assert.ok(!before.items.some((x) => x.kind === 'network_warnings'), 'a peer has no warning board');
  const ok = await peer.post('/api/v1/network/weekly-reports', { json: { class_id: peerClassId, nothing_to_report: true } });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  const afterFiling = await weeklyTodos();
  assert.ok(!afterFiling.items.some((x) => x.kind === 'weekly_report'), 'filed: no longer a to-do');
  assert.equal(afterFiling.badges.weekly_reports, undefined);
  // The head teacher, who may file for the class too, is not asked to.
  assert.ok(!(await head.get('/api/v1/todos')).body.items.some((x) => x.kind === 'weekly_report'));
  const again = await peer.post('/api/v1/network/weekly-reports', { json: { class_id: peerClassId, nothing_to_report: true } });
  assert.equal(again.status, 409);
  const classes2 = (await head2.get('/api/v1/network/classes')).body.items;
  const foreign = await peer.post('/api/v1/network/weekly-reports', {
    json: { class_id: classes2[0].class_id, nothing_to_report: true },
  });
  assert.equal(foreign.status, 404);
  const mine = keep('head_teacher', await head.get('/api/v1/network/classes'));
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.items.map((c) => [c.class_id, c.filed]), [[peerClassId, true]]);
  assert.equal(classes2[0].filed, false);
  const silent = await psych.get('/api/v1/network/classes?silent=true&silent_weeks=2&page_size=200');
  assert.equal(silent.status, 200);
  assert.ok(!silent.body.items.some((c) => c.class_id === peerClassId));
  assert.ok(silent.body.items.some((c) => c.class_id === classes2[0].class_id));
  assert.equal((await peer.get('/api/v1/network/classes')).status, 403);
  assert.equal((await psych.get('/api/v1/network/classes?silent_weeks=40')).status, 400);
});

test('an immediate report raises a 一级 warning; leaders see counts and names at 一级 only', async () => {
  const peer = await as('peer_reporter');
  const head = await as('head_teacher');
  const psych = await as('psych_staff');
  const leader = await as('school_leader');
  const r = await peer.post('/api/v1/network/observations', {
    json: { student_id: classStudents[4].id, category: 'marked_abnormality', urgency: 'immediate', what_seen: '站在栏杆边不肯下来' },
  });
  assert.equal(r.status, 201);
  const w = await eventually(async () => {
    const b = keep('head_teacher', await head.get('/api/v1/network/warnings'));
    return b.body.items.find((x) => x.student_id === classStudents[4].id);
  }, 'the warning of the immediate report');
  assert.equal(w.level, 1);
  assert.equal(w.owner_step, 'class');
  assert.equal(w.source, 'observation');
  assert.ok(!('label' in w), 'details are for the psychology centre');
  schoolId = (await psych.get('/api/v1/auth/me')).body.roles.find((x) => x.role === 'psych_staff').unit_id;

  // A second warning lowered to 二级 by the psychology centre (with a reason).
  const r2 = await peer.post('/api/v1/network/observations', {
    json: { student_id: classStudents[5].id, category: 'bullying', urgency: 'immediate', what_seen: '被几个人围住' },
  });
  assert.equal(r2.status, 201);
  const w2 = await eventually(async () => {
    const b = await psych.get('/api/v1/network/warnings');
    return b.body.items.find((x) => x.student_id === classStudents[5].id);
  }, 'the second warning');
  const noReason = await psych.post(`/api/v1/network/warnings/${w2.id}/level`, { json: { level: 2, reason: '' } });
  assert.equal(noReason.status, 400);
  assert.equal(noReason.body.error.field, 'reason');
  const badLevel = await psych.post(`/api/v1/network/warnings/${w2.id}/level`, { json: { level: 7, reason: 'x' } });
  assert.equal(badLevel.status, 400);
  assert.equal(badLevel.body.error.field, 'level');
  const byHead = await head.post(`/api/v1/network/warnings/${w2.id}/level`, { json: { level: 2, reason: '谈过' } });
  assert.equal(byHead.status, 403);
  const lowered = await psych.post(`/api/v1/network/warnings/${w2.id}/level`, { json: { level: 2, reason: '家访后判断' } });
  assert.equal(lowered.status, 200);
  assert.equal(lowered.body.level, 2);

  const board = keep('school_leader', await leader.get('/api/v1/network/warnings'));
  assert.equal(board.status, 200);
  assert.ok(board.body.items.some((x) => x.id === w.id), 'named at 一级');
  assert.ok(!board.body.items.some((x) => x.id === w2.id), 'not named at 二级');
  assert.ok(board.body.counts.by_level['2'] >= 1, '二级 counted');
  assert.equal((await leader.get(`/api/v1/network/warnings/${w2.id}`)).status, 404);
  for (const u of ['peer_reporter', 'student', 'guardian', 'subject_teacher']) {
    assert.equal((await (await as(u)).get('/api/v1/network/warnings')).status, 403, u);
  }

  // The home page counts what waits for each owner's acknowledgement: what
  // the board names for them, open (not yet acknowledged).
  // Those at the owner's own step are counted apart (the new warning is
  // at the class: the head teacher's, not the grade head's or leader's).
  const stepOf = { head_teacher: 'class', grade_head: 'grade', school_leader: 'school_leader' };
  for (const [u, c] of [['head_teacher', head], ['school_leader', leader], ['grade_head', await as('grade_head')]]) {
    const open = (await c.get('/api/v1/network/warnings?state=open&page_size=200')).body.items;
    const todos = (await c.get('/api/v1/todos')).body;
    const item = todos.items.find((x) => x.kind === 'network_warnings');
    assert.ok(item, u);
    assert.equal(item.count, open.length, u);
    assert.ok(open.length >= 1, u);
    assert.equal(item.at_my_step, open.filter((x) => x.owner_step === stepOf[u]).length, u);
    assert.equal(todos.badges.network_warnings, open.length, u);
  }
  assert.ok((await head.get('/api/v1/todos')).body.items.find((x) => x.kind === 'network_warnings').at_my_step >= 1);
  // Not for those without a board, and not twice for the psychology centre,
  // whose urgent warnings are the same ones.
  for (const u of ['peer_reporter', 'student', 'guardian', 'subject_teacher', 'psych_staff']) {
    const todos = (await (await as(u)).get('/api/v1/todos')).body;
    assert.ok(!todos.items.some((x) => x.kind === 'network_warnings'), u);
  }
  const crisis = keep('crisis_group', await (await as('crisis_group')).get('/api/v1/network/warnings?state=active'));
  assert.equal(crisis.status, 200);
  assert.ok(!crisis.body.items.some((x) => x.id === w.id), 'not escalated yet');
  assert.equal((await (await as('crisis_group')).get(`/api/v1/network/warnings/${w.id}`)).status, 404);
});

test('deadlines: the psychology centre and the leader edit them; others may not', async () => {
  const psych = await as('psych_staff');
  const leader = await as('school_leader');
  const head = await as('head_teacher');
  const got = await head.get(`/api/v1/schools/${schoolId}/warning-deadlines`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body.ack_seconds, { 1: 3600, 2: 86400, 3: 259200 });
  const body = { ack_seconds: { 1: 60, 2: 86400, 3: 259200 }, action_seconds: { 1: 3600, 2: 259200, 3: 604800 } };
  assert.equal((await head.request('PUT', `/api/v1/schools/${schoolId}/warning-deadlines`, { json: body })).status, 403);
  assert.equal((await (await as('univ_psych_staff')).request('PUT', `/api/v1/schools/${schoolId}/warning-deadlines`, { json: body })).status, 404);
  const bad = await psych.request('PUT', `/api/v1/schools/${schoolId}/warning-deadlines`, {
    json: { ack_seconds: { 1: 5, 2: 86400, 3: 259200 }, action_seconds: body.action_seconds },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'ack.1');
  const missing = await psych.request('PUT', `/api/v1/schools/${schoolId}/warning-deadlines`, { json: { ack_seconds: body.ack_seconds } });
  assert.equal(missing.status, 400);
  const ok = await leader.request('PUT', `/api/v1/schools/${schoolId}/warning-deadlines`, { json: body });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.ack_seconds['1'], 60);
});

test('an ignored 一级 warning climbs to the leader and the crisis groups; closing ends their access', async () => {
  const peer = await as('peer_reporter');
  const psych = await as('psych_staff');
  const r = await peer.post('/api/v1/network/observations', {
    json: { student_id: classStudents[6].id, category: 'major_setback', urgency: 'immediate', what_seen: '说不想活了' },
  });
  assert.equal(r.status, 201);
  const w = await eventually(async () => {
    const b = await psych.get('/api/v1/network/warnings');
    return b.body.items.find((x) => x.student_id === classStudents[6].id);
  }, 'the warning');
  const stepOf = async () => (await psych.get(`/api/v1/network/warnings/${w.id}`)).body.owner_step;
  assert.equal(await stepOf(), 'class');
  for (const step of ['grade', 'psych_centre', 'school_leader']) {
    const moved = await advance(61);
    assert.ok(moved.jobs_run >= 1);
    assert.equal(await stepOf(), step);
  }
  const leader = keep('school_leader', await (await as('school_leader')).get('/api/v1/network/warnings'));
  const seen = leader.body.items.find((x) => x.id === w.id);
  assert.equal(seen.owner_step, 'school_leader');
  const notices = await (await as('school_leader')).get('/api/v1/notices');
  assert.ok(JSON.stringify(notices.body).includes('warning_escalated'), 'the leader is told');
  await advance(0);
  assert.equal(await stepOf(), 'school_leader', 'a repeated sweep changes nothing');

  const crisis = await as('crisis_group');
  assert.equal((await crisis.get(`/api/v1/network/warnings/${w.id}`)).status, 404);
  await advance(61);
  assert.equal(await stepOf(), 'district_crisis');
  const open = keep('crisis_group', await crisis.get('/api/v1/network/warnings?state=active'));
  assert.ok(open.body.items.some((x) => x.id === w.id), 'escalated to the district');
  const ack = await crisis.post(`/api/v1/network/warnings/${w.id}/acknowledgement`, { json: {} });
  assert.equal(ack.status, 200);
  assert.equal(ack.body.state, 'acknowledged');
  assert.equal((await crisis.post(`/api/v1/network/warnings/${w.id}/acknowledgement`, { json: {} })).status, 409);
  assert.equal((await crisis.post(`/api/v1/network/warnings/${w.id}/closure`, { json: { reason: 'x' } })).status, 403);
  assert.equal((await psych.post(`/api/v1/network/warnings/${w.id}/closure`, { json: {} })).status, 400);
  const closed = await psych.post(`/api/v1/network/warnings/${w.id}/closure`, { json: { reason: '已送医并通知家长' } });
  assert.equal(closed.status, 200);
  assert.equal(closed.body.state, 'closed');
  assert.equal((await crisis.get(`/api/v1/network/warnings/${w.id}`)).status, 404, 'access ends when closed');
  await advance(3600);
  const again = await as('psych_staff');
  assert.equal((await again.get(`/api/v1/network/warnings/${w.id}`)).body.owner_step, 'district_crisis',
    'closed: no further escalation');
});

test('no diagnostic word reaches a view outside the psychology centre', async () => {
  const psych = await as('psych_staff');
  const words = (await psych.get('/api/v1/diagnostic-words')).body.items;
  assert.ok(Array.isArray(words) && words.length > 10);
  assert.ok(neutralViews.length > 10);
  for (const { role, body } of neutralViews) {
    const text = JSON.stringify(body);
    for (const w of words) assert.ok(!text.includes(w), `${role} saw ${w}`);
  }
});
