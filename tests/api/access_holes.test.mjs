// Access holes of issue 17 in account administration and sign-in: self-granted
// roles, four-eyes approval of roles that read identified data, temporary
// passwords, password resets, slip sign-ins over a set password, user
// enumeration through the lock-out, one 404 message, per-address throttling.
// The per-address test runs last: it leaves 127.0.0.1 throttled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ApiClient, kPassword } from '../e2e/helpers.mjs';

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

// The account row of username as an administrator lists it.
async function accountOf(admin, username) {
  const res = await admin.get(`/api/v1/accounts?q=${encodeURIComponent(username)}&page_size=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const row = res.body.items.find((a) => a.username === username);
  assert.ok(row, `${username} is listed`);
  return row;
}

test('no administrator grants, changes or revokes roles of its own account', async () => {
  const schoolUnit = srv.accounts.psych_staff.scope_unit_id;
  const cases = [
    { admin: 'school_data_admin', unit: schoolUnit },
    { admin: 'district_admin', unit: schoolUnit },
    { admin: 'city_admin', unit: srv.accounts.univ_psych_staff.scope_unit_id },
  ];
  for (const { admin, unit } of cases) {
    const c = await as(admin);
    const own = c.me.id;
    assert.equal((await c.get('/api/v1/warnings')).status, 403, `${admin} has no warnings inbox`);
    for (const role of ['psych_staff', 'crisis_group', 'subject_teacher']) {
      const res = await c.post(`/api/v1/accounts/${own}/roles`, { json: { role, unit_id: unit } });
      assertError(res, 403, 'permission_denied');
    }
    // Nothing took effect, not even pending.
    assert.equal((await c.get('/api/v1/warnings?state=all')).status, 403, `${admin} after self-grant`);
    const me = await c.get('/api/v1/auth/me');
    assert.deepEqual(me.body.roles.map((r) => r.role), [admin]);
    const pending = await c.get('/api/v1/grant-requests?state=all');
    assert.equal(pending.status, 200);
    assert.ok(!pending.body.items.some((r) => r.account_id === own), `${admin} has no request for itself`);
    // Own role: not revoked, own password: not reset through administration.
    assertError(await c.delete(`/api/v1/accounts/${own}/roles/${me.body.roles[0].id}`), 403, 'permission_denied', 'account');
    assertError(
      await c.post(`/api/v1/accounts/${own}/password-reset`, { json: { new_password: 'Reset#20261' } }),
      403,
      'permission_denied',
      'account',
    );
    assert.equal((await c.get('/api/v1/auth/me')).body.roles.length, 1);
  }
  const auditor = await as('auditor');
  const events = await auditor.get('/api/v1/audit-events?page_size=200&action=denied');
  for (const admin of ['school_data_admin', 'district_admin', 'city_admin']) {
    const id = (await accountOf(await as('city_admin'), admin)).id;
    assert.ok(
      events.body.items.some((e) => e.object_type === 'role_grant' && e.object_id === id && e.actor_id === id),
      `the self-grant of ${admin} is audited as a denial`,
    );
  }
});

test('a psychology role waits for a second administrator; the centre and the auditor are told', async () => {
  const admin = await as('school_data_admin');
  const schoolUnit = srv.accounts.psych_staff.scope_unit_id;
  const teacher = await as('subject_teacher');
  assert.equal((await teacher.get('/api/v1/warnings')).status, 403);
  const target = await accountOf(admin, 'subject_teacher');

  const asked = await admin.post(`/api/v1/accounts/${target.id}/roles`, { json: { role: 'psych_staff', unit_id: schoolUnit } });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  assert.equal(asked.body.state, 'pending');
  assert.equal(asked.body.requested_by, admin.me.id);
  // The same grant twice is one request.
  assertError(await admin.post(`/api/v1/accounts/${target.id}/roles`, { json: { role: 'psych_staff', unit_id: schoolUnit } }), 409, 'conflict');

  // No effect until approved: the policy never sees it.
  assert.equal((await teacher.get('/api/v1/warnings')).status, 403);
  const meBefore = await teacher.get('/api/v1/auth/me');
  assert.deepEqual(meBefore.body.roles.map((r) => r.role), ['subject_teacher']);
  const row = await accountOf(admin, 'subject_teacher');
  assert.deepEqual(row.pending_roles.map((r) => r.role), ['psych_staff']);

  // The requester cannot approve; neither can the grantee or a non-admin.
  assertError(await admin.post(`/api/v1/grant-requests/${asked.body.id}/approval`), 403, 'permission_denied', 'request');
  assert.equal((await teacher.post(`/api/v1/grant-requests/${asked.body.id}/approval`)).status, 404);
  assert.equal((await (await as('head_teacher')).post(`/api/v1/grant-requests/${asked.body.id}/approval`)).status, 404);
  assert.equal((await (await as('univ_psych_staff')).get('/api/v1/grant-requests')).body.items.length, 0);

  // The school's psychology centre sees the request and is told; so is the auditor.
  const psych = await as('psych_staff');
  const seen = await psych.get('/api/v1/grant-requests');
  assert.equal(seen.status, 200);
  assert.ok(seen.body.items.some((r) => r.id === asked.body.id && r.state === 'pending'));
  assertError(await psych.post(`/api/v1/grant-requests/${asked.body.id}/approval`), 404, 'not_found');
  const told = await psych.get('/api/v1/notices');
  const notice = told.body.items.find((n) => n.kind === 'grant_requested' && n.params.request_id === asked.body.id);
  assert.ok(notice, JSON.stringify(told.body));
  assert.equal(notice.params.role, 'psych_staff');
  assert.equal(notice.params.username, 'subject_teacher');
  assert.equal(notice.actor_name, admin.me.display_name);
  const auditor = await as('auditor');
  assert.ok((await auditor.get('/api/v1/notices')).body.items.some((n) => n.kind === 'grant_requested'));
  const log = await auditor.get('/api/v1/audit-events?page_size=200');
  assert.ok(log.body.items.some((e) => e.action === 'grant_requested'));
  // A notice is its recipient's own.
  assert.equal((await teacher.post(`/api/v1/notices/${notice.id}/read`)).status, 404);
  assert.equal((await psych.post(`/api/v1/notices/${notice.id}/read`)).status, 204);
  assert.ok((await psych.get('/api/v1/notices?unread=true')).body.items.every((n) => n.id !== notice.id));
  assertError(await psych.get('/api/v1/notices?unread=maybe'), 400, 'invalid_argument', 'unread');

  // A second administrator in scope approves: the role is in effect at once.
  const district = await as('district_admin');
  const approved = await district.post(`/api/v1/grant-requests/${asked.body.id}/approval`);
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.state, 'approved');
  assert.equal(approved.body.decided_by, district.me.id);
  assertError(await district.post(`/api/v1/grant-requests/${asked.body.id}/rejection`), 409, 'conflict');
  assert.equal((await teacher.get('/api/v1/warnings')).status, 200, 'the approved role is in effect');
  const meAfter = await teacher.get('/api/v1/auth/me');
  assert.deepEqual(meAfter.body.roles.map((r) => r.role).sort(), ['psych_staff', 'subject_teacher']);
  assert.ok((await teacher.get('/api/v1/notices')).body.items.some((n) => n.kind === 'grant_approved'));
  assert.ok((await auditor.get('/api/v1/audit-events?page_size=200')).body.items.some((e) => e.action === 'grant_approved'));

  // That account (two roles now, one reads identified data) never becomes an administrator.
  assertError(
    await (await as('city_admin')).post(`/api/v1/accounts/${target.id}/roles`, { json: { role: 'school_data_admin', unit_id: schoolUnit } }),
    403,
    'permission_denied',
    'role',
  );
});

test('a rejected request never takes effect; the grantee does not decide its own', async () => {
  const district = await as('district_admin');
  const schoolUnit = srv.accounts.psych_staff.scope_unit_id;
  const target = await accountOf(district, 'school_leader');
  const asked = await district.post(`/api/v1/accounts/${target.id}/roles`, { json: { role: 'psych_staff', unit_id: schoolUnit } });
  // school_leader reads identified data already, but psych_staff is allowed to it: it is staff of the school.
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  const rejected = await (await as('school_data_admin')).post(`/api/v1/grant-requests/${asked.body.id}/rejection`);
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
  assert.equal(rejected.body.state, 'rejected');
  assertError(await (await as('city_admin')).post(`/api/v1/grant-requests/${asked.body.id}/approval`), 409, 'conflict');
  const leader = await as('school_leader');
  assert.deepEqual((await leader.get('/api/v1/auth/me')).body.roles.map((r) => r.role), ['school_leader']);
  assert.equal((await leader.get('/api/v1/warnings')).status, 403);
  assert.equal((await district.get('/api/v1/grant-requests/abc/approval')).status, 405);
  assert.equal((await district.post('/api/v1/grant-requests/123/approval')).status, 404);
});

test('staff roles go only to staff of that unit; roster accounts get none', async () => {
  const admin = await as('school_data_admin');
  const classId = srv.accounts.head_teacher.scope_unit_id;
  for (const username of ['student', 'guardian', 'peer_reporter']) {
    const acc = await accountOf(admin, username);
    for (const role of ['head_teacher', 'psych_staff', 'subject_teacher']) {
      const res = await admin.post(`/api/v1/accounts/${acc.id}/roles`, { json: { role, unit_id: classId } });
      assertError(res, 403, 'permission_denied', 'role');
    }
  }
  // A staff account of another school is not staff of this unit.
  const city = await as('city_admin');
  const univ = await accountOf(city, 'univ_psych_staff');
  assertError(await city.post(`/api/v1/accounts/${univ.id}/roles`, { json: { role: 'head_teacher', unit_id: classId } }), 403, 'permission_denied', 'role');
  // Creating an account with a psychology role: created, the role pending.
  const created = await admin.post('/api/v1/accounts', {
    json: { username: 'new.psych', display_name: '新心理老师', password: 'Welcome#2026', roles: [{ role: 'psych_staff', unit_id: srv.accounts.psych_staff.scope_unit_id }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body.roles, []);
  assert.equal(created.body.pending_roles[0].role, 'psych_staff');
  assert.equal(created.body.pending_roles[0].state, 'pending');
  assert.ok((await accountOf(admin, 'new.psych')).pending_roles.length === 1);
  const told = await (await as('psych_staff')).get('/api/v1/notices');
  assert.ok(told.body.items.some((n) => n.kind === 'grant_requested' && n.params.username === 'new.psych'), 'the centre is told');
});

test('a temporary password allows only the change', async () => {
  const admin = await as('school_data_admin');
  const classId = srv.accounts.head_teacher.scope_unit_id;
  const created = await admin.post('/api/v1/accounts', {
    json: { username: 'temp.teacher', display_name: '临时老师', password: 'Welcome#2026', roles: [{ role: 'head_teacher', unit_id: classId }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const c = await as('temp.teacher', 'Welcome#2026');
  assert.equal(c.me.must_change_password, true);
  for (const path of ['/api/v1/students', '/api/v1/org-units', '/api/v1/hotlines', '/api/v1/campaigns']) {
    const res = await c.get(path);
    if (path === '/api/v1/hotlines') continue;  // public: no session needed
    assertError(res, 403, 'password_change_required');
  }
  assertError(await c.post('/api/v1/login-slips', { json: { class_id: classId } }), 403, 'password_change_required');
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
  assert.equal((await c.get('/api/v1/notices')).status, 200);
  assert.equal(
    (await c.post('/api/v1/auth/password', { json: { current_password: 'Welcome#2026', new_password: 'MyOwn#2026x' } })).status,
    204,
  );
  assert.equal((await c.get('/api/v1/org-units')).status, 200, 'after the change the session works');
  assert.equal((await c.get('/api/v1/auth/me')).body.must_change_password, false);
});

test('a reset ends the holder\'s sessions and is shown at the next sign-in', async () => {
  const psych = await as('psych_staff');
  assert.equal((await psych.get('/api/v1/warnings')).status, 200);
  const district = await as('district_admin');
  const target = await accountOf(district, 'psych_staff');
  assert.equal(
    (await district.post(`/api/v1/accounts/${target.id}/password-reset`, { json: { new_password: 'Reset#2026ab' } })).status,
    204,
  );
  assertError(await psych.get('/api/v1/warnings'), 401, 'unauthenticated');
  // The old password is gone; the new one allows only the change.
  assert.equal((await new ApiClient(srv.baseUrl).post('/api/v1/auth/login', { json: { username: 'psych_staff', password: kPassword } })).status, 401);
  const again = await as('psych_staff', 'Reset#2026ab');
  assert.equal(again.me.must_change_password, true);
  assertError(await again.get('/api/v1/warnings'), 403, 'password_change_required');
  const notices = await again.get('/api/v1/notices?unread=true');
  assert.equal(notices.status, 200);
  const reset = notices.body.items.find((n) => n.kind === 'password_reset');
  assert.ok(reset, JSON.stringify(notices.body));
  assert.equal(reset.actor_name, district.me.display_name);
  assert.match(reset.created_at, /^\d{4}-\d\d-\d\dT/);
  assert.ok(notices.body.unread >= 1);
  const auditor = await as('auditor');
  assert.ok((await auditor.get('/api/v1/audit-events?page_size=200')).body.items.some((e) => e.action === 'password_reset'));
  // Put the demo password back for the tests after this one.
  assert.equal((await again.post('/api/v1/auth/password', { json: { current_password: 'Reset#2026ab', new_password: kPassword } })).status, 204);
});

test('a slip over a set password is a reset: no draft shown, sessions ended, student told', async () => {
  const psych = await as('psych_staff');
  const created = await psych.post('/api/v1/campaigns', { json: { template: 'k12_junior' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const guardian = await as('guardian');
  const reqs = await guardian.get('/api/v1/consent-requests');
  const req = reqs.body.items.find((r) => r.campaign_id === created.body.id);
  assert.ok(req, JSON.stringify(reqs.body));
  assert.equal((await guardian.post(`/api/v1/campaigns/${created.body.id}/consents`, { json: { student_id: req.student_id, decision: 'consent' } })).status, 201);
  const student = await as('student');
  const mine = await student.get('/api/v1/assignments');
  const a = mine.body.items.find((x) => x.instrument_id === 'phq-a' && x.campaign_id === created.body.id);
  assert.ok(a, JSON.stringify(mine.body));
  assert.equal((await student.request('PUT', `/api/v1/assignments/${a.id}/draft`, { json: { answers: { q1: '2', q2: '1' }, position: 2 } })).status, 204);
  assert.deepEqual((await student.get(`/api/v1/assignments/${a.id}`)).body.draft.answers, { q1: '2', q2: '1' });

  const ht = await as('head_teacher');
  const slips = await ht.post('/api/v1/login-slips', { json: { class_id: String(srv.accounts.head_teacher.scope_unit_id) } });
  assert.equal(slips.status, 201);
  const slip = slips.body.items.find((s) => s.login === 'student');
  assert.ok(slip, 'the demo student has a slip');
  const holder = new ApiClient(srv.baseUrl);
  const signed = await holder.post('/api/v1/auth/slip-login', { json: { login: slip.login, code: slip.code } });
  assert.equal(signed.status, 200, JSON.stringify(signed.body));
  holder.csrf = signed.body.csrf_token;
  const seen = await holder.get(`/api/v1/assignments/${a.id}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.draft, undefined, 'the draft is not shown to whoever holds the slip');
  assert.ok(!JSON.stringify(seen.body).includes('"q1":"2"'));
  // The student's own session ended, and the old password no longer works.
  assertError(await student.get('/api/v1/assignments'), 401, 'unauthenticated');
  assert.equal((await new ApiClient(srv.baseUrl).post('/api/v1/auth/login', { json: { username: 'student', password: kPassword } })).status, 401);
  const auditor = await as('auditor');
  const log = await auditor.get('/api/v1/audit-events?page_size=200');
  assert.ok(
    log.body.items.some((e) => e.action === 'password_reset' && e.student_id && e.actor_id === ht.me.id),
    'audited as a reset by the teacher who printed the slip',
  );

  // The student's next sign-in (a new slip) shows what happened and who printed it.
  const slips2 = await ht.post('/api/v1/login-slips', { json: { class_id: String(srv.accounts.head_teacher.scope_unit_id) } });
  const slip2 = slips2.body.items.find((s) => s.login === 'student');
  const back = new ApiClient(srv.baseUrl);
  const res = await back.post('/api/v1/auth/slip-login', { json: { login: 'student', code: slip2.code, new_password: 'Student#2026' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const notices = await back.get('/api/v1/notices?unread=true');
  const told = notices.body.items.find((n) => n.kind === 'slip_reset');
  assert.ok(told, JSON.stringify(notices.body));
  assert.equal(told.actor_name, ht.me.display_name);
  assert.ok(told.params.issued_at);
  // A slip for a student without a password is no reset (no notice).
  const first = slips2.body.items.find((s) => s.login !== 'student' && s.login !== 'peer_reporter');
  const fresh = new ApiClient(srv.baseUrl);
  assert.equal((await fresh.post('/api/v1/auth/slip-login', { json: { login: first.login, code: first.code } })).status, 200);
  assert.equal((await fresh.get('/api/v1/notices')).body.items.length, 0);
});

test('lock-out answers alike for real and unknown names', async () => {
  const seq = async (username) => {
    const c = new ApiClient(srv.baseUrl);
    const out = [];
    for (let i = 0; i < 6; i++) {
      const r = await c.post('/api/v1/auth/login', { json: { username, password: 'wrong-pass-1' } });
      out.push({ status: r.status, code: r.body?.error?.code, message: r.body?.error?.message, retry: r.headers.get('retry-after') !== null });
    }
    return out;
  };
  const real = await seq('expert');
  const unknown = await seq('no.such.user');
  assert.deepEqual(real.map((x) => x.status), [401, 401, 401, 401, 429, 429]);
  assert.deepEqual(unknown, real);
  // Slip sign-in likewise.
  const slipSeq = async (login) => {
    const c = new ApiClient(srv.baseUrl);
    const out = [];
    for (let i = 0; i < 6; i++) {
      const r = await c.post('/api/v1/auth/slip-login', { json: { login, code: 'AAAAAAAA' } });
      out.push({ status: r.status, body: JSON.stringify(r.body), retry: r.headers.get('retry-after') !== null });
    }
    return out;
  };
  const realSlip = await slipSeq('peer_reporter');
  assert.deepEqual(realSlip.map((x) => x.status), [401, 401, 401, 401, 429, 429]);
  assert.deepEqual(await slipSeq('s999-none'), realSlip);
});

test('one 404 message for students out of scope and missing', async () => {
  const admin = await as('school_data_admin');
  const other = await admin.get(`/api/v1/students?unit_id=${srv.accounts.head_teacher2.scope_unit_id}&page_size=1`);
  assert.equal(other.status, 200);
  const outOfScope = other.body.items[0].id;
  const ht = await as('head_teacher');
  const a = await ht.get(`/api/v1/students/${outOfScope}`);
  const b = await ht.get('/api/v1/students/9007199254740993');
  assertError(a, 404, 'not_found');
  assert.deepEqual(a.body, b.body);
  const p1 = await ht.post('/api/v1/pairings', { json: { staff_id: '1', student_id: outOfScope } });
  const p2 = await ht.post('/api/v1/pairings', { json: { staff_id: '1', student_id: '9007199254740993' } });
  assertError(p1, 404, 'not_found', 'student_id');
  assert.deepEqual(p1.body, p2.body);
  const d1 = await ht.delete(`/api/v1/pairings?staff_id=1&student_id=${outOfScope}`);
  const d2 = await ht.delete('/api/v1/pairings?staff_id=1&student_id=9007199254740993');
  assertError(d1, 404, 'not_found');
  assert.deepEqual(d1.body, d2.body);
});

// Last: it leaves this address throttled.
test('many names from one address are throttled (429 with Retry-After)', async () => {
  const c = new ApiClient(srv.baseUrl);
  let limited = null;
  let tries = 0;
  for (let i = 0; i < 80 && !limited; i++) {
    const r = await c.post('/api/v1/auth/login', { json: { username: `guess.${i}`, password: 'wrong-pass-1' } });
    tries++;
    if (r.status === 429) limited = r;
    else assertError(r, 401, 'unauthenticated');
  }
  assert.ok(limited, 'no 429 after 80 names');
  assert.ok(tries <= 60, `throttled only after ${tries} tries`);
  assertError(limited, 429, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  // Every sign-in from the address waits, the right password and slips included.
  assertError(await c.post('/api/v1/auth/login', { json: { username: 'auditor', password: kPassword } }), 429, 'rate_limited');
  assertError(await c.post('/api/v1/auth/slip-login', { json: { login: 'student', code: 'AAAAAAAA' } }), 429, 'rate_limited');
});
