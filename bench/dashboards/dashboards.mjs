// bench/dashboards: officials browsing the supervision dashboards.
//
//   node bench/dashboards/dashboards.mjs --base http://127.0.0.1:8080 \
//        [--users 50] [--seconds 30] [--campaign ID] [--think MS]
//
// Against a running server on a demo database (`xinqiao demo --scale city
// --with-screening`), signs in as city_admin and district_admin and has
// `users` concurrent clients walk city → district → school views, league
// tables, trends and evidence pages at random for `seconds`; prints the
// p50/p99/max latency per view kind. The target is p99 < 100 ms. With
// --campaign, each round also opens that screening campaign's progress and
// its aggregates by grade and sex (the official's whole scope, then the
// unit in view). --think gives each official a pause between two views,
// drawn uniformly from 0.5–1.5 × MS (an official reads a view before the
// next click); 0 (the default) sends the next request at once, so the 50
// clients are 50 requests always in flight.
//
// Requests go over keep-alive connections of node:http, one per official:
// with fetch, the client's own overhead under 50 concurrent clients on the
// same two cores was part of the measured latency.
import http from 'node:http';
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
const think = Number(arg('think', 0));
const agent = new http.Agent({ keepAlive: true, maxSockets: users + 2 });

// { status, body } of one request.
function request(method, path, { cookie, json } = {}) {
  const data = json ? JSON.stringify(json) : null;
  const headers = { ...(cookie ? { Cookie: cookie } : {}), ...(data ? { 'Content-Type': 'application/json' } : {}) };
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}
const pause = () =>
  think > 0 ? new Promise((r) => setTimeout(r, think * (0.5 + Math.random()))) : Promise.resolve();

async function login(username) {
  const res = await request('POST', '/api/v1/auth/login', { json: { username, password } });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  return (res.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; ');
}

const times = {};
async function get(cookie, kind, path) {
  await pause();
  const t0 = performance.now();
  const res = await request('GET', `/api/v1${path}`, { cookie });
  (times[kind] ??= []).push(performance.now() - t0);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.body}`);
  return JSON.parse(res.body);
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
agent.destroy();
const q = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
for (const [kind, list] of Object.entries(times)) {
  list.sort((a, b) => a - b);
  console.log(`${kind.padEnd(15)} n=${String(list.length).padStart(6)}  p50=${q(list, 0.5).toFixed(1)} ms  ` +
    `p99=${q(list, 0.99).toFixed(1)} ms  max=${list[list.length - 1].toFixed(1)} ms`);
}
