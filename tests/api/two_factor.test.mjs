// Two-factor sign-in (TOTP, RFC 6238): who must use it, enrolment, codes,
// replay, recovery codes, the reset by another administrator and the
// city's switch. The demo city starts with the switch off; these tests
// turn it on as the city admin. Codes are computed here with node:crypto
// (HMAC-SHA1) from the secret the enrolment returned.
import { test, before, after } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { startServer, ApiClient, kPassword } from '../e2e/helpers.mjs';
import { nextStep, totp } from '../e2e/totp.mjs';

let srv;
const admins = {};  // sessions made while the switch was still off

before(async () => {
  srv = await startServer({ web: false });
  for (const user of ['city_admin', 'district_admin', 'school_data_admin', 'auditor']) {
    admins[user] = new ApiClient(srv.baseUrl);
    await admins[user].login(user);
  }
});
after(async () => {
  await srv?.stop();
});

function wrong(code) {
  return code === '000000' ? '000001' : '000000';
}

function assertError(res, status, code, field) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body?.error?.code, code, JSON.stringify(res.body));
  if (field !== undefined) assert.equal(res.body.error.field, field, JSON.stringify(res.body));
}

async function passwordStep(c, username) {
  const res = await c.post('/api/v1/auth/login', { json: { username, password: kPassword } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res;
}

async function setSwitch(required) {
  const res = await admins.city_admin.request('PUT', '/api/v1/settings/two-factor', { json: { required } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.required, required);
}

async function auditActions(action) {
  const res = await admins.auditor.get(`/api/v1/audit-events?page_size=200&action=${action}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

// The audit log's detail column of `action`, newest first (the API does not
// show details; read the database as an operator would).
function auditDetails(action) {
  const sql = `SELECT detail FROM audit_log WHERE action = '${action}' ORDER BY seq DESC`;
  const out = srv.db.startsWith('sqlite:')
    ? execFileSync('sqlite3', [srv.db.slice('sqlite:'.length), sql], { encoding: 'utf8' })
    : execFileSync('psql', ['-qAt', '-d', srv.db, '-c', sql], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length > 0);
}

// Signs `username` in through the enrolment; returns {client, secret, codes}.
async function enrol(username) {
  const c = new ApiClient(srv.baseUrl);
  const first = await passwordStep(c, username);
  assert.equal(first.body.second_step, 'enrol');
  const start = await c.post('/api/v1/auth/two-factor/enrol', { json: { challenge: first.body.challenge } });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const done = await c.post('/api/v1/auth/two-factor/enrol/confirm', {
    json: { challenge: first.body.challenge, code: totp(start.body.secret) },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  c.csrf = done.body.csrf_token;
  return { client: c, secret: start.body.secret, codes: done.body.recovery_codes };
}

test('with the demo switch off nobody gets a second step', async () => {
  const st = await admins.school_data_admin.get('/api/v1/settings/two-factor');
  assert.equal(st.status, 200);
  assert.equal(st.body.required, false);
  for (const user of ['psych_staff', 'crisis_group', 'expert', 'hospital_liaison', 'head_teacher']) {
    const c = new ApiClient(srv.baseUrl);
    const me = await c.login(user);
    assert.equal(me.username, user);
    assert.equal(me.second_step, undefined);
  }
});

test('only the city admin turns the switch; bad input and other roles are refused', async () => {
  for (const user of ['district_admin', 'school_data_admin', 'auditor']) {
    const res = await admins[user].request('PUT', '/api/v1/settings/two-factor', { json: { required: true } });
    assertError(res, 403, 'permission_denied');
  }
  const teacher = new ApiClient(srv.baseUrl);
  await teacher.login('head_teacher');
  assertError(await teacher.get('/api/v1/settings/two-factor'), 403, 'permission_denied');
  assertError(
    await teacher.request('PUT', '/api/v1/settings/two-factor', { json: { required: false } }),
    403,
    'permission_denied',
  );
  const bad = await admins.city_admin.request('PUT', '/api/v1/settings/two-factor', { json: { required: 'yes' } });
  assertError(bad, 400, 'invalid_argument', 'required');
  const extra = await admins.city_admin.request('PUT', '/api/v1/settings/two-factor', {
    json: { required: true, k: 3 },
  });
  assert.equal(extra.status, 400);
  assert.equal((await admins.city_admin.get('/api/v1/settings/two-factor')).body.required, false);
  assert.equal((await auditActions('city_setting')).length, 0);
});

test('switch on: a psychology account must enrol before anything else', async () => {
  await setSwitch(true);
  const changes = await auditActions('city_setting');
  assert.equal(changes.length, 1);
  assert.equal(changes[0].actor_role, 'city_admin');
  assert.equal(changes[0].object_type, 'city_settings');
  assert.equal(changes[0].object_id, 'two_factor');
  assert.match(auditDetails('city_setting')[0], /"from":"off","to":"on"/);

  const c = new ApiClient(srv.baseUrl);
  const first = await passwordStep(c, 'psych_staff');
  assert.equal(first.body.second_step, 'enrol');
  assert.match(first.body.challenge, /^[0-9a-f]{64}$/);
  assert.equal(first.body.csrf_token, undefined);
  assert.equal(first.body.username, undefined);
  assert.equal(c.cookies.size, 0, 'no session before the second step');
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assertError(await c.get('/api/v1/warnings'), 401, 'unauthenticated');
  // The challenge is not a session token either.
  c.cookies.set('xq_session', first.body.challenge);
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  c.cookies.clear();
  // An enrol step takes no sign-in code.
  const early = await c.post('/api/v1/auth/two-factor/verify', { json: { challenge: first.body.challenge, code: '123456' } });
  assertError(early, 400, 'invalid_argument', 'challenge');

  const start = await c.post('/api/v1/auth/two-factor/enrol', { json: { challenge: first.body.challenge } });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  assert.match(start.body.secret, /^[A-Z2-7]{32}$/);
  assert.ok(start.body.otpauth_uri.startsWith('otpauth://totp/'));
  assert.ok(start.body.otpauth_uri.includes(`secret=${start.body.secret}`));
  assert.ok(start.body.otpauth_uri.includes('psych_staff'));

  const bad = await c.post('/api/v1/auth/two-factor/enrol/confirm', {
    json: { challenge: first.body.challenge, code: wrong(totp(start.body.secret)) },
  });
  assertError(bad, 401, 'unauthenticated', 'code');
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');

  const done = await c.post('/api/v1/auth/two-factor/enrol/confirm', {
    json: { challenge: first.body.challenge, code: totp(start.body.secret) },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.username, 'psych_staff');
  assert.equal(done.body.recovery_codes.length, 10);
  assert.equal(new Set(done.body.recovery_codes).size, 10);
  for (const code of done.body.recovery_codes) assert.match(code, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
  c.csrf = done.body.csrf_token;
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
  assert.equal((await c.get('/api/v1/warnings')).status, 200);
  const state = await c.get('/api/v1/auth/two-factor');
  assert.deepEqual(state.body, { city_requires: true, required: true, enrolled: true, recovery_codes_left: 10 });
  // The spent challenge cannot enrol again or show the secret again.
  const again = await c.post('/api/v1/auth/two-factor/enrol', { json: { challenge: first.body.challenge } });
  assertError(again, 401, 'unauthenticated', 'challenge');
  assert.ok((await auditActions('two_factor_enrolled')).length >= 1);

  // Next sign-in: a code; a wrong one is refused, a right one gives access,
  // and the same code cannot be used twice.
  await nextStep();
  const d = new ApiClient(srv.baseUrl);
  const second = await passwordStep(d, 'psych_staff');
  assert.equal(second.body.second_step, 'totp');
  const code = totp(start.body.secret);
  assertError(
    await d.post('/api/v1/auth/two-factor/verify', { json: { challenge: second.body.challenge, code: wrong(code) } }),
    401,
    'unauthenticated',
    'code',
  );
  assertError(await d.get('/api/v1/auth/me'), 401, 'unauthenticated');
  const ok = await d.post('/api/v1/auth/two-factor/verify', { json: { challenge: second.body.challenge, code } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.username, 'psych_staff');
  assert.equal((await d.get('/api/v1/warnings')).status, 200);
  const e = new ApiClient(srv.baseUrl);
  const third = await passwordStep(e, 'psych_staff');
  assertError(
    await e.post('/api/v1/auth/two-factor/verify', { json: { challenge: third.body.challenge, code } }),
    401,
    'unauthenticated',
    'code',
  );
  // Bad bodies: neither or both, unknown fields, junk challenge.
  for (const json of [
    { challenge: third.body.challenge },
    { challenge: third.body.challenge, code, recovery_code: 'AAAAA-AAAAA' },
  ]) {
    assertError(await e.post('/api/v1/auth/two-factor/verify', { json }), 400, 'invalid_argument');
  }
  assert.equal(
    (await e.post('/api/v1/auth/two-factor/verify', { json: { challenge: third.body.challenge, code, admin: true } })).status,
    400,
  );
  assertError(
    await e.post('/api/v1/auth/two-factor/verify', { json: { challenge: 'f'.repeat(64), code } }),
    401,
    'unauthenticated',
    'challenge',
  );
  const broken = await e.post('/api/v1/auth/two-factor/verify', {
    body: '{"challenge":',
    headers: { 'Content-Type': 'application/json' },
  });
  assertError(broken, 400, 'invalid_argument');

  // A recovery code works once.
  const rc = done.body.recovery_codes[0];
  const viaCode = await e.post('/api/v1/auth/two-factor/verify', {
    json: { challenge: third.body.challenge, recovery_code: rc.toLowerCase() },
  });
  assert.equal(viaCode.status, 200, JSON.stringify(viaCode.body));
  e.csrf = viaCode.body.csrf_token;
  assert.equal((await e.get('/api/v1/auth/two-factor')).body.recovery_codes_left, 9);
  const f = new ApiClient(srv.baseUrl);
  const fourth = await passwordStep(f, 'psych_staff');
  assertError(
    await f.post('/api/v1/auth/two-factor/verify', { json: { challenge: fourth.body.challenge, recovery_code: rc } }),
    401,
    'unauthenticated',
    'recovery_code',
  );
  const used = await auditActions('two_factor_recovery_code_used');
  assert.equal(used.length, 1);
  const logins = auditDetails('login').filter((d) => /second_factor/.test(d));
  assert.ok(logins.some((d) => /"second_factor":"recovery_code"/.test(d)));
  assert.ok(logins.some((d) => /"second_factor":"totp"/.test(d)));
});

test('a head teacher is never asked, nor an account whose roles are all non-sensitive', async () => {
  const teacher = new ApiClient(srv.baseUrl);
  const me = await teacher.login('head_teacher');
  assert.equal(me.second_step, undefined);
  assert.equal(me.username, 'head_teacher');
  const state = await teacher.get('/api/v1/auth/two-factor');
  assert.deepEqual(state.body, { city_requires: true, required: false, enrolled: false, recovery_codes_left: 0 });

  // Two roles, neither sensitive: no second step. One of them sensitive: enrol.
  const classId = me.roles[0].unit_id;
  const grade = new ApiClient(srv.baseUrl);
  const gradeMe = await grade.login('grade_head');
  const adminMe = await admins.school_data_admin.get('/api/v1/auth/me');
  const schoolId = adminMe.body.roles[0].unit_id;
  const mk = async (username, roles) => {
    const res = await admins.district_admin.post('/api/v1/accounts', {
      json: { username, display_name: username, password: 'Tiao-Zheng#2026', roles },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  await mk('two_roles_teacher', [
    { role: 'head_teacher', unit_id: classId },
    { role: 'grade_head', unit_id: gradeMe.roles[0].unit_id },
  ]);
  await mk('teacher_and_admin', [
    { role: 'head_teacher', unit_id: classId },
    { role: 'school_data_admin', unit_id: schoolId },
  ]);
  const a = await new ApiClient(srv.baseUrl).post('/api/v1/auth/login', {
    json: { username: 'two_roles_teacher', password: 'Tiao-Zheng#2026' },
  });
  assert.equal(a.status, 200);
  assert.equal(a.body.second_step, undefined);
  assert.equal(a.body.username, 'two_roles_teacher');
  const b = await new ApiClient(srv.baseUrl).post('/api/v1/auth/login', {
    json: { username: 'teacher_and_admin', password: 'Tiao-Zheng#2026' },
  });
  assert.equal(b.status, 200);
  assert.equal(b.body.second_step, 'enrol');
  assert.equal(b.body.username, undefined);
});

test('reset by another administrator ends the sessions; resetting oneself is refused', async () => {
  await nextStep();
  const psych = await enrol('crisis_group');
  assert.equal((await psych.client.get('/api/v1/auth/me')).status, 200);
  const crisisId = (await psych.client.get('/api/v1/auth/me')).body.id;
  const adminId = (await admins.district_admin.get('/api/v1/auth/me')).body.id;

  // Self: refused, and audited as a denial.
  assertError(
    await admins.district_admin.post(`/api/v1/accounts/${adminId}/two-factor/reset`),
    403,
    'permission_denied',
  );
  // Not an administrator of the account, or not an administrator at all.
  const teacher = new ApiClient(srv.baseUrl);
  await teacher.login('head_teacher');
  assertError(await teacher.post(`/api/v1/accounts/${crisisId}/two-factor/reset`), 404, 'not_found');
  assertError(await admins.school_data_admin.post(`/api/v1/accounts/${crisisId}/two-factor/reset`), 404, 'not_found');
  assertError(await admins.district_admin.post('/api/v1/accounts/12345/two-factor/reset'), 404, 'not_found');
  assert.equal((await admins.district_admin.post('/api/v1/accounts/abc/two-factor/reset')).status, 404);
  assert.equal((await psych.client.get('/api/v1/auth/me')).status, 200);

  const res = await admins.district_admin.post(`/api/v1/accounts/${crisisId}/two-factor/reset`);
  assert.equal(res.status, 204, JSON.stringify(res.body));
  const resets = await auditActions('two_factor_reset');
  assert.equal(resets.length, 1);
  assert.equal(resets[0].object_id, crisisId);
  // The holder's sessions end (other servers drop them within a second).
  await new Promise((r) => setTimeout(r, 1500));
  assertError(await psych.client.get('/api/v1/auth/me'), 401, 'unauthenticated');
  // The old recovery codes are gone; the next sign-in enrols again.
  const c = new ApiClient(srv.baseUrl);
  const first = await passwordStep(c, 'crisis_group');
  assert.equal(first.body.second_step, 'enrol');
  assertError(
    await c.post('/api/v1/auth/two-factor/verify', { json: { challenge: first.body.challenge, recovery_code: psych.codes[0] } }),
    400,
    'invalid_argument',
    'challenge',
  );
});

test('switch off again: no second step, even for an enrolled account; audited', async () => {
  await setSwitch(false);
  const changes = await auditActions('city_setting');
  assert.equal(changes.length, 2);
  assert.match(auditDetails('city_setting')[0], /"from":"on","to":"off"/);
  const c = new ApiClient(srv.baseUrl);
  const me = await c.login('psych_staff');
  assert.equal(me.second_step, undefined);
  assert.equal(me.username, 'psych_staff');
  assert.equal((await c.get('/api/v1/auth/two-factor')).body.required, false);
});
