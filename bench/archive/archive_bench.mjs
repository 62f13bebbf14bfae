// Opening a student's archive under load: one student with a 200-line
// timeline, 200 concurrent readers (psychology staff sessions) each opening
// it (GET /students/{id}/timeline?page_size=200) in a loop for a fixed
// time. Reports throughput and latency percentiles; the target is p99 <
// 50 ms. Every opening writes its audit entry, so this measures that too.
// With think > 0, each reader pauses 0.5–1.5 × think ms between openings
// (a member of staff reads the timeline before opening it again); 0 sends
// the next request at once, so `readers` requests are always in flight.
// The timed requests go over node:http keep-alive connections, one per
// reader (fetch's own cost under hundreds of clients on the same cores was
// part of the latency measured).
//
//   XQ_BIN=build/release/bin/xinqiao node bench/archive/archive_bench.mjs [seconds] [readers] [think]
import http from 'node:http';
import { startServer, ApiClient } from '../../tests/e2e/helpers.mjs';

const seconds = Number(process.argv[2] || 20);
const readers = Number(process.argv[3] || 200);
const think = Number(process.argv[4] || 0);
const agent = new http.Agent({ keepAlive: true, maxSockets: readers + 2 });

// Status and parsed body of a GET with the client's session cookie.
function get(base, path, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { agent, headers: { Cookie: cookie } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) });
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const srv = await startServer({ web: false });
try {
  const head = new ApiClient(srv.baseUrl);
  await head.login('head_teacher');
  const student = (await head.get('/api/v1/students?page_size=1')).body.items[0];
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  for (let i = 0; i < 200; i++) {
    const res = await head.post('/api/v1/contacts', {
      json: { student_id: student.id, kind: i % 2 ? 'talk' : 'home_visit', date: today, mode: 'phone', summary: `记录 ${i}` },
    });
    if (res.status !== 201) throw new Error(`seed ${res.status}`);
  }
  const psych = new ApiClient(srv.baseUrl);
  await psych.login('psych_staff');
  const url = `/api/v1/students/${student.id}/timeline?page_size=200`;
  for (let i = 0; i < 100; i++) {
    const res = await psych.get(url);
    if (res.body.items.length >= 200) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const lines = (await psych.get(url)).body.items.length;
  if (lines < 200) throw new Error(`timeline has ${lines} lines`);
  // One session per reader, as 200 staff would have.
  const clients = [];
  for (let i = 0; i < readers; i++) {
    const c = new ApiClient(srv.baseUrl);
    await c.login('psych_staff');
    clients.push(c);
  }
  const lat = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      while (Date.now() < end) {
        if (think > 0) await new Promise((r) => setTimeout(r, think * (0.5 + Math.random())));
        const t0 = process.hrtime.bigint();
        const res = await get(srv.baseUrl, url, cookie);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.status !== 200 || res.body.items.length !== 200) errors++;
        else lat.push(ms);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(1);
  console.log(
    JSON.stringify({ readers, seconds, think_ms: think, lines, openings: lat.length, errors, per_second: Math.round(lat.length / seconds),
      p50_ms: q(50), p90_ms: q(90), p99_ms: q(99), max_ms: lat[lat.length - 1].toFixed(1) }),
  );
} finally {
  agent.destroy();
  await srv.stop();
}
