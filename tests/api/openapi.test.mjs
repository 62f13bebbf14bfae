// Every route the server registers is documented in docs/api/openapi.yaml,
// and every documented path is served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { kRepoRoot, xqBin } from '../e2e/helpers.mjs';

// Reads "paths:" of the OpenAPI file: {"/auth/login": ["post"], ...}.
function documentedOperations() {
  const text = readFileSync(path.join(kRepoRoot, 'docs/api/openapi.yaml'), 'utf8');
  const ops = {};
  let inPaths = false;
  let current = null;
  for (const line of text.split('\n')) {
    if (/^paths:\s*$/.test(line)) {
      inPaths = true;
      continue;
    }
    if (inPaths && /^\S/.test(line)) inPaths = false;
    if (!inPaths) continue;
    let m = line.match(/^ {2}(\/\S*):\s*$/);
    if (m) {
      current = m[1];
      ops[current] = [];
      continue;
    }
    m = line.match(/^ {4}(get|post|put|patch|delete):\s*$/);
    if (m && current) ops[current].push(m[1]);
  }
  return ops;
}

test('every served route is in openapi.yaml and vice versa', () => {
  const out = execFileSync(xqBin(), ['routes'], { cwd: kRepoRoot, encoding: 'utf8' });
  const served = out
    .trim()
    .split('\n')
    .filter((l) => /^(GET|POST|PUT|PATCH|DELETE) \/api\/v1\//.test(l))
    .map((l) => {
      const [method, p] = l.split(' ');
      return `${method.toLowerCase()} ${p.replace(/^\/api\/v1/, '')}`;
    });
  assert.ok(served.length >= 10, `too few routes: ${out}`);
  const ops = documentedOperations();
  const documented = Object.entries(ops).flatMap(([p, ms]) => ms.map((m) => `${m} ${p}`));
  const missing = served.filter((r) => !documented.includes(r));
  assert.deepEqual(missing, [], `routes missing from docs/api/openapi.yaml: ${missing.join(', ')}`);
  const stale = documented.filter((r) => !served.includes(r));
  assert.deepEqual(stale, [], `documented but not served: ${stale.join(', ')}`);
});
