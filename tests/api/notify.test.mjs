// Outbound channel settings (issue 19.10): each administrator sets its own
// unit's channels, others are refused, bad input names the field, and the
// webhook URL (it holds the robot's key) is never sent back, nor written to
// the audit log. The inbox: unread counts by kind, paging, mark-all-read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ApiClient } from '../e2e/helpers.mjs';
import { databaseDump } from './dump.mjs';

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
const unitOf = (user) => srv.accounts[user].scope_unit_id;
const put = (c, id, json) => c.request('PUT', `/api/v1/notify/channels/${id}`, { json });
const kSecret = 'http://127.0.0.1:9/cgi-bin/webhook/send?key=SECRET-KEY-93000';

test('each administrator sets its own unit; secrets are not returned', async () => {
  const dataAdmin = await as('school_data_admin');
  const district = await as('district_admin');
  const city = await as('city_admin');
  const school = unitOf('school_data_admin');

  const mine = await dataAdmin.get('/api/v1/notify/channels');
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.items.map((u) => u.unit.id), [school]);
  assert.equal(mine.body.items[0].webhook_set, false);

  const saved = await put(dataAdmin, school, {
    site_url: 'http://xinqiao.school.local',
    webhook_url: kSecret,
    smtp_host: '127.0.0.1',
    smtp_port: 2525,
    smtp_from: 'xinqiao@school.local',
    smtp_user: 'xinqiao',
    smtp_password: 'MAIL-PASSWORD-5521',
    recipients: { psych_staff: ['psych@school.local'], school_leader: ['leader@school.local'] },
  });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.webhook_set, true);
  assert.ok(!JSON.stringify(saved.body).includes('SECRET-KEY'), 'the key is not echoed');
  assert.equal(saved.body.webhook_url, undefined);
  assert.equal(saved.body.smtp_user, 'xinqiao');
  assert.equal(saved.body.smtp_password_set, true);
  assert.ok(!JSON.stringify(saved.body).includes('MAIL-PASSWORD'), 'the mail password is not echoed');
  const again = await dataAdmin.get('/api/v1/notify/channels');
  assert.ok(!JSON.stringify(again.body).includes('SECRET-KEY'));
  assert.ok(!JSON.stringify(again.body).includes('MAIL-PASSWORD'));
  assert.equal(again.body.items[0].smtp_password_set, true);
  assert.equal(again.body.items[0].smtp_port, 2525);
  assert.deepEqual(again.body.items[0].recipients.psych_staff, ['psych@school.local']);

  // Absent webhook_url keeps it, "" removes it.
  const kept = await put(dataAdmin, school, { site_url: 'http://xinqiao.school.local', smtp_host: '' });
  assert.equal(kept.body.webhook_set, true);
  assert.equal(kept.body.smtp_password_set, true);
  const removed = await put(dataAdmin, school, { webhook_url: '', smtp_password: '' });
  assert.equal(removed.body.webhook_set, false);
  assert.equal(removed.body.smtp_password_set, false);
  // An https:// robot address (WeCom and DingTalk take no other) is accepted;
  // a password on two lines is not.
  const https = await put(dataAdmin, school, { webhook_url: 'https://127.0.0.1:9/cgi-bin/webhook/send?key=K' });
  assert.equal(https.status, 200, JSON.stringify(https.body));
  assert.equal(https.body.webhook_set, true);
  const twoLines = await put(dataAdmin, school, { smtp_password: 'a\r\nMAIL FROM:<x@y>' });
  assert.equal(twoLines.status, 400);
  assert.equal(twoLines.body.error.field, 'smtp_password');

  assert.equal((await put(district, unitOf('district_admin'), { webhook_url: kSecret })).status, 200);
  assert.equal((await put(city, unitOf('city_admin'), { smtp_host: 'mail.city.local', smtp_from: 'a@city.local' })).status, 200);

  // The audit log has the change, not the key.
  const auditor = await as('auditor');
  const log = await auditor.get('/api/v1/audit-events?action=notify_channels_edit');
  assert.equal(log.status, 200);
  assert.ok(log.body.items.length >= 5, JSON.stringify(log.body).slice(0, 300));
  assert.ok(!JSON.stringify(log.body).includes('SECRET-KEY'));
});

test('the robot key and the mail password are stored sealed: neither is in a copy of the database', async () => {
  const dataAdmin = await as('school_data_admin');
  const school = unitOf('school_data_admin');
  const saved = await put(dataAdmin, school, {
    webhook_url: kSecret,
    smtp_host: '127.0.0.1',
    smtp_from: 'xinqiao@school.local',
    smtp_user: 'xinqiao',
    smtp_password: 'MAIL-PASSWORD-7731',
  });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.webhook_set, true);
  assert.equal(saved.body.smtp_password_set, true);
  const bytes = databaseDump(srv.db);
  assert.ok(bytes.length > 0);
  for (const m of ['SECRET-KEY-93000', 'MAIL-PASSWORD-7731'])
    assert.equal(bytes.indexOf(Buffer.from(m)), -1, `${m} found in plaintext`);
  assert.ok(bytes.indexOf(Buffer.from('xq1:')) >= 0, 'the sealed values are there');
  // Kept as they are when absent from the next change.
  const kept = await put(dataAdmin, school, { smtp_host: '127.0.0.1', smtp_from: 'xinqiao@school.local' });
  assert.equal(kept.body.webhook_set, true);
  assert.equal(kept.body.smtp_password_set, true);
});

test('others are refused; bad input names the field and writes nothing', async () => {
  const school = unitOf('school_data_admin');
  for (const user of ['psych_staff', 'school_leader', 'head_teacher', 'student', 'guardian', 'auditor']) {
    const c = await as(user);
    assert.deepEqual((await c.get('/api/v1/notify/channels')).body.items, [], user);
    const res = await put(c, school, { webhook_url: kSecret });
    assert.equal(res.status, 404, `${user}: ${JSON.stringify(res.body)}`);
  }
  // A district admin does not set a school's channels, nor the city's.
  const district = await as('district_admin');
  assert.equal((await put(district, school, { smtp_host: 'x' })).status, 404);
  assert.equal((await put(district, unitOf('city_admin'), { smtp_host: 'x' })).status, 404);

  const admin = await as('school_data_admin');
  const before = (await admin.get('/api/v1/notify/channels')).body.items[0];
  const bad = [
    [{ webhook_url: 'ftp://robot/' }, 'webhook_url'],
    [{ webhook_url: 'http://a b/' }, 'webhook_url'],
    [{ site_url: 'javascript:alert(1)' }, 'site_url'],
    [{ smtp_port: 70000 }, 'smtp_port'],
    [{ smtp_host: 'mail.local', smtp_from: 'not-an-address' }, 'smtp_from'],
    [{ recipients: { psych_staff: ['a@b.c', 'x'] } }, 'recipients.psych_staff'],
    [{ recipients: { wizard: ['a@b.c'] } }, 'recipients.wizard'],
    [{ recipients: ['a@b.c'] }, 'recipients'],
    [{ colour: 'red' }, 'colour'],
  ];
  for (const [json, field] of bad) {
    const res = await put(admin, unitOf('school_data_admin'), json);
    assert.equal(res.status, 400, JSON.stringify(json));
    assert.equal(res.body.error.field, field, JSON.stringify(res.body));
  }
  assert.deepEqual((await admin.get('/api/v1/notify/channels')).body.items[0], before);
});

test('inbox: counts by kind, paging with a cursor, mark all read', async () => {
  const psych = await as('psych_staff');
  const list = await psych.get('/api/v1/notices?page_size=1');
  assert.equal(list.status, 200);
  assert.equal(typeof list.body.unread, 'number');
  assert.equal(typeof list.body.unread_urgent, 'number');
  assert.equal(typeof list.body.unread_by_kind, 'object');
  const sum = Object.values(list.body.unread_by_kind).reduce((a, b) => a + b, 0);
  assert.equal(sum, list.body.unread);
  assert.equal((await psych.get('/api/v1/notices?after=garbage')).body.error.field, 'after');
  assert.equal((await psych.get('/api/v1/notices?bogus=1')).status, 400);
  // Walk every page: no repeats.
  const seen = new Set();
  let after = '';
  for (let i = 0; i < 50; i++) {
    const res = await psych.get(`/api/v1/notices?page_size=1${after ? `&after=${after}` : ''}`);
    assert.equal(res.status, 200);
    for (const n of res.body.items) {
      assert.ok(!seen.has(n.id));
      seen.add(n.id);
      assert.equal(typeof n.urgent, 'boolean');
    }
    if (!res.body.next) break;
    after = res.body.next;
  }
  const all = await psych.post('/api/v1/notices/read-all', { json: {} });
  assert.equal(all.status, 200);
  assert.equal(all.body.marked, list.body.unread);
  const afterAll = await psych.get('/api/v1/notices');
  assert.equal(afterAll.body.unread, 0);
  assert.deepEqual(afterAll.body.unread_by_kind, {});
  assert.equal((await psych.post('/api/v1/notices/read-all', { json: { kind: 7 } })).status, 400);
});
