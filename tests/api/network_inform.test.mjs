// 知会 (issue 19): a 一级 warning is made known at once beyond its first
// owners — an immediate-danger report to the psychology centre and the
// school leader as well as to the class — without changing who owns it.
// Whoever is told may acknowledge, and the first acknowledgement stops the
// escalation; a grade head of another grade may do neither; the leader's
// view and every notice stay free of names (notices) and diagnostic words.
// Accounts hold more than one role. Time is the server's test clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ApiClient } from '../e2e/helpers.mjs';

let srv;
// Every body a role outside the psychology centre received, for the word scan.
const neutralViews = [];

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

function keep(role, res) {
  neutralViews.push({ role, body: res.body });
  return res;
}

async function eventually(fn, what) {
  for (let i = 0; i < 60; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function noticesOf(client, kind, warningId) {
  const res = await client.get(`/api/v1/notices?kind=${kind}&page_size=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.filter((n) => n.params.warning_id === warningId);
}

async function accountId(admin, username) {
  const res = await admin.get(`/api/v1/accounts?q=${encodeURIComponent(username)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const a = res.body.items.find((x) => x.username === username);
  assert.ok(a, `account ${username}`);
  return a.id;
}

// Grants a role; one that reads identified data waits for a second
// administrator (the district's), who approves it.
async function grant(username, role, unitId) {
  const admin = await as('school_data_admin');
  const res = await admin.post(`/api/v1/accounts/${await accountId(admin, username)}/roles`, { json: { role, unit_id: unitId } });
  assert.ok([200, 201, 202].includes(res.status), JSON.stringify(res.body));
  if (res.status === 202) {
    const ok = await (await as('district_admin')).post(`/api/v1/grant-requests/${res.body.id}/approval`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  }
}

async function report(reporter, studentId, whatSeen) {
  const r = await reporter.post('/api/v1/network/observations', {
    json: { student_id: studentId, category: 'marked_abnormality', urgency: 'immediate', what_seen: whatSeen },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const psych = await as('psych_staff');
  return eventually(async () => {
    const b = await psych.get('/api/v1/network/warnings?page_size=200');
    return b.body.items.find((x) => x.student_id === studentId);
  }, 'the warning of the immediate report');
}

let student;
let warning;

test('an immediate report is made known at once to the psychology centre and the school leader', async () => {
  const peer = await as('peer_reporter');
  student = (await peer.get('/api/v1/network/students')).body.items[0];
  warning = await report(peer, student.id, '他说自己有抑郁症，站在栏杆边不肯下来');
  assert.equal(warning.level, 1);
  assert.equal(warning.owner_step, 'class', 'the class still owns it');

  const head = await as('head_teacher');
  const psych = await as('psych_staff');
  const leader = await as('school_leader');
  assert.equal((await noticesOf(head, 'warning_raised', warning.id)).length, 1, 'the owner is told');
  for (const [who, c] of [['psych_staff', psych], ['school_leader', leader]]) {
    const told = await noticesOf(c, 'warning_informed', warning.id);
    assert.equal(told.length, 1, `${who} is told at once, once`);
    const n = told[0];
    assert.equal(n.urgent, true);
    assert.equal(n.link, '/network/board');
    assert.equal(n.params.level, '1');
    assert.equal(n.params.step, 'class');
    assert.ok(!JSON.stringify(n).includes(student.name), 'no name in the notice');
    if (who === 'school_leader') keep(who, { body: n });
  }
  const grade = await as('grade_head');
  assert.equal((await noticesOf(grade, 'warning_informed', warning.id)).length, 0, 'not the grade head');
  assert.equal((await noticesOf(grade, 'warning_raised', warning.id)).length, 0);
  const crisis = await as('crisis_group');
  assert.equal((await noticesOf(crisis, 'warning_informed', warning.id)).length, 0, 'not the crisis group');
  assert.equal((await crisis.get(`/api/v1/network/warnings/${warning.id}`)).status, 404, 'nor may it see it');

  // The leader sees it by name (一级) before any escalation, neutrally.
  const seen = keep('school_leader', await leader.get(`/api/v1/network/warnings/${warning.id}`));
  assert.equal(seen.status, 200);
  assert.equal(seen.body.student_name, student.name);
  assert.equal(seen.body.owner_step, 'class');
  assert.ok(!('label' in seen.body) && !('ref_id' in seen.body), 'details are for the psychology centre');
  const board = keep('school_leader', await leader.get('/api/v1/network/warnings?page_size=200'));
  assert.ok(board.body.items.some((x) => x.id === warning.id));
  // The board marks what the viewer was told of: the leader's and the
  // centre's, not the class owner's (told as its owner) nor the grade's.
  assert.equal(board.body.items.find((x) => x.id === warning.id).informed_me, true);
  const centre = (await psych.get('/api/v1/network/warnings?page_size=200')).body.items;
  assert.equal(centre.find((x) => x.id === warning.id).informed_me, true);
  const owner = (await head.get('/api/v1/network/warnings?page_size=200')).body.items;
  assert.equal(owner.find((x) => x.id === warning.id).informed_me, undefined);
  const gradeBoard = (await grade.get('/api/v1/network/warnings?page_size=200')).body.items;
  assert.equal(gradeBoard.find((x) => x.id === warning.id)?.informed_me, undefined);

  // Each 知会 is in the audit log, as an escalation step is.
  const auditor = await as('auditor');
  const log = await auditor.get('/api/v1/audit-events?page_size=200&action=inform');
  assert.equal(log.status, 200);
  const mine = log.body.items.filter((e) => e.object_id === warning.id);
  assert.equal(mine.length, 2, JSON.stringify(log.body.items));
  assert.ok(mine.every((e) => e.actor_role === 'system' && e.student_id === student.id));
});

test('a grade head of another grade may neither see nor acknowledge it', async () => {
  // A subject teacher who is also the head of another grade.
  const admin = await as('school_data_admin');
  const school = srv.accounts.psych_staff.scope_unit_id;
  const grades = (await admin.get(`/api/v1/org-units?parent_id=${school}`)).body.items.filter(
    (u) => u.kind === 'grade' && u.id !== srv.accounts.grade_head.scope_unit_id,
  );
  assert.ok(grades.length >= 1, 'the demo school has another grade');
  await grant('subject_teacher', 'grade_head', grades[0].id);
  const other = await as('subject_teacher');
  const me = await other.get('/api/v1/auth/me');
  assert.deepEqual(me.body.roles.map((r) => r.role).sort(), ['grade_head', 'subject_teacher']);
  assert.equal((await other.get(`/api/v1/network/warnings/${warning.id}`)).status, 404);
  const ack = await other.post(`/api/v1/network/warnings/${warning.id}/acknowledgement`, { json: {} });
  assert.equal(ack.status, 404, JSON.stringify(ack.body));
  assert.equal((await noticesOf(other, 'warning_informed', warning.id)).length, 0);
  const board = await other.get('/api/v1/network/warnings?state=active&page_size=200');
  assert.ok(!board.body.items?.some((x) => x.id === warning.id));
  const auditor = await as('auditor');
  const denied = await auditor.get('/api/v1/audit-events?page_size=200&action=denied');
  assert.ok(denied.body.items.some((e) => e.object_id === warning.id && e.actor_id === other.me.id), 'the refusal is audited');
});

test('the informed leader acknowledges first and the warning stops climbing', async () => {
  const leader = await as('school_leader');
  const ack = keep('school_leader', await leader.post(`/api/v1/network/warnings/${warning.id}/acknowledgement`, { json: {} }));
  assert.equal(ack.status, 200, JSON.stringify(ack.body));
  assert.equal(ack.body.state, 'acknowledged');
  assert.equal(ack.body.owner_step, 'class', 'ownership does not move');
  const head = await as('head_teacher');
  assert.equal((await head.post(`/api/v1/network/warnings/${warning.id}/acknowledgement`, { json: {} })).status, 409);

  const moved = await new ApiClient(srv.baseUrl).post('/api/v1/test/clock', { json: { advance_seconds: 3700 } });
  assert.equal(moved.status, 200);
  const psych = await as('psych_staff');
  const now = (await psych.get(`/api/v1/network/warnings/${warning.id}`)).body;
  assert.equal(now.owner_step, 'class', 'not escalated past its deadline');
  assert.equal(now.state, 'acknowledged');
  assert.equal((await noticesOf(await as('grade_head'), 'warning_escalated', warning.id)).length, 0);
});

test('the psychology centre told of a report acknowledges it at once, while the class owns it', async () => {
  const peer = await as('peer_reporter');
  const other = (await peer.get('/api/v1/network/students')).body.items[1];
  const w = await report(peer, other.id, '在走廊里大哭，说活着没意思');
  const psych = await as('psych_staff');
  assert.equal((await noticesOf(psych, 'warning_informed', w.id)).length, 1);
  const ack = await psych.post(`/api/v1/network/warnings/${w.id}/acknowledgement`, { json: {} });
  assert.equal(ack.status, 200, JSON.stringify(ack.body));
  assert.equal(ack.body.state, 'acknowledged');
  assert.equal(ack.body.owner_step, 'class');
  const leader = await as('school_leader');
  assert.equal((await leader.post(`/api/v1/network/warnings/${w.id}/acknowledgement`, { json: {} })).status, 409,
    'one acknowledgement');
});

test('a head teacher who also teaches psychology is told once and may acknowledge', async () => {
  // The students of the head teacher's own class, before the second role
  // widens the list to the school.
  const mine = (await (await as('head_teacher2')).get('/api/v1/network/students')).body.items;
  const school = srv.accounts.psych_staff.scope_unit_id;
  await grant('head_teacher2', 'psych_staff', school);
  const head2 = await as('head_teacher2');
  const me = await head2.get('/api/v1/auth/me');
  assert.deepEqual(me.body.roles.map((r) => r.role).sort(), ['head_teacher', 'psych_staff']);
  const w = await report(head2, mine[0].id, '独自坐在天台边上');
  assert.equal(w.owner_step, 'class');
  assert.equal((await noticesOf(head2, 'warning_raised', w.id)).length, 1, 'told as the owner');
  assert.equal((await noticesOf(head2, 'warning_informed', w.id)).length, 0, 'and not again as the centre');
  assert.equal((await noticesOf(await as('psych_staff'), 'warning_informed', w.id)).length, 1);
  assert.equal((await noticesOf(await as('school_leader'), 'warning_informed', w.id)).length, 1);
  // Another class's head teacher is told nothing and may not acknowledge.
  const head1 = await as('head_teacher');
  assert.equal((await noticesOf(head1, 'warning_raised', w.id)).length, 0);
  assert.equal((await head1.post(`/api/v1/network/warnings/${w.id}/acknowledgement`, { json: {} })).status, 404);
  const ack = await head2.post(`/api/v1/network/warnings/${w.id}/acknowledgement`, { json: {} });
  assert.equal(ack.status, 200, JSON.stringify(ack.body));
  assert.equal(ack.body.state, 'acknowledged');
  assert.ok('label' in ack.body, 'as the psychology centre the details are there');
});

test('no diagnostic word reaches the leader', async () => {
  const psych = await as('psych_staff');
  const words = (await psych.get('/api/v1/diagnostic-words')).body.items;
  assert.ok(Array.isArray(words) && words.length > 10);
  const leader = await as('school_leader');
  keep('school_leader', await leader.get('/api/v1/notices?page_size=200'));
  keep('school_leader', await leader.get('/api/v1/network/warnings?state=active&page_size=200'));
  assert.ok(neutralViews.length >= 6);
  for (const { role, body } of neutralViews) {
    const text = JSON.stringify(body);
    for (const w of words) assert.ok(!text.includes(w), `${role} saw ${w}`);
  }
  // The psychology centre sees what was written.
  const all = await psych.get('/api/v1/network/observations?mine=false');
  assert.ok(all.body.items.some((o) => o.what_seen.includes('抑郁')));
});
