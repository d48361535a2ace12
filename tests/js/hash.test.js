// BLAKE3 against the official test vectors and b3sum, SHA-256 (wasm backend)
// against node:crypto, Nix base32 against nix-hash output (tests/data).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import * as C from '../../dist/esm/index.node.js';
import { randomBytes, readJson, toHex } from './helpers.js';
import fs from 'node:fs';
import path from 'node:path';
import { DATA } from './helpers.js';

const V = readJson('blake3_test_vectors.json');
const input = (n) => Uint8Array.from({ length: n }, (_, i) => i % 251);
const key = new TextEncoder().encode(V.key);

beforeAll(async () => { await C.ready; });

describe('BLAKE3 official vectors', () => {
  for (const c of V.cases) {
    test(`len ${c.input_len}`, () => {
      const data = input(c.input_len);
      const outLen = c.hash.length / 2;
      expect(toHex(C.blake3(data, { outputLength: outLen }))).toBe(c.hash);
      expect(toHex(C.blake3(data))).toBe(c.hash.slice(0, 64));
      expect(toHex(C.blake3(data, { key, outputLength: outLen }))).toBe(c.keyed_hash);
      expect(toHex(C.blake3(data, { context: V.context_string, outputLength: outLen }))).toBe(c.derive_key);
      // Incremental, in uneven pieces, plus seeking into the XOF.
      const h = C.blake3.create({ key });
      for (let off = 0, s = 1; off < data.length; off += s, s = s * 3 + 1) h.update(data.subarray(off, off + s));
      expect(toHex(h.digest({ outputLength: outLen }))).toBe(c.keyed_hash);
      expect(toHex(h.digest({ seek: 7, outputLength: outLen - 7 }))).toBe(c.keyed_hash.slice(14));
      h.free();
    });
  }
});

describe('BLAKE3 large inputs vs b3sum', () => {
  test('40 MiB (multi-slice, threaded when available) matches b3sum', () => {
    const data = randomBytes(40 << 20, 5);
    const want = execFileSync('b3sum', ['--no-names'], { input: data, maxBuffer: 1 << 20 }).toString().trim();
    expect(toHex(C.blake3(data))).toBe(want);
    expect(toHex(C.blake3(data, { threads: 1 }))).toBe(want);
    const h = C.blake3.create();
    h.update(data.subarray(0, 12345)).update(data.subarray(12345));
    expect(toHex(h.digest())).toBe(want);
    // One thread feeds wasm 1 MiB slices: here they start off chunk boundaries.
    const h1 = C.blake3.create({ threads: 1 });
    h1.update(data.subarray(0, 12345)).update(data.subarray(12345));
    expect(toHex(h1.digest())).toBe(want);
    for (const n of [(1 << 20) - 1, 1 << 20, (1 << 20) + 1, (3 << 20) + 1025]) {
      const b3 = execFileSync('b3sum', ['--no-names'], { input: data.subarray(0, n) }).toString().trim();
      expect(toHex(C.blake3(data.subarray(0, n), { threads: 1 })), `${n} bytes`).toBe(b3);
    }
    const xof = execFileSync('b3sum', ['--no-names', '-l', '100'], { input: data.subarray(0, 5000) }).toString().trim();
    expect(toHex(C.blake3(data.subarray(0, 5000), { outputLength: 100 }))).toBe(xof);
  }, 60000);

  test('bad key / options', () => {
    expect(() => C.blake3(new Uint8Array(1), { key: new Uint8Array(31) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => C.blake3(new Uint8Array(1), { key, context: 'x' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => C.blake3(new Uint8Array(1), { outputLength: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => C.blake3(new Uint8Array(1), { outputLength: 2 ** 40 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('SHA-256', () => {
  const ref = (b) => crypto.createHash('sha256').update(b).digest('hex');
  test('wasm backend equals node:crypto for lengths 0..300 and 20 MiB', () => {
    const data = randomBytes(300, 9);
    for (let n = 0; n <= 300; n++) {
      expect(toHex(C.sha256(data.subarray(0, n), { backend: 'wasm' }))).toBe(ref(data.subarray(0, n)));
    }
    const big = randomBytes(20 << 20, 4);
    expect(toHex(C.sha256(big, { backend: 'wasm' }))).toBe(ref(big));
    expect(toHex(C.sha256(big))).toBe(ref(big));
  });

  test('incremental, both backends, reusable after digest()', () => {
    const data = randomBytes(100000, 2);
    for (const backend of ['wasm', 'auto']) {
      const h = C.sha256.create({ backend });
      h.update(data.subarray(0, 63)).update(data.subarray(63, 64)).update(data.subarray(64));
      expect(toHex(h.digest())).toBe(ref(data));
      h.update(data.subarray(0, 10));
      expect(toHex(h.digest())).toBe(ref(data.subarray(0, 10)));
      h.free();
    }
  });
});

describe('Nix base32 (nix-hash fixtures)', () => {
  const lines = fs.readFileSync(path.join(DATA, 'nix-base32-vectors.txt'), 'utf8')
    .split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.trim().split(/\s+/));
  test.each(lines)('%s', (hexd, b32) => {
    expect(C.nixBase32.encode(C.hex.decode(hexd))).toBe(b32);
    expect(C.hex.encode(C.nixBase32.decode(b32))).toBe(hexd);
  });
  test('invalid text -> ERR_INVALID_ARGUMENT naming the character', () => {
    let err;
    try { C.nixBase32.decode('0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7e'); } catch (e) { err = e; }
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toMatch(/'e'|"e"|\be\b/);
    expect(() => C.hex.decode('abc')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => C.hex.decode('zz')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('hashStream', () => {
  test('blake3 and sha256 of a Blob / async iterable equal b3sum and node:crypto; abort and progress', async () => {
    const data = randomBytes(9 << 20, 12);
    const pieces = (async function* () { for (let i = 0; i < data.length; i += 1000003) yield data.subarray(i, i + 1000003); })();
    const seen = [];
    const b3 = await C.hashStream(pieces, { hash: 'blake3', onProgress: (n) => seen.push(n) });
    expect(toHex(b3)).toBe(execFileSync('b3sum', ['--no-names'], { input: data }).toString().trim());
    expect(seen.at(-1)).toBe(data.length);
    expect(toHex(await C.hashStream(new Blob([data]), { backend: 'wasm' }))).toBe(crypto.createHash('sha256').update(data).digest('hex'));
    const ac = new AbortController();
    await expect(C.hashStream(new Blob([data]), { signal: ac.signal, onProgress: () => ac.abort() }))
      .rejects.toMatchObject({ code: 'ERR_CANCELLED', name: 'AbortError' });
    await expect(C.hashStream(new Blob([data]), { hash: 'md5' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
