// A Vite plugin that writes name.br (brotli, quality 11) and name.gz (gzip,
// level 9) beside every text asset of the build, once the bundle is on disk.
// The server (src/http/static_files.cc) sends the smaller encoding the
// browser accepts, so nothing is compressed per request. A compressed copy
// that would not be smaller is not written.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const kText = /\.(js|mjs|css|html|svg|json|txt|ico|webmanifest|xml)$/i;
const kMinBytes = 512;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(p);
    else if (entry.isFile()) yield p;
  }
}

export function compressDir(dir) {
  let written = 0;
  for (const file of files(dir)) {
    if (!kText.test(file) || statSync(file).size < kMinBytes) continue;
    const raw = readFileSync(file);
    const br = brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    });
    const gz = gzipSync(raw, { level: 9 });
    if (br.length < raw.length) {
      writeFileSync(`${file}.br`, br);
      written += 1;
    }
    if (gz.length < raw.length) {
      writeFileSync(`${file}.gz`, gz);
      written += 1;
    }
  }
  return written;
}

export function precompress() {
  let outDir = 'dist';
  return {
    name: 'xq-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      compressDir(outDir);
    },
  };
}
