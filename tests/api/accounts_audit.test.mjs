// Account administration within scope, and the audit log: auditors read it,
// nobody else does, and `xinqiao audit verify` catches a direct edit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { startServer, ApiClient, xqBin, kRepoRoot } from '../e2e/helpers.mjs';

let srv;
before(async () => {
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

test('school data admin administers accounts of its school only', async () => {
  const admin = new ApiClient(srv.baseUrl);
  await admin.login('school_data_admin');
  const list = await admin.get('/api/v1/accounts?page_size=200');
  assert.equal(list.status, 200);
  const names = list.body.items.map((a) => a.username);
  assert.ok(names.includes('head_teacher'));
  assert.ok(!names.includes('city_admin'));
  assert.ok(!names.includes('univ_psych_staff'));
  for (const a of list.body.items) assert.equal(a.password_hash, undefined);

  const classId = srv.accounts.head_teacher.scope_unit_id;
  const created = await admin.post('/api/v1/accounts', {
    json: { username: 'new.teacher', display_name: '新老师', password: 'Welcome#2026', roles: [{ role: 'subject_teacher', unit_id: classId }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.must_change_password, true);
  const dup = await admin.post('/api/v1/accounts', {
    json: { username: 'new.teacher', display_name: '重复', password: 'Welcome#2026', roles: [{ role: 'subject_teacher', unit_id: classId }] },
  });
  assert.equal(dup.status, 409);

  // A role above the admin's reach is refused; a unit outside the school is not found.
  const city = await admin.post(`/api/v1/accounts/${created.body.id}/roles`, {
    json: { role: 'city_admin', unit_id: classId },
  });
  assert.equal(city.status, 403);
  const univUnit = srv.accounts.univ_psych_staff.scope_unit_id;
  const outside = await admin.post(`/api/v1/accounts/${created.body.id}/roles`, {
    json: { role: 'head_teacher', unit_id: univUnit },
  });
  assert.equal(outside.status, 404);
  const grant = await admin.post(`/api/v1/accounts/${created.body.id}/roles`, {
    json: { role: 'head_teacher', unit_id: classId },
  });
  assert.equal(grant.status, 201, JSON.stringify(grant.body));
  assert.equal((await admin.delete(`/api/v1/accounts/${created.body.id}/roles/${grant.body.id}`)).status, 204);
  const bad = await admin.post('/api/v1/accounts', {
    json: { username: 'x', display_name: '', password: 'Welcome#2026', roles: [], extra: 1 },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'extra');

  // The new account logs in with the password it was given.
  await new ApiClient(srv.baseUrl).login('new.teacher', 'Welcome#2026');
});

test('roles without account administration are refused', async () => {
  for (const user of ['head_teacher', 'psych_staff', 'student', 'guardian', 'auditor']) {
    const c = new ApiClient(srv.baseUrl);
    await c.login(user);
    const res = await c.get('/api/v1/accounts');
    assert.equal(res.status, 403, `${user}: ${res.status}`);
    const create = await c.post('/api/v1/accounts', {
      json: { username: `evil.${user}`, display_name: 'x', password: 'Welcome#2026', roles: [{ role: 'psych_staff', unit_id: srv.accounts.psych_staff.scope_unit_id }] },
    });
    assert.ok([403, 404].includes(create.status), `${user}: ${create.status}`);
  }
});

test('only auditors read the audit log; logins and denials are in it', async () => {
  const c = new ApiClient(srv.baseUrl);
  await c.login('psych_staff');
  assert.equal((await c.get('/api/v1/audit-events')).status, 403);
  const auditor = new ApiClient(srv.baseUrl);
  await auditor.login('auditor');
  const res = await auditor.get('/api/v1/audit-events?page_size=200');
  assert.equal(res.status, 200);
  const actions = new Set(res.body.items.map((e) => e.action));
  assert.ok(actions.has('login'));
  assert.ok(actions.has('denied'));
  const page = await auditor.get('/api/v1/audit-events?page_size=2');
  assert.equal(page.body.items.length, 2);
  assert.ok(page.body.next);
  const next = await auditor.get(`/api/v1/audit-events?page_size=2&before=${page.body.next}`);
  assert.ok(Number(next.body.items[0].seq) < Number(page.body.items[1].seq) + 1);
  assert.equal((await auditor.get('/api/v1/audit-events?bogus=1')).status, 400);
});

test('audit verify passes, then catches a direct edit of the table', async () => {
  const ok = spawnSync(xqBin(), ['audit', 'verify', '--db', srv.db], { cwd: kRepoRoot, encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /intact/);
  const edit = "UPDATE audit_log SET actor_role = 'city_admin' WHERE seq = 2";
  if (srv.db.startsWith('sqlite:')) execFileSync('sqlite3', [srv.db.slice('sqlite:'.length), edit]);
  else execFileSync('psql', ['-q', '-d', srv.db, '-c', edit]);
  const bad = spawnSync(xqBin(), ['audit', 'verify', '--db', srv.db], { cwd: kRepoRoot, encoding: 'utf8' });
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /entry 2/);
});
