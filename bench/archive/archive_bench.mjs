// Opening a student's archive under load: one student with a 200-line
// timeline, 200 concurrent readers (psychology staff sessions) each opening
// it (GET /students/{id}/timeline?page_size=200) in a loop for a fixed
// time. Reports throughput and latency percentiles; the target is p99 <
// 50 ms. Every opening writes its audit entry, so this measures that too.
//
//   XQ_BIN=build/release/bin/xinqiao node bench/archive/archive_bench.mjs [seconds] [readers]
import { startServer, ApiClient } from '../../tests/e2e/helpers.mjs';

const seconds = Number(process.argv[2] || 20);
const readers = Number(process.argv[3] || 200);

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
      while (Date.now() < end) {
        const t0 = process.hrtime.bigint();
        const res = await c.get(url);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.status !== 200 || res.body.items.length !== 200) errors++;
        else lat.push(ms);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(1);
  console.log(
    JSON.stringify({ readers, seconds, lines, openings: lat.length, errors, per_second: Math.round(lat.length / seconds),
      p50_ms: q(50), p90_ms: q(90), p99_ms: q(99), max_ms: lat[lat.length - 1].toFixed(1) }),
  );
} finally {
  await srv.stop();
}
