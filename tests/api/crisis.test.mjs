// Crisis cases, the green channel and break-glass (R-41, R-42; ACCESS.md
// D5) by role: the psychology staff write, the school leader sees status
// and deadlines but no notes, the crisis group only escalated cases, the
// expert only consulted ones, a hospital liaison only its own hospital's
// referrals, other schools only through break-glass; bad input is 4xx;
// nothing sealed is found in plaintext in the SQLite file or a pg_dump.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databaseDump } from './dump.mjs';
import { execFileSync } from 'node:child_process';
import { startServer, ApiClient, xqBin } from '../e2e/helpers.mjs';

let srv;
const ids = {};
const kCaseMarker = 'MARKER-CASE-7Q2Z-夜间情绪记录';
const kSummaryMarker = 'MARKER-REFERRAL-K8P1';
const kClinicalMarker = 'MARKER-CLINICAL-Z9Y3';
const kFileMarker = 'MARKER-SCAN-4B7W';
const kCertMarker = 'MARKER-CERT-Q5N2';
const kAssessMarker = 'MARKER-ASSESS-H6T8';
const kAdvice = '建议每周与心理老师谈心一次，减轻课业压力';
const kPlan = '每周与心理老师谈心一次，班主任多鼓励，体育课量力而行';
const kDiagnostic = ['抑郁', '焦虑', '精神疾病', '阳性', '自杀'];

before(async () => {
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

async function as(user) {
  const c = new ApiClient(srv.baseUrl);
  const me = await c.login(user);
  c.me = me;
  return c;
}

async function studentOf(headTeacherUser) {
  const psych = await as('psych_staff');
  const unit = srv.accounts[headTeacherUser].scope_unit_id;
  const res = await psych.get(`/api/v1/students?unit_id=${unit}&page_size=5`);
  assert.equal(res.status, 200);
  return res.body.items;
}

function noDiagnosticWords(body) {
  const text = JSON.stringify(body);
  for (const w of kDiagnostic) assert.ok(!text.includes(w), `diagnostic word ${w} in ${text.slice(0, 200)}`);
}

test('psychology staff open a case; bad input is 4xx naming the field', async () => {
  const psych = await as('psych_staff');
  const [s1, s2, s3] = await studentOf('head_teacher');
  ids.student = s1.id;
  ids.student2 = s2.id;
  ids.student3 = s3.id;
  const bad = [
    [{ student_id: s1.id, source: 'rumour', level: 2 }, 400, 'source'],
    [{ student_id: s1.id, source: 'hotline', level: 5 }, 400, 'level'],
    [{ source: 'hotline', level: 2 }, 400, 'student_id'],
    [{ student_id: 'abc', source: 'hotline' }, 400, 'student_id'],
    [{ student_id: '999999999', source: 'hotline' }, 404, 'student_id'],
    [{ student_id: s1.id, source: 'warning', source_id: '999999999' }, 404, 'source_id'],
    [{ student_id: s1.id, source: 'observation' }, 400, 'source_id'],
    [{ student_id: s1.id, source: 'hotline', extra: 1 }, 400, 'extra'],
  ];
  for (const [json, status, field] of bad) {
    const res = await psych.post('/api/v1/crisis/cases', { json });
    assert.equal(res.status, status, JSON.stringify([json, res.body]));
    assert.equal(res.body.error.field, field);
  }
  const res = await psych.post('/api/v1/crisis/cases', {
    json: { student_id: s1.id, source: 'hotline', level: 2, record: kCaseMarker },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.step, 'report');
  assert.equal(res.body.view, 'full');
  assert.equal(res.body.escalated, false);
  assert.ok(res.body.step_due_at);
  assert.equal(res.body.items[0].text, kCaseMarker);
  ids.case = res.body.id;
  // The school's other psychology staff are told; the list holds it.
  const list = await psych.get('/api/v1/crisis/cases?status=open');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((c) => c.id === ids.case));
  assert.equal((await psych.get('/api/v1/crisis/cases?status=bogus')).status, 400);
  assert.equal((await psych.get('/api/v1/crisis/cases?after=nonsense')).status, 400);
  assert.equal((await psych.get('/api/v1/crisis/cases/999999999')).status, 404);
});

test('school leader sees status and deadlines, never notes', async () => {
  const leader = await as('school_leader');
  const one = await leader.get(`/api/v1/crisis/cases/${ids.case}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.view, 'summary');
  assert.equal(one.body.step, 'report');
  assert.ok(one.body.step_due_at);
  assert.equal(one.body.items, undefined);
  assert.equal(one.body.source, undefined);
  assert.ok(!JSON.stringify(one.body).includes(kCaseMarker));
  noDiagnosticWords(one.body);
  const list = await leader.get('/api/v1/crisis/cases');
  assert.ok(list.body.items.some((c) => c.id === ids.case && c.view === 'summary' && !c.items));
  // A leader writes nothing.
  const adv = await leader.post(`/api/v1/crisis/cases/${ids.case}/advance`, { json: { to: 'assess', record: 'x' } });
  assert.equal(adv.status, 403);
});

test('roles without D5 of the case do not find it', async () => {
  for (const user of ['head_teacher', 'grade_head', 'subject_teacher', 'student', 'guardian', 'peer_reporter',
    'crisis_group', 'expert', 'hospital_liaison', 'district_admin', 'city_admin', 'auditor', 'univ_psych_staff']) {
    const c = await as(user);
    const one = await c.get(`/api/v1/crisis/cases/${ids.case}`);
    assert.equal(one.status, 404, `${user} read the case`);
    const list = await c.get('/api/v1/crisis/cases');
    assert.equal(list.status, 200);
    assert.ok(!list.body.items.some((x) => x.id === ids.case), `${user} listed the case`);
    noDiagnosticWords(list.body);
  }
});

test('steps go forward with records; intervention needs watch, guardian, notice and plan', async () => {
  const psych = await as('psych_staff');
  const base = `/api/v1/crisis/cases/${ids.case}`;
  assert.equal((await psych.post(`${base}/advance`, { json: { to: 'intervene', record: 'skip' } })).status, 400);
  const noRecord = await psych.post(`${base}/advance`, { json: { to: 'assess', record: '' } });
  assert.equal(noRecord.status, 400);
  assert.equal(noRecord.body.error.field, 'record');
  let r = await psych.post(`${base}/advance`, { json: { to: 'assess', record: '已当面报告心理中心' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.step, 'assess');
  r = await psych.post(`${base}/advance`, { json: { to: 'intervene', record: '评估完成' } });
  assert.equal(r.body.step, 'intervene');
  const early = await psych.post(`${base}/advance`, { json: { to: 'refer', record: '干预记录' } });
  assert.equal(early.status, 400);
  assert.equal(early.body.error.field, 'watch');
  const badWatch = await psych.post(`${base}/items`, {
    json: { kind: 'watch', text: '张老师、李老师', starts_at: '2026-12-04T10:00:00+08:00', ends_at: '2026-12-04T09:00:00+08:00' },
  });
  assert.equal(badWatch.status, 400);
  assert.equal(badWatch.body.error.field, 'ends_at');
  assert.equal((await psych.post(`${base}/items`, { json: { kind: 'gossip', text: 'x' } })).status, 400);
  r = await psych.post(`${base}/items`, {
    json: { kind: 'watch', text: '张老师（白天）、李老师（夜间）', starts_at: '2026-12-04T10:00:00+08:00', ends_at: '2026-12-05T10:00:00+08:00' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await psych.post(`${base}/items`, { json: { kind: 'guardian_notified', text: '电话告知母亲，已到校' } });
  assert.equal(r.status, 201);
  // The scanned notice: type checked against its bytes, size limited.
  const txt = await psych.post(`${base}/guardian-notice?name=a.txt`, { body: 'hello', headers: { 'Content-Type': 'text/plain' } });
  assert.ok([400, 415].includes(txt.status), String(txt.status));
  const fakePng = await psych.post(`${base}/guardian-notice?name=a.png`, { body: 'not a png', headers: { 'Content-Type': 'image/png' } });
  assert.equal(fakePng.status, 415);
  const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(6 * 1024 * 1024, 0x20)]);
  const tooBig = await psych.post(`${base}/guardian-notice?name=big.pdf`, { body: big, headers: { 'Content-Type': 'application/pdf' } });
  assert.equal(tooBig.status, 413);
  const pdf = Buffer.from(`%PDF-1.4\n${kFileMarker}\n%%EOF\n`);
  const scan = await psych.post(`${base}/guardian-notice?name=notice.pdf`, { body: pdf, headers: { 'Content-Type': 'application/pdf' } });
  assert.equal(scan.status, 201, JSON.stringify(scan.body));
  ids.scan = scan.body.id;
  const file = await psych.get(`${base}/guardian-notice/${ids.scan}`);
  assert.equal(file.status, 200);
  assert.ok(String(file.body).includes(kFileMarker));
  const leader = await as('school_leader');
  assert.equal((await leader.get(`${base}/guardian-notice/${ids.scan}`)).status, 404);
  const noPlan = await psych.post(`${base}/advance`, { json: { to: 'refer', record: '干预记录' } });
  assert.equal(noPlan.body.error.field, 'safety_plan');
  r = await psych.post(`${base}/items`, { json: { kind: 'safety_plan', text: '每日放学前与心理老师见面' } });
  assert.equal(r.status, 201);
  r = await psych.post(`${base}/advance`, { json: { to: 'refer', record: '干预完成，需转介' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.step, 'refer');
  const kinds = r.body.items.map((i) => i.kind);
  for (const k of ['record', 'watch', 'guardian_notified', 'notice_scan', 'safety_plan']) assert.ok(kinds.includes(k), k);
});

test('guardian confirms the notice in the app and sees no notes', async () => {
  const psych = await as('psych_staff');
  // A second case, for the guardian's own child.
  const guardian = await as('guardian');
  const child = guardian.me.children?.[0]?.id || guardian.me.student_ids?.[0];
  const kids = await guardian.get('/api/v1/students?page_size=5');
  const childId = child || kids.body.items?.[0]?.id;
  assert.ok(childId, 'the demo guardian has a child');
  const open = await psych.post('/api/v1/crisis/cases', { json: { student_id: childId, source: 'hotline', level: 3, record: '来电' } });
  assert.equal(open.status, 201, JSON.stringify(open.body));
  ids.childCase = open.body.id;
  const base = `/api/v1/crisis/cases/${ids.childCase}`;
  await psych.post(`${base}/advance`, { json: { to: 'assess', record: 'r' } });
  await psych.post(`${base}/advance`, { json: { to: 'intervene', record: 'a' } });
  const req = await psych.post(`${base}/items`, { json: { kind: 'notice_app', text: '' } });
  assert.equal(req.status, 201, JSON.stringify(req.body));
  const list = await guardian.get('/api/v1/crisis/guardian-notices');
  assert.equal(list.status, 200);
  const mine = list.body.items.find((n) => n.id === req.body.id);
  assert.ok(mine);
  assert.equal(mine.state, 'requested');
  noDiagnosticWords(list.body);
  // Until confirmed it is a to-do on the guardian's home, counted on the menu.
  const waiting = list.body.items.filter((n) => n.state === 'requested').length;
  const todo = async () => (await guardian.get('/api/v1/todos')).body;
  const before = await todo();
  assert.equal(before.items.find((x) => x.kind === 'guardian_notices')?.count, waiting);
  assert.equal(before.badges.guardian_notices, waiting);
  noDiagnosticWords(before);
  for (const u of ['student', 'head_teacher', 'psych_staff'])
    assert.ok(!(await (await as(u)).get('/api/v1/todos')).body.items.some((x) => x.kind === 'guardian_notices'), u);
  // Another guardian's notice is not found; confirming twice conflicts.
  const other = await as('student');
  assert.equal((await other.post(`/api/v1/crisis/guardian-notices/${req.body.id}/confirmation`)).status, 404);
  assert.equal((await guardian.post(`/api/v1/crisis/guardian-notices/${req.body.id}/confirmation`)).status, 204);
  const after1 = (await todo()).items.find((x) => x.kind === 'guardian_notices');
  assert.equal(after1?.count, waiting > 1 ? waiting - 1 : undefined, 'confirmed: one fewer to do');
  assert.equal((await guardian.post(`/api/v1/crisis/guardian-notices/${req.body.id}/confirmation`)).status, 409);
  const after = await psych.get(base);
  assert.equal(after.body.items.find((i) => i.id === req.body.id).state, 'confirmed');
});

test('a level-1 case reaches the district crisis group as a summary; experts only when consulted', async () => {
  const psych = await as('psych_staff');
  const open = await psych.post('/api/v1/crisis/cases', {
    json: { student_id: ids.student2, source: 'hotline', level: 1, record: kCaseMarker },
  });
  assert.equal(open.status, 201);
  assert.equal(open.body.escalated, true);
  ids.urgent = open.body.id;
  const group = await as('crisis_group');
  const seen = await group.get(`/api/v1/crisis/cases/${ids.urgent}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.view, 'summary');
  assert.equal(seen.body.items, undefined);
  assert.ok(!JSON.stringify(seen.body).includes(kCaseMarker));
  const list = await group.get('/api/v1/crisis/cases');
  assert.ok(list.body.items.some((c) => c.id === ids.urgent));
  assert.ok(!list.body.items.some((c) => c.id === ids.case), 'not escalated: not listed');
  assert.equal((await group.post(`/api/v1/crisis/cases/${ids.urgent}/advance`, { json: { to: 'assess', record: 'x' } })).status, 403);

  const expert = await as('expert');
  assert.equal((await expert.get(`/api/v1/crisis/cases/${ids.urgent}`)).status, 404);
  const badConsult = await psych.post(`/api/v1/crisis/cases/${ids.urgent}/consults`, { json: { account_id: psych.me.id } });
  assert.equal(badConsult.status, 404);
  assert.equal(badConsult.body.error.field, 'account_id');
  const consult = await psych.post(`/api/v1/crisis/cases/${ids.urgent}/consults`, { json: { account_id: expert.me.id } });
  assert.equal(consult.status, 204, JSON.stringify(consult.body));
  const full = await expert.get(`/api/v1/crisis/cases/${ids.urgent}`);
  assert.equal(full.status, 200);
  assert.equal(full.body.view, 'full');
  assert.equal(full.body.items[0].text, kCaseMarker);
  assert.equal((await expert.get(`/api/v1/crisis/cases/${ids.case}`)).status, 404);
  const elist = await expert.get('/api/v1/crisis/cases');
  assert.deepEqual(elist.body.items.map((c) => c.id), [ids.urgent]);
  // Each home page counts the open cases its owner may see (the same as the
  // list) and those with a step overdue; nobody else gets that part.
  for (const [u, c] of [['psych_staff', psych], ['crisis_group', group], ['expert', expert], ['school_leader', await as('school_leader')]]) {
    const cases = (await c.get('/api/v1/crisis/cases?status=open&page_size=200')).body.items;
    const todos = (await c.get('/api/v1/todos')).body;
    const item = todos.items.find((x) => x.kind === 'crisis_cases');
    assert.ok(item, u);
    assert.equal(item.count, cases.length, u);
    assert.equal(item.overdue, cases.filter((x) => x.overdue).length, u);
    assert.equal(todos.badges.crisis_cases, item.overdue, u);
  }
  for (const u of ['head_teacher', 'student', 'guardian', 'hospital_liaison']) {
    const todos = (await (await as(u)).get('/api/v1/todos')).body;
    assert.ok(!todos.items.some((x) => x.kind === 'crisis_cases'), u);
  }
  // Closing ends the crisis group's access.
  for (const [to, record] of [['assess', 'r'], ['intervene', 'a']]) {
    assert.equal((await psych.post(`/api/v1/crisis/cases/${ids.urgent}/advance`, { json: { to, record } })).status, 200);
  }
});

test('green channel: a liaison sees only its own hospital; advice is neutral; clinical stays with the centre', async () => {
  const city = await as('city_admin');
  const liaison = await as('hospital_liaison');
  const cityUnit = srv.accounts.city_admin.scope_unit_id;
  const psych = await as('psych_staff');
  assert.equal((await psych.post('/api/v1/crisis/hospitals', { json: { name: 'X', unit_id: cityUnit } })).status, 403);
  const badLiaison = await city.post('/api/v1/crisis/hospitals', { json: { name: '某医院', unit_id: cityUnit, liaison_account_ids: [psych.me.id] } });
  assert.equal(badLiaison.status, 404);
  assert.equal(badLiaison.body.error.field, 'liaison_account_ids');
  const a = await city.post('/api/v1/crisis/hospitals', { json: { name: '市精神卫生中心', unit_id: cityUnit, liaison_account_ids: [liaison.me.id] } });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  const b = await city.post('/api/v1/crisis/hospitals', { json: { name: '区心理医院', unit_id: cityUnit } });
  assert.equal(b.status, 201);
  const hospitals = await psych.get('/api/v1/crisis/hospitals');
  assert.equal(hospitals.status, 200);
  assert.ok(hospitals.body.items.length >= 2);

  const badRef = await psych.post(`/api/v1/crisis/cases/${ids.case}/referrals`, { json: { hospital_id: '999999999', summary: 's' } });
  assert.equal(badRef.status, 404);
  assert.equal(badRef.body.error.field, 'hospital_id');
  const toA = await psych.post(`/api/v1/crisis/cases/${ids.case}/referrals`, { json: { hospital_id: a.body.id, summary: kSummaryMarker } });
  assert.equal(toA.status, 201, JSON.stringify(toA.body));
  const toB = await psych.post(`/api/v1/crisis/cases/${ids.urgent}/referrals`, { json: { hospital_id: b.body.id, summary: '另一份摘要' } });
  assert.equal(toB.status, 201, JSON.stringify(toB.body));
  ids.referral = toA.body.id;

  const list = await liaison.get('/api/v1/crisis/referrals');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((r) => r.id), [toA.body.id]);
  assert.equal(list.body.items[0].summary, kSummaryMarker);
  assert.equal((await liaison.get(`/api/v1/crisis/referrals/${toB.body.id}`)).status, 404);
  assert.equal((await liaison.post(`/api/v1/crisis/referrals/${toB.body.id}/acceptance`)).status, 404);
  // The liaison reads the referral, never the case.
  assert.equal((await liaison.get(`/api/v1/crisis/cases/${ids.case}`)).status, 404);
  for (const user of ['school_leader', 'head_teacher', 'crisis_group', 'expert']) {
    const c = await as(user);
    assert.equal((await c.get(`/api/v1/crisis/referrals/${toA.body.id}`)).status, 404, user);
    assert.equal((await c.get('/api/v1/crisis/referrals')).body.items.length, 0, user);
  }

  const early = await liaison.post(`/api/v1/crisis/referrals/${toA.body.id}/feedback`, { json: { clinical_summary: 'c', advice: '多关心' } });
  assert.equal(early.status, 409);
  assert.equal((await liaison.post(`/api/v1/crisis/referrals/${toA.body.id}/acceptance`)).status, 200);
  assert.equal((await liaison.post(`/api/v1/crisis/referrals/${toA.body.id}/acceptance`)).status, 409);
  const badKind = await liaison.post(`/api/v1/crisis/referrals/${toA.body.id}/appointment`, { json: { kind: 'party', at: '2026-12-06T09:00:00+08:00' } });
  assert.equal(badKind.status, 400);
  const appt = await liaison.post(`/api/v1/crisis/referrals/${toA.body.id}/appointment`, { json: { kind: 'appointment', at: '2026-12-06T09:00:00+08:00' } });
  assert.equal(appt.status, 200);
  assert.equal(appt.body.state, 'appointed');
  const diag = await liaison.post(`/api/v1/crisis/referrals/${toA.body.id}/feedback`, { json: { clinical_summary: kClinicalMarker, advice: '学生有抑郁情况，需要关注' } });
  assert.equal(diag.status, 400);
  assert.equal(diag.body.error.field, 'advice');
  const fb = await liaison.post(`/api/v1/crisis/referrals/${toA.body.id}/feedback`, { json: { clinical_summary: kClinicalMarker, advice: kAdvice } });
  assert.equal(fb.status, 200, JSON.stringify(fb.body));
  assert.equal(fb.body.state, 'answered');
  const seen = await psych.get(`/api/v1/crisis/referrals/${toA.body.id}`);
  assert.equal(seen.body.clinical_summary, kClinicalMarker);
  ids.referral = toA.body.id;
  assert.equal(seen.body.advice, kAdvice);
});

test('break-glass: other school psych staff with a reason, flagged, told, reviewed by the auditor', async () => {
  const other = await as('univ_psych_staff');
  assert.equal((await other.get(`/api/v1/crisis/cases/${ids.case}`)).status, 404);
  const short = await other.post(`/api/v1/crisis/cases/${ids.case}/break-glass`, { json: { reason: '紧急' } });
  assert.equal(short.status, 400);
  assert.equal(short.body.error.field, 'reason');
  const nobody = await as('head_teacher');
  assert.equal((await nobody.post(`/api/v1/crisis/cases/${ids.case}/break-glass`, { json: { reason: '学生在我校活动中出现紧急情况需要了解' } })).status, 404);
  const own = await as('psych_staff');
  assert.equal((await own.post(`/api/v1/crisis/cases/${ids.case}/break-glass`, { json: { reason: '学生在我校活动中出现紧急情况需要了解' } })).status, 409);
  const bg = await other.post(`/api/v1/crisis/cases/${ids.case}/break-glass`, { json: { reason: '学生在我校活动中出现紧急情况需要了解' } });
  assert.equal(bg.status, 201, JSON.stringify(bg.body));
  const seen = await other.get(`/api/v1/crisis/cases/${ids.case}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.break_glass, true);
  assert.ok(seen.body.break_glass_until);
  assert.equal((await other.post(`/api/v1/crisis/cases/${ids.case}/advance`, { json: { to: 'close', record: 'x' } })).status, 403);
  // The owning school's centre and the auditor are told.
  const notices = await own.get('/api/v1/notices');
  assert.ok(JSON.stringify(notices.body).includes('crisis_break_glass'));
  const auditor = await as('auditor');
  const an = await auditor.get('/api/v1/notices');
  assert.ok(JSON.stringify(an.body).includes('crisis_break_glass'));
  const review = await auditor.get('/api/v1/crisis/break-glass?unreviewed=true');
  assert.equal(review.status, 200);
  const item = review.body.items.find((b) => b.id === bg.body.id);
  assert.ok(item);
  assert.equal(item.reason, '学生在我校活动中出现紧急情况需要了解');
  assert.equal((await own.get('/api/v1/crisis/break-glass')).body.items.length, 0);
  assert.equal((await auditor.post(`/api/v1/crisis/break-glass/${bg.body.id}/review`, { json: { comment: '' } })).status, 400);
  const done = await auditor.post(`/api/v1/crisis/break-glass/${bg.body.id}/review`, { json: { comment: '理由充分，已核实' } });
  assert.equal(done.status, 200);
  assert.equal(done.body.reviewed, true);
  assert.equal((await auditor.post(`/api/v1/crisis/break-glass/${bg.body.id}/review`, { json: { comment: '再次' } })).status, 409);
  assert.equal((await own.post(`/api/v1/crisis/break-glass/${bg.body.id}/review`, { json: { comment: 'x' } })).status, 404);
});

test('return to school: certificate sealed, neutral plan, head teacher sees guidance only', async () => {
  const psych = await as('psych_staff');
  const base = `/api/v1/crisis/cases/${ids.case}`;
  const noCert = await psych.post(`${base}/return/plan`, { json: { assessment: 'a', plan: '多鼓励' } });
  assert.equal(noCert.status, 409);
  const wrong = await psych.post(`${base}/return/certificate?name=c.jpg`, { body: 'plain text', headers: { 'Content-Type': 'image/jpeg' } });
  assert.equal(wrong.status, 415);
  const cert = Buffer.from(`%PDF-1.4\n${kCertMarker}\n%%EOF\n`);
  const up = await psych.post(`${base}/return/certificate?name=cert.pdf`, { body: cert, headers: { 'Content-Type': 'application/pdf' } });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const again = await psych.post(`${base}/return/certificate?name=cert.pdf`, { body: cert, headers: { 'Content-Type': 'application/pdf' } });
  assert.equal(again.status, 409);
  const file = await psych.get(`${base}/return/certificate`);
  assert.equal(file.status, 200);
  assert.ok(String(file.body).includes(kCertMarker));
  const diag = await psych.post(`${base}/return/plan`, { json: { assessment: kAssessMarker, plan: '注意抑郁情绪' } });
  assert.equal(diag.status, 400);
  assert.equal(diag.body.error.field, 'plan');
  const plan = await psych.post(`${base}/return/plan`, { json: { assessment: kAssessMarker, plan: kPlan } });
  assert.equal(plan.status, 200, JSON.stringify(plan.body));
  assert.equal(plan.body.state, 'planned');
  assert.equal(plan.body.assessment, kAssessMarker);
  // The head teacher of the class: the plan, nothing else.
  const head = await as('head_teacher');
  const g = await head.get('/api/v1/crisis/guidance');
  assert.equal(g.status, 200);
  const mine = g.body.items.find((x) => x.case_id === ids.case);
  assert.ok(mine);
  assert.equal(mine.plan, kPlan);
  assert.equal(mine.assessment, undefined);
  assert.equal(mine.certificate, undefined);
  noDiagnosticWords(g.body);
  assert.equal((await head.get(`${base}/return`)).status, 404);
  assert.equal((await head.get(`${base}/return/certificate`)).status, 404);
  // Another class's head teacher and the school leader: no guidance for it.
  for (const user of ['head_teacher2', 'school_leader', 'student', 'guardian']) {
    const c = await as(user);
    const res = await c.get('/api/v1/crisis/guidance');
    assert.equal(res.status, 200);
    assert.ok(!res.body.items.some((x) => x.case_id === ids.case), user);
  }
});

test('keys rotate re-seals every crisis record under the new key; the case, scan, referral and return still open', {
  skip: process.env.XQ_TEST_DB_KIND === 'postgresql' ? 'the key file sits beside the SQLite file (the SQLite run checks it)' : false,
}, async () => {
  const keyFile = `${srv.db.slice('sqlite:'.length)}.key`;
  const rotate = (...extra) =>
    execFileSync(xqBin(), ['keys', 'rotate', ...extra, '--db', srv.db, '--key-file', keyFile], { encoding: 'utf8' });
  const out = rotate();
  for (const col of ['crisis_items.body', 'crisis_referrals.summary', 'crisis_referrals.clinical',
    'crisis_returns.certificate', 'crisis_returns.assessment']) {
    assert.match(out, new RegExp(`${col.replace('.', '\\.')}: up to id \\d+: \\d+ read, [1-9]\\d* re-sealed`), `${col}\n${out}`);
  }
  // Nothing is left under the old key.
  assert.match(rotate('--continue'), /: \d+ values read, 0 re-sealed, [1-9]\d* already current/);
  // The running server reads the new key and opens everything as before.
  const psych = await as('psych_staff');
  const base = `/api/v1/crisis/cases/${ids.case}`;
  const c = await psych.get(base);
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal(c.body.items[0].text, kCaseMarker);
  const scan = await psych.get(`${base}/guardian-notice/${ids.scan}`);
  assert.equal(scan.status, 200);
  assert.ok(String(scan.body).includes(kFileMarker));
  const ref = await psych.get(`/api/v1/crisis/referrals/${ids.referral}`);
  assert.equal(ref.status, 200);
  assert.equal(ref.body.clinical_summary, kClinicalMarker);
  assert.equal(ref.body.summary, kSummaryMarker);
  const cert = await psych.get(`${base}/return/certificate`);
  assert.equal(cert.status, 200);
  assert.ok(String(cert.body).includes(kCertMarker));
  const ret = await psych.get(`${base}/return`);
  assert.equal(ret.status, 200);
  assert.equal(ret.body.assessment, kAssessMarker);
  // Still nothing for the school leader.
  assert.ok(!JSON.stringify((await (await as('school_leader')).get(base)).body).includes(kCaseMarker));
});

test('no plaintext of a case record, a referral or a scanned file in a copy of the database (SQLite file, pg_dump)', async () => {
  const bytes = databaseDump(srv.db);
  assert.ok(bytes.length > 0);
  for (const m of [kCaseMarker, kSummaryMarker, kClinicalMarker, kFileMarker, kCertMarker, kAssessMarker]) {
    assert.equal(bytes.indexOf(Buffer.from(m)), -1, `${m} found in plaintext`);
  }
  // The sealed rows are there, and so is what is stored plain (the
  // hospital's advice for the school, in neutral words).
  assert.ok(bytes.indexOf(Buffer.from('xq1:')) >= 0);
  assert.ok(bytes.indexOf(Buffer.from(kAdvice)) >= 0, 'the copy holds the plain advice');
});

test('倒查: the report of the scripted case matches what happened and names a tampered audit row', async () => {
  const auditor = await as('auditor');
  assert.equal((await auditor.get('/api/v1/crisis/trace')).status, 400);
  assert.equal((await auditor.get('/api/v1/crisis/trace?case_id=abc')).status, 400);
  for (const user of ['head_teacher', 'school_leader', 'student', 'hospital_liaison', 'expert']) {
    const c = await as(user);
    assert.equal((await c.get(`/api/v1/crisis/trace?case_id=${ids.case}`)).status, 404, user);
  }
  const psych = await as('psych_staff');
  assert.equal((await psych.get(`/api/v1/crisis/trace?case_id=${ids.case}`)).status, 200);
  const rep = await auditor.get(`/api/v1/crisis/trace?case_id=${ids.case}`);
  assert.equal(rep.status, 200, JSON.stringify(rep.body));
  assert.equal(rep.body.chain.ok, true);
  const audit = rep.body.lines.filter((l) => l.source === 'audit');
  const at = (action, detail) => audit.findIndex((l) => l.action === action && (!detail || String(l.detail).includes(detail)));
  // Step by step, in the order it happened.
  const order = [
    at('create'), at('advance', 'report->assess'), at('advance', 'assess->intervene'), at('write', 'watch'),
    at('write', 'guardian_notified'), at('write', 'notice_scan'), at('write', 'safety_plan'),
    at('advance', 'intervene->refer'), at('refer'), at('accept'), at('appointment'), at('answer'),
    at('break_glass'), at('review'),
  ];
  for (const i of order) assert.ok(i >= 0, JSON.stringify(order));
  for (let i = 1; i < order.length; i++) assert.ok(order[i - 1] < order[i], `order ${JSON.stringify(order)}`);
  // Every line in words for the auditor: the step, the record, the role.
  assert.equal(audit[at('advance', 'report->assess')].what, '推进步骤 · 危机个案：报告 → 评估');
  assert.equal(audit[at('write', 'watch')].what, '记录 · 个案记录：24小时监护');
  assert.equal(audit[at('refer')].what, '绿色通道转介 · 转介');
  assert.equal(audit[at('create')].actor.role_label, '心理中心教师');
  for (const l of rep.body.lines) assert.ok(l.what && !/^[a-z_.]+$/.test(l.what), `in words: ${JSON.stringify(l)}`);
  // Reads and denials are there too: the leader's summary read, the head teacher's denial.
  assert.ok(audit.some((l) => l.action === 'read' && l.actor.role === 'school_leader'));
  assert.ok(audit.some((l) => l.outcome === 'denied' && l.actor.role === 'head_teacher'));
  assert.ok(audit.some((l) => l.action === 'break_glass' && l.purpose === '学生在我校活动中出现紧急情况需要了解'));
  const events = rep.body.lines.filter((l) => l.source === 'event').map((l) => l.action);
  for (const k of ['crisis.case_opened', 'crisis.referral_sent', 'crisis.referral_answered', 'crisis.return_plan_written'])
    assert.ok(events.includes(k), k);
  for (const l of rep.body.lines) for (const m of [kCaseMarker, kSummaryMarker, kClinicalMarker]) assert.ok(!JSON.stringify(l).includes(m));

  // The same as Excel (a zip), for the auditor only among these.
  const xlsx = await fetch(`${srv.baseUrl}/api/v1/crisis/trace/export?case_id=${ids.case}`, {
    headers: { Cookie: [...auditor.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  assert.equal(xlsx.status, 200);
  assert.match(xlsx.headers.get('content-type'), /spreadsheetml/);
  const bytes = Buffer.from(await xlsx.arrayBuffer());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  assert.equal((await (await as('head_teacher')).get(`/api/v1/crisis/trace/export?case_id=${ids.case}`)).status, 404);

  // Someone edits the audit row of the referral in the database file.
  const referSeq = audit[at('refer')].seq;
  const tamper = `UPDATE audit_log SET detail = 'hospital=0' WHERE seq = ${referSeq}`;
  if (srv.db.startsWith('sqlite:')) execFileSync('sqlite3', [srv.db.slice('sqlite:'.length), tamper]);
  else execFileSync('psql', [srv.db, '-v', 'ON_ERROR_STOP=1', '-q', '-c', tamper]);
  const after = await auditor.get(`/api/v1/crisis/trace?case_id=${ids.case}`);
  assert.equal(after.status, 200);
  assert.equal(after.body.chain.ok, false);
  assert.equal(after.body.chain.first_bad_seq, referSeq);
  const line = after.body.lines.find((l) => l.source === 'audit' && l.seq === referSeq);
  assert.equal(line.verified, false);
  assert.ok(after.body.lines.find((l) => l.source === 'audit' && l.seq < referSeq).verified);
});

test('a case from a warning: the warning module says whose warning it is; another student\'s is 404 on source_id', async () => {
  const psych = await as('psych_staff');
  // A warning about student2, as the warning module would have raised it.
  const warningId = '990000001';
  const raise =
    'INSERT INTO warnings (id, school_id, student_id, unit_path, submission_id, campaign_id, instrument_id, item_id, ' +
    `critical_id, urgency, label, created_at) SELECT ${warningId}, school_id, id, unit_path, 0, 0, 'phq9', 'q9', 'c', ` +
    `'high', '自伤念头', 0 FROM students WHERE id = ${ids.student2}`;
  if (srv.db.startsWith('sqlite:')) execFileSync('sqlite3', [srv.db.slice('sqlite:'.length), raise]);
  else execFileSync('psql', [srv.db, '-v', 'ON_ERROR_STOP=1', '-q', '-c', raise]);
  const other = await psych.post('/api/v1/crisis/cases', {
    json: { student_id: ids.student3, source: 'warning', source_id: warningId, level: 2 },
  });
  assert.equal(other.status, 404, JSON.stringify(other.body));
  assert.equal(other.body.error.field, 'source_id');
  const res = await psych.post('/api/v1/crisis/cases', {
    json: { student_id: ids.student2, source: 'warning', source_id: warningId, level: 2 },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.source, 'warning');
  assert.equal(res.body.source_id, warningId);
  const again = await psych.post('/api/v1/crisis/cases', {
    json: { student_id: ids.student2, source: 'warning', source_id: warningId, level: 2 },
  });
  assert.equal(again.status, 409, JSON.stringify(again.body));
});
