// RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits) for the two-factor tests,
// computed with node:crypto from the base32 key the enrolment shows.
import { createHmac } from 'node:crypto';

export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`bad base32 character ${ch}`);
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// The code of secretB32 at Unix time t (seconds; default now).
export function totp(secretB32, t = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', base32Decode(secretB32)).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

// Resolves once the next 30 s step has begun (a code of the current step
// may have been accepted already, and is never accepted twice).
export function nextStep() {
  return new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 200));
}
