// Shared test helpers: the built package (Node ESM entry) and the vector files
// the native suite uses (tests/data).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA = path.join(ROOT, 'tests/data');
export const readData = (f) => new Uint8Array(fs.readFileSync(path.join(DATA, f)));
export const readJson = (f) => JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8'));

// Which variant this run must have loaded (scripts run vitest once per variant).
export const expectedVariant = process.env.CHUNKER_WASM_VARIANT === 'single' ? 'single' : 'threads';

// Deterministic pseudo-random bytes (xorshift32), so failures reproduce.
export function randomBytes(n, seed = 1) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

// Compressible but not trivial text-like data.
export function textBytes(n, seed = 7) {
  const words = ['chunk', 'hash', 'blake3', 'nix', 'store', 'fastcdc', 'zstd', 'archive', 'frame', '\n'];
  const r = randomBytes(n, seed);
  let s = '';
  for (let i = 0; s.length < n; i++) s += words[r[i % n] % words.length] + ' ';
  return new TextEncoder().encode(s.slice(0, n));
}

export const toHex = (u8) => Buffer.from(u8).toString('hex');
