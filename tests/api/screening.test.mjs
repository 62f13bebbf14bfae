// Screening end to end (R-10…R-16): a campaign from a template, guardian
// consent for an under-14, answering with autosave, idempotent durable
// submission, the urgent warning in the psychology centre's inbox, the
// follow-up with an interview, progress for head teachers, results by role,
// aggregates with suppression, Excel exports and login slips — and every
// denial of ACCESS.md for this data. Runs on SQLite and, with
// XQ_TEST_DB_KIND=postgresql, on PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, ApiClient, xqBin, kRepoRoot } from '../e2e/helpers.mjs';

let srv;
const clients = {};
// Every body a role that must never see D2/D3 received, for the word scan.
const neutralViews = [];

async function as(username) {
  if (!clients[username]) {
    clients[username] = new ApiClient(srv.baseUrl);
    await clients[username].login(username);
  }
  return clients[username];
}

function keep(role, res) {
  neutralViews.push({ role, body: res.body });
  return res;
}

before(async () => {
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

let campaign;
let phqa;
let gad;

test('templates and campaign creation with bad input and denials', async () => {
  const psych = await as('psych_staff');
  const t = await psych.get('/api/v1/screening-templates');
  assert.equal(t.status, 200);
  const ids = t.body.items.map((x) => x.id);
  for (const id of ['k12_primary', 'k12_junior', 'k12_senior', 'k12_vocational', 'university_freshmen',
    'college_year2_spring', 'undergrad_year3']) {
    assert.ok(ids.includes(id), id);
  }

  const bad = await psych.post('/api/v1/campaigns', { json: { template: 'k12_junior', colour: 'red' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'colour');
  const badScale = await psych.post('/api/v1/campaigns', {
    json: { name: 'x', scales: [{ instrument_id: 'nope' }] },
  });
  assert.equal(badScale.status, 400);
  assert.equal(badScale.body.error.field, 'scales[0].instrument_id');
  const badDate = await psych.post('/api/v1/campaigns', { json: { template: 'k12_junior', opens_on: '2026-13-01' } });
  assert.equal(badDate.status, 400);
  assert.equal(badDate.body.error.field, 'opens_on');
  const badGrade = await psych.post('/api/v1/campaigns', { json: { template: 'k12_junior', grades: ['七'] } });
  assert.equal(badGrade.status, 400);
  assert.equal(badGrade.body.error.field, 'grades[0]');
  const notJson = await psych.request('POST', '/api/v1/campaigns', {
    body: '{"name":', headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(notJson.status, 400);

  // Head teachers and students do not create campaigns; a unit outside the
  // creator's scope is not found.
  assert.equal((await (await as('head_teacher')).post('/api/v1/campaigns', { json: { template: 'k12_junior' } })).status, 403);
  assert.equal((await (await as('student')).post('/api/v1/campaigns', { json: { template: 'k12_junior' } })).status, 403);
  const foreign = await (await as('univ_psych_staff')).post('/api/v1/campaigns', {
    json: { template: 'k12_junior', owner_unit_id: String(srv.accounts.psych_staff.scope_unit_id) },
  });
  assert.equal(foreign.status, 404);

  const created = await psych.post('/api/v1/campaigns', {
    json: { template: 'k12_junior', notice: '本次心理健康调查用于了解同学们的近况。', consent_text: '请监护人阅读并同意。' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  campaign = created.body;
  assert.ok(campaign.assignments > 0);
  assert.deepEqual(campaign.scales.map((s) => s.instrument_id), ['phq-a', 'gad7']);
  assert.ok(campaign.scales.every((s) => /^\d+\.\d+\.\d+$/.test(s.version)), 'scales are pinned to a version');
  assert.deepEqual(campaign.grades, [7, 8, 9]);
});

test('campaign visibility follows scope', async () => {
  for (const u of ['psych_staff', 'head_teacher', 'grade_head', 'school_leader', 'district_admin', 'city_admin']) {
    const c = await as(u);
    const list = await c.get('/api/v1/campaigns');
    assert.equal(list.status, 200, u);
    assert.ok(list.body.items.some((x) => x.id === campaign.id), u);
    assert.equal((await c.get(`/api/v1/campaigns/${campaign.id}`)).status, 200, u);
  }
  const univ = await as('univ_psych_staff');
  assert.ok(!(await univ.get('/api/v1/campaigns')).body.items.some((x) => x.id === campaign.id));
  assert.equal((await univ.get(`/api/v1/campaigns/${campaign.id}`)).status, 404);
  assert.equal((await (await as('student')).get('/api/v1/campaigns')).status, 403);
  assert.equal((await (await as('psych_staff')).get('/api/v1/campaigns/123abc')).status, 404);
});

test('an under-14 answers only after guardian consent', async () => {
  const student = await as('student');
  const list = keep('student', await student.get('/api/v1/assignments'));
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 2);
  assert.ok(list.body.items.every((a) => a.state === 'awaiting_consent'));
  phqa = list.body.items.find((a) => a.instrument_id === 'phq-a');
  gad = list.body.items.find((a) => a.instrument_id === 'gad7');
  const early = await student.post(`/api/v1/assignments/${phqa.id}/submission`, {
    json: { submission_id: 'early-1', answers: {} },
  });
  assert.equal(early.status, 403);
  const guardian = await as('guardian');
  const reqs = keep('guardian', await guardian.get('/api/v1/consent-requests'));
  assert.equal(reqs.status, 200);
  const mine = reqs.body.items.find((r) => r.campaign_id === campaign.id);
  assert.ok(mine && mine.consent_required);
  srv.studentId = mine.student_id;
  const badDecision = await guardian.post(`/api/v1/campaigns/${campaign.id}/consents`, {
    json: { student_id: mine.student_id, decision: 'maybe' },
  });
  assert.equal(badDecision.status, 400);
  assert.equal(badDecision.body.error.field, 'decision');
  const ok = keep('guardian', await guardian.post(`/api/v1/campaigns/${campaign.id}/consents`, {
    json: { student_id: mine.student_id, decision: 'consent' },
  }));
  assert.equal(ok.status, 201);
  assert.equal(ok.body.source, 'guardian');
  // Not this guardian's child.
  const other = await guardian.post(`/api/v1/campaigns/${campaign.id}/consents`, {
    json: { student_id: String(Number(mine.student_id) + 3), decision: 'consent' },
  });
  assert.equal(other.status, 404);
  assert.equal((await (await as('head_teacher')).get('/api/v1/consent-requests')).status, 403);
  // A student may not consent on the guardian's behalf, but may decline.
  const self = await student.post(`/api/v1/campaigns/${campaign.id}/consents`, {
    json: { student_id: mine.student_id, decision: 'consent' },
  });
  assert.equal(self.status, 403);
  const peer = await as('peer_reporter');
  const peerList = keep('student', await peer.get('/api/v1/assignments'));
  assert.equal(peerList.body.items.length, 2);
  const peerId = (await peer.get('/api/v1/auth/me')).body;
  const ht = await as('head_teacher');
  const roster = await ht.get(`/api/v1/campaigns/${campaign.id}/non-respondents?unit_id=${srv.accounts.head_teacher.scope_unit_id}`);
  const peerRow = roster.body.items.find((s) => s.name === peerId.display_name);
  assert.ok(peerRow, 'the peer is listed before declining');
  const decline = keep('student', await peer.post(`/api/v1/campaigns/${campaign.id}/consents`, {
    json: { student_id: peerRow.student_id, decision: 'decline' },
  }));
  assert.equal(decline.status, 201);
  assert.equal(decline.body.source, 'student');
  assert.ok((await peer.get('/api/v1/assignments')).body.items.every((a) => a.state === 'declined'));
  const roster2 = await ht.get(`/api/v1/campaigns/${campaign.id}/non-respondents?unit_id=${srv.accounts.head_teacher.scope_unit_id}`);
  assert.ok(!roster2.body.items.some((s) => s.student_id === peerRow.student_id), 'declines are not chased');
  // Staff record a paper consent form for a student of their class.
  const paper = await ht.post(`/api/v1/campaigns/${campaign.id}/consents`, {
    json: { student_id: roster2.body.items.find((s) => s.student_id !== mine.student_id).student_id, decision: 'consent' },
  });
  assert.equal(paper.status, 201);
  assert.equal(paper.body.source, 'paper');
  assert.equal((await (await as('head_teacher2')).post(`/api/v1/campaigns/${campaign.id}/consents`, {
    json: { student_id: mine.student_id, decision: 'consent' },
  })).status, 404);

  const after = keep('student', await student.get('/api/v1/assignments'));
  assert.ok(after.body.items.every((a) => a.state === 'pending'), JSON.stringify(after.body));
});

test('answering with autosave, idempotent submission, neutral feedback', async () => {
  const student = await as('student');
  const detail = keep('student', await student.get(`/api/v1/assignments/${phqa.id}`));
  assert.equal(detail.status, 200);
  const items = detail.body.instrument.items;
  assert.equal(items.length, 13);
  assert.ok(!/PHQ|抑郁/.test(detail.body.instrument.title));

  const badDraft = await student.request('PUT', `/api/v1/assignments/${phqa.id}/draft`, {
    json: { answers: { zz: '1' } },
  });
  assert.equal(badDraft.status, 400);
  assert.equal(badDraft.body.error.field, 'answers.zz');
  const badCode = await student.request('PUT', `/api/v1/assignments/${phqa.id}/draft`, {
    json: { answers: { q1: '9' } },
  });
  assert.equal(badCode.status, 400);
  assert.equal(badCode.body.error.field, 'answers.q1');
  const draft = await student.request('PUT', `/api/v1/assignments/${phqa.id}/draft`, {
    json: { answers: { q1: '1', q2: '0' }, position: 2 },
  });
  assert.equal(draft.status, 204, JSON.stringify(draft.body));
  const resumed = await student.get(`/api/v1/assignments/${phqa.id}`);
  assert.deepEqual(resumed.body.draft.answers, { q1: '1', q2: '0' });
  assert.equal(resumed.body.draft.position, 2);
  assert.equal((await student.get('/api/v1/assignments')).body.items.find((a) => a.id === phqa.id).state, 'in_progress');

  // Somebody else's assignment is not found.
  const peer = await as('peer_reporter');
  assert.equal((await peer.get(`/api/v1/assignments/${phqa.id}`)).status, 404);
  assert.equal((await peer.post(`/api/v1/assignments/${phqa.id}/submission`, {
    json: { submission_id: 'x', answers: {} },
  })).status, 404);

  const answers = {};
  for (const it of items) {
    if (it.type === 'text' || !it.required) continue;
    answers[it.id] = it.options[0].code;
  }
  answers.q9 = '1'; // critical: thoughts of self-harm
  const missing = await student.post(`/api/v1/assignments/${phqa.id}/submission`, {
    json: { submission_id: 'sub-phqa-1', answers: { q1: '0' } },
  });
  assert.equal(missing.status, 400);
  assert.match(missing.body.error.field, /^answers\./);
  const noId = await student.post(`/api/v1/assignments/${phqa.id}/submission`, { json: { answers } });
  assert.equal(noId.status, 400);
  assert.equal(noId.body.error.field, 'submission_id');

  const t0 = Date.now();
  const sub = keep('student', await student.post(`/api/v1/assignments/${phqa.id}/submission`, {
    json: { submission_id: 'sub-phqa-1', answers, elapsed_seconds: 95 },
  }));
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  srv.submittedAt = t0;
  assert.ok(sub.body.feedback.length >= 1);
  assert.ok(!sub.body.feedback[0].startsWith('谢谢你认真完成这份问卷。如果想找人聊聊'), 'the scale\'s own feedback text');
  const numbers = sub.body.hotlines.map((h) => h.number);
  assert.ok(numbers.includes('4001060525') && numbers.includes('4000716515'));
  for (const k of ['scores', 'bands', 'classes', 'critical', 'positive', 'result']) assert.equal(sub.body[k], undefined, k);

  const repeat = await student.post(`/api/v1/assignments/${phqa.id}/submission`, {
    json: { submission_id: 'sub-phqa-1', answers },
  });
  assert.equal(repeat.status, 200);
  assert.equal(repeat.body.submitted_at, sub.body.submitted_at);
  const other = await student.post(`/api/v1/assignments/${phqa.id}/submission`, {
    json: { submission_id: 'sub-phqa-2', answers },
  });
  assert.equal(other.status, 409);
  const lateDraft = await student.request('PUT', `/api/v1/assignments/${phqa.id}/draft`, { json: { answers: {} } });
  assert.equal(lateDraft.status, 409);
  const afterSubmit = keep('student', await student.get(`/api/v1/assignments/${phqa.id}`));
  assert.equal(afterSubmit.body.state, 'submitted');
  assert.equal(afterSubmit.body.draft, undefined, 'own answers are not shown after submitting');
});

test('the urgent warning reaches the psychology centre within seconds; acknowledgement is recorded', async () => {
  const psych = await as('psych_staff');
  let warning;
  while (!warning && Date.now() - srv.submittedAt < 5000) {
    const list = await psych.get('/api/v1/warnings?state=open');
    assert.equal(list.status, 200);
    warning = list.body.items.find((w) => w.student_id === srv.studentId);
    if (!warning) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(warning, 'warning within 5 s');
  assert.equal(warning.instrument_id, 'phq-a');
  assert.equal(warning.item_id, 'q9');
  assert.equal(warning.urgency, 'urgent');
  assert.ok(warning.student_name && warning.created_at);

  for (const u of ['head_teacher', 'grade_head', 'school_leader', 'district_admin', 'student', 'guardian']) {
    const res = await (await as(u)).get('/api/v1/warnings');
    assert.equal(res.status, 403, u);
  }
  assert.equal((await psych.get('/api/v1/warnings?state=bogus')).status, 400);
  const univ = await as('univ_psych_staff');
  assert.ok(!(await univ.get('/api/v1/warnings')).body.items.some((w) => w.id === warning.id));
  assert.equal((await univ.post(`/api/v1/warnings/${warning.id}/acknowledgement`)).status, 404);
  assert.equal((await (await as('head_teacher')).post(`/api/v1/warnings/${warning.id}/acknowledgement`)).status, 404);

  const ack = await psych.post(`/api/v1/warnings/${warning.id}/acknowledgement`);
  assert.equal(ack.status, 200);
  assert.equal(ack.body.state, 'acknowledged');
  assert.ok(ack.body.acknowledged_at && ack.body.acknowledged_by.name);
  const open = await psych.get('/api/v1/warnings?state=open');
  assert.ok(!open.body.items.some((w) => w.id === warning.id));
});

test('the warning comes from the event path, whose subscriber reports its lag in /health', async () => {
  const h = await new ApiClient(srv.baseUrl).get('/api/v1/health');
  assert.equal(h.status, 200);
  const sub = h.body.events.subscribers.find((x) => x.name === 'warning.screening_results');
  assert.ok(sub, JSON.stringify(h.body));
  assert.equal(sub.log, 'screening.submissions');
  assert.ok(sub.delivered >= 1, 'the critical answer was delivered by this server');
  assert.equal(sub.attempts, 0);
  assert.equal(sub.lag_ms, 0);
  assert.equal(typeof h.body.schema, 'number');
  assert.ok(h.body.migrations.db >= 13 && h.body.migrations.events >= 30, JSON.stringify(h.body.migrations));
});

test('follow-up queue, interview record, neutral attention levels by role', async () => {
  const psych = await as('psych_staff');
  const q = await psych.get('/api/v1/follow-ups');
  assert.equal(q.status, 200);
  const f = q.body.items.find((x) => x.student_id === srv.studentId);
  assert.ok(f);
  assert.equal(f.reason, 'critical');
  const dueIn = Date.parse(f.due_at) - Date.parse(f.created_at);
  assert.equal(dueIn, 24 * 3600 * 1000);
  assert.equal(f.overdue, false);
  assert.equal((await psych.get('/api/v1/follow-ups?overdue=true')).body.items.some((x) => x.id === f.id), false);
  assert.equal((await psych.get('/api/v1/follow-ups?overdue=maybe')).status, 400);
  assert.equal((await (await as('head_teacher')).get('/api/v1/follow-ups')).status, 403);

  const bad = await psych.post(`/api/v1/follow-ups/${f.id}/interview`, { json: { outcome: 'confirmed', level: 7 } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'level');
  assert.equal((await (await as('univ_psych_staff')).post(`/api/v1/follow-ups/${f.id}/interview`, {
    json: { outcome: 'cleared' },
  })).status, 404);
  const done = await psych.post(`/api/v1/follow-ups/${f.id}/interview`, {
    json: { outcome: 'confirmed', level: 2, notes: '访谈复核：情绪平稳，已约定每周谈心。' },
  });
  assert.equal(done.status, 201, JSON.stringify(done.body));
  assert.equal(done.body.state, 'done');
  assert.equal((await psych.post(`/api/v1/follow-ups/${f.id}/interview`, { json: { outcome: 'cleared' } })).status, 409);

  const ht = keep('head_teacher', await (await as('head_teacher')).get('/api/v1/attention-levels'));
  assert.equal(ht.status, 200);
  const lv = ht.body.items.find((x) => x.student_id === srv.studentId);
  assert.ok(lv);
  assert.equal(lv.level_name, '二级关注');
  assert.ok(lv.guidance);
  const gh = keep('grade_head', await (await as('grade_head')).get('/api/v1/attention-levels'));
  assert.ok(gh.body.items.some((x) => x.student_id === srv.studentId));
  const leader = keep('school_leader', await (await as('school_leader')).get('/api/v1/attention-levels'));
  assert.equal(leader.status, 200);
  assert.equal(leader.body.items.length, 0, 'school leaders see counts, names only for 一级');
  assert.equal(leader.body.counts['2'], 1);
  const other = keep('head_teacher', await (await as('head_teacher2')).get('/api/v1/attention-levels'));
  assert.ok(!other.body.items.some((x) => x.student_id === srv.studentId));
  for (const u of ['student', 'guardian', 'peer_reporter', 'subject_teacher', 'district_admin']) {
    assert.equal((await (await as(u)).get('/api/v1/attention-levels')).status, 403, u);
  }
});

test('progress by unit and non-respondent names for the head teacher', async () => {
  const ht = await as('head_teacher');
  const p = keep('head_teacher', await ht.get(`/api/v1/campaigns/${campaign.id}/progress`));
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.unit.id, String(srv.accounts.head_teacher.scope_unit_id));
  assert.ok(p.body.students > 1);
  assert.equal(p.body.completed, 0, 'one of two scales is not yet a completed student');
  const classId = String(srv.accounts.head_teacher.scope_unit_id);
  const nr = keep('head_teacher', await ht.get(`/api/v1/campaigns/${campaign.id}/non-respondents?unit_id=${classId}`));
  assert.equal(nr.status, 200);
  assert.ok(nr.body.items.length > 0);
  for (const s of nr.body.items) assert.deepEqual(Object.keys(s).sort(), ['awaiting_consent', 'name', 'student_id', 'student_no']);
  const rem = await ht.post(`/api/v1/campaigns/${campaign.id}/reminders`, { json: { unit_id: classId } });
  assert.equal(rem.status, 201);
  assert.equal(rem.body.reminded, nr.body.items.length);

  // Another class's head teacher, a subject teacher and a district admin get no names.
  assert.equal((await (await as('head_teacher2')).get(`/api/v1/campaigns/${campaign.id}/non-respondents?unit_id=${classId}`)).status, 404);
  assert.equal((await (await as('district_admin')).get(`/api/v1/campaigns/${campaign.id}/non-respondents?unit_id=${classId}`)).status, 404);
  assert.equal((await ht.get(`/api/v1/campaigns/${campaign.id}/non-respondents`)).status, 400);

  const school = await (await as('psych_staff')).get(`/api/v1/campaigns/${campaign.id}/progress`);
  assert.equal(school.status, 200);
  assert.ok(school.body.children.length >= 3, 'grades of the school');
  const district = await (await as('district_admin')).get(`/api/v1/campaigns/${campaign.id}/progress`);
  assert.equal(district.status, 200);
  assert.ok(district.body.children.some((c) => c.unit_id === String(srv.accounts.psych_staff.scope_unit_id)));
  assert.equal((await ht.get(`/api/v1/campaigns/${campaign.id}/progress?unit_id=${srv.accounts.psych_staff.scope_unit_id}`)).status, 404);
});

test('results by role: psychology staff only; history audited', async () => {
  const psych = await as('psych_staff');
  const r = await psych.get(`/api/v1/campaigns/${campaign.id}/results`);
  assert.equal(r.status, 200);
  const row = r.body.items.find((x) => x.student_id === srv.studentId);
  assert.ok(row && row.scores && row.bands && row.valid === true && row.positive === true);
  assert.equal(row.critical[0].item, 'q9');
  const h = await psych.get(`/api/v1/students/${srv.studentId}/screening-results`);
  assert.equal(h.status, 200);
  assert.equal(h.body.items.length, 1);
  assert.equal(h.body.items[0].answers.q9, '1', 'psychology staff see item-level answers (D2)');
  for (const u of ['head_teacher', 'grade_head', 'school_leader', 'district_admin', 'city_admin', 'student']) {
    const c = await as(u);
    const res = await c.get(`/api/v1/campaigns/${campaign.id}/results`);
    assert.ok([403, 404].includes(res.status), `${u} ${res.status}`);
    assert.equal((await c.get(`/api/v1/students/${srv.studentId}/screening-results`)).status, 404, u);
  }
  assert.equal((await (await as('univ_psych_staff')).get(`/api/v1/students/${srv.studentId}/screening-results`)).status, 404);
  const audit = await (await as('auditor')).get('/api/v1/audit-events?action=read&page_size=200');
  assert.ok(audit.body.items.some((e) => e.object_type === 'screening_history'), 'D3 reads are audited');
});

test('aggregates with small-cell suppression; exports by role', async () => {
  const da = await as('district_admin');
  const agg = await da.get(`/api/v1/campaigns/${campaign.id}/aggregates?by=grade,sex&instrument_id=phq-a`);
  assert.equal(agg.status, 200, JSON.stringify(agg.body));
  assert.equal(agg.body.k, 10);
  // One submission: every non-empty cell is below k and suppressed.
  for (const row of agg.body.rows) {
    for (const cell of row.cells) if (cell.screened !== undefined) assert.ok(cell.screened === 0 || cell.screened >= 10);
  }
  assert.equal(agg.body.total.suppressed, true);
  assert.equal((await da.get(`/api/v1/campaigns/${campaign.id}/aggregates?by=colour`)).status, 400);
  assert.equal((await da.get(`/api/v1/campaigns/${campaign.id}/aggregates?k=3`)).status, 400);
  assert.equal((await (await as('student')).get(`/api/v1/campaigns/${campaign.id}/aggregates`)).status, 404);

  const psych = await as('psych_staff');
  const noReason = await psych.post(`/api/v1/campaigns/${campaign.id}/exports`, { json: { kind: 'results' } });
  assert.equal(noReason.status, 400);
  assert.equal(noReason.body.error.field, 'reason');
  const file = await psych.request('POST', `/api/v1/campaigns/${campaign.id}/exports`, {
    json: { kind: 'results', reason: '心理中心访谈安排' },
  });
  assert.equal(file.status, 200);
  assert.match(file.headers.get('content-disposition'), /\.xlsx/);
  assert.equal(file.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  // The workbook carries the watermark (who, when) in the header/footer and on the cover sheet.
  const raw = await fetch(`${srv.baseUrl}/api/v1/campaigns/${campaign.id}/exports`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-CSRF-Token': psych.csrf,
      Cookie: [...psych.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body: JSON.stringify({ kind: 'results', reason: '心理中心访谈安排' }),
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'xq-xlsx-'));
  try {
    const xlsx = path.join(dir, 'r.xlsx');
    writeFileSync(xlsx, Buffer.from(await raw.arrayBuffer()));
    const unzip = (member) => spawnSync('unzip', ['-p', xlsx, member], { encoding: 'utf8' }).stdout;
    assert.match(unzip('xl/worksheets/sheet2.xml'), /oddHeader>[^<]*psych_staff/);
    assert.match(unzip('xl/worksheets/sheet2.xml'), /oddFooter>[^<]*psych_staff/);
    const strings = unzip('xl/sharedStrings.xml');
    assert.ok(strings.includes('心理中心访谈安排') && strings.includes('psych_staff'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const u of ['head_teacher', 'school_leader', 'district_admin']) {
    const res = await (await as(u)).post(`/api/v1/campaigns/${campaign.id}/exports`, {
      json: { kind: 'results', reason: 'x y' },
    });
    assert.equal(res.status, 403, u);
  }
  const aggFile = await da.post(`/api/v1/campaigns/${campaign.id}/exports`, { json: { kind: 'aggregates' } });
  assert.equal(aggFile.status, 200);
  const audit = await (await as('auditor')).get('/api/v1/audit-events?action=export');
  assert.ok(audit.body.items.some((e) => e.purpose === '心理中心访谈安排' || JSON.stringify(e).includes('心理中心访谈安排')));
});

test('login slips: one-time codes, password on first sign-in, scope', async () => {
  const ht = await as('head_teacher');
  const classId = String(srv.accounts.head_teacher.scope_unit_id);
  assert.equal((await (await as('head_teacher2')).post('/api/v1/login-slips', { json: { class_id: classId } })).status, 404);
  assert.equal((await (await as('student')).post('/api/v1/login-slips', { json: { class_id: classId } })).status, 404);
  assert.equal((await ht.post('/api/v1/login-slips', { json: {} })).status, 400);
  const slips = await ht.post('/api/v1/login-slips', { json: { class_id: classId } });
  assert.equal(slips.status, 201);
  assert.ok(slips.body.items.length > 2);
  // A student without a password yet (slip accounts are named s<school>-<学号>); a
  // slip over a set password is a reset (tests/api/access_holes.test.mjs).
  const slip = slips.body.items.find((s) => /^s\d+-/.test(s.login));
  assert.ok(slip.code.length === 8 && slip.qr_text.includes(slip.code));

  const c = new ApiClient(srv.baseUrl);
  const wrong = await c.post('/api/v1/auth/slip-login', { json: { login: slip.login, code: 'AAAAAAAA' } });
  assert.equal(wrong.status, 401);
  const weak = await c.post('/api/v1/auth/slip-login', { json: { login: slip.login, code: slip.code, new_password: 'x' } });
  assert.equal(weak.status, 400);
  assert.equal(weak.body.error.field, 'new_password');
  const ok = await c.post('/api/v1/auth/slip-login', {
    json: { login: slip.login, code: slip.code.toLowerCase(), new_password: 'Garden#2026' },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.person_type, 'student');
  c.csrf = ok.body.csrf_token;
  const mine = await c.get('/api/v1/assignments');
  assert.equal(mine.status, 200);
  assert.equal(mine.body.items.length, 2);
  const reuse = await new ApiClient(srv.baseUrl).post('/api/v1/auth/slip-login', { json: { login: slip.login, code: slip.code } });
  assert.equal(reuse.status, 401, 'a code is single use');
  await new ApiClient(srv.baseUrl).login(slip.login, 'Garden#2026');
});

test('paper screenings: xinqiao screening import goes through validation, scoring and warnings', async () => {
  const psych = await as('psych_staff');
  const classId = String(srv.accounts.head_teacher.scope_unit_id);
  const c = await psych.post('/api/v1/campaigns', {
    json: { name: '纸质筛查', unit_ids: [classId], scales: [{ instrument_id: 'phq9' }] },
  });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const names = await psych.get(`/api/v1/campaigns/${c.body.id}/non-respondents?unit_id=${classId}`);
  const [a, b] = names.body.items;
  const items = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9'];
  const row = (no, vals) => [no, ...vals].join(',');
  const dir = mkdtempSync(path.join(tmpdir(), 'xq-paper-'));
  const file = path.join(dir, 'paper.csv');
  const run = () => spawnSync(xqBin(), ['screening', 'import', '--db', srv.db, '--campaign', c.body.id, file], {
    cwd: kRepoRoot, encoding: 'utf8',
  });
  try {
    writeFileSync(file, [`student_no,${items.join(',')}`, row(a.student_no, [0, 0, 0, 0, 0, 0, 0, 0, 2]),
      row(b.student_no, [0, 1, 7, 0, 0, 0, 0, 0, 0]), row('NOPE', [0, 0, 0, 0, 0, 0, 0, 0, 0])].join('\n'));
    const bad = run();
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /paper\.csv:3:4: q3: /);
    assert.match(bad.stderr, /paper\.csv:4:1: student_no: /);
    assert.equal((await psych.get(`/api/v1/campaigns/${c.body.id}/results`)).body.items.length, 0, 'all or nothing');

    writeFileSync(file, [`student_no,${items.join(',')}`, row(a.student_no, [0, 0, 0, 0, 0, 0, 0, 0, 2]),
      row(b.student_no, [0, 1, 2, 0, 0, 0, 0, 0, 0])].join('\n'));
    const ok = run();
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /2 written, 0 already present, 1 urgent warnings/);
    const again = run();
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /0 written, 2 already present/);
    const res = await psych.get(`/api/v1/campaigns/${c.body.id}/results`);
    assert.equal(res.body.items.length, 2);
    assert.ok(res.body.items.every((r) => r.source === 'paper'));
    const w = await psych.get('/api/v1/warnings?state=open');
    assert.ok(w.body.items.some((x) => x.student_id === a.student_id && x.instrument_id === 'phq9' && x.item_id === 'q9'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a district campaign cascades to its schools, which track their part', async () => {
  const da = await as('district_admin');
  const c = await da.post('/api/v1/campaigns', { json: { template: 'k12_junior', name: '和平区初中年度筛查' } });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal(c.body.owner_unit_id, String(srv.accounts.district_admin.scope_unit_id));
  const psych = await as('psych_staff');
  assert.ok((await psych.get('/api/v1/campaigns')).body.items.some((x) => x.id === c.body.id));
  const part = await psych.get(`/api/v1/campaigns/${c.body.id}/progress`);
  assert.equal(part.status, 200);
  assert.equal(part.body.unit.id, String(srv.accounts.psych_staff.scope_unit_id));
  const whole = await da.get(`/api/v1/campaigns/${c.body.id}/progress`);
  assert.ok(whole.body.students >= part.body.students);
  // The university is outside the district: it neither sees nor is assigned.
  assert.equal((await (await as('univ_psych_staff')).get(`/api/v1/campaigns/${c.body.id}`)).status, 404);
  // District admins see no names and no results.
  assert.equal((await da.get(`/api/v1/campaigns/${c.body.id}/results`)).status, 403);
  // Only its owners close a campaign; then nothing of it is answerable.
  assert.equal((await psych.post(`/api/v1/campaigns/${c.body.id}/closure`)).status, 403);
  assert.equal((await (await as('head_teacher')).post(`/api/v1/campaigns/${c.body.id}/closure`)).status, 403);
  const before = (await (await as('student')).get('/api/v1/assignments')).body.items.filter((x) => x.campaign_id === c.body.id);
  assert.ok(before.length > 0);
  const closed = await da.post(`/api/v1/campaigns/${c.body.id}/closure`);
  assert.equal(closed.status, 200);
  assert.equal(closed.body.state, 'closed');
  const afterClose = (await (await as('student')).get('/api/v1/assignments')).body.items.filter((x) => x.campaign_id === c.body.id);
  assert.equal(afterClose.length, 0);
  const sub = await (await as('student')).post(`/api/v1/assignments/${before[0].id}/submission`, {
    json: { submission_id: 'late-1', answers: {} },
  });
  assert.equal(sub.status, 403);
  const city = await (await as('city_admin')).post('/api/v1/campaigns', {
    json: { template: 'university_freshmen' },
  });
  assert.equal(city.status, 201);
  assert.ok((await (await as('univ_psych_staff')).get('/api/v1/campaigns')).body.items.some((x) => x.id === city.body.id));
});

test('ACCESS.md for screening data, every demo role', async () => {
  const sid = srv.studentId;
  const psychOnly = new Set(['psych_staff']);
  const levelReaders = new Set(['psych_staff', 'univ_psych_staff', 'head_teacher', 'head_teacher2', 'grade_head',
    'school_leader', 'counsellor']);
  for (const { username } of srv.accountList) {
    const c = await as(username);
    const w = await c.get('/api/v1/warnings?state=all');
    if (username.endsWith('psych_staff')) {
      assert.equal(w.status, 200, username);
      assert.equal(w.body.items.some((x) => x.student_id === sid), username === 'psych_staff', username);
    } else {
      assert.equal(w.status, 403, `warnings ${username}`);
    }
    const f = await c.get('/api/v1/follow-ups?state=all');
    assert.equal(f.status, username.endsWith('psych_staff') ? 200 : 403, `follow-ups ${username}`);
    const r = await c.get(`/api/v1/campaigns/${campaign.id}/results`);
    if (psychOnly.has(username)) assert.equal(r.status, 200);
    else assert.ok([403, 404].includes(r.status), `results ${username} ${r.status}`);
    const h = await c.get(`/api/v1/students/${sid}/screening-results`);
    assert.equal(h.status, psychOnly.has(username) ? 200 : 404, `history ${username}`);
    const x = await c.post(`/api/v1/campaigns/${campaign.id}/exports`, { json: { kind: 'results', reason: '核对名单' } });
    if (psychOnly.has(username)) assert.equal(x.status, 200);
    else assert.ok([403, 404].includes(x.status), `export ${username} ${x.status}`);
    const l = await c.get('/api/v1/attention-levels');
    if (levelReaders.has(username)) {
      assert.equal(l.status, 200, `levels ${username}`);
      const named = l.body.items.some((i) => i.student_id === sid);
      const expectNamed = ['psych_staff', 'head_teacher', 'grade_head'].includes(username);
      assert.equal(named, expectNamed, `levels ${username}`);
    } else {
      assert.equal(l.status, 403, `levels ${username}`);
    }
  }
  const audit = await (await as('auditor')).get('/api/v1/audit-events?action=denied&page_size=200');
  assert.ok(audit.body.items.some((e) => e.object_type === 'screening_history'), 'denials are audited');
});

test('no diagnostic words or scores in views for students, guardians, teachers and leaders', () => {
  const words = ['抑郁', '焦虑', '阳性', '精神疾病'];
  const fields = ['scores', 'bands', 'score', 'band', 'classes'];
  assert.ok(neutralViews.length > 10);
  const walk = (v, role) => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, role));
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        assert.ok(!fields.includes(k), `${role} received field ${k}`);
        // Item wording is the questionnaire itself, answered by the student.
        if (k === 'items' && role === 'student' && x?.[0]?.options) continue;
        walk(x, role);
      }
    } else if (typeof v === 'string') {
      for (const w of words) assert.ok(!v.includes(w), `${role} saw "${w}" in "${v}"`);
    }
  };
  for (const { role, body } of neutralViews) walk(body, role);
});
