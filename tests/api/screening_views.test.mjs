// What staff see of screening (issues 17.4, 17.5, 18.6, 18.8, 18.9):
// templates only for those who create campaigns, neutral scale titles for
// everybody else, diagnostic words refused in text for neutral views,
// suppression of small numerators and 100 % cells with the city's k,
// results and exports in Chinese with filters and pages, duplicate names,
// grade order and labels, enrolment years, district and school rows.
// Answers are imported on paper (`xinqiao screening import`), so every
// count below is known.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, ApiClient, xqBin, kRepoRoot } from '../e2e/helpers.mjs';

let srv;
let dir;
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
  dir = mkdtempSync(path.join(tmpdir(), 'xq-views-'));
});
after(async () => {
  await srv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const kNeutralTitle = /^心理健康小调查（\d+）$/;
const kDiagnostic = ['抑郁', '焦虑', '阳性', '精神疾病', 'PHQ', 'GAD'];
const kPhq9Title = '患者健康问卷抑郁量表（PHQ-9）';
const kItems = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9'];
const kNegative = [0, 0, 0, 0, 0, 0, 0, 0, 0];
const kPositive = [2, 2, 2, 2, 2, 0, 0, 0, 0]; // total 10: 中度, no critical item

// Imports paper answers for a campaign: rows = [[student_no, answers]].
function importPaper(campaignId, rows, name = 'paper.csv') {
  const file = path.join(dir, name);
  writeFileSync(file, [`student_no,${kItems.join(',')}`, ...rows.map(([no, a]) => [no, ...a].join(','))].join('\n'));
  const r = spawnSync(xqBin(), ['screening', 'import', '--db', srv.db, '--campaign', campaignId, file], {
    cwd: kRepoRoot, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
}

// Students of the psychology staff's school, spread over its grades.
async function schoolStudents(campaignId, n) {
  const psych = await as('psych_staff');
  const all = await psych.get(`/api/v1/campaigns/${campaignId}/non-respondents?unit_id=${srv.accounts.psych_staff.scope_unit_id}`);
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.ok(all.body.items.length >= n, `${all.body.items.length} students`);
  const step = Math.floor(all.body.items.length / n);
  return Array.from({ length: n }, (_, i) => all.body.items[i * step]);
}

let main; // k12_junior campaign of the school (phq-a, gad7)
let paper; // phq9 campaign of the school with 30 answers, 3 of them positive

test('templates only for those who create campaigns', async () => {
  for (const { username } of srv.accountList) {
    const res = await (await as(username)).get('/api/v1/screening-templates');
    const creator = ['psych_staff', 'univ_psych_staff', 'district_admin', 'city_admin'].includes(username);
    assert.equal(res.status, creator ? 200 : 403, `${username} ${res.status}`);
    if (creator) assert.ok(res.body.items.some((t) => t.id === 'k12_junior'));
    else assert.ok(!JSON.stringify(res.body).includes('抑郁'), username);
  }
});

test('campaign titles: neutral for every role but the creators', async () => {
  const psych = await as('psych_staff');
  const created = await psych.post('/api/v1/campaigns', { json: { template: 'k12_junior' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  main = created.body;
  assert.ok(main.scales.some((s) => s.title.includes('PHQ')), 'the creator sees the scale names');
  assert.equal(main.owner_unit_name, srv.accounts.psych_staff.scope_name);

  // A head teacher who is also a grade head: two roles, both neutral.
  const dataAdmin = await as('school_data_admin');
  const htMe = (await (await as('head_teacher')).get('/api/v1/auth/me')).body;
  const grant = await dataAdmin.post(`/api/v1/accounts/${htMe.id}/roles`, {
    json: { role: 'grade_head', unit_id: String(srv.accounts.grade_head.scope_unit_id) },
  });
  assert.equal(grant.status, 201, JSON.stringify(grant.body));
  delete clients.head_teacher; // sign in again with both roles
  const neutral = ['head_teacher', 'grade_head', 'school_leader', 'school_data_admin', 'district_liaison'];
  for (const u of neutral) {
    const c = await as(u);
    const one = await c.get(`/api/v1/campaigns/${main.id}`);
    assert.equal(one.status, 200, u);
    assert.deepEqual(one.body.scales.map((s) => s.title), ['心理健康小调查（1）', '心理健康小调查（2）'], u);
    const list = await c.get('/api/v1/campaigns');
    assert.equal(list.status, 200, u);
    const mine = list.body.items.find((x) => x.id === main.id);
    assert.ok(mine, u);
    for (const s of mine.scales) assert.match(s.title, kNeutralTitle, u);
    for (const w of kDiagnostic) {
      assert.ok(!JSON.stringify(one.body.scales).includes(w), `${u}: ${w}`);
      assert.ok(!JSON.stringify(mine.scales).includes(w), `${u}: ${w}`);
    }
  }
  for (const u of ['psych_staff', 'district_admin', 'city_admin']) {
    const one = await (await as(u)).get(`/api/v1/campaigns/${main.id}`);
    assert.equal(one.status, 200, u);
    assert.ok(one.body.scales.some((s) => s.title.includes('PHQ')), u);
  }
  // The pickers of school leaders, district and city name the owning school.
  for (const u of ['school_leader', 'district_admin', 'city_admin']) {
    const list = await (await as(u)).get('/api/v1/campaigns');
    assert.equal(list.body.items.find((x) => x.id === main.id).owner_unit_name, srv.accounts.psych_staff.scope_name, u);
  }
});

test('diagnostic words are refused in text for neutral views, naming field and words', async () => {
  const words = await (await as('psych_staff')).get('/api/v1/diagnostic-words');
  assert.equal(words.status, 200);
  assert.ok(words.body.items.includes('抑郁') && words.body.items.includes('疑似'));
  assert.ok(!words.body.items.includes('压力') && !words.body.items.includes('情绪'));

  const psych = await as('psych_staff');
  const badName = await psych.post('/api/v1/campaigns', { json: { template: 'k12_junior', name: '初二抑郁筛查' } });
  assert.equal(badName.status, 400);
  assert.equal(badName.body.error.code, 'diagnostic_wording');
  assert.equal(badName.body.error.field, 'name');
  assert.match(badName.body.error.message, /抑郁/);
  const badNotice = await psych.post('/api/v1/campaigns', {
    json: { template: 'k12_junior', name: '初二心理健康调查', notice: '本次筛查焦虑与抑郁。' },
  });
  assert.equal(badNotice.status, 400);
  assert.equal(badNotice.body.error.field, 'notice');
  assert.match(badNotice.body.error.message, /焦虑/);
  assert.ok(!(await psych.get('/api/v1/campaigns')).body.items.some((c) => c.name === '初二心理健康调查'), 'nothing written');
});

test('a name in use needs confirming; the template fills it in', async () => {
  const psych = await as('psych_staff');
  const again = await psych.post('/api/v1/campaigns', { json: { template: 'k12_junior' } });
  assert.equal(again.status, 409, JSON.stringify(again.body));
  assert.equal(again.body.error.field, 'name');
  const confirmed = await psych.post('/api/v1/campaigns', { json: { template: 'k12_junior', confirm_duplicate_name: true } });
  assert.equal(confirmed.status, 201);
  assert.equal(confirmed.body.name, main.name);
  const bad = await psych.post('/api/v1/campaigns', { json: { template: 'k12_junior', confirm_duplicate_name: 'yes' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'confirm_duplicate_name');
  // Another unit may use the same name.
  const district = await (await as('district_admin')).post('/api/v1/campaigns', { json: { template: 'k12_junior' } });
  assert.equal(district.status, 201);
  await (await as('district_admin')).post(`/api/v1/campaigns/${district.body.id}/closure`);
});

test('aggregates: a small numerator is suppressed and protected', async () => {
  const psych = await as('psych_staff');
  const c = await psych.post('/api/v1/campaigns', {
    json: { name: '年度调查（纸质）', unit_ids: [String(srv.accounts.psych_staff.scope_unit_id)], scales: [{ instrument_id: 'phq9' }] },
  });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  paper = c.body;
  const students = await schoolStudents(paper.id, 30);
  importPaper(paper.id, students.map((s, i) => [s.student_no, i < 3 ? kPositive : kNegative]));
  paper.students = students;

  const da = await as('district_admin');
  const one = await da.get(`/api/v1/campaigns/${paper.id}/aggregates?by=school_kind`);
  assert.equal(one.status, 200, JSON.stringify(one.body));
  assert.equal(one.body.k, 10);
  // 3 positive of 30: a small numerator, hidden though 30 >= k.
  assert.equal(one.body.rows.length, 1);
  assert.equal(one.body.rows[0].cells[0].suppressed, true, JSON.stringify(one.body.rows[0]));
  assert.equal(one.body.total.suppressed, true, 'the total would give it away');
  assert.equal(one.body.rows[0].cells[0].positive, undefined);
  // By grade and sex: no shown cell or total has 1..9 positive or 0..9 not positive.
  const two = await da.get(`/api/v1/campaigns/${paper.id}/aggregates?by=grade,sex`);
  assert.equal(two.status, 200);
  const shown = [...two.body.rows.flatMap((r) => [...r.cells, r.total]), ...two.body.column_totals, two.body.total]
    .filter((x) => x && !x.suppressed);
  for (const cell of shown) {
    assert.ok(!(cell.positive >= 1 && cell.positive < 10), JSON.stringify(cell));
    assert.ok(!(cell.screened > 0 && cell.screened - cell.positive < 10), JSON.stringify(cell));
    assert.ok(!(cell.screened >= 1 && cell.screened < 10), JSON.stringify(cell));
  }
});

test('aggregates: a 100 % cell is suppressed', async () => {
  const psych = await as('psych_staff');
  const c = await psych.post('/api/v1/campaigns', {
    json: { name: '年度调查（纸质二）', unit_ids: [String(srv.accounts.psych_staff.scope_unit_id)], scales: [{ instrument_id: 'phq9' }] },
  });
  assert.equal(c.status, 201);
  const students = await schoolStudents(c.body.id, 12);
  importPaper(c.body.id, students.map((s) => [s.student_no, kPositive]), 'all.csv');
  const res = await (await as('city_admin')).get(`/api/v1/campaigns/${c.body.id}/aggregates?by=school_kind`);
  assert.equal(res.status, 200);
  assert.equal(res.body.rows[0].cells[0].suppressed, true, '12 of 12 would disclose everybody');
  assert.equal(res.body.total.suppressed, true);
});

test('aggregates: grades in order as staff write them, enrolment years, district and school rows', async () => {
  const da = await as('district_admin');
  const byGrade = await da.get(`/api/v1/campaigns/${paper.id}/aggregates?by=grade`);
  assert.equal(byGrade.status, 200);
  assert.deepEqual(byGrade.body.rows.map((r) => r.label), ['七年级', '八年级', '九年级']);
  const byYear = await da.get(`/api/v1/campaigns/${paper.id}/aggregates?by=year`);
  assert.equal(byYear.status, 200);
  const years = byYear.body.rows.map((r) => r.label);
  assert.equal(years.length, 3, JSON.stringify(years));
  assert.ok(years.every((y) => /^\d{4}年$/.test(y)));
  assert.deepEqual([...years].sort(), years, 'in order');
  assert.equal(new Set(years).size, 3, 'one row per cohort, not the year of answering');
  const bySchool = await da.get(`/api/v1/campaigns/${paper.id}/aggregates?by=school`);
  assert.equal(bySchool.status, 200);
  assert.deepEqual(bySchool.body.rows.map((r) => r.label), [srv.accounts.psych_staff.scope_name]);
  const byDistrict = await (await as('city_admin')).get(`/api/v1/campaigns/${paper.id}/aggregates?by=district,sex`);
  assert.equal(byDistrict.status, 200);
  assert.deepEqual(byDistrict.body.rows.map((r) => r.label), [srv.accounts.district_admin.scope_name]);
  assert.equal((await da.get(`/api/v1/campaigns/${paper.id}/aggregates?by=class`)).status, 400);
  // Progress lists the school's grades in grade order.
  const progress = await (await as('psych_staff')).get(`/api/v1/campaigns/${paper.id}/progress`);
  assert.equal(progress.status, 200);
  assert.deepEqual(progress.body.children.map((c) => c.name), ['七年级', '八年级', '九年级']);
});

test('results speak Chinese; filter by class and band, sort and page', async () => {
  const psych = await as('psych_staff');
  const all = await psych.get(`/api/v1/campaigns/${paper.id}/results?page_size=200`);
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.equal(all.body.total, 30);
  const row = all.body.items.find((r) => r.positive);
  assert.equal(row.instrument_title, kPhq9Title);
  assert.match(row.class_name, /^[七八九]年级\d+班$/);
  const total = row.score_list.find((s) => s.id === 'total');
  assert.equal(total.label, '总分');
  assert.equal(total.value, 10);
  assert.equal(total.band_label, '中度（10–14）');
  assert.deepEqual(all.body.bands.map((b) => b.label).sort(), ['中度（10–14）', '无或极轻微（0–4）'].sort());
  assert.ok(all.body.classes.length >= 3 && all.body.classes.every((c) => c.name));

  const page = await psych.get(`/api/v1/campaigns/${paper.id}/results?page_size=7`);
  assert.equal(page.body.items.length, 7);
  assert.equal(page.body.total, 30);
  assert.ok(page.body.next);
  const page2 = await psych.get(`/api/v1/campaigns/${paper.id}/results?page_size=7&after=${page.body.next}`);
  assert.equal(page2.body.items.length, 7);
  assert.ok(!page2.body.items.some((r) => page.body.items.some((x) => x.submission_id === r.submission_id)));
  const last = await psych.get(`/api/v1/campaigns/${paper.id}/results?page_size=7&after=28`);
  assert.equal(last.body.items.length, 2);
  assert.equal(last.body.next, null);
  const names = page.body.items.map((r) => r.class_name);
  assert.deepEqual(names, [...names].sort(), 'by class by default');

  const flagged = await psych.get(`/api/v1/campaigns/${paper.id}/results?band=positive`);
  assert.equal(flagged.body.total, 3);
  const moderate = await psych.get(`/api/v1/campaigns/${paper.id}/results?band=moderate`);
  assert.equal(moderate.body.total, 3);
  const worst = await psych.get(`/api/v1/campaigns/${paper.id}/results?sort=-band&page_size=3`);
  assert.ok(worst.body.items.every((r) => r.positive), 'most severe first');
  const cls = all.body.classes[0];
  const inClass = await psych.get(`/api/v1/campaigns/${paper.id}/results?class_id=${cls.id}&page_size=200`);
  assert.equal(inClass.status, 200);
  assert.ok(inClass.body.items.length > 0 && inClass.body.items.every((r) => r.class_name === cls.name));

  assert.equal((await psych.get(`/api/v1/campaigns/${paper.id}/results?sort=colour`)).body.error.field, 'sort');
  assert.equal((await psych.get(`/api/v1/campaigns/${paper.id}/results?page_size=0`)).body.error.field, 'page_size');
  assert.equal((await psych.get(`/api/v1/campaigns/${paper.id}/results?after=x`)).body.error.field, 'after');
  assert.equal((await psych.get(`/api/v1/campaigns/${paper.id}/results?colour=1`)).status, 400);
  for (const u of ['head_teacher', 'school_leader', 'district_admin']) {
    const res = await (await as(u)).get(`/api/v1/campaigns/${paper.id}/results`);
    assert.ok([403, 404].includes(res.status), u);
  }

  // The student's history: labels and each item's text with the answer chosen.
  const hist = await psych.get(`/api/v1/students/${row.student_id}/screening-results`);
  assert.equal(hist.status, 200);
  const h = hist.body.items[0];
  assert.equal(h.instrument_title, kPhq9Title);
  assert.ok(h.class_name);
  assert.ok(h.answer_list.length >= 9 && h.answer_list.every((a) => a.text && a.answer && !/^q\d/.test(a.text)));
});

test('the Excel export: Chinese names, one column per score and band, a class column, no JSON', async () => {
  const psych = await as('psych_staff');
  const raw = await fetch(`${srv.baseUrl}/api/v1/campaigns/${paper.id}/exports`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-CSRF-Token': psych.csrf,
      Cookie: [...psych.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body: JSON.stringify({ kind: 'results', reason: '心理中心访谈安排' }),
  });
  assert.equal(raw.status, 200);
  const cd = raw.headers.get('content-disposition');
  const star = /filename\*=UTF-8''([^;]+)/.exec(cd);
  assert.ok(star, cd);
  const name = decodeURIComponent(star[1]);
  assert.ok(name.startsWith(`${srv.accounts.psych_staff.scope_name}-${paper.name}-`), name);
  assert.match(name, /-\d{4}-\d{2}-\d{2}-筛查结果\.xlsx$/);
  const xlsx = path.join(dir, 'r.xlsx');
  writeFileSync(xlsx, Buffer.from(await raw.arrayBuffer()));
  const unzip = (member) => spawnSync('unzip', ['-p', xlsx, member], { encoding: 'utf8' }).stdout;
  const strings = unzip('xl/sharedStrings.xml');
  for (const s of ['班级', '总分', '总分分段', '中度（10–14）', '无或极轻微（0–4）']) assert.ok(strings.includes(s), s);
  assert.ok(!strings.includes('{"') && !strings.includes('{&quot;'), 'no JSON in cells');
  assert.ok(!strings.includes('moderate') && !strings.includes('at_or_above'), 'no band codes');
  const book = unzip('xl/workbook.xml');
  assert.ok(book.includes(kPhq9Title), 'the sheet is named after the scale');
});

test('k is the city\'s: changed by the city admin only, audited, never lowered by a caller', async () => {
  const da = await as('district_admin');
  assert.equal((await da.get('/api/v1/settings/suppression')).body.k, 10);
  for (const u of ['district_admin', 'psych_staff', 'school_leader', 'auditor']) {
    const res = await (await as(u)).request('PUT', '/api/v1/settings/suppression', { json: { k: 20 } });
    assert.equal(res.status, 403, u);
  }
  assert.equal((await (await as('student')).get('/api/v1/settings/suppression')).status, 403);
  const city = await as('city_admin');
  const low = await city.request('PUT', '/api/v1/settings/suppression', { json: { k: 4 } });
  assert.equal(low.status, 400);
  assert.equal(low.body.error.field, 'k');
  const bad = await city.request('PUT', '/api/v1/settings/suppression', { json: { k: '12' } });
  assert.equal(bad.status, 400);
  const set = await city.request('PUT', '/api/v1/settings/suppression', { json: { k: 12 } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.k, 12);
  assert.equal((await da.get('/api/v1/settings/suppression')).body.k, 12);

  const agg = await da.get(`/api/v1/campaigns/${paper.id}/aggregates?by=school_kind`);
  assert.equal(agg.body.k, 12);
  const lower = await da.get(`/api/v1/campaigns/${paper.id}/aggregates?by=school_kind&k=10`);
  assert.equal(lower.status, 400);
  assert.equal(lower.body.error.field, 'k');
  const higher = await da.get(`/api/v1/campaigns/${paper.id}/aggregates?by=school_kind&k=20`);
  assert.equal(higher.status, 200);
  assert.equal(higher.body.k, 20);
  const exp = await da.post(`/api/v1/campaigns/${paper.id}/exports`, { json: { kind: 'aggregates', k: 5 } });
  assert.equal(exp.status, 400);
  assert.equal(exp.body.error.field, 'k');

  const audit = await (await as('auditor')).get('/api/v1/audit-events?page_size=200');
  assert.equal(audit.status, 200);
  const change = audit.body.items.find((e) => e.object_type === 'suppression_setting' && e.outcome === 'ok');
  assert.ok(change, 'the change is in the audit log');
  assert.match(JSON.stringify(change), /12/);
  assert.ok(audit.body.items.some((e) => e.object_type === 'suppression_setting' && e.outcome === 'denied'));
});

test('guidance for head teachers is refused with diagnostic words', async () => {
  const psych = await as('psych_staff');
  const q = await psych.get('/api/v1/follow-ups');
  assert.equal(q.status, 200);
  const f = q.body.items.find((x) => paper.students.slice(0, 3).some((s) => s.student_id === x.student_id));
  assert.ok(f, 'a follow-up of a positive paper answer');
  const bad = await psych.post(`/api/v1/follow-ups/${f.id}/interview`, {
    json: { outcome: 'confirmed', level: 2, guidance: '该生疑似抑郁，请班主任多关注。' },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'diagnostic_wording');
  assert.equal(bad.body.error.field, 'guidance');
  assert.match(bad.body.error.message, /抑郁/);
  assert.match(bad.body.error.message, /疑似/);
  const ok = await psych.post(`/api/v1/follow-ups/${f.id}/interview`, {
    json: { outcome: 'confirmed', level: 2, guidance: '请多关心该生的作息和情绪，鼓励参加集体活动。' },
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});
