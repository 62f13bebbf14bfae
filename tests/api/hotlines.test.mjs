// Hotline editor and awareness: who edits which level's lines, the
// denials and bad input, students' and guardians' one-tap confirmation after
// a change, class meetings, and awareness rates (D7) with suppression.
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

const put = (c, id, lines) => c.request('PUT', `/api/v1/hotlines/units/${id}`, { json: { lines } });
const unitOf = (user) => srv.accounts[user].scope_unit_id;

// First: the demo's confirmations count until a line changes.
test('awareness rates by role and scope, small cells suppressed', async () => {
  const head = await as('head_teacher');
  const head2 = await as('head_teacher2');
  const psych = await as('psych_staff');
  const leader = await as('school_leader');
  const district = await as('district_admin');
  const city = await as('city_admin');
  const student = await as('student');
  const guardian = await as('guardian');
  const peer = await as('peer_reporter');
  const subject = await as('subject_teacher');

  const mine = await head.get('/api/v1/hotlines/awareness/rates');
  assert.equal(mine.status, 200, JSON.stringify(mine.body));
  assert.equal(mine.body.total.unit.id, unitOf('head_teacher'));
  assert.equal(mine.body.rows.length, 1);
  const row = mine.body.rows[0];
  assert.equal(row.suppressed, false);
  assert.ok(row.students >= mine.body.k);
  assert.ok(row.confirmed > 0 && row.confirmed < row.students);
  assert.equal(row.rate, row.confirmed / row.students);
  // Another class: not found for this head teacher, seen by its own.
  assert.equal((await head.get(`/api/v1/hotlines/awareness/rates?unit_id=${unitOf('head_teacher2')}`)).status, 404);
  const theirs = await head2.get('/api/v1/hotlines/awareness/rates');
  assert.equal(theirs.status, 200);
  // A few of that class confirmed: the cell is withheld, counts omitted.
  assert.equal(theirs.body.rows[0].suppressed, true);
  assert.equal(theirs.body.rows[0].confirmed, undefined);
  assert.equal(theirs.body.rows[0].students, undefined);

  const school = await psych.get('/api/v1/hotlines/awareness/rates');
  assert.equal(school.status, 200);
  assert.equal(school.body.total.unit.kind, 'school');
  assert.ok(school.body.rows.length >= 1);
  for (const r of school.body.rows) {
    if (r.suppressed) assert.equal(r.confirmed, undefined);
    else assert.ok(r.students >= school.body.k);
  }
  assert.equal((await leader.get('/api/v1/hotlines/awareness/rates')).status, 200);
  const d = await district.get('/api/v1/hotlines/awareness/rates');
  assert.equal(d.status, 200);
  assert.equal(d.body.total.unit.kind, 'district');
  assert.ok(d.body.rows.every((r) => r.unit.kind === 'school'));
  assert.equal((await city.get('/api/v1/hotlines/awareness/rates')).body.total.unit.kind, 'city');
  // A district admin may not read another unit above its own.
  assert.equal((await district.get(`/api/v1/hotlines/awareness/rates?unit_id=${unitOf('city_admin')}`)).status, 404);

  for (const c of [student, guardian, peer, subject]) {
    const res = await c.get('/api/v1/hotlines/awareness/rates');
    assert.equal(res.status, 404, JSON.stringify(res.body));
  }
  assert.equal((await psych.get('/api/v1/hotlines/awareness/rates?unit_id=abc')).status, 400);
  assert.equal((await psych.get('/api/v1/hotlines/awareness/rates?k=1')).status, 400, 'k is never set by a caller');
});

test('each level edits only its own lines; everyone sees city, district and school lines', async () => {
  const city = await as('city_admin');
  const district = await as('district_admin');
  const psych = await as('psych_staff');
  const leader = await as('school_leader');
  const dataAdmin = await as('school_data_admin');
  const head = await as('head_teacher');
  const student = await as('student');

  const editable = await city.get('/api/v1/hotlines/editable');
  assert.equal(editable.status, 200);
  assert.deepEqual(editable.body.items.map((u) => u.kind), ['city']);
  assert.equal(editable.body.items[0].lines.length, 2);
  assert.deepEqual((await head.get('/api/v1/hotlines/editable')).body.items, []);
  assert.deepEqual((await student.get('/api/v1/hotlines/editable')).body.items, []);
  const schoolUnits = (await psych.get('/api/v1/hotlines/editable')).body.items;
  assert.deepEqual(schoolUnits.map((u) => u.id), [unitOf('psych_staff')]);

  const school = unitOf('psych_staff');
  const districtId = unitOf('district_admin');
  const cityId = unitOf('city_admin');
  // Denied: not the level's editor (404, existence not confirmed).
  for (const [c, id] of [[district, school], [city, districtId], [head, school], [student, school],
                         [psych, districtId], [district, cityId]]) {
    const res = await put(c, id, [{ name: '试试', number: '12345' }]);
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'not_found');
  }

  // Bad input names the field and writes nothing.
  const before = (await psych.get('/api/v1/hotlines/editable')).body.items[0].lines;
  const bad = [
    [[{ name: '', number: '12345' }], 'lines[0].name'],
    [[{ name: '心理室', number: 'abc' }], 'lines[0].number'],
    [[{ name: '心理室', number: '12345' }, { name: '心理室二', number: '12345' }], 'lines[1].number'],
    [[{ name: '心理室', number: '12345', colour: 'red' }], 'lines[0].colour'],
    [[{ name: '心理室', number: '12345', note: 'x'.repeat(201) }], 'lines[0].note'],
    [Array.from({ length: 11 }, (_, i) => ({ name: `线${i}`, number: `1000${i}` })), 'lines'],
  ];
  for (const [lines, field] of bad) {
    const res = await put(psych, school, lines);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.field, field);
  }
  assert.equal((await psych.request('PUT', `/api/v1/hotlines/units/${school}`, { json: { lines: 'x' } })).status, 400);
  assert.equal((await put(city, cityId, [])).body.error.field, 'lines', 'the city keeps at least one line');
  assert.deepEqual((await psych.get('/api/v1/hotlines/editable')).body.items[0].lines, before);

  // Allowed edits at each level; a school leader and the data admin edit the school's too.
  assert.equal((await put(city, cityId, [{ name: '阳光心理热线', number: '4001060525', hours: '24小时' },
                                          { name: '市青少年热线', number: '12355', hours: '', note: '周末照常' }])).status, 204);
  assert.equal((await put(district, districtId, [{ name: '区心理援助', number: '022-1111' }])).status, 204);
  assert.equal((await put(leader, school, [{ name: '学校心理室', number: '022-2222', hours: '午间' }])).status, 204);
  assert.equal((await put(dataAdmin, school, [{ name: '学校心理室', number: '022-3333', hours: '午间' }])).status, 204);

  const seen = (await student.get('/api/v1/hotlines')).body.items;
  assert.deepEqual(seen.map((h) => [h.scope, h.number]), [
    ['city', '4001060525'], ['city', '12355'], ['district', '022-1111'], ['school', '022-3333'],
  ]);
  assert.equal(seen[1].note, '周末照常');
  // Without signing in: the city's lines (edited) only.
  const anon = new ApiClient(srv.baseUrl);
  assert.deepEqual((await anon.get('/api/v1/hotlines')).body.items.map((h) => h.number), ['4001060525', '12355']);

  // The edits are audited.
  const auditor = await as('auditor');
  const log = await auditor.get('/api/v1/audit-events?action=hotlines_edit');
  assert.equal(log.status, 200);
  assert.ok(log.body.items.length >= 4, JSON.stringify(log.body).slice(0, 300));
});

test('students and guardians confirm after a change; staff do not', async () => {
  const student = await as('student');
  const guardian = await as('guardian');
  const peer = await as('peer_reporter');  // a 心理委员 is a student too
  const head = await as('head_teacher');
  const psych = await as('psych_staff');

  let me = await student.get('/api/v1/hotlines/awareness/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.applies, true);
  assert.equal(me.body.needs_confirm, true);
  assert.equal((await head.get('/api/v1/hotlines/awareness/me')).body.applies, false);
  const staffConfirm = await head.post('/api/v1/hotlines/awareness/confirm', { json: {} });
  assert.equal(staffConfirm.status, 403);
  assert.equal((await student.post('/api/v1/hotlines/awareness/confirm', { json: { via: 'carrier_pigeon' } })).body.error.field, 'via');

  const ok = await student.post('/api/v1/hotlines/awareness/confirm', { json: {} });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.needs_confirm, false);
  assert.equal((await student.get('/api/v1/hotlines/awareness/me')).body.needs_confirm, false);
  assert.equal((await guardian.post('/api/v1/hotlines/awareness/confirm', { json: {} })).status, 200);
  assert.equal((await guardian.get('/api/v1/hotlines/awareness/me')).body.needs_confirm, false);
  assert.equal((await peer.post('/api/v1/hotlines/awareness/confirm', { json: {} })).status, 200);

  // A change of the school's lines asks again.
  const school = unitOf('psych_staff');
  assert.equal((await put(psych, school, [{ name: '学校心理室', number: '022-4444' }])).status, 204);
  assert.equal((await student.get('/api/v1/hotlines/awareness/me')).body.needs_confirm, true);
  assert.equal((await guardian.get('/api/v1/hotlines/awareness/me')).body.needs_confirm, true);
  assert.equal((await student.post('/api/v1/hotlines/awareness/confirm', { json: {} })).status, 200);

  // A class meeting asks the class again; only its staff mark one.
  const cls = unitOf('head_teacher');
  const other = unitOf('head_teacher2');
  assert.equal((await head.post('/api/v1/hotlines/awareness/class-meetings', { json: { class_id: other } })).status, 404);
  assert.equal((await peer.post('/api/v1/hotlines/awareness/class-meetings', { json: { class_id: cls } })).status, 404);
  assert.equal((await head.post('/api/v1/hotlines/awareness/class-meetings', { json: { class_id: 'x' } })).body.error.field, 'class_id');
  assert.equal((await head.post('/api/v1/hotlines/awareness/class-meetings', { json: { class_id: cls } })).status, 204);
  me = (await student.get('/api/v1/hotlines/awareness/me')).body;
  assert.equal(me.needs_confirm, true);
  assert.ok(me.class_meeting_at);
  const again = await student.post('/api/v1/hotlines/awareness/confirm', { json: { via: 'class_meeting' } });
  assert.equal(again.body.needs_confirm, false);

  // After the change only confirmations since count: the class's few are withheld.
  const rate = await head.get('/api/v1/hotlines/awareness/rates');
  assert.equal(rate.body.rows[0].suppressed, true);
  assert.equal(rate.body.rows[0].confirmed, undefined);
});
