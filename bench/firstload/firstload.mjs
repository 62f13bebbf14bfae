// First-load benchmark of the web UI: how long a student waits, with a cold
// cache, from navigation start until the first question of an assessment is
// on screen and can be tapped — on a throttled phone-like connection and CPU.
//
//   node bench/firstload/firstload.mjs [--runs 5] [--cpu 4] [--web DIR]
//
// Needs the release binary (XQ_BIN, default build/release/bin/xinqiao) and the
// built web UI (web/dist, `bash scripts/build-web.sh`). It starts a server on a
// fresh demo database, sets up a screening the student may answer (psychology
// staff create it for the student's class, the guardian consents), signs the
// student in through the API and hands the session cookie to a fresh browser
// context for every run, so no run profits from an earlier one's cache.
//
// Throttling uses Chromium's DevTools protocol: Network.emulateNetworkConditions
// (download/upload throughput, added round-trip latency) and
// Emulation.setCPUThrottlingRate. Each profile is run --runs times; the median
// is reported because the machine may be busy with other work.
//
// "Usable" is when the notice before the questions (or, without one, the
// first answer option of the first question) is visible,
// enabled and not covered by anything (the element at its centre is the
// option or inside it). The time is the page's performance.now() at that
// frame, i.e. milliseconds since navigation start. "Bytes" are the encoded
// bytes (headers + body as sent on the wire) of every response the page
// received until then.
import { ApiClient, launchBrowser, startServer } from '../../tests/e2e/helpers.mjs';

const kProfiles = [
  // Slow mobile: 1.6 Mbps down, 750 kbps up, 150 ms round trip.
  { name: '1.6 Mbps / 150 ms RTT', down: 1.6e6, up: 0.75e6, latency: 150 },
  // A good phone connection: 10 Mbps down, 5 Mbps up, 40 ms round trip.
  { name: '10 Mbps / 40 ms RTT', down: 10e6, up: 5e6, latency: 40 },
];

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? Number(process.argv[at + 1]) : fallback;
}

const kRuns = arg('runs', 5);
// Another build of the web UI (e.g. of an older commit) instead of web/dist.
const kWebAt = process.argv.indexOf('--web');
const kWeb = kWebAt >= 0 ? process.argv[kWebAt + 1] : '';
const kCpu = arg('cpu', 4);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// A campaign the demo student can answer now; returns its assignment id.
async function prepareAssignment(server) {
  const psych = new ApiClient(server.baseUrl);
  await psych.login('psych_staff', server.accounts.psych_staff.password);
  const classId = String(server.accounts.head_teacher.scope_unit_id);
  const created = await psych.post('/api/v1/campaigns', {
    json: {
      name: '首屏基准',
      unit_ids: [classId],
      scales: [{ instrument_id: 'phq9' }],
      notice: '首屏加载基准。',
      consent_text: '请监护人阅读后选择是否同意孩子参加。',
    },
  });
  if (created.status !== 201) throw new Error(`campaign: ${created.status} ${JSON.stringify(created.body)}`);
  const guardian = new ApiClient(server.baseUrl);
  await guardian.login('guardian', server.accounts.guardian.password);
  const reqs = await guardian.get('/api/v1/consent-requests');
  const mine = reqs.body.items.find((r) => r.campaign_id === created.body.id);
  if (mine) {
    await guardian.post(`/api/v1/campaigns/${created.body.id}/consents`, {
      json: { student_id: mine.student_id, decision: 'consent' },
    });
  }
  const student = new ApiClient(server.baseUrl);
  await student.login('student', server.accounts.student.password);
  const list = await student.get('/api/v1/assignments');
  const a = list.body.items.find(
    (x) => x.campaign_id === created.body.id && ['pending', 'in_progress'].includes(x.state),
  );
  if (!a) throw new Error(`no answerable assignment: ${JSON.stringify(list.body)}`);
  return { id: a.id, cookies: student.cookies };
}

async function measure(browser, baseUrl, target, profile) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 375, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
  const url = new URL(baseUrl);
  await context.addCookies(
    [...target.cookies].map(([name, value]) => ({ name, value, domain: url.hostname, path: '/' })),
  );
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: profile.latency,
    downloadThroughput: profile.down / 8,
    uploadThroughput: profile.up / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: kCpu });
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
    requests += 1;
  });
  await page.goto(`/screening/mine/${target.id}`, { waitUntil: 'commit', timeout: 120_000 });
  const usable = await page.waitForFunction(
    () => {
      // The first thing the student acts on: the campaign's notice (告知书,
      // which stands before the first question) or the first answer option.
      const el = document.querySelector(
        '[data-testid="answer-notice-continue"], [data-testid^="question-"] [data-testid^="option-"]',
      );
      if (!el || el.disabled) return false;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!hit || !(hit === el || el.contains(hit))) return false;
      return performance.now();
    },
    null,
    { polling: 'raf', timeout: 120_000 },
  );
  const ms = await usable.jsonValue();
  const at = { ms, bytes, requests };
  await context.close();
  return at;
}

async function main() {
  const server = await startServer(kWeb ? { web: false, extraArgs: ['--web', kWeb] } : {});
  const browser = await launchBrowser();
  try {
    const target = await prepareAssignment(server);
    console.log(`firstload: ${kRuns} runs per profile, CPU throttled ${kCpu}x, cold cache, median reported`);
    for (const profile of kProfiles) {
      const runs = [];
      for (let i = 0; i < kRuns; i += 1) runs.push(await measure(browser, server.baseUrl, target, profile));
      const ms = runs.map((r) => r.ms);
      console.log(
        `${profile.name}: usable median ${Math.round(median(ms))} ms ` +
          `(runs ${ms.map((x) => Math.round(x)).join(', ')}), ` +
          `${(median(runs.map((r) => r.bytes)) / 1024).toFixed(1)} KiB in ${median(runs.map((r) => r.requests))} responses`,
      );
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
