// bench/dashboards: how soon a new work record (工作台账) shows in the
// supervision figures.
//
//   XQ_BIN=build/release/bin/xinqiao XQ_SOURCE_DIR=$PWD \
//     node bench/dashboards/freshness.mjs [rounds]
//
// On a fresh small demo (its own server): the school data admin records a
// full-time, certified psychology teacher for the school (and, in the next
// round, deletes it), and the district admin asks for the evidence of the
// psychology-teacher indicator every 25 ms until the school's fact
// `psych_teachers_fulltime` shows the change. Prints, per change, the time
// from the write's answer to the first read that shows it. Target: < 2 s.
import { performance } from 'node:perf_hooks';
import { startServer, ApiClient } from '../../tests/e2e/helpers.mjs';

const rounds = Number(process.argv[2] || 10);
const srv = await startServer({ web: false });

function schoolYear() {
  const now = new Date();
  return now.getMonth() >= 8 ? now.getFullYear() : now.getFullYear() - 1;
}

async function as(user) {
  const c = new ApiClient(srv.baseUrl);
  await c.login(user);
  return c;
}

try {
  const writer = await as('school_data_admin');
  const reader = await as('district_admin');
  const school = srv.accounts.school_data_admin.scope_unit_id;
  const district = srv.accounts.district_admin.scope_unit_id;
  const fact = async () => {
    const res = await reader.get(`/api/v1/indicators/units/${district}/evidence?indicator=psych_teacher_schools&page_size=200`);
    if (res.status !== 200) throw new Error(`evidence: ${res.status} ${JSON.stringify(res.body)}`);
    const row = res.body.items.find((it) => it.unit.id === school);
    return row?.facts?.psych_teachers_fulltime ?? 0;
  };
  // Waits until the fact is `want`; the milliseconds it took.
  const until = async (want, t0) => {
    for (;;) {
      if ((await fact()) === want) return performance.now() - t0;
      if (performance.now() - t0 > 30_000) throw new Error(`the figure did not reach ${want} in 30 s`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const times = [];
  for (let i = 0; i < rounds; i += 1) {
    const before = await fact();
    const created = await writer.post('/api/v1/work-records', {
      json: {
        kind: 'staff',
        unit_id: school,
        school_year: schoolYear(),
        fields: { name: `心理老师${i}`, employment: 'full_time', certified: true },
      },
    });
    if (created.status !== 201) throw new Error(`record: ${created.status} ${JSON.stringify(created.body)}`);
    let t0 = performance.now();
    times.push(['add', await until(before + 1, t0)]);
    const gone = await writer.delete(`/api/v1/work-records/${created.body.id}`);
    if (gone.status !== 204) throw new Error(`delete: ${gone.status}`);
    t0 = performance.now();
    times.push(['delete', await until(before, t0)]);
  }
  const ms = times.map(([, t]) => t).sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(ms.length * p))];
  console.log(times.map(([k, t]) => `${k} ${t.toFixed(0)} ms`).join(', '));
  console.log(`${ms.length} changes: p50 ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, max ${ms[ms.length - 1].toFixed(0)} ms (target < 2000 ms)`);
} finally {
  await srv.stop();
}
