// The instrument library (issue 22): the scale picker shows each scale's
// licence, wording status and norm sets; a campaign picks a norm set, stores
// it and its results report it; a campaign with unvalidated wording warns
// the psychologist; a scale whose licence forbids shipping it active (the
// C-SSRS screener) is not offered and is refused until the school enables
// it under its own licence (audited). Runs on SQLite and, with
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

async function as(username, password) {
  if (!clients[username]) {
    clients[username] = new ApiClient(srv.baseUrl);
    await clients[username].login(username, password);
  }
  return clients[username];
}

before(async () => {
  srv = await startServer({ web: false });
});
after(async () => {
  await srv?.stop();
});

// Signs in with the temporary password an administrator set and changes it.
async function signInOwnPassword(username) {
  const c = await as(username, 'Welcome#2026');
  const changed = await c.post('/api/v1/auth/password', { json: { current_password: 'Welcome#2026', new_password: 'MyOwn#2026x' } });
  assert.equal(changed.status, 204, JSON.stringify(changed.body));
  delete clients[username];
  return as(username, 'MyOwn#2026x');
}

const schoolOf = () => String(srv.accounts.psych_staff.scope_unit_id);
const classOf = () => String(srv.accounts.head_teacher.scope_unit_id);

test('the scale picker shows licence, wording status and norm sets; the licensed C-SSRS is not offered', async () => {
  const psych = await as('psych_staff');
  const lib = await psych.get('/api/v1/instruments');
  assert.equal(lib.status, 200, JSON.stringify(lib.body));
  const ids = lib.body.items.map((s) => s.instrument_id);
  for (const id of ['phq9', 'phq-a', 'gad7', 'k10', 'k6', 'cesd', 'rses', 'pss10', 'upi']) assert.ok(ids.includes(id), id);
  assert.ok(!ids.includes('cssrs-screen'), 'a scale licensed per school is not in the picker');
  const cssrs = lib.body.licensable.find((s) => s.instrument_id === 'cssrs-screen');
  assert.ok(cssrs, 'the C-SSRS is listed as licensable');
  assert.equal(cssrs.enabled_by_default, false);
  assert.equal(cssrs.licence.requires_licence, true);
  assert.deepEqual(cssrs.enabled_schools, []);
  for (const s of lib.body.items) {
    assert.ok(s.licence.holder && s.licence.terms, s.instrument_id);
    assert.ok(['validated', 'translation', 'by_permission'].includes(s.wording_status), s.instrument_id);
    assert.equal(s.unvalidated_wording, s.wording_status === 'translation', s.instrument_id);
  }
  const phq9 = lib.body.items.find((s) => s.instrument_id === 'phq9');
  assert.equal(phq9.wording_status, 'validated');
  assert.ok(phq9.wording_citation);
  const cesd = lib.body.items.find((s) => s.instrument_id === 'cesd');
  assert.equal(cesd.default_norm_set, 'cn_secondary_2016', 'Chinese student norms are the default');
  assert.deepEqual(cesd.norm_sets.map((n) => n.id), ['cn_secondary_2016', 'cn_university_2019', 'radloff_1977']);
  assert.ok(cesd.norm_sets.every((n) => n.citation && n.population));
  assert.equal((await psych.get('/api/v1/instruments?x=1')).status, 400);

  // Templates never offer it either.
  const t = await psych.get('/api/v1/screening-templates');
  for (const tm of t.body.items) {
    assert.ok(!tm.scales.some((s) => s.instrument_id === 'cssrs-screen'), tm.id);
    for (const s of tm.scales) assert.ok(s.wording_status && s.licence, `${tm.id} ${s.instrument_id}`);
  }

  // Only those who create campaigns see the library.
  for (const u of ['head_teacher', 'student', 'school_leader', 'guardian']) {
    assert.equal((await (await as(u)).get('/api/v1/instruments')).status, 403, u);
  }
});

test('a campaign stores its norm set, warns about unvalidated wording and its results report the norm set', async () => {
  const psych = await as('psych_staff');
  const bad = await psych.post('/api/v1/campaigns', {
    json: { name: 'x', unit_ids: [classOf()], scales: [{ instrument_id: 'k10', norm_set: 'nowhere' }] },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'scales[0].norm_set');
  const badType = await psych.post('/api/v1/campaigns', {
    json: { name: 'x', unit_ids: [classOf()], scales: [{ instrument_id: 'k10', norm_set: 3 }] },
  });
  assert.equal(badType.status, 400);
  assert.equal(badType.body.error.field, 'scales[0].norm_set');

  const k10 = await psych.post('/api/v1/campaigns', {
    json: { name: 'K10 ABS', unit_ids: [classOf()], scales: [{ instrument_id: 'k10', norm_set: 'abs_2001' }] },
  });
  assert.equal(k10.status, 201, JSON.stringify(k10.body));
  assert.equal(k10.body.scales[0].norm_set, 'abs_2001');
  assert.ok(k10.body.scales[0].norm_set_label);
  assert.equal(k10.body.scales[0].wording_status, 'translation');
  assert.equal(k10.body.warnings.length, 1, 'unvalidated wording is reported on creation');
  assert.equal(k10.body.warnings[0].code, 'unvalidated_wording');
  assert.equal(k10.body.warnings[0].instrument_id, 'k10');
  const again = await psych.get(`/api/v1/campaigns/${k10.body.id}`);
  assert.equal(again.body.scales[0].norm_set, 'abs_2001', 'the norm set is stored');

  const cesd = await psych.post('/api/v1/campaigns', {
    json: { name: 'CES-D', unit_ids: [classOf()], scales: [{ instrument_id: 'cesd' }] },
  });
  assert.equal(cesd.status, 201, JSON.stringify(cesd.body));
  assert.equal(cesd.body.scales[0].norm_set, 'cn_secondary_2016', 'default: Chinese secondary student norms');

  const phq9 = await psych.post('/api/v1/campaigns', {
    // Students read the campaign name: a scale's abbreviation in it is refused (diagnostic_wording).
    json: { name: '心理健康小调查（秋季）', unit_ids: [classOf()], scales: [{ instrument_id: 'phq9' }] },
  });
  assert.equal(phq9.status, 201, JSON.stringify(phq9.body));
  assert.deepEqual(phq9.body.warnings, [], 'validated wording: no warning');

  const dir = mkdtempSync(path.join(tmpdir(), 'xq-norms-'));
  const file = path.join(dir, 'paper.csv');
  const run = (campaign) => spawnSync(xqBin(), ['screening', 'import', '--db', srv.db, '--campaign', campaign, file], {
    cwd: kRepoRoot, encoding: 'utf8',
  });
  try {
    const names = await psych.get(`/api/v1/campaigns/${k10.body.id}/non-respondents?unit_id=${classOf()}`);
    const [a] = names.body.items;
    // K10 total 25: ABS "high" (22-29); the Chinese 2019 levels would say "moderate".
    const k10Items = Array.from({ length: 10 }, (_, i) => `q${i + 1}`);
    writeFileSync(file, [`student_no,${k10Items.join(',')}`, [a.student_no, 5, 5, 5, 3, 1, 1, 1, 1, 1, 2].join(',')].join('\n'));
    let out = run(k10.body.id);
    assert.equal(out.status, 0, out.stderr);
    let res = await psych.get(`/api/v1/campaigns/${k10.body.id}/results`);
    assert.equal(res.body.items.length, 1);
    assert.equal(res.body.items[0].scores.total, 25);
    assert.equal(res.body.items[0].bands.total.id, 'high');
    assert.equal(res.body.items[0].norm_set, 'abs_2001');

    // CES-D total 20 (items 4, 8, 12, 16 reverse-keyed, answered 3 = 0):
    // below the Chinese secondary cut-off of 24, above the US 16.
    const cesdItems = Array.from({ length: 20 }, (_, i) => `q${i + 1}`);
    const vals = [3, 3, 3, 3, 3, 3, 2, 3, 3, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 0];
    writeFileSync(file, [`student_no,${cesdItems.join(',')}`, [a.student_no, ...vals].join(',')].join('\n'));
    out = run(cesd.body.id);
    assert.equal(out.status, 0, out.stderr);
    res = await psych.get(`/api/v1/campaigns/${cesd.body.id}/results`);
    assert.equal(res.body.items[0].scores.total, 20);
    assert.equal(res.body.items[0].bands.total.id, 'below_cutoff');
    assert.equal(res.body.items[0].norm_set, 'cn_secondary_2016');
    assert.equal(res.body.items[0].positive, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the C-SSRS is refused until the school enables it under its own licence; audited', async () => {
  const psych = await as('psych_staff');
  const refused = await psych.post('/api/v1/campaigns', {
    json: { name: 'C-SSRS', unit_ids: [classOf()], scales: [{ instrument_id: 'cssrs-screen' }] },
  });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.error.field, 'scales[0].instrument_id');
  assert.match(refused.body.error.message, /licen/);

  const url = `/api/v1/schools/${schoolOf()}/instrument-licences/cssrs-screen`;
  // Bad input, other roles, other schools, free scales.
  const noRef = await psych.request('PUT', url, { json: { licence_ref: '' } });
  assert.equal(noRef.status, 400);
  assert.equal(noRef.body.error.field, 'licence_ref');
  const extra = await psych.request('PUT', url, { json: { licence_ref: 'x', colour: 1 } });
  assert.equal(extra.status, 400);
  assert.equal(extra.body.error.field, 'colour');
  const free = await psych.request('PUT', `/api/v1/schools/${schoolOf()}/instrument-licences/phq9`, { json: { licence_ref: 'x' } });
  assert.equal(free.status, 400);
  assert.equal(free.body.error.field, 'instrument_id');
  const unknown = await psych.request('PUT', `/api/v1/schools/${schoolOf()}/instrument-licences/nope`, { json: { licence_ref: 'x' } });
  assert.equal(unknown.status, 404);
  for (const u of ['head_teacher', 'school_leader', 'district_admin', 'student']) {
    const r = await (await as(u)).request('PUT', url, { json: { licence_ref: 'x' } });
    assert.equal(r.status, 404, `${u}: ${r.status}`);
  }
  const foreign = await (await as('univ_psych_staff')).request('PUT', url, { json: { licence_ref: 'x' } });
  assert.equal(foreign.status, 404, 'another school\'s psychologist cannot enable it here');
  assert.equal((await psych.request('PUT', `/api/v1/schools/${classOf()}/instrument-licences/cssrs-screen`, { json: { licence_ref: 'x' } })).status, 404, 'a class is not a school');
  assert.equal((await psych.delete(url)).status, 404, 'nothing to withdraw yet');

  const on = await psych.request('PUT', url, { json: { licence_ref: 'Columbia eC-SSRS licence 2026-118, zh-CN, web' } });
  assert.equal(on.status, 200, JSON.stringify(on.body));
  assert.equal(on.body.instrument_id, 'cssrs-screen');
  const lib = await psych.get('/api/v1/instruments');
  assert.ok(lib.body.items.some((s) => s.instrument_id === 'cssrs-screen'), 'offered once enabled');
  assert.equal(lib.body.licensable.find((s) => s.instrument_id === 'cssrs-screen').enabled_schools[0].school_id, schoolOf());

  const ok = await psych.post('/api/v1/campaigns', {
    json: { name: 'C-SSRS', unit_ids: [classOf()], scales: [{ instrument_id: 'cssrs-screen' }] },
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.warnings[0].instrument_id, 'cssrs-screen', 'its Chinese wording is not the certified one');

  // Another school has not enabled it; a district campaign spanning schools is refused.
  const univ = await (await as('univ_psych_staff')).post('/api/v1/campaigns', {
    json: { name: 'C-SSRS', scales: [{ instrument_id: 'cssrs-screen' }] },
  });
  assert.equal(univ.status, 400);
  const district = await (await as('district_admin')).post('/api/v1/campaigns', {
    json: { name: 'C-SSRS', scales: [{ instrument_id: 'cssrs-screen' }] },
  });
  assert.equal(district.status, 400);
  assert.equal(district.body.error.field, 'scales[0].instrument_id');

  assert.equal((await psych.delete(url)).status, 204);
  const after = await psych.post('/api/v1/campaigns', {
    json: { name: 'C-SSRS', unit_ids: [classOf()], scales: [{ instrument_id: 'cssrs-screen' }] },
  });
  assert.equal(after.status, 400, 'withdrawn: refused again');

  const audit = await (await as('auditor')).get('/api/v1/audit-events?page_size=200');
  assert.equal(audit.status, 200);
  const events = audit.body.items.filter((e) => e.object_type === 'instrument_licence');
  assert.ok(events.some((e) => e.action === 'enable' && e.outcome === 'ok'), 'enabling is audited');
  assert.ok(events.some((e) => e.action === 'disable' && e.outcome === 'ok'), 'withdrawing is audited');
  assert.ok(events.some((e) => e.outcome === 'denied'), 'denials are audited');
});

test('accounts holding two roles: psychologist rights come from the psychology grant only', async () => {
  const admin = await as('school_data_admin');
  const created = await admin.post('/api/v1/accounts', {
    json: {
      username: 'two.roles', display_name: '双角色', password: 'Welcome#2026',
      roles: [{ role: 'head_teacher', unit_id: classOf() }, { role: 'subject_teacher', unit_id: classOf() }],
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  // A password an administrator chose allows only the change.
  const two = await signInOwnPassword('two.roles');
  assert.equal((await two.get('/api/v1/instruments')).status, 403);
  const url = `/api/v1/schools/${schoolOf()}/instrument-licences/cssrs-screen`;
  assert.equal((await two.request('PUT', url, { json: { licence_ref: 'x' } })).status, 404);

  // Psychology staff who are also a class's head teacher act as psychology staff.
  const both = await admin.post('/api/v1/accounts', {
    json: {
      username: 'psych.and.head', display_name: '心理兼班主任', password: 'Welcome#2026',
      roles: [{ role: 'head_teacher', unit_id: classOf() }, { role: 'psych_staff', unit_id: schoolOf() }],
    },
  });
  assert.equal(both.status, 201, JSON.stringify(both.body));
  // The psychology grant takes effect once a second administrator approves it.
  const district = await as('district_admin');
  const pending = await district.get('/api/v1/grant-requests');
  const ask = pending.body.items.find((r) => r.role === 'psych_staff' && r.account_id === both.body.id);
  assert.ok(ask, JSON.stringify(pending.body));
  assert.equal((await district.post(`/api/v1/grant-requests/${ask.id}/approval`)).status, 200);
  const ph = await signInOwnPassword('psych.and.head');
  const lib = await ph.get('/api/v1/instruments');
  assert.equal(lib.status, 200, JSON.stringify(lib.body));
  assert.ok(!lib.body.items.some((s) => s.instrument_id === 'cssrs-screen'));
  const on = await ph.request('PUT', url, { json: { licence_ref: 'Columbia licence 2026-120' } });
  assert.equal(on.status, 200, JSON.stringify(on.body));
  assert.equal((await ph.delete(url)).status, 204);

  // The CLI enables it for a school, audited as the system.
  const cli = spawnSync(xqBin(), ['screening', 'enable-instrument', '--db', srv.db, '--school', schoolOf(),
    '--instrument', 'cssrs-screen', '--licence', 'Columbia licence 2026-119'], { cwd: kRepoRoot, encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const cliFree = spawnSync(xqBin(), ['screening', 'enable-instrument', '--db', srv.db, '--school', schoolOf(),
    '--instrument', 'phq9', '--licence', 'x'], { cwd: kRepoRoot, encoding: 'utf8' });
  assert.equal(cliFree.status, 1);
  assert.match(cliFree.stderr, /ships enabled/);
  const after = await (await as('psych_staff')).get('/api/v1/instruments');
  assert.ok(after.body.items.some((s) => s.instrument_id === 'cssrs-screen'));
});
