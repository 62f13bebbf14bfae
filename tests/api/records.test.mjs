// 工作台账 (work records, issue 21 item 1) by role: a school's staff write
// their own school only, a district reads its schools and writes its own
// records, the city reads all; teachers, students and guardians get 403.
// Imports are all or nothing with file, line and column per problem; the
// templates are valid .xlsx files.
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

function schoolYear() {
  const now = new Date();
  return now.getMonth() >= 8 ? now.getFullYear() : now.getFullYear() - 1;
}

const kStaff = { name: '测试老师', employment: 'full_time', certified: true };

async function countOf(c, kind, unitId) {
  const res = await c.get(`/api/v1/work-records?kind=${kind}&unit_id=${unitId}&school_year=${schoolYear()}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.total;
}

test('a school data admin writes its own school only', async () => {
  const c = await as('school_data_admin');
  const own = srv.accounts.school_data_admin.scope_unit_id;
  const other = srv.accounts.univ_psych_staff.scope_unit_id;
  assert.notEqual(own, other);
  const scopes = await c.get('/api/v1/work-record-scopes');
  assert.equal(scopes.status, 200);
  assert.deepEqual(
    scopes.body.items.map((s) => [s.unit_id, s.kind, s.writable]),
    [[own, 'school', true]],
  );
  const before = await countOf(c, 'staff', own);
  const created = await c.post('/api/v1/work-records', {
    json: { kind: 'staff', unit_id: own, school_year: schoolYear(), fields: kStaff },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.fields.employment, 'full_time');
  assert.equal(created.body.fields.certified, true);
  assert.equal(created.body.school_id, own);
  assert.equal(await countOf(c, 'staff', own), before + 1);
  // Another school: not found (no existence revealed), nothing written.
  const elsewhere = await c.post('/api/v1/work-records', {
    json: { kind: 'staff', unit_id: other, school_year: schoolYear(), fields: kStaff },
  });
  assert.equal(elsewhere.status, 404);
  assert.equal((await c.get(`/api/v1/work-records?kind=staff&unit_id=${other}`)).status, 404);
  // Change and delete its own record.
  const id = created.body.id;
  const put = await c.request('PUT', `/api/v1/work-records/${id}`, {
    json: { fields: { ...kStaff, employment: '兼职' } },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.fields.employment, 'part_time');
  assert.equal((await c.delete(`/api/v1/work-records/${id}`)).status, 204);
  assert.equal((await c.get(`/api/v1/work-records/${id}`)).status, 404);
  assert.equal(await countOf(c, 'staff', own), before);
});

test('bad input is 400 naming the field, never 500, and writes nothing', async () => {
  const c = await as('psych_staff');
  const own = srv.accounts.psych_staff.scope_unit_id;
  const before = await countOf(c, 'staff', own);
  const cases = [
    [{ kind: 'staff', unit_id: own, school_year: schoolYear(), fields: { ...kStaff, employment: '全职' } }, 'employment'],
    [{ kind: 'staff', unit_id: own, school_year: schoolYear(), fields: { employment: 'full_time', certified: true } }, 'name'],
    [{ kind: 'staff', unit_id: own, school_year: schoolYear(), fields: { ...kStaff, colour: 'red' } }, 'colour'],
    [{ kind: 'staff', unit_id: own, school_year: 1999, fields: kStaff }, 'school_year'],
    [{ kind: 'nope', unit_id: own, school_year: schoolYear(), fields: kStaff }, 'kind'],
    [{ kind: 'research', unit_id: own, school_year: schoolYear(), fields: { name: 'x', full_time: true } }, 'unit_id'],
    [{ kind: 'staff', unit_id: own, school_year: schoolYear(), fields: kStaff, extra: 1 }, 'extra'],
    [{ kind: 'staff', unit_id: own, school_year: schoolYear(), fields: { ...kStaff, name: ['x'] } }, 'name'],
  ];
  for (const [body, field] of cases) {
    const res = await c.post('/api/v1/work-records', { json: body });
    assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'invalid_argument');
    assert.equal(res.body.error.field, field, JSON.stringify(res.body));
  }
  const multi = await c.post('/api/v1/work-records', {
    json: { kind: 'training', unit_id: own, school_year: schoolYear(), fields: { hours: '-2', date: '2026-13-01' } },
  });
  assert.equal(multi.status, 400);
  assert.ok(multi.body.error.details.length >= 4, JSON.stringify(multi.body));
  for (const q of ['kind=staff&school_year=abc', 'kind=staff&page_size=0', 'kind=staff&after=zz', 'school_year=2026', 'kind=staff&foo=1']) {
    const res = await c.get(`/api/v1/work-records?${q}`);
    assert.equal(res.status, 400, `${q}: ${JSON.stringify(res.body)}`);
  }
  assert.equal(await countOf(c, 'staff', own), before);
});

test('a district reads its schools and writes only its own records', async () => {
  const d = await as('district_admin');
  const district = srv.accounts.district_admin.scope_unit_id;
  const school = srv.accounts.school_data_admin.scope_unit_id;
  const scopes = await d.get('/api/v1/work-record-scopes');
  assert.deepEqual(scopes.body.items.map((s) => [s.unit_id, s.kind, s.writable]), [[district, 'district', true]]);
  const funding = await d.get(`/api/v1/work-records?kind=funding&school_year=${schoolYear()}&page_size=200`);
  assert.equal(funding.status, 200);
  assert.ok(funding.body.total > 1, 'the demo gives each school its funding');
  assert.ok(funding.body.items.some((r) => r.unit_id === school));
  const schoolView = await d.get(`/api/v1/work-records?kind=funding&unit_id=${school}`);
  assert.equal(schoolView.status, 200);
  assert.ok(schoolView.body.items.every((r) => r.unit_id === school));
  // A school's record: read yes, write no.
  const write = await d.post('/api/v1/work-records', {
    json: { kind: 'funding', unit_id: school, school_year: schoolYear(), fields: { amount_yuan: 1 } },
  });
  assert.equal(write.status, 403);
  const own = await d.post('/api/v1/work-records', {
    json: { kind: 'research', unit_id: district, school_year: schoolYear(), fields: { name: '赵教研', full_time: '是' } },
  });
  assert.equal(own.status, 201, JSON.stringify(own.body));
  assert.equal(own.body.school_id, undefined, 'a district record has no school');
  // The liaison reads, never writes; a school's staff never see the district's.
  const liaison = await as('district_liaison');
  assert.equal((await liaison.get(`/api/v1/work-records/${own.body.id}`)).status, 200);
  assert.equal((await liaison.delete(`/api/v1/work-records/${own.body.id}`)).status, 403);
  const staff = await as('school_data_admin');
  assert.equal((await staff.get(`/api/v1/work-records/${own.body.id}`)).status, 404);
  // The city reads everything, the district's record included.
  const city = await as('city_admin');
  const all = await city.get(`/api/v1/work-records?kind=funding&school_year=${schoolYear()}&page_size=200`);
  assert.equal(all.status, 200);
  assert.ok(all.body.total > funding.body.total, 'the city has more schools than one district');
  assert.equal((await city.get(`/api/v1/work-records/${own.body.id}`)).status, 200);
  const cityWrite = await city.post('/api/v1/work-records', {
    json: { kind: 'research', unit_id: district, school_year: schoolYear(), fields: { name: 'x', full_time: true } },
  });
  assert.equal(cityWrite.status, 403);
});

test('teachers, students, guardians and peers get 403; no student data anywhere', async () => {
  const school = srv.accounts.school_data_admin.scope_unit_id;
  for (const user of ['head_teacher', 'subject_teacher', 'grade_head', 'student', 'guardian', 'peer_reporter', 'auditor']) {
    const c = await as(user);
    for (const p of ['/api/v1/work-record-scopes', '/api/v1/work-records?kind=staff', `/api/v1/work-records?kind=staff&unit_id=${school}`, '/api/v1/work-record-kinds/staff/template.xlsx']) {
      const res = await c.get(p);
      assert.equal(res.status, 403, `${user} ${p}: ${res.status}`);
      assert.equal(res.body.error.code, 'permission_denied');
    }
    const w = await c.post('/api/v1/work-records', {
      json: { kind: 'staff', unit_id: school, school_year: schoolYear(), fields: kStaff },
    });
    assert.equal(w.status, 403, user);
  }
  const city = await as('city_admin');
  const kinds = (await city.get('/api/v1/work-record-kinds')).body.items;
  assert.equal(kinds.length, 8);
  for (const k of kinds) {
    const res = await city.get(`/api/v1/work-records?kind=${k.name}&page_size=50`);
    assert.equal(res.status, 200);
    for (const r of res.body.items) {
      for (const key of Object.keys(r.fields)) assert.ok(!/student/.test(key), `${k.name}.${key}`);
    }
  }
});

test('templates download as valid xlsx for every kind', async () => {
  const c = await as('school_leader');
  const kinds = (await c.get('/api/v1/work-record-kinds')).body.items;
  for (const k of kinds) {
    const res = await fetch(`${srv.baseUrl}/api/v1/work-record-kinds/${k.name}/template.xlsx`, {
      headers: { Cookie: [...c.cookies].map(([n, v]) => `${n}=${v}`).join('; ') },
    });
    assert.equal(res.status, 200, k.name);
    assert.match(res.headers.get('content-type'), /spreadsheetml/);
    assert.match(res.headers.get('content-disposition') || '', /attachment/);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.subarray(0, 4).toString('binary'), 'PK\x03\x04', `${k.name} is a zip`);
    const text = bytes.toString('latin1');
    for (const part of ['[Content_Types].xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml', 'xl/worksheets/sheet2.xml']) {
      assert.ok(text.includes(part), `${k.name} has ${part}`);
    }
    // The blank template read back by the importer: headers fine, no rows.
    const up = await c.post(
      `/api/v1/work-record-kinds/${k.name}/import?unit_id=${srv.accounts.school_leader.scope_unit_id}&school_year=${schoolYear()}&dry_run=1`,
      { body: bytes, headers: { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } },
    );
    if (k.level === 'unit') {
      assert.equal(up.status, 400);
      assert.equal(up.body.error.field, 'unit_id');
    } else {
      assert.equal(up.status, 400, JSON.stringify(up.body));
      assert.equal(up.body.error.details[0].line, 2, JSON.stringify(up.body));
      assert.match(up.body.error.details[0].message, /没有数据行/);
    }
  }
});

test('an import with bad rows writes nothing and names file, line and column', async () => {
  const c = await as('school_data_admin');
  const own = srv.accounts.school_data_admin.scope_unit_id;
  const before = await countOf(c, 'staff', own);
  const url = (dry) =>
    `/api/v1/work-record-kinds/staff/import?unit_id=${own}&school_year=${schoolYear()}&dry_run=${dry}&file_name=${encodeURIComponent('心理教师.csv')}`;
  const bad = '\uFEFF姓名,专兼职,具备专业资质,任职日期\n王静,专职,是,2020-09-01\n李强,全职,是,\n张敏,兼职,也许,2021-02-30\n';
  const res = await c.post(url(0), { body: bad, headers: { 'Content-Type': 'text/csv' } });
  assert.equal(res.status, 400, JSON.stringify(res.body));
  const d = res.body.error.details;
  assert.deepEqual(
    d.map((e) => [e.file, e.line, e.column]),
    [
      ['心理教师.csv', 3, '专兼职'],
      ['心理教师.csv', 4, '具备专业资质'],
      ['心理教师.csv', 4, '任职日期'],
    ],
  );
  assert.match(d[0].message, /全职/);
  assert.equal(await countOf(c, 'staff', own), before, 'nothing half-written');
  const header = await c.post(url(0), { body: '姓名,颜色\n王静,红\n', headers: { 'Content-Type': 'text/csv' } });
  assert.equal(header.status, 400);
  assert.equal(header.body.error.details[0].line, 1);
  // Fixed: the preview writes nothing, then the import replaces the year's staff.
  const good = '姓名,专兼职,具备专业资质\r\n王静,专职,是\r\n李强,专职,否\r\n';
  const preview = await c.post(url(1), { body: good, headers: { 'Content-Type': 'text/csv' } });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.equal(preview.body.state, 'preview');
  assert.equal(preview.body.total, 2);
  assert.equal(preview.body.replaced, before);
  assert.equal(await countOf(c, 'staff', own), before);
  const done = await c.post(url(0), { body: good, headers: { 'Content-Type': 'text/csv' } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.state, 'succeeded');
  assert.equal(await countOf(c, 'staff', own), 2);
  // Not its school; not a file; a read-only role.
  const other = srv.accounts.univ_psych_staff.scope_unit_id;
  const elsewhere = await c.post(
    `/api/v1/work-record-kinds/staff/import?unit_id=${other}&school_year=${schoolYear()}`,
    { body: good, headers: { 'Content-Type': 'text/csv' } },
  );
  assert.equal(elsewhere.status, 404);
  const junk = await c.post(url(0), {
    body: Buffer.from('PK\x03\x04not a zip at all', 'binary'),
    headers: { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  });
  assert.equal(junk.status, 400);
  assert.equal(junk.body.error.field, 'file');
  const liaison = await as('district_liaison');
  const ro = await liaison.post(url(0), { body: good, headers: { 'Content-Type': 'text/csv' } });
  assert.equal(ro.status, 403);
  assert.equal(await countOf(c, 'staff', own), 2);
});
