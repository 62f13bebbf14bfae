// Removes URLs from package-lock.json so the committed lock file names no
// registry host or download address. `.npmrc` already stops npm from writing
// "resolved"; npm still copies packages' "funding" links, which `npm ci`
// does not need. Run after `npm install`: `npm run lock:clean`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
for (const entry of Object.values(lock.packages ?? {})) {
  delete entry.funding;
  delete entry.resolved;
}
const text = JSON.stringify(lock, null, 2) + '\n';
writeFileSync(path, text);
if (/https?:/.test(text)) {
  console.error('package-lock.json still holds a URL');
  process.exit(1);
}
