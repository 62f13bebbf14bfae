// bench/dashboards: officials browsing the supervision dashboards.
//
//   node bench/dashboards/dashboards.mjs --base http://127.0.0.1:8080 \
//        [--users 50] [--seconds 30] [--campaign ID]
//
// Against a running server on a demo database (`xinqiao demo --scale city
// --with-screening`), signs in as city_admin and district_admin and has
// `users` concurrent clients walk city → district → school views, league
// tables, trends and evidence pages at random for `seconds`; prints the
// p50/p99/max latency per view kind. The target is p99 < 100 ms. With
// --campaign, each round also opens that screening campaign's progress and
// its aggregates by grade and sex (the official's whole scope, then the
// unit in view).
import { performance } from 'node:perf_hooks';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const base = arg('base', 'http://127.0.0.1:8080');
const users = Number(arg('users', 50));
const seconds = Number(arg('seconds', 30));
const password = arg('password', 'Xinqiao@2026');
const campaign = arg('campaign', '');

async function login(username) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return cookie;
}

const times = {};
async function get(cookie, kind, path) {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1${path}`, { headers: { Cookie: cookie } });
  const body = await res.json();
  (times[kind] ??= []).push(performance.now() - t0);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const pick = (a) => a[Math.floor(Math.random() * a.length)];

async function browse(cookie, until) {
  const home = await get(cookie, 'home', '/indicators/home');
  while (performance.now() < until) {
    const top = await get(cookie, home.unit.kind, `/indicators/units/${home.unit.id}`);
    await get(cookie, 'trend', `/indicators/units/${home.unit.id}/trend`);
    await get(cookie, 'evidence', `/indicators/units/${home.unit.id}/evidence?indicator=pairing&page_size=100`);
    if (campaign) {
      await get(cookie, 'progress', `/campaigns/${campaign}/progress`);
      await get(cookie, 'aggregates', `/campaigns/${campaign}/aggregates?by=grade,sex`);
    }
    let unit = top;
    while (unit.children.length) {
      const child = pick(unit.children).unit;
      unit = await get(cookie, child.kind, `/indicators/units/${child.id}`);
      if (campaign && child.kind !== 'school') {
        await get(cookie, 'progress_unit', `/campaigns/${campaign}/progress?unit_id=${child.id}`);
        await get(cookie, 'aggregates_unit', `/campaigns/${campaign}/aggregates?by=grade,sex&unit_id=${child.id}`);
      }
    }
  }
}

const cookies = [await login('city_admin'), await login('district_admin')];
const until = performance.now() + seconds * 1000;
await Promise.all(Array.from({ length: users }, (_, i) => browse(cookies[i % 2], until)));
const q = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
for (const [kind, list] of Object.entries(times)) {
  list.sort((a, b) => a - b);
  console.log(`${kind.padEnd(15)} n=${String(list.length).padStart(6)}  p50=${q(list, 0.5).toFixed(1)} ms  ` +
    `p99=${q(list, 0.99).toFixed(1)} ms  max=${list[list.length - 1].toFixed(1)} ms`);
}
