// HTTP core of the API client: same-origin JSON requests to /api/v1, the
// session's CSRF token on state-changing methods, and one error type
// carrying the server's error code so views can translate it.
// A 401 on any call except the login itself sends the user to /login.

const kBase = '/api/v1';
const kUnsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken = '';
let onUnauthenticated = () => {};
let onPasswordChangeRequired = () => {};

// The token comes with the login and /auth/me answers.
export function setCsrfToken(token) {
  csrfToken = token || '';
}

// Installed by the app (router redirect to /login).
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

// Installed by the app: a 403 password_change_required (a temporary
// password allows only the change) sends the user to the password form.
export function setPasswordChangeHandler(fn) {
  onPasswordChangeRequired = fn;
}

export class ApiError extends Error {
  constructor(status, body, headers) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || (status === 0 ? 'network' : 'internal');
    this.field = err.field || '';
    this.details = Array.isArray(err.details) ? err.details : [];
    this.retryAfter = Number(headers?.get?.('Retry-After')) || 0;
  }
}

// Builds "?a=1&b=2" from an object, leaving out empty values.
export function query(params) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

// The answer of a GET that public/early.js started before the modules
// arrived, taken once; undefined when there is none.
// Any other request (a sign-in, a sign-out …) may change what they would
// answer, so it drops those not yet taken.
function takeEarly(method, path, opts) {
  const early = typeof window !== 'undefined' ? window.__xqEarly : undefined;
  if (!early) return undefined;
  if (method !== 'GET') {
    window.__xqEarly = undefined;
    return undefined;
  }
  if (opts.query || !early[path]) return undefined;
  const promise = early[path];
  delete early[path];
  return promise;
}

// request('GET', '/students', {query, json, body, contentType, allow401})
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = opts.contentType || 'application/octet-stream';
    body = opts.body;
  }
  if (kUnsafe.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res;
  try {
    res = await (takeEarly(method, path, opts) ??
      fetch(kBase + path + query(opts.query), {
        method,
        headers,
        body,
        credentials: 'same-origin',
      }));
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: String(e) } });
  }
  let data = null;
  const text = res.status === 204 ? '' : await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const error = new ApiError(res.status, data, res.headers);
    if (res.status === 401 && !opts.allow401) onUnauthenticated();
    if (res.status === 403 && error.code === 'password_change_required') onPasswordChangeRequired();
    throw error;
  }
  return data;
}

// A file download (e.g. an Excel export): same headers and errors as
// request(), but answers {blob, filename} instead of decoded JSON.
export async function download(method, path, opts = {}) {
  const headers = { Accept: '*/*' };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  if (kUnsafe.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(kBase + path + query(opts.query), { method, headers, body, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: String(e) } });
  }
  if (!res.ok) {
    let data = null;
    try {
      data = JSON.parse(await res.text());
    } catch {
      data = null;
    }
    const error = new ApiError(res.status, data, res.headers);
    if (res.status === 401) onUnauthenticated();
    if (res.status === 403 && error.code === 'password_change_required') onPasswordChangeRequired();
    throw error;
  }
  const disposition = res.headers.get('Content-Disposition') || '';
  const m = disposition.match(/filename\*=UTF-8''([^;]+)/i) || disposition.match(/filename="?([^";]+)"?/i);
  let filename = 'export.xlsx';
  if (m) {
    try {
      filename = decodeURIComponent(m[1]);
    } catch {
      filename = m[1];
    }
  }
  return { blob: await res.blob(), filename };
}
