// Counselling per role (issue 20): schedules and booking (a taken slot is
// 409 slot_taken, a student books and cancels only their own, the
// waitlist gets the freed slot and is told), referrals from a head teacher
// (who sees only that it was received), session records sealed at rest
// (only their author and the head of the psychology centre read them; a
// school leader never, nor a head teacher who is also on the centre's
// staff, unless author), summaries shared with an expert, and bad input
// answered 4xx naming the field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { databaseDump } from './dump.mjs';
import { startServer, ApiClient, kPassword, kRepoRoot, xqBin } from '../e2e/helpers.mjs';

let srv;
before(async () => {
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

async function as(username, password = kPassword) {
  const c = new ApiClient(srv.baseUrl);
  c.me = await c.login(username, password);
  return c;
}

function assertError(res, status, code, field) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body?.error?.code, code, JSON.stringify(res.body));
  if (field !== undefined) assert.equal(res.body.error.field, field, JSON.stringify(res.body));
}

const kHour = 3600 * 1000;
function at(hoursFromNow) {
  return new Date(Math.floor(Date.now() / kHour) * kHour + hoursFromNow * kHour).toISOString();
}

// Students of the demo student's class, as the head teacher's roster lists them.
async function classmates() {
  const ht = await as('head_teacher');
  const res = await ht.get('/api/v1/students?page_size=200');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

let slots = [];
let me = {};
test('the menu capabilities of counselling follow the roles (a 心理委员 books as a student)', async () => {
  const want = {
    student: ['counselling.book'],
    peer_reporter: ['counselling.book'],
    psych_staff: ['counselling.records', 'counselling.schedule'],
    head_teacher: ['counselling.refer'],
    grade_head: ['counselling.refer'],
    expert: ['counselling.shares'],
    school_leader: [],
    subject_teacher: [],
    guardian: [],
  };
  for (const [user, caps] of Object.entries(want)) {
    const c = await as(user);
    const got = c.me.capabilities.filter((x) => x.startsWith('counselling.')).sort();
    assert.deepEqual(got, caps, user);
  }
});

test('a counsellor publishes a week; students see free slots, never who booked', async () => {
  const psych = await as('psych_staff');
  const res = await psych.post('/api/v1/counselling/slots', {
    json: {
      slots: [
        { room: '心理辅导室 1', starts_at: at(24), ends_at: at(25) },
        { room: '心理辅导室 1', starts_at: at(25), ends_at: at(26) },
        { room: '心理辅导室 2', starts_at: at(26), ends_at: at(27) },
      ],
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  slots = res.body.items;
  assert.equal(slots.length, 3);

  // Bad input: named fields, nothing written.
  assertError(await psych.post('/api/v1/counselling/slots', { json: { slots: [] } }), 400, 'invalid_argument', 'slots');
  assertError(
    await psych.post('/api/v1/counselling/slots', { json: { slots: [{ room: 'x', starts_at: at(-2), ends_at: at(-1) }] } }),
    400, 'invalid_argument', 'starts_at');
  assertError(
    await psych.post('/api/v1/counselling/slots', { json: { slots: [{ room: 'x', starts_at: at(30), ends_at: at(29) }] } }),
    400, 'invalid_argument', 'ends_at');
  assertError(
    await psych.post('/api/v1/counselling/slots', { json: { slots: [{ room: 'x', starts_at: 'tomorrow', ends_at: at(29) }] } }),
    400, 'invalid_argument', 'starts_at');
  assertError(await psych.post('/api/v1/counselling/slots', { json: { slots: [], colour: 'red' } }), 400, 'invalid_argument', 'colour');
  assert.equal((await psych.get(`/api/v1/counselling/slots?from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(48))}`)).body.items.length, 3);

  // Others may not publish: a head teacher, a school leader, a student.
  for (const u of ['head_teacher', 'school_leader', 'student']) {
    const c = await as(u);
    assertError(
      await c.post('/api/v1/counselling/slots', { json: { slots: [{ room: 'x', starts_at: at(40), ends_at: at(41) }] } }),
      403, 'permission_denied');
  }
  // A head teacher sees no schedule at all; another school's staff neither.
  assert.equal((await (await as('head_teacher')).get('/api/v1/counselling/slots')).status, 403);
  const other = await as('univ_psych_staff');
  const theirs = await other.get(`/api/v1/counselling/slots?from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(48))}`);
  assert.ok(theirs.status === 200, JSON.stringify(theirs.body));
  assert.equal(theirs.body.items.length, 0, 'a university counsellor sees its own school only');
});

test('students book their own; a taken slot is 409 slot_taken; teachers never see who booked', async () => {
  const student = await as('student');
  const peer = await as('peer_reporter'); // a screened student who is also the class 心理委员
  const booked = await student.post('/api/v1/counselling/bookings', { json: { slot_id: slots[0].id } });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  assert.equal(booked.body.state, 'booked');
  assert.equal(booked.body.source, 'self');
  me.booking = booked.body;
  me.studentId = booked.body.student_id;

  assertError(await peer.post('/api/v1/counselling/bookings', { json: { slot_id: slots[0].id } }), 409, 'slot_taken', 'slot_id');
  assertError(await student.post('/api/v1/counselling/bookings', { json: { slot_id: slots[0].id } }), 409, 'slot_taken');
  // Bad input.
  assertError(await student.post('/api/v1/counselling/bookings', { json: {} }), 400, 'invalid_argument', 'slot_id');
  assertError(await student.post('/api/v1/counselling/bookings', { json: { slot_id: 42 } }), 400, 'invalid_argument', 'slot_id');
  assertError(await student.post('/api/v1/counselling/bookings', { json: { slot_id: 'abc' } }), 400, 'invalid_argument', 'slot_id');
  assert.equal((await student.post('/api/v1/counselling/bookings', { json: { slot_id: '999999' } })).status, 404);

  // The student sees own bookings; the peer sees the slot as taken, without a name.
  const mine = await student.get('/api/v1/counselling/bookings');
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.items.map((b) => b.id), [me.booking.id]);
  // The booking's answer is the booking as it is read back later.
  assert.deepEqual(mine.body.items[0], me.booking);
  assert.equal(me.booking.room, '心理辅导室 1');
  assert.ok(me.booking.counsellor_name && me.booking.student_name, JSON.stringify(me.booking));
  assert.equal((await peer.get('/api/v1/counselling/bookings')).body.items.length, 0);
  const seen = await peer.get(`/api/v1/counselling/slots?from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(48))}`);
  assert.equal(seen.status, 200, JSON.stringify(seen.body));
  const s0 = seen.body.items.find((s) => s.id === slots[0].id);
  assert.equal(s0.taken, true);
  assert.equal(s0.student_name, undefined);
  assert.equal(s0.student_id, undefined);
  assert.ok(!JSON.stringify(seen.body).includes(me.booking.student_name));

  // Another student cannot cancel it (not found), nor a head teacher.
  assert.equal((await peer.post(`/api/v1/counselling/bookings/${me.booking.id}/cancellation`)).status, 404);
  assert.equal((await (await as('head_teacher')).post(`/api/v1/counselling/bookings/${me.booking.id}/cancellation`)).status, 404);
  // A student does not mark attendance.
  assert.equal((await student.post(`/api/v1/counselling/bookings/${me.booking.id}/attendance`, { json: { state: 'no_show' } })).status, 403);

  // The peer waits; when the student cancels, the slot is the peer's and the peer is told.
  const waits = await peer.post('/api/v1/counselling/waitlist', { json: { slot_id: slots[0].id } });
  assert.equal(waits.status, 201, JSON.stringify(waits.body));
  assertError(await peer.post('/api/v1/counselling/waitlist', { json: { slot_id: slots[0].id } }), 409, 'already_waiting');
  assertError(await peer.post('/api/v1/counselling/waitlist', { json: { slot_id: slots[2].id } }), 409, 'slot_free');
  const cancelled = await student.post(`/api/v1/counselling/bookings/${me.booking.id}/cancellation`);
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.state, 'cancelled');
  assertError(await student.post(`/api/v1/counselling/bookings/${me.booking.id}/cancellation`), 409, 'conflict');
  const peerMine = await peer.get('/api/v1/counselling/bookings');
  assert.equal(peerMine.body.items.length, 1);
  assert.equal(peerMine.body.items[0].source, 'waitlist');
  assert.equal(peerMine.body.items[0].slot_id, slots[0].id);
  const told = await peer.get('/api/v1/notices');
  assert.ok(told.body.items.some((n) => n.kind === 'counselling_waitlist_booked'), JSON.stringify(told.body));
  assert.equal((await peer.get('/api/v1/counselling/waitlist')).body.items.length, 0);

  // The student books another slot; the counsellor sees who and marks a no-show.
  const again = await student.post('/api/v1/counselling/bookings', { json: { slot_id: slots[1].id } });
  assert.equal(again.status, 201);
  const psych = await as('psych_staff');
  const day = await psych.get(`/api/v1/counselling/slots?from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(48))}`);
  const s1 = day.body.items.find((s) => s.id === slots[1].id);
  assert.equal(s1.student_id, me.studentId);
  assertError(await psych.post(`/api/v1/counselling/bookings/${again.body.id}/attendance`, { json: { state: 'late' } }), 400, 'invalid_argument', 'state');
  const ns = await psych.post(`/api/v1/counselling/bookings/${again.body.id}/attendance`, { json: { state: 'no_show' } });
  assert.equal(ns.status, 200, JSON.stringify(ns.body));
  assert.equal(ns.body.state, 'no_show');
  me.booking = again.body;
});

const kReferralReason = '最近上课常走神，和同学交流少';
test('a head teacher refers a student of the class; the centre reads the referral, the teacher only its state', async () => {
  const ht = await as('head_teacher');
  const students = await classmates();
  const target = students.find((s) => s.id !== me.studentId);
  assertError(await ht.post('/api/v1/counselling/referrals', { json: { student_id: target.id, reason: '  ' } }), 400, 'invalid_argument', 'reason');
  const sent = await ht.post('/api/v1/counselling/referrals', { json: { student_id: target.id, reason: kReferralReason } });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  assert.equal(sent.body.reason, undefined);
  // Not a student of another class: head_teacher2 may not refer this one.
  assert.equal((await (await as('head_teacher2')).post('/api/v1/counselling/referrals', { json: { student_id: target.id, reason: 'x' } })).status, 404);
  // A peer reporter (names only) may not refer.
  assert.equal((await (await as('peer_reporter')).post('/api/v1/counselling/referrals', { json: { student_id: target.id, reason: 'x' } })).status, 404);

  const psych = await as('psych_staff');
  const list = await psych.get('/api/v1/counselling/referrals');
  const got = list.body.items.find((r) => r.id === sent.body.id);
  assert.equal(got.reason, kReferralReason);
  assert.equal(got.state, 'sent');
  assert.equal((await ht.post(`/api/v1/counselling/referrals/${sent.body.id}/receipt`)).status, 403);
  // The centre's home counts the referrals waiting and today's appointments
  // of each counsellor; nobody else gets that part.
  const day = async () => (await psych.get('/api/v1/todos')).body.items.find((x) => x.kind === 'counselling_today');
  const waiting = list.body.items.filter((r) => r.state === 'sent').length;
  assert.equal((await day()).referrals_waiting, waiting);
  const start = new Date(Math.floor((Date.now() + 8 * kHour) / (24 * kHour)) * 24 * kHour - 8 * kHour);
  const end = new Date(start.getTime() + 24 * kHour);
  const today = await psych.get(
    `/api/v1/counselling/slots?mine=true&from=${encodeURIComponent(start.toISOString())}&to=${encodeURIComponent(end.toISOString())}`,
  );
  assert.equal((await day()).count, today.body.items.filter((s) => s.taken).length);
  for (const u of ['head_teacher', 'student', 'school_leader'])
    assert.ok(!(await (await as(u)).get('/api/v1/todos')).body.items.some((x) => x.kind === 'counselling_today'), u);
  assert.equal((await psych.post(`/api/v1/counselling/referrals/${sent.body.id}/receipt`)).status, 200);
  assert.equal((await day()).referrals_waiting, waiting - 1);
  const mine = await ht.get('/api/v1/counselling/referrals');
  const back = mine.body.items.find((r) => r.id === sent.body.id);
  assert.equal(back.state, 'received');
  assert.equal(back.reason, undefined);
  assert.equal(back.referred_by_name, undefined);
});

const kMarker = 'MARKER-来访者提到的私密内容-7f3a';
test('session records: sealed at rest, read by the author and the centre head only, every read audited', async () => {
  const psych = await as('psych_staff');
  const body = {
    student_id: me.studentId,
    booking_id: me.booking.id,
    risk: 'high',
    presenting_concern: '学业压力',
    notes: kMarker,
    next_steps: '一周后回访',
  };
  assertError(await psych.post('/api/v1/counselling/records', { json: { ...body, risk: 'severe' } }), 400, 'invalid_argument', 'risk');
  assertError(await psych.post('/api/v1/counselling/records', { json: { ...body, presenting_concern: '' } }), 400, 'invalid_argument', 'presenting_concern');
  assertError(await psych.post('/api/v1/counselling/records', { json: { ...body, mood: 'x' } }), 400, 'invalid_argument', 'mood');
  assertError(await psych.post('/api/v1/counselling/records', { json: { ...body, notes: 'x'.repeat(20001) } }), 400, 'invalid_argument', 'notes');
  const created = await psych.post('/api/v1/counselling/records', { json: body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  me.record = created.body;
  assert.equal(created.body.notes, kMarker);

  // No plaintext in a copy of the database: the SQLite file (and WAL), or
  // a pg_dump of the PostgreSQL database. The referral's reason, stored
  // plain, shows the copy holds what was written.
  const dump = databaseDump(srv.db);
  assert.ok(dump.includes(Buffer.from(kReferralReason)), `the ${srv.db.split(':')[0]} copy holds the plain reason`);
  assert.ok(dump.includes(Buffer.from('xq1:')), 'the sealed values are there');
  assert.ok(!dump.includes(Buffer.from(kMarker)), `the ${srv.db.split(':')[0]} copy holds the note in plain text`);

  const read = await psych.get(`/api/v1/counselling/records/${me.record.id}`);
  assert.equal(read.status, 200);
  assert.equal(read.body.notes, kMarker);
  // Not the student, not a school leader, not a head teacher, not another school.
  for (const u of ['student', 'school_leader', 'head_teacher', 'univ_psych_staff', 'expert', 'crisis_group']) {
    const c = await as(u);
    const res = await c.get(`/api/v1/counselling/records/${me.record.id}`);
    assert.equal(res.status, 404, `${u}: ${JSON.stringify(res.body)}`);
    assert.ok(!JSON.stringify(res.body).includes(kMarker));
  }
  assert.equal((await (await as('school_leader')).get('/api/v1/counselling/records')).status, 403);
  const auditor = await as('auditor');
  const log = await auditor.get('/api/v1/audit-events?page_size=200');
  assert.ok(log.body.items.some((e) => e.action === 'read' && e.object_type === 'counselling_record' && e.object_id === me.record.id));
  assert.ok(log.body.items.some((e) => e.action === 'denied' && e.object_type === 'counselling_record'));
});

test('a head teacher who is also on the centre staff reads only own records until named head of the centre', async () => {
  const admin = await as('school_data_admin');
  const schoolUnit = srv.accounts.psych_staff.scope_unit_id;
  const list = await admin.get('/api/v1/accounts?q=head_teacher2&page_size=50');
  const target = list.body.items.find((a) => a.username === 'head_teacher2');
  const asked = await admin.post(`/api/v1/accounts/${target.id}/roles`, { json: { role: 'psych_staff', unit_id: schoolUnit } });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  const district = await as('district_admin');
  assert.equal((await district.post(`/api/v1/grant-requests/${asked.body.id}/approval`)).status, 200);

  const both = await as('head_teacher2');
  assert.deepEqual(both.me.roles.map((r) => r.role).sort(), ['head_teacher', 'psych_staff']);
  assert.equal((await both.get(`/api/v1/counselling/records/${me.record.id}`)).status, 404);
  const listed = await both.get('/api/v1/counselling/records');
  assert.equal(listed.status, 200);
  assert.ok(!listed.body.items.some((r) => r.id === me.record.id));

  // Only an account administrator names the centre head; only psych_staff can be one.
  const psych = await as('psych_staff');
  assert.equal((await psych.request('PUT', '/api/v1/counselling/centre-head', { json: { school_id: schoolUnit, account_id: both.me.id } })).status, 403);
  const ht = await as('head_teacher');
  assertError(await admin.request('PUT', '/api/v1/counselling/centre-head', { json: { school_id: schoolUnit, account_id: ht.me.id } }), 400, 'invalid_argument', 'account_id');
  assert.equal((await admin.request('PUT', '/api/v1/counselling/centre-head', { json: { school_id: schoolUnit, account_id: both.me.id } })).status, 200);
  const now = await both.get(`/api/v1/counselling/records/${me.record.id}`);
  assert.equal(now.status, 200, JSON.stringify(now.body));
  assert.equal(now.body.notes, kMarker);
  assert.ok((await both.get('/api/v1/counselling/records')).body.items.some((r) => r.id === me.record.id));
  // Still the author reads it; the head is not the author, so cannot share it.
  assert.equal((await psych.get(`/api/v1/counselling/records/${me.record.id}`)).status, 200);
});

test('the expert directory: the experts of the district or city of the school, for its psychology staff only', async () => {
  const psych = await as('psych_staff');
  const expert = await as('expert');
  const crisis = await as('crisis_group');
  const res = await psych.get('/api/v1/counselling/experts');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const found = res.body.items.find((e) => e.account_id === expert.me.id);
  assert.ok(found, JSON.stringify(res.body));
  assert.equal(found.display_name, expert.me.display_name);
  assert.equal(found.unit_kind, 'district');
  assert.ok(!res.body.items.some((e) => e.account_id === crisis.me.id), 'only experts');
  const explicit = await psych.get(`/api/v1/counselling/experts?school_id=${srv.accounts.psych_staff.scope_unit_id}`);
  assert.deepEqual(explicit.body, res.body);
  // A head teacher who is also on the centre's staff lists through the centre.
  assert.equal((await (await as('head_teacher2')).get('/api/v1/counselling/experts')).status, 200);
  // Another school's counsellors: not the same district, so not that expert;
  // nor may they list the first school's.
  const univ = await as('univ_psych_staff');
  const theirs = await univ.get('/api/v1/counselling/experts');
  assert.equal(theirs.status, 200);
  assert.ok(!theirs.body.items.some((e) => e.account_id === expert.me.id));
  assert.equal((await univ.get(`/api/v1/counselling/experts?school_id=${srv.accounts.psych_staff.scope_unit_id}`)).status, 403);
  for (const u of ['student', 'head_teacher', 'school_leader', 'expert', 'crisis_group', 'guardian']) {
    const r = await (await as(u)).get('/api/v1/counselling/experts');
    assert.equal(r.status, 403, `${u}: ${JSON.stringify(r.body)}`);
  }
  assertError(await psych.get('/api/v1/counselling/experts?school_id=abc'), 400, 'invalid_argument', 'school_id');
  assertError(await psych.get('/api/v1/counselling/experts?page=2'), 400, 'invalid_argument', 'page');
  assert.equal((await psych.get('/api/v1/counselling/experts?school_id=999999999')).status, 404);

  // A share names an expert of the directory: the university's counsellor
  // may not share with the district's expert.
  const student = (await univ.get('/api/v1/students?page_size=1')).body.items[0];
  const rec = await univ.post('/api/v1/counselling/records', {
    json: { student_id: student.id, risk: 'low', presenting_concern: '适应', notes: '新生适应', next_steps: '两周后回访' },
  });
  assert.equal(rec.status, 201, JSON.stringify(rec.body));
  assertError(await univ.post(`/api/v1/counselling/records/${rec.body.id}/shares`, { json: { expert_account_id: expert.me.id, summary: '摘要' } }), 400, 'invalid_argument', 'expert_account_id');
});

test('supervision: the author shares a summary with an expert, who reads only that', async () => {
  const psych = await as('psych_staff');
  const expert = await as('expert');
  assertError(await psych.post(`/api/v1/counselling/records/${me.record.id}/shares`, { json: { expert_account_id: psych.me.id, summary: '摘要' } }), 400, 'invalid_argument', 'expert_account_id');
  assertError(await psych.post(`/api/v1/counselling/records/${me.record.id}/shares`, { json: { expert_account_id: expert.me.id, summary: '' } }), 400, 'invalid_argument', 'summary');
  const head = await as('head_teacher2');
  assert.equal((await head.post(`/api/v1/counselling/records/${me.record.id}/shares`, { json: { expert_account_id: expert.me.id, summary: '摘要' } })).status, 403);
  const shared = await psych.post(`/api/v1/counselling/records/${me.record.id}/shares`, {
    json: { expert_account_id: expert.me.id, summary: '初二学生，学业压力，评估为需要密切关注，请督导建议' },
  });
  assert.equal(shared.status, 201, JSON.stringify(shared.body));
  const mine = await expert.get('/api/v1/counselling/shares');
  assert.equal(mine.status, 200);
  assert.equal(mine.body.items.length, 1);
  assert.ok(!JSON.stringify(mine.body).includes(kMarker));
  assert.equal((await expert.get(`/api/v1/counselling/shares/${shared.body.id}`)).status, 200);
  assert.equal((await expert.get(`/api/v1/counselling/records/${me.record.id}`)).status, 404);
  // Nobody else reads the share.
  for (const u of ['psych_staff', 'school_leader', 'crisis_group']) {
    assert.equal((await (await as(u)).get(`/api/v1/counselling/shares/${shared.body.id}`)).status, 404, u);
  }
  const rec = await psych.get(`/api/v1/counselling/records/${me.record.id}`);
  assert.equal(rec.body.shares.length, 1);
  assert.equal(rec.body.shares[0].expert_account_id, expert.me.id);
  const auditor = await as('auditor');
  const log = await auditor.get('/api/v1/audit-events?page_size=200');
  assert.ok(log.body.items.some((e) => e.action === 'share' && e.object_id === me.record.id));
  assert.ok(log.body.items.some((e) => e.action === 'read' && e.object_type === 'counselling_share'));
});

test('a record of imminent risk names in its answer the crisis case opened for it; other risks name none', async () => {
  const psych = await as('psych_staff');
  const student = (await classmates())[0];
  const base = { student_id: student.id, presenting_concern: '情绪激动', notes: '已陪同至心理中心' };
  const high = await psych.post('/api/v1/counselling/records', { json: { ...base, risk: 'high' } });
  assert.equal(high.status, 201, JSON.stringify(high.body));
  assert.equal(high.body.crisis_case_id, undefined);
  const imminent = await psych.post('/api/v1/counselling/records', { json: { ...base, risk: 'imminent' } });
  assert.equal(imminent.status, 201, JSON.stringify(imminent.body));
  const caseId = imminent.body.crisis_case_id;
  assert.match(caseId ?? '', /^\d+$/, JSON.stringify(imminent.body));
  // The crisis module opens the case under that id from the event (at once;
  // the wait is the outbox's delivery, bounded here by 5 s).
  let got;
  for (let i = 0; i < 50; i++) {
    got = await psych.get(`/api/v1/crisis/cases/${caseId}`);
    if (got.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assert.equal(got.body.source, 'counselling');
  assert.equal(got.body.source_id, imminent.body.id);
  assert.equal(got.body.student.id, student.id, JSON.stringify(got.body));
  // The id is not a way in for others: a head teacher finds nothing.
  assert.equal((await (await as('head_teacher')).get(`/api/v1/crisis/cases/${caseId}`)).status, 404);
});

test('bookings racing for the same slots: one wins each, the others are 409, the audit chain stays intact', async () => {
  const psych = await as('psych_staff');
  const res = await psych.post('/api/v1/counselling/slots', {
    json: { slots: Array.from({ length: 6 }, (_, i) => ({ room: '心理辅导室 3', starts_at: at(60 + i), ends_at: at(61 + i) })) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const ids = res.body.items.map((s) => s.id);
  const racers = [await as('student'), await as('peer_reporter')];
  const answers = await Promise.all(
    ids.flatMap((id) => racers.map((c) => c.post('/api/v1/counselling/bookings', { json: { slot_id: id } }))),
  );
  for (const id of ids) {
    const mine = answers.filter((a, i) => ids[Math.floor(i / racers.length)] === id);
    assert.deepEqual(mine.map((a) => a.status).sort(), [201, 409], JSON.stringify(mine.map((a) => a.body)));
    const lost = mine.find((a) => a.status === 409);
    assert.equal(lost.body.error.code, 'slot_taken');
    assert.equal(mine.find((a) => a.status === 201).body.slot_id, id);
  }
  const verify = spawnSync(xqBin(), ['audit', 'verify', '--db', srv.db], { cwd: kRepoRoot, encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /intact/);
});
