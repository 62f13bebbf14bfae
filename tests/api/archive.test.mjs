// The student archive (一人一档) by role: the timeline filtered per data
// class and scope, talks and home visits with their quotas, guardians'
// view of their child's visits, every opening audited, transfers with and
// without consent, and bad input answered 4xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ApiClient } from '../e2e/helpers.mjs';

let srv;
const clients = {};
before(async () => {
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

async function as(user) {
  if (clients[user]) return clients[user];
  const c = new ApiClient(srv.baseUrl);
  await c.login(user);
  clients[user] = c;
  return c;
}

function today() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

async function studentsOf(user) {
  const c = await as(user);
  const res = await c.get('/api/v1/students?page_size=200');
  assert.equal(res.status, 200);
  return res.body.items;
}

// Timeline lines are written by the event dispatcher: wait for them.
async function timelineUntil(c, id, pred, query = '') {
  let res;
  for (let i = 0; i < 60; i++) {
    res = await c.get(`/api/v1/students/${id}/timeline${query}`);
    if (res.status !== 200 || pred(res.body)) return res;
    await new Promise((r) => setTimeout(r, 250));
  }
  return res;
}

async function auditEntries(filter) {
  const auditor = await as('auditor');
  const res = await auditor.get('/api/v1/audit-events?page_size=200');
  assert.equal(res.status, 200);
  return res.body.items.filter(filter);
}

test('head teacher records a visit and a talk; psych centre sees the school, the class teacher only own classes', async () => {
  const head = await as('head_teacher');
  const own = await studentsOf('head_teacher');
  const other = await studentsOf('head_teacher2');
  const s = own[0];
  const visit = await head.post('/api/v1/contacts', {
    json: { student_id: s.id, kind: 'home_visit', date: today(), mode: 'in_person', summary: '家庭氛围和睦，学习习惯待加强', follow_up: '两周后电话回访' },
  });
  assert.equal(visit.status, 201, JSON.stringify(visit.body));
  assert.equal(visit.body.author_role, 'head_teacher');
  assert.equal(visit.body.mode_label, '面谈');
  const talk = await head.post('/api/v1/contacts', {
    json: { student_id: s.id, kind: 'talk', date: today(), mode: 'phone', summary: '近期睡眠不太好' },
  });
  assert.equal(talk.status, 201);

  const psych = await as('psych_staff');
  const tl = await timelineUntil(psych, s.id, (b) => b.items.some((e) => e.kind === 'archive.talk_recorded'));
  assert.equal(tl.status, 200);
  assert.equal(tl.body.student.name, s.name);
  assert.ok('attention' in tl.body.student, 'psych centre sees the attention level field');
  const kinds = tl.body.items.map((e) => e.kind);
  assert.ok(kinds.includes('archive.home_visit_recorded'));
  assert.ok(kinds.includes('archive.talk_recorded'));
  for (const e of tl.body.items) {
    assert.ok(['D3', 'D4', 'D5', 'D6', 'D8'].includes(e.data_class));
    assert.ok(!/抑郁|焦虑|阳性|自杀/.test(e.summary_zh));
  }
  // Filter by module, paging by cursor.
  const only = await psych.get(`/api/v1/students/${s.id}/timeline?module=archive&page_size=1`);
  assert.equal(only.status, 200, JSON.stringify(only.body));
  assert.equal(only.body.items.length, 1);
  assert.ok(only.body.next);
  const second = await psych.get(`/api/v1/students/${s.id}/timeline?module=archive&page_size=1&after=${encodeURIComponent(only.body.next)}`);
  assert.equal(second.status, 200, only.body.next + JSON.stringify(second.body));
  assert.equal(second.body.items.length, 1, JSON.stringify([only.body, second.body, tl.body.items]));
  assert.notEqual(second.body.items[0].id, only.body.items[0].id);

  // The head teacher: own classes only; no D3 or D5 lines.
  const mine = await head.get(`/api/v1/students/${s.id}/timeline`);
  assert.equal(mine.status, 200);
  for (const e of mine.body.items) assert.ok(['D4', 'D6', 'D8'].includes(e.data_class), e.data_class);
  assert.equal((await head.get(`/api/v1/students/${other[0].id}/timeline`)).status, 404);
  // Nor may they write for another class.
  const foreign = await head.post('/api/v1/contacts', {
    json: { student_id: other[0].id, kind: 'talk', date: today(), mode: 'phone', summary: 'x' },
  });
  assert.equal(foreign.status, 404);

  // Talks and visits with summaries for the psych centre and the author.
  const list = await psych.get(`/api/v1/students/${s.id}/contacts`);
  assert.equal(list.status, 200);
  assert.ok(list.body.items.length >= 2);
  assert.ok(list.body.items.every((c) => typeof c.summary === 'string'));
});

test('bad input is 4xx naming the field, and writes nothing', async () => {
  const head = await as('head_teacher');
  const s = (await studentsOf('head_teacher'))[1];
  const base = { student_id: s.id, kind: 'talk', date: today(), mode: 'phone', summary: '谈话' };
  const cases = [
    [{ ...base, kind: 'letter' }, 'kind'],
    [{ ...base, date: '2026-02-30' }, 'date'],
    [{ ...base, date: '2999-01-01' }, 'date'],
    [{ ...base, mode: 'fax' }, 'mode'],
    [{ ...base, summary: '' }, 'summary'],
    [{ ...base, student_id: 'abc' }, 'student_id'],
    [{ ...base, extra: 1 }, 'extra'],
  ];
  for (const [json, field] of cases) {
    const res = await head.post('/api/v1/contacts', { json });
    assert.equal(res.status, 400, JSON.stringify(json));
    assert.equal(res.body.error.field, field);
  }
  const none = await head.get(`/api/v1/students/${s.id}/contacts`);
  assert.equal(none.status, 200);
  assert.equal(none.body.items.length, 0);
  assert.equal((await head.get(`/api/v1/students/${s.id}/timeline?page_size=0`)).status, 400);
  assert.equal((await head.get(`/api/v1/students/${s.id}/timeline?module=secret`)).body.error.field, 'module');
  assert.equal((await head.get(`/api/v1/students/${s.id}/timeline?after=zz`)).status, 400);
  assert.equal((await head.get(`/api/v1/students/${s.id}/timeline?sort=x`)).status, 400);
  assert.equal((await head.get('/api/v1/students/999999/timeline')).status, 404);
  assert.equal((await head.get('/api/v1/contact-quota?school_year=abc')).status, 400);
});

test('a subject teacher sees nothing without a pairing; with one, only own records', async () => {
  const subj = await as('subject_teacher');
  const paired = await studentsOf('subject_teacher');
  assert.ok(paired.length > 0);
  const pairedIds = new Set(paired.map((p) => p.id));
  const unpaired = (await studentsOf('psych_staff')).find((x) => !pairedIds.has(x.id));
  assert.equal((await subj.get(`/api/v1/students/${unpaired.id}/timeline`)).status, 404);
  assert.equal((await subj.get(`/api/v1/students/${unpaired.id}/contacts`)).status, 404);
  const denied = await subj.post('/api/v1/contacts', {
    json: { student_id: unpaired.id, kind: 'home_visit', date: today(), mode: 'video', summary: '家访' },
  });
  assert.equal(denied.status, 404);
  const ok = await subj.post('/api/v1/contacts', {
    json: { student_id: paired[0].id, kind: 'home_visit', date: today(), mode: 'video', summary: '家访记录' },
  });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.author_role, 'subject_teacher');
  const tl = await timelineUntil(subj, paired[0].id, (b) => b.items.length > 0);
  assert.equal(tl.status, 200);
  assert.ok(tl.body.items.length > 0);
  assert.ok(tl.body.items.every((e) => e.data_class === 'D8' || e.data_class === 'D6'));
  assert.ok(!('attention' in tl.body.student));
  const q = await subj.get('/api/v1/contact-quota');
  assert.equal(q.status, 200);
  const mine = q.body.items.find((i) => i.role === 'subject_teacher');
  assert.equal(mine.required, 10);
  assert.ok(mine.done >= 1);
  assert.equal(mine.met, false);
});

test('guardians see their own child\'s home visits without the summary, nothing else', async () => {
  const guardian = await as('guardian');
  const child = (await studentsOf('guardian'))[0];
  const head = await as('head_teacher');
  const v = await head.post('/api/v1/contacts', {
    json: { student_id: child.id, kind: 'home_visit', date: today(), mode: 'in_person', summary: '孩子最近情绪低落' },
  });
  assert.equal(v.status, 201);
  await head.post('/api/v1/contacts', {
    json: { student_id: child.id, kind: 'talk', date: today(), mode: 'in_person', summary: '单独谈话' },
  });
  const res = await guardian.get(`/api/v1/students/${child.id}/contacts`);
  assert.equal(res.status, 200);
  assert.ok(res.body.items.length >= 1);
  for (const c of res.body.items) {
    assert.equal(c.kind, 'home_visit');
    assert.ok(!('summary' in c));
    assert.ok(!('follow_up' in c));
    assert.ok(c.date && c.mode && c.author_name);
  }
  assert.equal((await guardian.get(`/api/v1/students/${child.id}/contacts?kind=talk`)).body.items.length, 0);
  assert.equal((await guardian.get(`/api/v1/students/${child.id}/timeline`)).status, 404);
  const other = (await studentsOf('head_teacher2'))[0];
  assert.equal((await guardian.get(`/api/v1/students/${other.id}/contacts`)).status, 404);
  const write = await guardian.post('/api/v1/contacts', {
    json: { student_id: child.id, kind: 'home_visit', date: today(), mode: 'phone', summary: 'x' },
  });
  assert.equal(write.status, 404);
});

test('every opening of a timeline is audited, denials too', async () => {
  const psych = await as('psych_staff');
  const head2 = await as('head_teacher2');
  const s = (await studentsOf('head_teacher'))[2];
  const before = await auditEntries((e) => e.object_type === 'student_timeline' && e.student_id === s.id);
  assert.equal((await psych.get(`/api/v1/students/${s.id}/timeline`)).status, 200);
  assert.equal((await psych.get(`/api/v1/students/${s.id}/timeline`)).status, 200);
  assert.equal((await head2.get(`/api/v1/students/${s.id}/timeline`)).status, 404);
  const afterAll = await auditEntries((e) => e.object_type === 'student_timeline' && e.student_id === s.id);
  const added = afterAll.length - before.length;
  assert.equal(added, 3);
  assert.equal(afterAll.filter((e) => e.action === 'read' && e.outcome === 'ok').length - before.filter((e) => e.action === 'read').length, 2);
  assert.ok(afterAll.some((e) => e.action === 'denied' && e.actor_id === srv.accounts.head_teacher2.id) || afterAll.some((e) => e.action === 'denied'));
});

test('quota progress: own for every teacher, the school for leaders and the psych centre', async () => {
  const head = await as('head_teacher');
  const q = await head.get('/api/v1/contact-quota');
  assert.equal(q.status, 200);
  const ht = q.body.items.find((i) => i.role === 'head_teacher');
  assert.ok(ht.required > ht.done && ht.done >= 2, JSON.stringify(ht));
  assert.equal(ht.met, false);
  assert.equal((await head.get('/api/v1/contact-quota/school')).status, 403);
  for (const u of ['school_leader', 'psych_staff']) {
    const c = await as(u);
    const all = await c.get('/api/v1/contact-quota/school');
    assert.equal(all.status, 200);
    assert.ok(all.body.items.some((i) => i.role === 'head_teacher' && i.done >= 2));
    assert.ok(all.body.items.some((i) => i.role === 'subject_teacher' && i.done >= 1));
  }
  const leader = await as('school_leader');
  const lq = await leader.get('/api/v1/contact-quota');
  assert.equal(lq.body.items[0].role, 'school_leader');
  assert.equal(lq.body.items[0].required, 5);
});

test('transfers: without consent the archive stays; with consent it follows and the sender loses access', async () => {
  const psych = await as('psych_staff');
  const univ = await as('univ_psych_staff');
  const head = await as('head_teacher');
  const s = (await studentsOf('head_teacher'))[3];
  const toSchool = srv.accounts.univ_psych_staff.scope_unit_id;
  const body = { to_school_id: toSchool, consent: 'refused', consented_by: 'guardian', consenter_name: '李家长', consented_on: today() };
  // Bad input first.
  for (const [json, field] of [
    [{ ...body, consent: 'maybe' }, 'consent'],
    [{ ...body, consented_by: 'student' }, 'consented_by'],  // a minor's guardian consents
    [{ ...body, consented_on: '2026-13-01' }, 'consented_on'],
    [{ ...body, consenter_name: '' }, 'consenter_name'],
    [{ ...body, to_school_id: s.id }, 'to_school_id'],
  ]) {
    const res = await psych.post(`/api/v1/students/${s.id}/transfers`, { json });
    assert.equal(res.status, 400, JSON.stringify(json));
    assert.equal(res.body.error.field, field);
  }
  // Only the sending school's psychology centre records it.
  assert.equal((await head.post(`/api/v1/students/${s.id}/transfers`, { json: body })).status, 404);
  assert.equal((await univ.post(`/api/v1/students/${s.id}/transfers`, { json: body })).status, 404);

  const refused = await psych.post(`/api/v1/students/${s.id}/transfers`, { json: body });
  assert.equal(refused.status, 201);
  assert.equal(refused.body.consent, 'refused');
  assert.equal((await univ.get(`/api/v1/students/${s.id}/timeline`)).status, 404);
  assert.equal((await psych.get(`/api/v1/students/${s.id}/timeline`)).status, 200);

  const given = await psych.post(`/api/v1/students/${s.id}/transfers`, { json: { ...body, consent: 'given', consenter_name: '李家长' } });
  assert.equal(given.status, 201);
  const received = await timelineUntil(univ, s.id, (b) => b.items.some((e) => e.kind === 'archive.transfer_recorded'));
  assert.equal(received.status, 200);
  assert.equal(received.body.student.transferred_in, true);
  assert.equal(received.body.student.name, s.name);
  assert.ok(received.body.items.every((e) => typeof e.summary_zh === 'string'));
  assert.equal((await psych.get(`/api/v1/students/${s.id}/timeline`)).status, 404);
  assert.equal((await head.get(`/api/v1/students/${s.id}/timeline`)).status, 404);
  const hist = await univ.get(`/api/v1/students/${s.id}/transfers`);
  assert.equal(hist.status, 200);
  assert.deepEqual(hist.body.items.map((t) => t.consent), ['given', 'refused']);
  // The audit log keeps the history.
  const log = await auditEntries((e) => e.action === 'transfer' && e.student_id === s.id);
  assert.equal(log.length, 2);
});

test('plans: the psych centre writes, class teachers read in scope, nobody else; text stays neutral', async () => {
  const psych = await as('psych_staff');
  const head = await as('head_teacher');
  const s = (await studentsOf('head_teacher'))[4];
  const next = new Date(Date.now() + 8 * 3600e3 + 14 * 86400e3).toISOString().slice(0, 10);
  const plan = {
    goals: '稳定作息，恢复学习节奏',
    measures: '每周谈心一次；家校每两周沟通',
    responsible: [{ role: 'head_teacher', name: '班主任' }, { role: 'guardian', name: '家长' }],
    next_review_date: next,
  };
  assert.equal((await head.post(`/api/v1/students/${s.id}/plan`, { json: plan })).status, 403);
  const bad = await psych.post(`/api/v1/students/${s.id}/plan`, { json: { ...plan, goals: '缓解抑郁情绪' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'goals');
  assert.equal(bad.body.error.code, 'diagnostic_wording');
  for (const [json, field] of [
    [{ ...plan, next_review_date: '2020-01-01' }, 'next_review_date'],
    [{ ...plan, responsible: [{ role: 'wizard', name: 'x' }] }, 'responsible[0].role'],
    [{ ...plan, responsible: [] }, 'responsible'],
    [{ ...plan, level: 7 }, 'level'],
    [{ ...plan, colour: 'red' }, 'colour'],
  ]) {
    const res = await psych.post(`/api/v1/students/${s.id}/plan`, { json });
    assert.equal(res.status, 400, JSON.stringify(json));
    assert.equal(res.body.error.field, field);
  }
  assert.equal((await psych.get(`/api/v1/students/${s.id}/plan`)).status, 404);  // nothing written
  const created = await psych.post(`/api/v1/students/${s.id}/plan`, { json: plan });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await psych.post(`/api/v1/students/${s.id}/plan`, { json: plan })).status, 409);
  const id = created.body.id;
  const note = await psych.post(`/api/v1/plans/${id}/notes`, { json: { note: '本周状态平稳，按时到校' } });
  assert.equal(note.status, 201);
  assert.equal(note.body.notes.length, 1);
  assert.equal((await psych.post(`/api/v1/plans/${id}/notes`, { json: { note: '' } })).body.error.field, 'note');

  const seen = await head.get(`/api/v1/students/${s.id}/plan`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.goals, plan.goals);
  // The open plans (在案的一生一策): listed for the centre and the class's
  // head teacher, not for another class's, a guardian or a student.
  const listed = async (c) => (await c.get('/api/v1/plans?page_size=200')).body.items.map((p) => p.id);
  const open = await psych.get('/api/v1/plans?page_size=200');
  assert.equal(open.status, 200);
  const line = open.body.items.find((p) => p.id === id);
  assert.deepEqual(line, { id, student_id: s.id, student_name: s.name, level: line.level, next_review_date: next });
  assert.ok((await listed(head)).includes(id));
  assert.ok(!(await listed(await as('head_teacher2'))).includes(id));
  for (const u of ['guardian', 'student']) assert.equal((await (await as(u)).get('/api/v1/plans')).status, 403, u);
  assert.equal((await psych.get('/api/v1/plans?page_size=0')).status, 400);
  assert.equal((await psych.get('/api/v1/plans?after=nonsense')).status, 400);
  const overdue = (await psych.get('/api/v1/overdue-plan-reviews?page_size=200')).body.items;
  assert.ok(!overdue.some((p) => p.id === id), 'not overdue: its review is in two weeks');
  for (const u of ['head_teacher2', 'guardian', 'subject_teacher', 'school_leader', 'univ_psych_staff']) {
    const c = await as(u);
    assert.equal((await c.get(`/api/v1/students/${s.id}/plan`)).status, 404, u);
    assert.equal((await c.get(`/api/v1/plans/${id}`)).status, 404, u);
  }
  const closed = await psych.post(`/api/v1/plans/${id}/closure`, { json: { reason: '状态恢复良好，经研判结案' } });
  assert.equal(closed.status, 200);
  assert.equal(closed.body.state, 'closed');
  assert.equal((await psych.post(`/api/v1/plans/${id}/closure`, { json: { reason: '再次' } })).status, 409);
  assert.ok(!(await listed(psych)).includes(id), 'a closed plan is no longer open');
  const tl = await timelineUntil(psych, s.id, (b) => b.items.some((e) => e.kind === 'plans.closed'));
  assert.ok(tl.body.items.some((e) => e.kind === 'plans.created' && e.data_class === 'D4'));
  assert.equal((await psych.get('/api/v1/overdue-plan-reviews')).status, 200);
  assert.equal((await (await as('guardian')).get('/api/v1/overdue-plan-reviews')).status, 403);
});

test('review meetings move, renew and clear attention levels; a cleared level is no longer shown', async () => {
  const grade = await as('grade_head');
  const head = await as('head_teacher');
  const psych = await as('psych_staff');
  const s = (await studentsOf('head_teacher'))[5];
  const unit = srv.accounts.grade_head.scope_unit_id;
  const next = new Date(Date.now() + 8 * 3600e3 + 30 * 86400e3).toISOString().slice(0, 10);
  const meeting = (decision) => ({
    unit_id: unit, held_on: today(), attendees: ['年级组长', '班主任'], next_review_date: next,
    decisions: [{ student_id: s.id, decision, note: '' }],
  });
  // A student without a level can only be raised.
  const keep0 = await grade.post('/api/v1/review-meetings', { json: meeting('keep') });
  assert.equal(keep0.status, 400);
  assert.equal(keep0.body.error.field, 'decisions[0].decision');
  const bad = await grade.post('/api/v1/review-meetings', { json: { ...meeting('raise'), held_on: '2999-01-01' } });
  assert.equal(bad.body.error.field, 'held_on');
  const other = (await studentsOf('univ_psych_staff'))[0];
  const foreign = await grade.post('/api/v1/review-meetings', {
    json: { ...meeting('raise'), decisions: [{ student_id: other.id, decision: 'raise' }] },
  });
  assert.equal(foreign.status, 404);
  assert.equal((await (await as('guardian')).post('/api/v1/review-meetings', { json: meeting('raise') })).status, 404);

  const raised = await grade.post('/api/v1/review-meetings', { json: meeting('raise') });
  assert.equal(raised.status, 201, JSON.stringify(raised.body));
  assert.equal(raised.body.decisions[0].level_after, 3);
  let h = await head.get(`/api/v1/students/${s.id}/timeline`);
  assert.equal(h.body.student.attention.level, 3);
  const raised2 = await grade.post('/api/v1/review-meetings', { json: meeting('raise') });
  assert.equal(raised2.body.decisions[0].level_after, 2);
  const kept = await grade.post('/api/v1/review-meetings', { json: { ...meeting('keep'), valid_days: 30 } });
  assert.equal(kept.body.decisions[0].level_after, 2);
  h = await head.get(`/api/v1/students/${s.id}/timeline`);
  const exp = Date.parse(h.body.student.attention.expires_at);
  assert.ok(Math.abs(exp - (Date.now() + 30 * 86400e3)) < 3600e3, 'keep renews for valid_days');
  const cleared = await grade.post('/api/v1/review-meetings', { json: meeting('clear') });
  assert.equal(cleared.status, 201);
  h = await head.get(`/api/v1/students/${s.id}/timeline`);
  assert.equal(h.body.student.attention, null);
  const list = await psych.get('/api/v1/review-meetings');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.length >= 4);
  assert.equal((await head.get('/api/v1/review-meetings?page_size=x')).status, 400);
});
