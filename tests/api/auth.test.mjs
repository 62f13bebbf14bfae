// Identity: login, session cookie, CSRF, lock-out, password change, and bad
// input that must answer a 4xx JSON error and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ApiClient } from '../e2e/helpers.mjs';

let srv;
before(async () => {
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

function assertError(res, status, code, field) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body?.error?.code, code, JSON.stringify(res.body));
  if (field !== undefined) assert.equal(res.body.error.field, field, JSON.stringify(res.body));
}

test('health is public', async () => {
  const res = await new ApiClient(srv.baseUrl).get('/api/v1/health');
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'ok');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
});

test('every demo account logs in and sees its roles', async () => {
  assert.ok(srv.accountList.length >= 16);
  for (const acc of srv.accountList) {
    const c = new ApiClient(srv.baseUrl);
    const me = await c.login(acc.username, acc.password);
    assert.equal(me.username, acc.username);
    assert.ok(me.roles.some((r) => r.role === acc.role), `${acc.username} lacks ${acc.role}`);
    assert.ok(me.csrf_token.length >= 32);
    assert.ok(me.capabilities.includes('hotlines.read'));
    const again = await c.get('/api/v1/auth/me');
    assert.equal(again.status, 200);
    assert.equal(again.body.id, me.id);
    assert.equal(again.body.password_hash, undefined);
  }
});

test('session cookie is HttpOnly and SameSite=Strict; logout ends it', async () => {
  const c = new ApiClient(srv.baseUrl);
  const res = await c.post('/api/v1/auth/login', { json: { username: 'psych_staff', password: 'Xinqiao@2026' } });
  assert.equal(res.status, 200);
  const cookie = res.headers.getSetCookie().find((x) => x.startsWith('xq_session='));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.ok(cookie.split(';')[0].length >= 'xq_session='.length + 32);
  c.csrf = res.body.csrf_token;
  const saved = new Map(c.cookies);
  assert.equal((await c.post('/api/v1/auth/logout')).status, 204);
  c.cookies = saved;  // replaying the old cookie must not work
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
});

test('state-changing requests need the CSRF token', async () => {
  const c = new ApiClient(srv.baseUrl);
  await c.login('school_data_admin');
  const token = c.csrf;
  c.csrf = '';
  assertError(await c.post('/api/v1/auth/logout'), 403, 'permission_denied');
  assertError(
    await c.post('/api/v1/auth/logout', { headers: { 'X-CSRF-Token': 'f'.repeat(32) } }),
    403,
    'permission_denied',
  );
  c.csrf = token;
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);  // still signed in
});

test('wrong password and unknown user answer alike; lock-out after 5 failures', async () => {
  const c = new ApiClient(srv.baseUrl);
  const bad = await c.post('/api/v1/auth/login', { json: { username: 'expert', password: 'nope-nope' } });
  const unknown = await c.post('/api/v1/auth/login', { json: { username: 'nobody', password: 'nope-nope' } });
  assertError(bad, 401, 'unauthenticated');
  assertError(unknown, 401, 'unauthenticated');
  assert.equal(bad.body.error.message, unknown.body.error.message);
  for (let i = 0; i < 3; i++) {
    assertError(await c.post('/api/v1/auth/login', { json: { username: 'expert', password: 'nope-nope' } }), 401, 'unauthenticated');
  }
  const locked = await c.post('/api/v1/auth/login', { json: { username: 'expert', password: 'nope-nope' } });
  assertError(locked, 429, 'rate_limited');
  assert.ok(Number(locked.headers.get('retry-after')) > 0);
  // The right password is refused while locked.
  assertError(await c.post('/api/v1/auth/login', { json: { username: 'expert', password: 'Xinqiao@2026' } }), 429, 'rate_limited');
});

test('bad input gets a 4xx JSON error, never a 500', async () => {
  const c = new ApiClient(srv.baseUrl);
  const login = (body, headers = { 'Content-Type': 'application/json' }) =>
    c.request('POST', '/api/v1/auth/login', { body, headers });
  assertError(await login('{"username": "x", '), 400, 'invalid_argument');
  assertError(await login('[1,2]'), 400, 'invalid_argument');
  assertError(await login('{"username": 5, "password": "x"}'), 400, 'invalid_argument', 'username');
  assertError(await login('{"username": "x", "password": "yyyyyyyy", "role": "admin"}'), 400, 'invalid_argument', 'role');
  assertError(await login('{"password": "yyyyyyyy"}'), 400, 'invalid_argument', 'username');
  assertError(await login(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, 'invalid_argument');
  assertError(await login('{}', { 'Content-Type': 'text/plain' }), 415, 'unsupported_media_type');
  assertError(await login(JSON.stringify({ username: 'x', password: 'y'.repeat(2 * 1024 * 1024) })), 413, 'payload_too_large');
  assertError(await login(JSON.stringify({ username: "' OR '1'='1", password: "' OR '1'='1' --" })), 401, 'unauthenticated');
  assertError(await login(JSON.stringify({ username: 'psych_staff"; DROP TABLE accounts; --', password: 'x' })), 401, 'unauthenticated');
  // The accounts table is intact: a real login still works.
  await new ApiClient(srv.baseUrl).login('psych_staff');
  assertError(await c.get('/api/v1/no-such-thing'), 404, 'not_found');
  assert.equal((await c.request('PUT', '/api/v1/auth/login', { json: {} })).status, 405);
});

test('password change: wrong current password, weak password, success', async () => {
  const c = new ApiClient(srv.baseUrl);
  await c.login('district_liaison');
  assertError(
    await c.post('/api/v1/auth/password', { json: { current_password: 'wrong-one', new_password: 'Another#2026' } }),
    400,
    'invalid_argument',
    'current_password',
  );
  assertError(
    await c.post('/api/v1/auth/password', { json: { current_password: 'Xinqiao@2026', new_password: '123' } }),
    400,
    'invalid_argument',
    'new_password',
  );
  assert.equal(
    (await c.post('/api/v1/auth/password', { json: { current_password: 'Xinqiao@2026', new_password: 'Another#2026' } })).status,
    204,
  );
  await new ApiClient(srv.baseUrl).login('district_liaison', 'Another#2026');
});
