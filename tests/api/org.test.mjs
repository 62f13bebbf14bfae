// Org tree and roster (D1) by role and scope: what each role may list, the
// 404 for another class, names-only for peers, roster import all-or-nothing.
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

async function as(user) {
  const c = new ApiClient(srv.baseUrl);
  await c.login(user);
  return c;
}

test('head teacher lists own class; another class is not found', async () => {
  const c = await as('head_teacher');
  const own = srv.accounts.head_teacher.scope_unit_id;
  const other = srv.accounts.head_teacher2.scope_unit_id;
  assert.notEqual(own, other);
  const mine = await c.get(`/api/v1/students?unit_id=${own}&page_size=200`);
  assert.equal(mine.status, 200);
  assert.ok(mine.body.items.length > 0);
  assert.equal(mine.body.total, mine.body.items.length);
  for (const s of mine.body.items) {
    assert.equal(s.class_id, own);
    assert.ok(s.student_no && s.name && s.sex);
  }
  const theirs = await c.get(`/api/v1/students?unit_id=${other}`);
  assert.equal(theirs.status, 404);
  assert.equal(theirs.body.error.code, 'not_found');
  // Another class's student by id: not found either.
  const c2 = await as('head_teacher2');
  const otherStudents = await c2.get(`/api/v1/students?unit_id=${other}&page_size=1`);
  assert.equal(otherStudents.status, 200);
  const sid = otherStudents.body.items[0].id;
  assert.equal((await c.get(`/api/v1/students/${sid}`)).status, 404);
  assert.equal((await c.get(`/api/v1/org-units?parent_id=${other}`)).status, 404);
});

test('paging with a cursor covers the scope without repeats', async () => {
  const c = await as('psych_staff');
  const seen = new Set();
  let after = '';
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const res = await c.get(`/api/v1/students?page_size=200${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    assert.equal(res.status, 200);
    total = res.body.total;
    for (const s of res.body.items) {
      assert.ok(!seen.has(s.id), 'repeated student');
      seen.add(s.id);
    }
    if (!res.body.next) break;
    after = res.body.next;
  }
  assert.equal(seen.size, total);
  assert.ok(total > 100);
  const first = (await c.get('/api/v1/students?page_size=1')).body.items[0];
  const q = await c.get(`/api/v1/students?q=${encodeURIComponent(first.student_no)}&page_size=5`);
  assert.equal(q.status, 200);
  assert.ok(q.body.items.some((s) => s.id === first.id));
  const capped = await c.get('/api/v1/students?page_size=500');
  assert.equal(capped.status, 200);
  assert.equal(capped.body.items.length, Math.min(200, capped.body.total));  // capped at 200
  assert.equal((await c.get('/api/v1/students?page_size=abc')).status, 400);
  const unknown = await c.get('/api/v1/students?sort=name');
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.field, 'sort');
  assert.equal((await c.get(`/api/v1/students?q=${encodeURIComponent("' OR 1=1 --")}`)).status, 200);
});

test('peer reporter sees names only; roles without D1 see no students', async () => {
  const peer = await as('peer_reporter');
  const res = await peer.get('/api/v1/students?page_size=200');
  assert.equal(res.status, 200);
  assert.ok(res.body.items.length > 0);
  for (const s of res.body.items) {
    assert.deepEqual(Object.keys(s).sort().filter((k) => !['id', 'name', 'class_name'].includes(k)), []);
  }
  for (const user of ['district_admin', 'city_admin', 'auditor', 'expert']) {
    const c = await as(user);
    const r = await c.get('/api/v1/students?page_size=5');
    assert.ok(r.status === 404 || r.status === 403 || (r.status === 200 && r.body.items.length === 0), `${user}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
  }
});

test('guardian sees own child, student sees self', async () => {
  const g = await as('guardian');
  const kids = await g.get('/api/v1/students');
  assert.equal(kids.status, 200);
  assert.equal(kids.body.items.length >= 1, true);
  const s = await as('student');
  const me = await s.get('/api/v1/students');
  assert.equal(me.status, 200);
  assert.equal(me.body.items.length, 1);
  assert.ok(kids.body.items.some((k) => k.id === me.body.items[0].id));
});

test('roster import: bad rows are all reported and nothing is written; a good file updates by 学号', async () => {
  const admin = await as('school_data_admin');
  const roots = await admin.get('/api/v1/org-units');
  assert.equal(roots.status, 200);
  const school = roots.body.items.find((u) => u.kind === 'school');
  assert.ok(school, JSON.stringify(roots.body));
  const before = (await admin.get('/api/v1/students?page_size=1')).body.total;
  const bad = '学号,姓名,性别,出生日期,班级\nX001,张三,男,2012-02-30,初一(9)班\nX002,,女,2012-01-01,初一(9)班\nX003,王五,未知,2012-01-01,初一(9)班\n';
  const res = await admin.request('POST', `/api/v1/roster-imports?school_id=${school.id}`, {
    body: bad,
    headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'invalid_argument');
  const lines = res.body.error.details.map((d) => d.line);
  assert.deepEqual(lines, [2, 3, 4]);
  for (const d of res.body.error.details) assert.ok(d.column >= 1 && d.reason);
  assert.equal((await admin.get('/api/v1/students?page_size=1')).body.total, before);

  const good = '学号,姓名,性别,出生日期,班级\nX001,张三,男,2012-02-03,初一(9)班\nX002,李四,女,2012-01-01,初一(9)班\n';
  const ok = await admin.request('POST', `/api/v1/roster-imports?school_id=${school.id}`, {
    body: good,
    headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.created, 2);
  const again = await admin.request('POST', `/api/v1/roster-imports?school_id=${school.id}`, {
    body: good.replace('李四', '李思'),
    headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(again.status, 200);
  assert.equal(again.body.created, 0);
  assert.equal(again.body.updated, 2);
  assert.equal((await admin.get('/api/v1/students?page_size=1')).body.total, before + 2);

  // Only the data admin imports; a head teacher is refused, another school is not found.
  const ht = await as('head_teacher');
  const denied = await ht.request('POST', `/api/v1/roster-imports?school_id=${school.id}`, {
    body: good,
    headers: { 'Content-Type': 'text/csv' },
  });
  assert.ok([403, 404].includes(denied.status));
  const wrongType = await admin.request('POST', `/api/v1/roster-imports?school_id=${school.id}`, {
    body: good,
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(wrongType.status, 415);
});
