// Shared helpers for the API and browser tests: a fresh demo database and a
// real `xinqiao serve` per test file, the demo accounts, a small API client
// with a cookie jar, and a headless Chromium driven by playwright-core.
//
// Environment:
//   XQ_BIN            path to the xinqiao binary (default build/release/bin/xinqiao)
//   XQ_TEST_DB_KIND   "postgresql" to use a fresh database in XQ_TEST_PG_URL's
//                     cluster instead of a temp SQLite file
//   XQ_TEST_PG_URL    postgresql://user@host:port/db of a throwaway cluster
//   XQ_CHROMIUM       Chromium binary (default /usr/bin/chromium)
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const kRepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const kPassword = 'Xinqiao@2026';

export function xqBin() {
  const bin = process.env.XQ_BIN || 'build/release/bin/xinqiao';
  return path.isAbsolute(bin) ? bin : path.join(kRepoRoot, bin);
}

function run(args) {
  return execFileSync(xqBin(), args, {
    cwd: kRepoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

let pgCounter = 0;

// A fresh database URL and a function that drops it afterwards.
function freshDatabase(dir) {
  const pgUrl = process.env.XQ_TEST_PG_URL;
  if (process.env.XQ_TEST_DB_KIND === 'postgresql' && pgUrl) {
    const name = `xq_t_${process.pid}_${Date.now()}_${pgCounter++}`;
    execFileSync('psql', ['-q', '-d', pgUrl, '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    return {
      db: url.toString(),
      drop: () => {
        try {
          execFileSync('psql', ['-q', '-d', pgUrl, '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], {
            stdio: 'pipe',
          });
        } catch {
          // The throwaway cluster is removed as a whole anyway.
        }
      },
    };
  }
  return { db: `sqlite:${path.join(dir, 'xq.db')}`, drop: () => {} };
}

// Starts a server on a fresh demo database. Returns
// {baseUrl, db, accounts: {username: account}, accountList, stop()}.
// opts: {scale='small', seed=1, web=true, extraArgs=[]}
export async function startServer(opts = {}) {
  const { scale = 'small', seed = 1, web = true, extraArgs = [] } = opts;
  const dir = mkdtempSync(path.join(tmpdir(), 'xq-test-'));
  const { db, drop } = freshDatabase(dir);
  run(['demo', '--db', db, '--scale', scale, '--seed', String(seed)]);
  const accountList = JSON.parse(run(['demo', 'accounts', '--db', db, '--json']));
  const accounts = Object.fromEntries(accountList.map((a) => [a.username, a]));

  const args = ['serve', '--db', db, '--listen', '127.0.0.1:0', ...extraArgs];
  if (web) args.push('--web', path.join(kRepoRoot, 'web/dist'));
  const child = spawn(xqBin(), args, { cwd: kRepoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  // Never leave a server behind, even when the test process dies early.
  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  let log = '';
  const baseUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${log}`)), 60_000);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      log += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  // Keep draining output so the server never blocks on a full pipe.
  child.stdout.removeAllListeners('data');
  child.stdout.on('data', (chunk) => {
    log = (log + chunk.toString()).slice(-200_000);
  });
  child.removeAllListeners('exit');

  async function stop() {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killOnExit);
    drop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { baseUrl, db, accounts, accountList, stop, log: () => log };
}

// A minimal API client with its own cookie jar and CSRF token.
export class ApiClient {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
    this.cookies = new Map();
    this.csrf = '';
  }

  async request(method, urlPath, { json, body, headers = {} } = {}) {
    const h = { Accept: 'application/json', ...headers };
    if (this.cookies.size) h.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrf && !['GET', 'HEAD'].includes(method) && !('X-CSRF-Token' in h)) {
      h['X-CSRF-Token'] = this.csrf;
    }
    let payload = body;
    if (json !== undefined) {
      h['Content-Type'] = 'application/json';
      payload = JSON.stringify(json);
    }
    const res = await fetch(this.baseUrl + urlPath, { method, headers: h, body: payload });
    for (const c of res.headers.getSetCookie?.() || []) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    return { status: res.status, headers: res.headers, body: data };
  }

  get(p, o) {
    return this.request('GET', p, o);
  }
  post(p, o) {
    return this.request('POST', p, o);
  }
  delete(p, o) {
    return this.request('DELETE', p, o);
  }

  // Signs in; throws unless the server answers 200.
  async login(username, password = kPassword) {
    const res = await this.post('/api/v1/auth/login', { json: { username, password } });
    if (res.status !== 200) {
      throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    this.csrf = res.body.csrf_token || '';
    return res.body;
  }
}

// playwright-core comes from the web UI's node_modules (no browser download).
export function playwright() {
  const require = createRequire(path.join(kRepoRoot, 'web/package.json'));
  return require('playwright-core');
}

export async function launchBrowser() {
  const { chromium } = playwright();
  return chromium.launch({
    executablePath: process.env.XQ_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export const kPhoneViewport = { width: 375, height: 740 };

// A fresh browser context (own cookies and storage) and page.
export async function newPage(browser, baseUrl, { viewport, locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: viewport || { width: 1280, height: 860 },
    locale,
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  return { context, page };
}

// Acknowledges the notices dialog whenever it stands over the page (staff
// who receive warnings are told of them by notices, and the dialog opens
// by itself after sign-in): for tests about other screens. Tests about
// notices look at the dialog themselves and do not use this.
export async function acknowledgeNoticesWhenShown(page) {
  const ackAll = page.getByTestId('notices-ack-all');
  await page.addLocatorHandler(ackAll, async () => {
    await ackAll.click();
    await ackAll.waitFor({ state: 'hidden' });
  });
}

// Signs in through the login form and waits for the signed-in shell.
export async function uiLogin(page, username, password = kPassword) {
  await page.goto('/login');
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user-name').waitFor();
}

// Test ids of the menu entries visible now (opens the drawer on phones).
export async function visibleMenu(page) {
  const toggle = page.getByTestId('nav-toggle');
  if (await toggle.isVisible()) {
    await toggle.click();
    await page.getByTestId('nav-menu').waitFor();
  }
  await page.getByTestId('menu-home').waitFor();
  const ids = await page
    .locator('[data-testid^="menu-"]')
    .evaluateAll((els) =>
      els
        .filter((e) => (e.checkVisibility ? e.checkVisibility() : e.offsetParent !== null))
        .map((e) => e.getAttribute('data-testid')),
    );
  return ids.sort();
}

// Signs in through the API and hands the session cookie to the page's
// context (faster than the form when a test visits many pages).
export async function apiLoginInto(context, baseUrl, username, password = kPassword) {
  const api = new ApiClient(baseUrl);
  const me = await api.login(username, password);
  const { hostname } = new URL(baseUrl);
  await context.addCookies(
    [...api.cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' })),
  );
  return { api, me };
}

// Waits until the view has loaded: no request in flight, no loading mask.
export async function settle(page) {
  await page.waitForLoadState('networkidle');
  await page
    .waitForFunction(() => ![...document.querySelectorAll('.el-loading-mask')].some((e) => e.offsetParent !== null), null, {
      timeout: 10_000,
    })
    .catch(() => {});
}

// Waits (at most 5 s) until the page's finite CSS transitions and
// animations have run; infinite spinners do not count.
async function animationsDone(page) {
  await page
    .waitForFunction(
      () => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
      null,
      { timeout: 5_000 },
    )
    .catch(() => {});
}

// The page's width in CSS pixels once its layout has settled: after a
// resize, tables and the drawer lay themselves out again on the next frames
// and a sliding menu is briefly wider than the screen. Waits for the
// animations, then up to 3 s for the page to come within the viewport; a
// page that never does is returned as it is, for the caller to fail on.
export async function pageWidth(page) {
  await animationsDone(page);
  await page
    .waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, null, { timeout: 3_000 })
    .catch(() => {});
  return page.evaluate(() => document.documentElement.scrollWidth);
}

// axe-core's serious and critical violations on the page now, as
// "rule: target, target …" lines (empty when there are none). Rules and
// impacts as axe-core ships them; nothing is switched off.
export async function axeViolations(page) {
  // A dialog still fading in reads as faint text: scan once the finite
  // transitions and animations have run.
  await animationsDone(page);
  const require = createRequire(path.join(kRepoRoot, 'web/package.json'));
  const { AxeBuilder } = require('@axe-core/playwright');
  const result = await new AxeBuilder({ page }).analyze();
  // A message key shown without its text is a defect of the page too, and
  // so is a key or a text built from a field the answer did not have.
  const missing = await page.evaluate(() => [
    ...(window.__xqMissingMessages ?? []),
    ...(document.body.innerText.match(/\S*\b(undefined|NaN)\b\S*/g) ?? []),
  ]);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(' | ')} — ${v.help}`)
    .concat(missing.map((key) => `missing message ${key}`));
}
