// What a copy of the database holds, as bytes, for the no-plaintext
// checks of the sealed (D5) columns: the SQLite file with its WAL, or a
// pg_dump of the PostgreSQL database (schema and data, plain format).
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export function databaseDump(db) {
  if (db.startsWith('sqlite:')) {
    const file = db.slice('sqlite:'.length);
    let bytes = Buffer.alloc(0);
    for (const f of [file, `${file}-wal`]) if (existsSync(f)) bytes = Buffer.concat([bytes, readFileSync(f)]);
    return bytes;
  }
  return execFileSync('pg_dump', ['--no-owner', '--no-privileges', '-d', db], {
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
