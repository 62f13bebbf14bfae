// The booking race over HTTP (issue 20): 500 students of one school book
// 50 slots of one counsellor at the same moment, ten students on every
// slot. Exactly 50 bookings must succeed (201), every other request must be
// 409 slot_taken, and the database must hold one active booking per slot.
// Reports the latency of the booking requests; the target is p99 < 200 ms.
//
// Starts its own `xinqiao serve` on a fresh demo database (SQLite, or
// PostgreSQL with XQ_TEST_DB_KIND=postgresql and XQ_TEST_PG_URL, as the API
// tests do). The students sign in with login slips the counsellor prints
// for the university's classes (setting a password, so they may book).
//
//   XQ_BIN=build/release/bin/xinqiao node bench/counselling/booking_race.mjs [students] [slots] [rounds]
//
// Checks the audit chain at the end (`xinqiao audit verify`): every
// booking's entry is in it and it is intact.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { startServer, ApiClient, xqBin } from '../../tests/e2e/helpers.mjs';

const students = Number(process.argv[2] || 500);
const slotCount = Number(process.argv[3] || 50);
const rounds = Number(process.argv[4] || 1);

function sql(db, query) {
  if (db.startsWith('sqlite:')) return execFileSync('sqlite3', [db.slice('sqlite:'.length), query]).toString();
  return execFileSync('psql', ['-qAt', '-d', db, '-c', query]).toString();
}

async function inPool(items, width, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

// A request as bytes, with the client's session cookie and CSRF token.
function rawPost(c, path, json) {
  const body = Buffer.from(JSON.stringify(json));
  const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return Buffer.concat([
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nX-CSRF-Token: ${c.csrf}\r\n` +
        `Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    ),
    body,
  ]);
}

// A keep-alive connection that sends one request at a time and reads the
// answer (status line, Content-Length body).
function connect(baseUrl) {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname, () => {
      sock.setNoDelay(true);
      let buf = Buffer.alloc(0);
      let pending = null;
      sock.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        const head = buf.indexOf('\r\n\r\n');
        if (head < 0 || !pending) return;
        const headers = buf.subarray(0, head).toString();
        const len = Number(/content-length:\s*(\d+)/i.exec(headers)?.[1] || 0);
        if (buf.length < head + 4 + len) return;
        const text = buf.subarray(head + 4, head + 4 + len).toString();
        buf = buf.subarray(head + 4 + len);
        const done = pending;
        pending = null;
        let body = null;
        try { body = JSON.parse(text); } catch { body = text; }
        done({ status: Number(headers.split(' ')[1]), body });
      });
      sock.on('error', (e) => console.error(`connection: ${e.message}`));
      sock.on('close', () => pending && console.error('connection closed with a request pending'));
      resolve({
        send: (bytes) => new Promise((res) => { pending = res; sock.write(bytes); }),
        close: () => sock.end(),
      });
    });
    sock.once('error', reject);
  });
}

// XQ_SERVE_ARGS: more `xinqiao serve` options, e.g. "--handler-threads 16".
const srv = await startServer({ web: false, extraArgs: (process.env.XQ_SERVE_ARGS || '').split(' ').filter(Boolean) });
try {
  const psych = new ApiClient(srv.baseUrl);
  await psych.login('univ_psych_staff');
  const school = String(srv.accounts.univ_psych_staff.scope_unit_id);

  // Every class of the school (college → major → class …).
  const classes = [];
  const walk = async (unit) => {
    const res = await psych.get(`/api/v1/org-units?parent_id=${unit}`);
    if (res.status !== 200) throw new Error(`org-units ${res.status} ${JSON.stringify(res.body)}`);
    for (const u of res.body.items) {
      if (u.kind === 'class') classes.push(u.id);
      else await walk(u.id);
    }
  };
  await walk(school);
  const slips = [];
  for (const c of classes) {
    if (slips.length >= students) break;
    const res = await psych.post('/api/v1/login-slips', { json: { class_id: c } });
    if (res.status !== 201) throw new Error(`slips ${res.status} ${JSON.stringify(res.body)}`);
    slips.push(...res.body.items);
  }
  if (slips.length < students) throw new Error(`only ${slips.length} students in the school`);
  slips.length = students;

  const clients = [];
  const t0 = Date.now();
  await inPool(slips, 4, async (slip) => {
    const c = new ApiClient(srv.baseUrl);
    const res = await c.post('/api/v1/auth/slip-login', {
      json: { login: slip.login, code: slip.code, new_password: `Bench-${slip.code}-2026` },
    });
    if (res.status !== 200) throw new Error(`slip-login ${slip.login}: ${res.status} ${JSON.stringify(res.body)}`);
    c.csrf = res.body.csrf_token || '';
    clients.push(c);
  });
  const signInSeconds = (Date.now() - t0) / 1000;
  console.error(`${clients.length} students signed in (${signInSeconds} s)`);

  const results = [];
  for (let round = 0; round < rounds; round++) {
    const kHour = 3600e3;
    const base = Math.floor(Date.now() / kHour) * kHour + (48 + round * slotCount) * kHour;
    const published = await psych.post('/api/v1/counselling/slots', {
      json: {
        slots: Array.from({ length: slotCount }, (_, i) => ({
          room: '心理辅导室 1',
          starts_at: new Date(base + i * kHour).toISOString(),
          ends_at: new Date(base + (i + 0.75) * kHour).toISOString(),
        })),
      },
    });
    if (published.status !== 201) throw new Error(`slots ${published.status} ${JSON.stringify(published.body)}`);
    const slots = published.body.items.map((s) => s.id);

    // One open keep-alive connection per student, the request bytes ready,
    // then every request written in the same tick. Raw sockets rather than
    // fetch, so that the client (on the same two cores) costs little.
    const socks = [];
    for (const c of clients) socks.push(await connect(srv.baseUrl));
    console.error(`round ${round}: ${socks.length} connections`);
    const lat = [];
    const wonLat = [];
    const statuses = {};
    const winners = new Map();
    const start = process.hrtime.bigint();
    await Promise.all(
      clients.map(async (c, i) => {
        const slot = slots[i % slots.length];
        const t = process.hrtime.bigint();
        const res = await socks[i].send(rawPost(c, '/api/v1/counselling/bookings', { slot_id: slot }));
        lat.push(Number(process.hrtime.bigint() - t) / 1e6);
        const key = res.status === 409 ? `409 ${res.body?.error?.code}` : String(res.status);
        statuses[key] = (statuses[key] || 0) + 1;
        if (res.status === 201) {
          if (winners.has(slot)) throw new Error(`slot ${slot} booked twice over the API`);
          winners.set(slot, res.body.id);
          wonLat.push(lat[lat.length - 1]);
        }
      }),
    );
    const spanMs = Number(process.hrtime.bigint() - start) / 1e6;
    for (const k of socks) k.close();
    const ok = statuses['201'] || 0;
    if (ok !== slots.length || statuses['409 slot_taken'] !== clients.length - slots.length)
      throw new Error(`round ${round}: ${JSON.stringify(statuses)}`);
    // The database: one active booking on every slot, none twice.
    const rows = sql(
      srv.db,
      `SELECT slot_id, COUNT(*) FROM counselling_bookings WHERE state <> 'cancelled' AND slot_id IN (${slots.join(',')}) GROUP BY slot_id`,
    )
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('|').map(Number));
    if (rows.length !== slots.length || rows.some(([, n]) => n !== 1))
      throw new Error(`round ${round}: database holds ${JSON.stringify(rows)}`);

    lat.sort((a, b) => a - b);
    const q = (p) => Number(lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(1));
    results.push({ round, requests: lat.length, statuses, span_ms: Number(spanMs.toFixed(1)),
      p50_ms: q(50), p90_ms: q(90), p99_ms: q(99), max_ms: Number(lat[lat.length - 1].toFixed(1)),
      // When the 50 winners were answered: do the refusals wait for them?
      won_max_ms: Number(Math.max(...wonLat).toFixed(1)) });
  }
  // Every booking's audit entry is in the chain, which is intact.
  const verify = execFileSync(xqBin(), ['audit', 'verify', '--db', srv.db]).toString().trim();
  const audited = Number(
    sql(srv.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND object_type = 'counselling_booking'"),
  );
  if (!/intact/.test(verify) || audited < rounds * slotCount) throw new Error(`audit: ${verify}, ${audited} bookings`);
  console.error(verify);
  console.log(JSON.stringify({ db: srv.db.split(':')[0], students, slots: slotCount,
    sign_in_s: Number(signInSeconds.toFixed(1)),
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))), rounds: results }));
} finally {
  await srv.stop();
}
