// Bytes of the first load's critical path in a built web UI, as sent
// (the precompressed .br beside each file): the entry graph (index.html's
// module script, its static imports and stylesheets) and the answering
// page's own chunks (the route's view and what it imports statically).
//
//   node bench/firstload/entry-bytes.mjs [DIR]     # default web/dist
import fs from 'node:fs';
import path from 'node:path';

const dist = path.resolve(process.argv[2] || 'web/dist');
const assets = path.join(dist, 'assets');

function br(file) {
  const p = path.join(dist, file);
  const b = fs.existsSync(`${p}.br`) ? `${p}.br` : p;
  return fs.statSync(b).size;
}

// Static imports of one chunk (import … from "./x.js", import "./x.js").
function staticImports(file) {
  const src = fs.readFileSync(path.join(dist, file), 'utf8');
  const out = [];
  for (const m of src.matchAll(/(?:\bfrom|\bimport)\s*["'](\.\/[^"']+\.js)["']/g)) {
    out.push(path.posix.join(path.posix.dirname(file), m[1]));
  }
  return out;
}

function graph(starts) {
  const seen = new Set();
  const todo = [...starts];
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    if (f.endsWith('.js')) todo.push(...staticImports(f));
  }
  return seen;
}

const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const entryStarts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const entry = graph(entryStarts);

// The view's chunk: AnswerView-*.js, or answer-*.js where the build gathers
// the answering page's modules into one chunk (web/vite.config.js).
const kView = /^(AnswerView|answer)-[\w-]+\.(js|css)$/;
const views = fs.readdirSync(assets).filter((f) => kView.test(f));
const answer = graph(views.filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`));
for (const f of views) if (f.endsWith('.css')) answer.add(`assets/${f}`);
for (const f of entry) answer.delete(f);

function report(name, files) {
  const rows = [...files].map((f) => [f, br(f)]).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, r) => s + r[1], 0);
  console.log(`${name}: ${rows.length} files, ${(total / 1024).toFixed(1)} KiB brotli`);
  for (const [f, n] of rows) console.log(`  ${(n / 1024).toFixed(1).padStart(6)} KiB  ${f}`);
  return total;
}
const a = report('entry graph', entry);
const b = report('answering page (beyond the entry)', answer);
console.log(`critical path total: ${((a + b) / 1024).toFixed(1)} KiB brotli`);
