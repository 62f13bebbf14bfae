// The screening loop as its users meet it (issue 18): a 心理委员 who is a
// student answers like a classmate; reminders become to-dos on the home
// pages of students and, for minors, guardians, and staff are told only
// what happened; students waiting for consent are counted apart and their
// reminders go to the guardian; the consent list forgets nothing, drops
// completed campaigns and tells same-named campaigns apart; lists count
// and page only what the caller may see; the psychology teacher's home
// lists the day's work; a critical answer gets caring feedback that urges
// reaching out now.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ApiClient } from '../e2e/helpers.mjs';

let srv;
const clients = {};
let campaign;
let classId;
let peerStudentId;
let childId;

const kDiagnostic = /抑郁|焦虑|精神疾病|阳性|障碍|PHQ|GAD|分数|得分/;

async function as(username) {
  if (!clients[username]) {
    clients[username] = new ApiClient(srv.baseUrl);
    await clients[username].login(username);
  }
  return clients[username];
}

// Every answer of the first scale: the first option, or `critical` for q9.
function answersFor(detail, { critical = false } = {}) {
  const answers = {};
  for (const it of detail.instrument.items) {
    if (it.type === 'text' || !it.required) continue;
    answers[it.id] = it.options[0].code;
  }
  if (critical) answers.q9 = '1';
  return answers;
}

// Follows `next` to the end; returns every item.
async function pageThrough(client, url, pageSize) {
  const sep = url.includes('?') ? '&' : '?';
  let res = await client.get(`${url}${sep}page_size=${pageSize}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const first = res.body;
  const all = [...res.body.items];
  for (let guard = 0; res.body.next && guard < 1000; ++guard) {
    assert.ok(res.body.items.length <= pageSize);
    res = await client.get(`${url}${sep}page_size=${pageSize}&after=${encodeURIComponent(res.body.next)}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.total, first.total, 'the total does not change between pages');
    all.push(...res.body.items);
  }
  return { first, all };
}

before(async () => {
  srv = await startServer({ web: false });
  classId = String(srv.accounts.head_teacher.scope_unit_id);
});
after(async () => {
  await srv?.stop();
});

test('setup: a junior-school campaign with a notice', async () => {
  const psych = await as('psych_staff');
  const res = await psych.post('/api/v1/campaigns', {
    json: { template: 'k12_junior', notice: '本次调查帮助老师了解同学们的近况，答案只有心理老师能看到。' },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  campaign = res.body;
});

test('item 3: students waiting for consent are counted apart, and listed as such', async () => {
  const ht = await as('head_teacher');
  const p = await ht.get(`/api/v1/campaigns/${campaign.id}/progress`);
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(typeof p.body.awaiting_consent, 'number');
  assert.ok(p.body.awaiting_consent > 0, 'under-14s of a new 七年级 campaign wait for consent');
  assert.equal(p.body.students, p.body.completed + p.body.declined + p.body.pending + p.body.awaiting_consent);
  const nr = await ht.get(`/api/v1/campaigns/${campaign.id}/non-respondents?unit_id=${classId}`);
  assert.equal(nr.status, 200);
  const waiting = nr.body.items.filter((s) => s.awaiting_consent === true);
  assert.equal(waiting.length, p.body.awaiting_consent, 'the class is the head teacher\'s whole scope');
  for (const s of nr.body.items) assert.equal(typeof s.awaiting_consent, 'boolean');
  // The school's view adds up over its grades.
  const school = await (await as('psych_staff')).get(`/api/v1/campaigns/${campaign.id}/progress`);
  assert.equal(school.status, 200);
  const sum = school.body.children.reduce((n, c) => n + c.awaiting_consent, 0);
  assert.equal(sum, school.body.awaiting_consent);
  assert.ok(school.body.awaiting_consent >= p.body.awaiting_consent);
});

test('item 2: a reminder is a to-do for the guardian of a student awaiting consent; nothing claims delivery', async () => {
  const ht = await as('head_teacher');
  const guardian = await as('guardian');
  const before = await guardian.get('/api/v1/todos');
  assert.equal(before.status, 200, JSON.stringify(before.body));
  const consentTodo = before.body.items.find((x) => x.kind === 'consent' && x.campaign_id === campaign.id);
  assert.ok(consentTodo, 'the consent to give is on the guardian\'s home');
  assert.equal(consentTodo.reminded_at, undefined);
  childId = consentTodo.student_id;

  const rem = await ht.post(`/api/v1/campaigns/${campaign.id}/reminders`, { json: { unit_id: classId } });
  assert.equal(rem.status, 201, JSON.stringify(rem.body));
  assert.equal(rem.body.delivered, 0, 'no outbound channel exists, so nothing is delivered');
  assert.deepEqual(rem.body.channels, ['home']);
  assert.ok(rem.body.awaiting_consent > 0);
  assert.ok(rem.body.guardians >= 1, 'the demo guardian has an account');
  assert.equal(rem.body.reminded, rem.body.students + rem.body.awaiting_consent);

  const afterRem = await guardian.get('/api/v1/todos');
  const reminded = afterRem.body.items.find((x) => x.kind === 'consent' && x.campaign_id === campaign.id);
  assert.ok(reminded.reminded_at, 'the guardian sees that the school reminded them');
  assert.equal(afterRem.body.badges.consents >= 1, true);
  // A student still waiting for consent has nothing to answer yet.
  const student = await as('student');
  const st = await student.get('/api/v1/todos');
  assert.equal(st.status, 200);
  assert.ok(!st.body.items.some((x) => x.kind === 'survey' && x.campaign_id === campaign.id));

  // Not a head teacher of the class: no reminders (and no names).
  assert.equal((await (await as('head_teacher2')).post(`/api/v1/campaigns/${campaign.id}/reminders`, {
    json: { unit_id: classId },
  })).status, 404);
  assert.equal((await ht.post(`/api/v1/campaigns/${campaign.id}/reminders`, { json: { unit_id: 'abc' } })).status, 400);
});

test('item 2 and 10: once consent is given the student\'s home lists the survey; a second reminder reaches student and guardian', async () => {
  const guardian = await as('guardian');
  const ok = await guardian.post(`/api/v1/campaigns/${campaign.id}/consents`, {
    json: { student_id: childId, decision: 'consent' },
  });
  assert.equal(ok.status, 201);
  const student = await as('student');
  const todos = await student.get('/api/v1/todos');
  const survey = todos.body.items.find((x) => x.kind === 'survey' && x.campaign_id === campaign.id);
  assert.ok(survey, JSON.stringify(todos.body));
  assert.equal(survey.count, 2, 'two scales to answer');
  assert.equal(survey.reminded_at, undefined, 'the first reminder went to the guardian only');
  assert.equal(todos.body.badges.surveys >= 1, true);
  assert.doesNotMatch(JSON.stringify(todos.body), kDiagnostic);

  const ht = await as('head_teacher');
  const rem = await ht.post(`/api/v1/campaigns/${campaign.id}/reminders`, { json: { unit_id: classId } });
  assert.equal(rem.status, 201);
  assert.ok(rem.body.students >= 1);
  const again = await student.get('/api/v1/todos');
  assert.ok(again.body.items.find((x) => x.kind === 'survey' && x.campaign_id === campaign.id).reminded_at);
  // The child is a minor: the guardian's home carries the survey too.
  const g = await guardian.get('/api/v1/todos');
  const child = g.body.items.find((x) => x.kind === 'child_survey' && x.campaign_id === campaign.id);
  assert.ok(child && child.reminded_at, JSON.stringify(g.body));
  assert.ok(!g.body.items.some((x) => x.kind === 'consent' && x.campaign_id === campaign.id), 'consent given');
  assert.doesNotMatch(JSON.stringify(g.body), kDiagnostic);
});

test('item 1: a student who is also the peer reporter saves drafts and submits', async () => {
  const ht = await as('head_teacher');
  const peer = await as('peer_reporter');
  const me = (await peer.get('/api/v1/auth/me')).body;
  const nr = await ht.get(`/api/v1/campaigns/${campaign.id}/non-respondents?unit_id=${classId}`);
  const row = nr.body.items.find((s) => s.name === me.display_name);
  assert.ok(row, 'the peer reporter is a student of the class');
  peerStudentId = row.student_id;
  // A paper consent form, recorded by the head teacher, if one is needed.
  if (row.awaiting_consent) {
    const paper = await ht.post(`/api/v1/campaigns/${campaign.id}/consents`, {
      json: { student_id: peerStudentId, decision: 'consent' },
    });
    assert.equal(paper.status, 201);
  }
  const list = await peer.get('/api/v1/assignments');
  assert.equal(list.status, 200);
  const mine = list.body.items.filter((a) => a.campaign_id === campaign.id);
  assert.equal(mine.length, 2);
  assert.ok(mine.every((a) => a.state === 'pending'), JSON.stringify(mine));
  const phqa = mine.find((a) => a.instrument_id === 'phq-a');
  const detail = await peer.get(`/api/v1/assignments/${phqa.id}`);
  assert.equal(detail.status, 200);

  const draft = await peer.request('PUT', `/api/v1/assignments/${phqa.id}/draft`, {
    json: { answers: { q1: '1' }, position: 1 },
  });
  assert.equal(draft.status, 204, JSON.stringify(draft.body));
  assert.deepEqual((await peer.get(`/api/v1/assignments/${phqa.id}`)).body.draft.answers, { q1: '1' });
  const bad = await peer.request('PUT', `/api/v1/assignments/${phqa.id}/draft`, { json: { answers: { zz: '1' } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'answers.zz');

  const sub = await peer.post(`/api/v1/assignments/${phqa.id}/submission`, {
    json: { submission_id: 'peer-phqa-1', answers: answersFor(detail.body, { critical: true }) },
  });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  // Still nobody else's answers: the student's assignment stays hidden.
  const student = await as('student');
  const theirs = (await student.get('/api/v1/assignments')).body.items.find((a) => a.campaign_id === campaign.id);
  assert.equal((await peer.get(`/api/v1/assignments/${theirs.id}`)).status, 404);
  assert.equal((await peer.post(`/api/v1/assignments/${theirs.id}/submission`, {
    json: { submission_id: 'peer-x', answers: {} },
  })).status, 404);
  // After submitting, the answers are closed to the peer as to any student.
  assert.equal((await peer.request('PUT', `/api/v1/assignments/${phqa.id}/draft`, { json: { answers: {} } })).status, 409);
  // The peer reporter's own role is unchanged: names in the class, no results.
  assert.equal((await peer.get(`/api/v1/campaigns/${campaign.id}/results`)).status, 404);
});

test('item 11: a critical answer gets caring feedback that urges reaching out now, without diagnostic words', async () => {
  const student = await as('student');
  const list = (await student.get('/api/v1/assignments')).body.items.filter((a) => a.campaign_id === campaign.id);
  const phqa = list.find((a) => a.instrument_id === 'phq-a');
  const gad = list.find((a) => a.instrument_id === 'gad7');
  const detail = (await student.get(`/api/v1/assignments/${phqa.id}`)).body;
  const sub = await student.post(`/api/v1/assignments/${phqa.id}/submission`, {
    json: { submission_id: 'flow-phqa-1', answers: answersFor(detail, { critical: true }) },
  });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  assert.equal(sub.body.reach_out_now, true);
  const text = sub.body.feedback.join('\n');
  assert.doesNotMatch(text, kDiagnostic);
  assert.doesNotMatch(text, /继续保持规律作息/);
  assert.match(text, /现在/);
  assert.match(text, /热线/);
  assert.ok(sub.body.hotlines.length >= 1);
  // The repeat answers the same.
  const repeat = await student.post(`/api/v1/assignments/${phqa.id}/submission`, {
    json: { submission_id: 'flow-phqa-1', answers: answersFor(detail, { critical: true }) },
  });
  assert.equal(repeat.status, 200);
  assert.equal(repeat.body.reach_out_now, true);
  assert.deepEqual(repeat.body.feedback, sub.body.feedback);

  // A calm answer is not told to call at once.
  const gadDetail = (await student.get(`/api/v1/assignments/${gad.id}`)).body;
  const calm = await student.post(`/api/v1/assignments/${gad.id}/submission`, {
    json: { submission_id: 'flow-gad-1', answers: answersFor(gadDetail) },
  });
  assert.equal(calm.status, 201, JSON.stringify(calm.body));
  assert.equal(calm.body.reach_out_now, undefined);
  assert.ok(calm.body.feedback.length >= 1);
});

test('item 4: the consent list keeps the decision, drops completed campaigns and tells same names apart', async () => {
  const guardian = await as('guardian');
  // The child has answered both scales: the campaign asks nothing any more.
  const reqs = await guardian.get('/api/v1/consent-requests');
  assert.equal(reqs.status, 200);
  assert.ok(!reqs.body.items.some((r) => r.campaign_id === campaign.id), 'completed campaigns do not ask');

  // Two campaigns with the same name: told apart by who runs them and when.
  const psych = await as('psych_staff');
  const a = await psych.post('/api/v1/campaigns', {
    json: { name: '同名调查', unit_ids: [classId], scales: [{ instrument_id: 'gad7' }], opens_on: '2026-11-20', closes_on: '2027-01-10' },
  });
  const b = await psych.post('/api/v1/campaigns', {
    // A second campaign of the same name needs the creator's confirmation.
    json: { name: '同名调查', unit_ids: [classId], scales: [{ instrument_id: 'phq-a' }], opens_on: '2026-12-01', closes_on: '2027-01-31', confirm_duplicate_name: true },
  });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(b.status, 201, JSON.stringify(b.body));
  await guardian.post(`/api/v1/campaigns/${a.body.id}/consents`, { json: { student_id: childId, decision: 'consent' } });
  const list = (await guardian.get('/api/v1/consent-requests')).body.items;
  const ra = list.find((r) => r.campaign_id === a.body.id);
  const rb = list.find((r) => r.campaign_id === b.body.id);
  assert.ok(ra && rb);
  assert.equal(ra.decision, 'consent', 'the decision is remembered');
  assert.equal(rb.decision, undefined);
  for (const r of [ra, rb]) {
    assert.ok(r.owner_name && r.school_name, JSON.stringify(r));
  }
  assert.notEqual(`${ra.opens_on}/${ra.closes_on}`, `${rb.opens_on}/${rb.closes_on}`);
  assert.equal(ra.opens_on, '2026-11-20');
});

test('item 7: a head teacher\'s roster counts and pages only the students they may see', async () => {
  const ht = await as('head_teacher');
  const small = await ht.get('/api/v1/students?page_size=20');
  assert.equal(small.status, 200);
  const big = await ht.get('/api/v1/students?page_size=200');
  assert.equal(big.status, 200);
  assert.equal(big.body.next, null);
  assert.equal(big.body.total, big.body.items.length, 'total is the visible count');
  assert.equal(small.body.total, big.body.total);
  assert.equal(small.body.items.length, Math.min(20, small.body.total));
  const { all } = await pageThrough(ht, '/api/v1/students', 20);
  const ids = new Set(all.map((s) => s.id));
  assert.equal(all.length, big.body.total);
  assert.equal(ids.size, big.body.total, 'no student twice');
  // Every listed student is one the head teacher may open.
  for (const s of big.body.items.slice(0, 5)) assert.equal((await ht.get(`/api/v1/students/${s.id}`)).status, 200);
  // Small pages too.
  const { first, all: tiny } = await pageThrough(ht, '/api/v1/students', 7);
  assert.equal(first.items.length, 7);
  assert.equal(new Set(tiny.map((s) => s.id)).size, big.body.total);
});

// The urgent warnings of the critical answers above are raised from the
// submissions log within seconds of the acknowledgement (R-31 allows 5 s):
// wait for both before counting them.
async function waitForWarnings(client, n) {
  for (let i = 0; i < 50; i += 1) {
    const r = await client.get('/api/v1/warnings?state=all');
    if (r.status === 200 && r.body.total >= n) return;
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('item 7: warnings and follow-ups count and page the caller\'s scope', async () => {
  const psych = await as('psych_staff');
  await waitForWarnings(psych, 2);
  for (const url of ['/api/v1/warnings?state=all', '/api/v1/follow-ups?state=all']) {
    const whole = await psych.get(url);
    assert.equal(whole.status, 200);
    assert.ok(whole.body.total >= 2, `${url}: the two critical answers`);
    const { first, all } = await pageThrough(psych, url, 1);
    assert.equal(first.items.length, 1);
    assert.ok(first.next, 'a next cursor while more follow');
    assert.equal(first.total, whole.body.total);
    assert.equal(all.length, whole.body.total);
    assert.equal(new Set(all.map((x) => x.id)).size, whole.body.total);
    const bad = await psych.get(`${url}&page_size=0`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'page_size');
    const badCursor = await psych.get(`${url}&after=nonsense`);
    assert.equal(badCursor.status, 400);
    assert.equal(badCursor.body.error.field, 'after');
  }
  // Another school's psychology staff see none of them.
  const univ = await as('univ_psych_staff');
  const theirs = await univ.get('/api/v1/warnings?state=all');
  assert.equal(theirs.status, 200);
  assert.equal(theirs.body.total, theirs.body.items.length);
  assert.ok(!theirs.body.items.some((w) => w.student_id === peerStudentId));
});

test('item 10: the psychology teacher\'s home lists the day\'s work with counts that match the lists', async () => {
  const psych = await as('psych_staff');
  await waitForWarnings(psych, 2);
  const todos = await psych.get('/api/v1/todos');
  assert.equal(todos.status, 200, JSON.stringify(todos.body));
  const by = Object.fromEntries(todos.body.items.map((x) => [x.kind, x]));
  const open = await psych.get('/api/v1/warnings?state=open');
  assert.ok(by.urgent_warnings.count >= 2);
  assert.equal(by.urgent_warnings.count, open.body.total);
  assert.equal(todos.body.badges.warnings, open.body.total);
  assert.ok(by.follow_ups_due.count >= 2, 'critical follow-ups are due within a day');
  assert.ok(by.campaigns_in_progress.campaigns.some((c) => c.id === campaign.id));
  assert.equal(by.campaigns_in_progress.count, by.campaigns_in_progress.campaigns.length);
  // Acknowledging lowers the count.
  await psych.post(`/api/v1/warnings/${open.body.items[0].id}/acknowledgement`);
  const after = await psych.get('/api/v1/todos');
  assert.equal(after.body.badges.warnings, open.body.total - 1);
  // Roles without that work get no staff counters.
  for (const u of ['head_teacher', 'student', 'guardian', 'district_admin']) {
    const t = await (await as(u)).get('/api/v1/todos');
    assert.equal(t.status, 200, u);
    assert.ok(!t.body.items.some((x) => x.kind === 'urgent_warnings'), u);
    assert.equal(t.body.badges.warnings, undefined, u);
  }
  assert.equal((await psych.get('/api/v1/todos?x=1')).status, 400);
  assert.equal((await new ApiClient(srv.baseUrl).get('/api/v1/todos')).status, 401);
});
