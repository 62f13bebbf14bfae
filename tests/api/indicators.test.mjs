// Indicators, dashboards and sign-off (issue 21, items 2–4): who sees which
// unit's figures (D7 in scope), the evidence behind a figure (schools, never
// students), Excel exports, and the sign-off flow: submit, return with a
// comment, re-submit, district approval, city acceptance, with every step
// refused outside its level and scope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ApiClient } from '../e2e/helpers.mjs';

let srv;
const clients = {};

async function as(username) {
  if (!clients[username]) {
    clients[username] = new ApiClient(srv.baseUrl);
    await clients[username].login(username);
  }
  return clients[username];
}

before(async () => {
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

const unitOf = (u) => srv.accounts[u].scope_unit_id;
const value = (values, id) => values.find((v) => v.indicator_id === id);

// Nothing that identifies a student may reach a district or city view.
function assertNoStudentData(body, who) {
  const text = JSON.stringify(body);
  for (const a of ['student', 'peer_reporter', 'dorm_leader']) {
    const name = srv.accounts[a].display_name;
    assert.ok(!text.includes(name), `${who}: ${a}'s name ${name} in ${text.slice(0, 200)}`);
  }
  for (const key of ['student_id', 'student_no', 'birth_date', 'phone']) {
    assert.ok(!text.includes(`"${key}"`), `${who}: ${key} in the answer`);
  }
}

test('the declared indicators', async () => {
  const res = await (await as('city_admin')).get('/api/v1/indicators');
  assert.equal(res.status, 200);
  assert.ok(res.body.items.length >= 20);
  const ids = res.body.items.map((i) => i.id);
  for (const id of ['psych_teacher_schools', 'staffing_higher', 'family_sites_public', 'screening_k12',
    'follow_up_on_time', 'hotline_awareness', 'pairing', 'head_teacher_training', 'home_visit_staff',
    'course_hours', 'funding', 'research_staff', 'district_training']) {
    assert.ok(ids.includes(id), id);
  }
  const share = res.body.items.find((i) => i.id === 'psych_teacher_schools');
  assert.equal(share.target, 0.95);
  assert.equal(share.kind, 'share_of_units');
});

test('each role lands on its own unit', async () => {
  const want = { city_admin: 'city', district_admin: 'district', district_liaison: 'district', school_leader: 'school' };
  for (const [u, kind] of Object.entries(want)) {
    const res = await (await as(u)).get('/api/v1/indicators/home');
    assert.equal(res.status, 200, u);
    assert.equal(res.body.unit.kind, kind, u);
    assert.equal(res.body.unit.id, unitOf(u), u);
  }
  for (const u of ['head_teacher', 'student', 'guardian', 'auditor', 'psych_staff']) {
    const res = await (await as(u)).get('/api/v1/indicators/home');
    assert.equal(res.status, 403, u);
  }
});

test('figures per role and scope; a missing fact is no data, never 0', async () => {
  const city = unitOf('city_admin');
  const district = unitOf('district_admin');
  const school = unitOf('school_leader');
  const c = await (await as('city_admin')).get(`/api/v1/indicators/units/${city}`);
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal(c.body.unit.kind, 'city');
  assert.ok(c.body.children.some((ch) => ch.unit.id === district), 'the district is in the league table');
  // Every demo student has a paired teacher.
  const pairing = value(c.body.values, 'pairing');
  assert.equal(pairing.value, 1);
  assert.equal(pairing.meets, true);
  assert.ok(pairing.units >= 2);
  // The psychology-teacher figure is fed by the work records (工作台账) the
  // demo fills for every school: a share, counted over schools that have one.
  const psych = value(c.body.values, 'psych_teacher_schools');
  assert.equal(typeof psych.value, 'number', JSON.stringify(psych));
  assert.ok(psych.value >= 0 && psych.value <= 1, JSON.stringify(psych));
  assert.ok(psych.units >= 1, JSON.stringify(psych));
  // A figure without facts is 无数据 (null), never 0, and counts no unit.
  for (const v of c.body.values.filter((x) => x.value === null)) assert.equal(v.units, 0, JSON.stringify(v));
  assertNoStudentData(c.body, 'city_admin');
  const other = c.body.children.find((ch) => ch.unit.kind === 'district' && ch.unit.id !== district);
  assert.ok(other, 'a second district');

  const d = await (await as('district_admin')).get(`/api/v1/indicators/units/${district}`);
  assert.equal(d.status, 200);
  assert.ok(d.body.children.some((ch) => ch.unit.id === school));
  assert.deepEqual(d.body.ancestors, []);  // the city is not the district's to read
  assertNoStudentData(d.body, 'district_admin');
  for (const [u, id, status] of [
    ['district_admin', city, 403], ['district_admin', other.unit.id, 403], ['district_liaison', district, 200],
    ['school_leader', school, 200], ['school_leader', district, 403], ['psych_staff', school, 200],
    ['head_teacher', school, 403], ['student', school, 403], ['guardian', school, 403], ['auditor', city, 403],
    ['subject_teacher', school, 403], ['peer_reporter', school, 403],
  ]) {
    const res = await (await as(u)).get(`/api/v1/indicators/units/${id}`);
    assert.equal(res.status, status, `${u} → ${id}: ${res.status}`);
  }
  const s = await (await as('school_leader')).get(`/api/v1/indicators/units/${school}`);
  assert.equal(s.body.ancestors.length, 0);
  assert.equal(s.body.signoff, null);
});

test('bad input is a 4xx naming the field', async () => {
  const ca = await as('city_admin');
  const city = unitOf('city_admin');
  for (const [url, field] of [
    [`/api/v1/indicators/units/${city}?school_year=26`, 'school_year'],
    [`/api/v1/indicators/units/${city}?school_year=x`, 'school_year'],
    [`/api/v1/indicators/units/${city}?year=2026`, 'year'],
    [`/api/v1/indicators/units/${city}/evidence?indicator=nope`, 'indicator'],
    [`/api/v1/indicators/units/${city}/evidence`, 'indicator'],
    [`/api/v1/indicators/units/${city}/evidence?indicator=pairing&page_size=0`, 'page_size'],
    [`/api/v1/indicators/units/${city}/evidence?indicator=pairing&after=zz`, 'after'],
  ]) {
    const res = await ca.get(url);
    assert.equal(res.status, 400, url);
    assert.equal(res.body.error.field, field, url);
  }
  assert.equal((await ca.get('/api/v1/indicators/units/123456789')).status, 404);
  assert.equal((await ca.get('/api/v1/indicators/units/abc')).status, 404);  // a malformed path id is unknown
});

test('evidence: which schools, with their facts, never a student', async () => {
  const city = unitOf('city_admin');
  const district = unitOf('district_admin');
  const res = await (await as('city_admin')).get(`/api/v1/indicators/units/${city}/evidence?indicator=pairing&page_size=2`);
  assert.equal(res.status, 200);
  assert.equal(res.body.items.length, 2);
  assert.ok(res.body.next, 'a next page');
  for (const it of res.body.items) {
    assert.equal(it.unit.kind, 'school');
    assert.ok('students' in it.facts && 'paired_students' in it.facts, JSON.stringify(it));
  }
  const page2 = await (await as('city_admin')).get(
    `/api/v1/indicators/units/${city}/evidence?indicator=pairing&page_size=2&after=${res.body.next}`);
  assert.equal(page2.status, 200);
  assert.ok(page2.body.items.every((it) => !res.body.items.some((p) => p.unit.id === it.unit.id)));
  const d = await (await as('district_admin')).get(`/api/v1/indicators/units/${district}/evidence?indicator=psych_teacher_schools`);
  assert.equal(d.status, 200);
  assert.ok(d.body.items.length >= 1);
  // A school with a staff record is met or not; one without is neither.
  for (const it of d.body.items) {
    if ('psych_teachers_fulltime' in it.facts) assert.equal(typeof it.meets, 'boolean', JSON.stringify(it));
    else assert.equal(it.meets, null, JSON.stringify(it));
  }
  assertNoStudentData(d.body, 'district_admin evidence');
  assert.equal((await (await as('district_admin')).get(`/api/v1/indicators/units/${city}/evidence?indicator=pairing`)).status, 403);
  assert.equal((await (await as('head_teacher')).get(`/api/v1/indicators/units/${unitOf('school_leader')}/evidence?indicator=pairing`)).status, 403);
});

test('trend and export', async () => {
  const city = unitOf('city_admin');
  const t = await (await as('city_admin')).get(`/api/v1/indicators/units/${city}/trend`);
  assert.equal(t.status, 200);
  assert.ok(t.body.items.length >= 2, 'this school year and the last');
  const x = await (await as('city_admin')).get(`/api/v1/indicators/units/${city}/export`);
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
  assert.ok(String(x.body).startsWith('PK'), 'an xlsx (zip) file');
  const denied = await (await as('head_teacher')).get(`/api/v1/indicators/units/${city}/export`);
  assert.equal(denied.status, 403);
  const other = await (await as('district_admin')).get(`/api/v1/indicators/units/${city}/export`);
  assert.equal(other.status, 403);
});

test('sign-off: submit, return, re-submit, approve, accept — each at its level', async () => {
  const school = unitOf('school_leader');
  const district = unitOf('district_admin');
  const leader = await as('school_leader');
  const post = async (u, url, json) => (await as(u)).post(url, { json });

  // Nobody but the school's leader or data admin submits.
  for (const u of ['psych_staff', 'district_admin', 'city_admin', 'head_teacher']) {
    const res = await post(u, '/api/v1/indicator-signoffs', { school_id: school });
    assert.equal(res.status, 403, u);
  }
  for (const [json, field] of [
    [{ school_id: 'x' }, 'school_id'], [{ school_id: district }, 'school_id'], [{}, 'school_id'],
    [{ school_id: school, extra: 1 }, 'extra'], [{ school_id: school, school_year: 1999 }, 'school_year'],
  ]) {
    const res = await leader.post('/api/v1/indicator-signoffs', { json });
    assert.equal(res.status, 400, JSON.stringify(json));
    assert.equal(res.body.error.field, field, JSON.stringify(res.body));
  }
  const sub = await leader.post('/api/v1/indicator-signoffs', { json: { school_id: school } });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  assert.equal(sub.body.state, 'submitted');
  assert.equal(sub.body.version, 1);
  assert.ok(sub.body.snapshot.some((v) => v.indicator_id === 'pairing' && v.value === 1), 'figures frozen');
  const id = sub.body.id;
  assert.equal((await leader.post('/api/v1/indicator-signoffs', { json: { school_id: school } })).status, 409);

  // The district reviews; not the school, not the liaison, not the city.
  for (const u of ['school_leader', 'district_liaison', 'city_admin', 'psych_staff']) {
    assert.equal((await post(u, `/api/v1/indicator-signoffs/${id}/approve`)).status, 403, u);
  }
  assert.equal((await post('city_admin', `/api/v1/indicator-signoffs/${id}/accept`)).status, 409, 'not approved yet');
  const noComment = await post('district_admin', `/api/v1/indicator-signoffs/${id}/return`, {});
  assert.equal(noComment.status, 400);
  assert.equal(noComment.body.error.field, 'comment');
  const ret = await post('district_admin', `/api/v1/indicator-signoffs/${id}/return`, { comment: '请补充家访记录后重报' });
  assert.equal(ret.status, 200);
  assert.equal(ret.body.state, 'returned');
  assert.equal(ret.body.comment, '请补充家访记录后重报');
  assert.equal((await post('district_admin', `/api/v1/indicator-signoffs/${id}/approve`)).status, 409);

  // The school re-submits (its data admin this time).
  const again = await post('school_data_admin', '/api/v1/indicator-signoffs', { school_id: school });
  assert.equal(again.status, 201);
  assert.equal(again.body.id, id);
  assert.equal(again.body.version, 2);
  assert.equal(again.body.state, 'submitted');
  const ok = await post('district_admin', `/api/v1/indicator-signoffs/${id}/approve`);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.state, 'district_approved');
  assert.equal((await post('district_admin', `/api/v1/indicator-signoffs/${id}/accept`)).status, 403);
  assert.equal((await post('school_leader', `/api/v1/indicator-signoffs/${id}/accept`)).status, 403);
  const acc = await post('city_admin', `/api/v1/indicator-signoffs/${id}/accept`);
  assert.equal(acc.status, 200);
  assert.equal(acc.body.state, 'accepted');
  assert.deepEqual(acc.body.steps.map((s) => s.step), ['submit', 'return', 'submit', 'approve', 'accept']);
  assert.deepEqual(acc.body.steps.map((s) => s.actor_role),
    ['school_leader', 'district_admin', 'school_data_admin', 'district_admin', 'city_admin']);
  assert.equal((await post('city_admin', `/api/v1/indicator-signoffs/${id}/accept`)).status, 409);
  assert.equal((await post('school_leader', '/api/v1/indicator-signoffs', { school_id: school })).status, 409);
  assert.equal((await post('city_admin', '/api/v1/indicator-signoffs/123456789/accept')).status, 404);

  // The school's view shows the signed figures beside the live ones; the
  // district's review list has the school.
  const view = await leader.get(`/api/v1/indicators/units/${school}`);
  assert.equal(view.body.signoff.state, 'accepted');
  assert.equal(view.body.signoff.snapshot.length, view.body.values.filter((v) => v.units > 0).length);
  const list = await (await as('district_admin')).get(`/api/v1/indicators/units/${district}/signoffs`);
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((r) => r.school.id === school && r.signoff.state === 'accepted'));
  assertNoStudentData(list.body, 'district sign-off list');
  assert.equal((await leader.get(`/api/v1/indicators/units/${district}/signoffs`)).status, 403);
});
