// Server-side tests of the upload-dedup demo (examples/upload-dedup): every
// rejection rule over real HTTP, and the store it writes, read back with
// independent tools (the `zstd` and `b3sum` programs, plain fs) against
// docs/store-format.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chunk, compress } from '../../dist/esm/index.node.js';
import { createServer } from '../../examples/upload-dedup/server.mjs';

const b3sum = (input) => execFileSync('b3sum', ['--no-names'], { input }).toString().trim();
const unzstd = (input) => execFileSync('zstd', ['-d', '-q', '-c'], { input, maxBuffer: 1 << 28 });
const zstdCli = (input, args = ['-q', '-c', '-3']) => execFileSync('zstd', args, { input, maxBuffer: 1 << 28 });

// Deterministic, partly compressible test data (xorshift bytes mixed with text).
function makeData(n, seed = 1) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = (i >> 10) % 3 === 0 ? 'chunk store demo '.charCodeAt(i % 17) : x & 255;
  }
  return out;
}

async function start(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-store-'));
  if (opts.storeJson) fs.writeFileSync(path.join(dir, 'store.json'), opts.storeJson);
  const server = await createServer({ storeDir: dir, ...opts });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    dir, server, base,
    async close() {
      await new Promise((r) => { server.close(r); server.closeAllConnections(); });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const json = (base, p, obj, headers = {}) => fetch(base + p, {
  method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof obj == 'string' ? obj : JSON.stringify(obj),
});
const put = (base, h, body, enc = 'zstd') => fetch(`${base}/api/chunks/${h}`, { method: 'PUT', headers: { 'X-Chunk-Encoding': enc }, body });
async function expectError(resP, status, code) {
  const r = await resP;
  const body = await r.json();
  expect({ status: r.status, code: body.code }).toEqual({ status, code });
  expect(typeof body.error).toBe('string');
  return body;
}

const CH = { min: 16384, avg: 65536, max: 262144 };

describe('upload-dedup server: store format', () => {
  let s;
  const data = makeData(900000, 7);
  let chunks;
  beforeAll(async () => {
    s = await start();
    chunks = chunk(data, { ...CH, hash: 'blake3' });
  });
  afterAll(() => s.close());

  test('store.json is the 64k preset, and /api/config serves it', async () => {
    const cfg = JSON.parse(fs.readFileSync(path.join(s.dir, 'store.json'), 'utf8'));
    expect(cfg).toEqual({ format: 'chunker-store', version: 1, hash: 'blake3', chunking: { ...CH, level: 1, seed: 0 } });
    const r = await (await fetch(`${s.base}/api/config`)).json();
    expect(r.chunking).toEqual(cfg.chunking);
    expect(r.hash).toBe('blake3');
    for (const d of ['chunks', 'manifests', 'tmp']) expect(fs.statSync(path.join(s.dir, d)).isDirectory()).toBe(true);
  });

  test('missing -> upload (zstd and raw) -> missing again is empty', async () => {
    expect(chunks.length).toBeGreaterThan(5);
    const all = chunks.map((c) => c.hash);
    const m1 = await (await json(s.base, '/api/missing', { hashes: all })).json();
    expect(m1.missing.sort()).toEqual([...new Set(all)].sort());
    for (const [i, c] of chunks.entries()) {
      const bytes = data.subarray(c.offset, c.offset + c.length);
      const r = i % 2 ? await put(s.base, c.hash, bytes, 'raw') : await put(s.base, c.hash, zstdCli(bytes));
      expect(r.status).toBe(201);
    }
    const again = await put(s.base, chunks[0].hash, data.subarray(0, chunks[0].length), 'raw');
    expect(again.status).toBe(200);   // already stored: accepted (verified), not rewritten
    expect((await (await json(s.base, '/api/missing', { hashes: all })).json()).missing).toEqual([]);
  });

  test('chunk files are tag byte + one frame (or raw), decode with zstd(1) and hash with b3sum to their name', () => {
    let zstdTagged = 0, rawTagged = 0;
    for (const c of chunks) {
      const f = path.join(s.dir, 'chunks', c.hash.slice(0, 2), c.hash);
      const file = fs.readFileSync(f);
      expect([0, 1]).toContain(file[0]);
      const payload = file.subarray(1);
      const raw = file[0] === 1 ? unzstd(payload) : payload;
      if (file[0] === 1) { zstdTagged++; expect(payload.length).toBeLessThan(raw.length); } else rawTagged++;
      expect(b3sum(raw)).toBe(c.hash);
      expect(raw.equals(data.subarray(c.offset, c.offset + c.length))).toBe(true);
    }
    expect(zstdTagged).toBeGreaterThan(0);   // the text parts compress
    expect(fs.readdirSync(path.join(s.dir, 'tmp'))).toEqual([]);
  });

  test('an incompressible chunk is stored with tag 0', async () => {
    const rnd = Buffer.from(crypto.getRandomValues(new Uint8Array(40000)));
    const h = b3sum(rnd);
    expect((await put(s.base, h, zstdCli(rnd))).status).toBe(201);
    const file = fs.readFileSync(path.join(s.dir, 'chunks', h.slice(0, 2), h));
    expect(file[0]).toBe(0);
    expect(file.subarray(1).equals(rnd)).toBe(true);
  });

  test('manifest commit: file name = b3sum(name), content as the format says; download = original', async () => {
    const name = 'photos/2024/cat ü.bin';
    const m = { name, size: data.length, blake3: b3sum(data), chunks: chunks.map((c) => [c.hash, c.length]) };
    const r = await json(s.base, '/api/files', m);
    expect(r.status).toBe(201);
    const key = b3sum(Buffer.from(name, 'utf8'));
    const stored = JSON.parse(fs.readFileSync(path.join(s.dir, 'manifests', `${key}.json`), 'utf8'));
    expect(stored).toEqual({ format: 'chunker-manifest', version: 1, ...m });
    expect(stored.chunks.reduce((a, c) => a + c[1], 0)).toBe(stored.size);

    const head = await fetch(`${s.base}/api/files/${encodeURIComponent(name)}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.headers.get('x-blake3')]).toEqual([200, String(data.length), m.blake3]);
    // a client that walks away mid-download does not wedge the server
    const ac = new AbortController();
    const partial = await fetch(`${s.base}/api/files/${encodeURIComponent(name)}`, { signal: ac.signal });
    const reader = partial.body.getReader();
    await reader.read();
    ac.abort();
    const list = await (await fetch(`${s.base}/api/files`)).json();
    expect(list.files).toEqual([{ name, size: data.length, blake3: m.blake3, chunks: chunks.length }]);
    const d = await fetch(`${s.base}/api/files/${encodeURIComponent(name)}`);
    expect(d.status).toBe(200);
    expect(d.headers.get('x-blake3')).toBe(b3sum(data));
    expect(Buffer.from(await d.arrayBuffer()).equals(data)).toBe(true);
    // the same name again replaces the manifest (one file per name)
    const small = data.subarray(0, chunks[0].length);
    expect((await json(s.base, '/api/files', { name, size: small.length, blake3: b3sum(small), chunks: [[chunks[0].hash, chunks[0].length]] })).status).toBe(201);
    expect(fs.readdirSync(path.join(s.dir, 'manifests'))).toEqual([`${key}.json`]);
    const d2 = Buffer.from(await (await fetch(`${s.base}/api/files/${encodeURIComponent(name)}`)).arrayBuffer());
    expect(d2.equals(small)).toBe(true);
  });

  test('reads a store written by other means: tags 0-4 made with the zstd/lz4/xz/bzip2 programs, manifest by hand', async () => {
    const cfg = '{"format":"chunker-store","version":1,"hash":"blake3","chunking":{"min":16384,"avg":65536,"max":262144,"level":1,"seed":0}}\n';
    const t = await start({ storeJson: cfg });
    try {
      const parts = [0, 1, 2, 3, 4].map((i) => makeData(20000 + i * 1000, 40 + i));
      const progs = [null, ['zstd', ['-q', '-c']], ['lz4', ['-q', '-c']], ['xz', ['-q', '-c']], ['bzip2', ['-q', '-c']]];
      const hs = parts.map((p) => b3sum(p));
      parts.forEach((p, tag) => {
        const payload = tag ? execFileSync(progs[tag][0], progs[tag][1], { input: p }) : p;
        fs.mkdirSync(path.join(t.dir, 'chunks', hs[tag].slice(0, 2)), { recursive: true });
        fs.writeFileSync(path.join(t.dir, 'chunks', hs[tag].slice(0, 2), hs[tag]), Buffer.concat([Buffer.of(tag), payload]));
      });
      const whole = Buffer.concat(parts);
      const name = 'by hand/all codecs.bin';
      const man = { format: 'chunker-manifest', version: 1, name, size: whole.length, blake3: b3sum(whole), chunks: hs.map((h, i) => [h, parts[i].length]) };
      fs.writeFileSync(path.join(t.dir, 'manifests', `${b3sum(Buffer.from(name))}.json`), JSON.stringify(man));
      expect((await (await fetch(`${t.base}/api/files`)).json()).files).toEqual([{ name, size: whole.length, blake3: man.blake3, chunks: 5 }]);
      const got = Buffer.from(await (await fetch(`${t.base}/api/files/${encodeURIComponent(name)}`)).arrayBuffer());
      expect(got.equals(whole)).toBe(true);
      expect((await (await json(t.base, '/api/missing', { hashes: hs })).json()).missing).toEqual([]);
      // a tag that does not match its frame is a corrupt chunk
      const f = path.join(t.dir, 'chunks', hs[0].slice(0, 2), hs[0]);
      fs.writeFileSync(f, Buffer.concat([Buffer.of(1), execFileSync('lz4', ['-q', '-c'], { input: parts[0] })]));
      await expectError(fetch(`${t.base}/api/files/${encodeURIComponent(name)}`), 500, 'CORRUPT_CHUNK');
    } finally {
      await t.close();
    }
  });

  test('an existing store.json is kept (its chunking wins over the default preset)', async () => {
    const cfg = '{"format":"chunker-store","version":1,"hash":"blake3","chunking":{"min":4096,"avg":16384,"max":65536,"level":1,"seed":0}}\n';
    const t = await start({ storeJson: cfg });
    try {
      expect(fs.readFileSync(path.join(t.dir, 'store.json'), 'utf8')).toBe(cfg);
      expect((await (await fetch(`${t.base}/api/config`)).json()).chunking.max).toBe(65536);
      // the chunk limit follows the store: 65537 raw bytes are too many
      const big = makeData(65537, 3);
      await expectError(put(t.base, b3sum(big), big, 'raw'), 413, 'CHUNK_TOO_LARGE');
    } finally {
      await t.close();
    }
  });

  test('a store.json of another format or version is refused at start-up', async () => {
    await expect(start({ storeJson: '{"format":"chunker-store","version":2,"hash":"blake3","chunking":{"min":1,"avg":2,"max":3}}' })).rejects.toThrow(/version/);
    await expect(start({ storeJson: '{"format":"other","version":1}' })).rejects.toThrow(/not a chunker store/);
  });
});

describe('upload-dedup server: rejections', () => {
  let s;
  const good = makeData(50000, 11);
  const goodHash = b3sum(good);
  beforeAll(async () => { s = await start({ limits: { manifestChunks: 8, missingHashes: 100 } }); });
  afterAll(() => s.close());
  const noChunkFiles = () => fs.readdirSync(path.join(s.dir, 'chunks')).flatMap((d) => fs.readdirSync(path.join(s.dir, 'chunks', d)));

  test('malformed hashes and path tricks in the chunk URL -> 400 BAD_HASH', async () => {
    const z = zstdCli(good);
    for (const h of [goodHash.toUpperCase(), goodHash.slice(1), `${goodHash}0`, `${goodHash.slice(0, 63)}g`,
      '..%2F..%2Fstore.json', `..%2F${goodHash.slice(3)}`, `${goodHash.slice(0, 2)}%2F${goodHash}`, '%00', '']) {
      await expectError(put(s.base, h, z), h === '' ? 400 : 400, 'BAD_HASH');
    }
    expect(noChunkFiles()).toEqual([]);
    await expectError(json(s.base, '/api/missing', { hashes: [goodHash, '../../etc/passwd'] }), 400, 'BAD_HASH');
    await expectError(json(s.base, '/api/missing', { hashes: [42] }), 400, 'BAD_HASH');
  });

  test('COOP/COEP (+CORP) on pages, package files and API answers; none with isolated: false; wasm MIME type', async () => {
    for (const p of ['/', '/app.js', '/pkg/esm/index.browser.js', '/pkg/web/core-mt.wasm', '/api/config', '/api/nope']) {
      const r = await fetch(s.base + p);
      expect([p, r.headers.get('cross-origin-opener-policy'), r.headers.get('cross-origin-embedder-policy'), r.headers.get('cross-origin-resource-policy')])
        .toEqual([p, 'same-origin', 'require-corp', 'same-origin']);
    }
    expect((await fetch(`${s.base}/pkg/web/core-st.wasm`)).headers.get('content-type')).toBe('application/wasm');
    const t = await start({ isolated: false });
    try {
      const r = await fetch(`${t.base}/`);
      expect([r.status, r.headers.get('cross-origin-opener-policy'), r.headers.get('cross-origin-embedder-policy')]).toEqual([200, null, null]);
    } finally {
      await t.close();
    }
  });

  test('static files cannot escape their directories', async () => {
    for (const p of ['/pkg/web/..%2F..%2Fpackage.json', '/pkg/esm/../../package.json', '/..%2F..%2F..%2Fpackage.json', '/%2e%2e/store.mjs']) {
      const r = await fetch(s.base + p);
      expect(r.status).toBe(404);
    }
    expect((await fetch(`${s.base}/pkg/esm/index.browser.js`)).status).toBe(200);
  });

  test('forged chunk (bytes do not hash to the URL) -> 422 HASH_MISMATCH, nothing stored', async () => {
    const forged = Buffer.from(good); forged[100] ^= 1;
    await expectError(put(s.base, goodHash, zstdCli(forged)), 422, 'HASH_MISMATCH');
    await expectError(put(s.base, goodHash, forged, 'raw'), 422, 'HASH_MISMATCH');
    expect(noChunkFiles()).toEqual([]);
  });

  test('decompression bomb past chunking.max -> 413 CHUNK_TOO_LARGE', async () => {
    const zeros = Buffer.alloc(64 << 20);
    const bomb = zstdCli(zeros, ['-q', '-c', '-19']);
    expect(bomb.length).toBeLessThan(100000);   // fits the body cap: the output limit must catch it
    await expectError(put(s.base, b3sum(zeros), bomb), 413, 'CHUNK_TOO_LARGE');
    const justOver = Buffer.alloc(CH.max + 1, 7);
    await expectError(put(s.base, b3sum(justOver), zstdCli(justOver)), 413, 'CHUNK_TOO_LARGE');
    expect(noChunkFiles()).toEqual([]);
  });

  test('frames declaring a huge window or content size are refused before decoding', async () => {
    // 14 bytes: frame header with window log W, one raw block "hello"
    const frame = (wlog) => Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (wlog - 10) << 3, 0x29, 0, 0, 104, 101, 108, 108, 111]);
    const hello = b3sum(Buffer.from('hello'));
    expect(unzstd(frame(27)).toString()).toBe('hello');   // a valid frame for the zstd program
    await expectError(put(s.base, hello, frame(27)), 400, 'BAD_FRAME');
    await expectError(put(s.base, hello, frame(24)), 400, 'BAD_FRAME');
    // single-segment frame whose content size field says 1 GiB
    const fcs = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0x40, 0x29, 0, 0, 104, 101, 108, 108, 111]);
    await expectError(put(s.base, hello, fcs), 413, 'CHUNK_TOO_LARGE');
    expect((await put(s.base, hello, frame(23))).status).toBe(201);   // 8 MiB window: accepted (zstd -19 from a pipe)
    fs.rmSync(path.join(s.dir, 'chunks', hello.slice(0, 2), hello));
  });

  test('frames: garbage, two frames, trailing bytes, truncated -> 400 BAD_FRAME; unknown encoding -> 415', async () => {
    const z = zstdCli(good);
    await expectError(put(s.base, goodHash, Buffer.from('not a zstd frame at all')), 400, 'BAD_FRAME');
    const half = good.subarray(0, 25000);
    await expectError(put(s.base, goodHash, Buffer.concat([zstdCli(half), zstdCli(good.subarray(25000))])), 400, 'BAD_FRAME');
    await expectError(put(s.base, goodHash, Buffer.concat([z, Buffer.from([1, 2, 3])])), 400, 'BAD_FRAME');
    await expectError(put(s.base, goodHash, z.subarray(0, z.length - 5)), 400, 'BAD_FRAME');
    const lz4 = execFileSync('lz4', ['-q', '-c'], { input: good });
    await expectError(put(s.base, goodHash, lz4), 400, 'BAD_FRAME');   // flagged zstd, is lz4
    await expectError(put(s.base, goodHash, lz4, 'lz4'), 415, 'BAD_ENCODING');
    await expectError(put(s.base, goodHash, Buffer.alloc(0), 'raw'), 400, 'EMPTY_CHUNK');
    expect(noChunkFiles()).toEqual([]);
  });

  test('mutated zstd frames: always a 4xx with a code, never a 500 or a stored chunk', async () => {
    const z = zstdCli(good);
    let seed = 12345;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
    const seen = new Set();
    for (let i = 0; i < 300; i++) {
      const m = Buffer.from(z);
      const k = 1 + rnd(4);
      for (let j = 0; j < k; j++) {
        const at = rnd(4) === 0 ? 4 + rnd(Math.min(12, m.length - 4)) : rnd(m.length);   // often hit the frame header
        m[at] = rnd(256);
      }
      const body = rnd(5) === 0 ? m.subarray(0, rnd(m.length)) : m;
      if (body.equals(z)) continue;   // a mutation that changed nothing
      const r = await put(s.base, goodHash, body);
      const j = await r.json();
      seen.add(`${r.status} ${j.code}`);
      expect(r.status >= 400 && r.status < 500, `mutation ${i}: ${r.status} ${j.code} ${j.error}`).toBe(true);
    }
    expect([...seen].every((x) => /^(400 BAD_FRAME|413 CHUNK_TOO_LARGE|422 HASH_MISMATCH|400 EMPTY_CHUNK)$/.test(x))).toBe(true);
    expect(noChunkFiles()).toEqual([]);
  });

  test('oversized bodies -> 413 BODY_TOO_LARGE (declared length and streamed without one)', async () => {
    const cap = s.server.limits.chunkBody;
    const big = makeData(cap + 1, 5);
    await expectError(put(s.base, goodHash, big, 'raw'), 413, 'BODY_TOO_LARGE');
    const stream = new ReadableStream({
      i: 0,
      pull(ctl) { if (this.i++ < 40) ctl.enqueue(new Uint8Array(65536)); else ctl.close(); },
    });
    const r = fetch(`${s.base}/api/chunks/${goodHash}`, { method: 'PUT', headers: { 'X-Chunk-Encoding': 'raw' }, body: stream, duplex: 'half' });
    await expectError(r, 413, 'BODY_TOO_LARGE');
    // /api/missing: too many hashes, and a body over its byte cap
    await expectError(json(s.base, '/api/missing', { hashes: Array(101).fill(goodHash) }), 413, 'TOO_MANY_HASHES');
    await expectError(json(s.base, '/api/missing', { hashes: [], pad: 'x'.repeat(s.server.limits.missingBody) }), 413, 'BODY_TOO_LARGE');
  });

  test('oversized manifests -> 413 (bytes and chunk count)', async () => {
    await expectError(json(s.base, '/api/files', { name: 'a', pad: 'x'.repeat(s.server.limits.manifestBody) }), 413, 'BODY_TOO_LARGE');
    const nine = Array(9).fill([goodHash, 100]);
    await expectError(json(s.base, '/api/files', { name: 'a', size: 900, blake3: goodHash, chunks: nine }), 413, 'TOO_MANY_CHUNKS');
  });

  test('manifest referencing a missing chunk -> 409 MISSING_CHUNKS, no manifest written', async () => {
    expect((await put(s.base, goodHash, zstdCli(good))).status).toBe(201);
    const absent = b3sum(Buffer.from('never uploaded'));
    const body = await expectError(json(s.base, '/api/files', {
      name: 'x.bin', size: good.length + 14, blake3: goodHash, chunks: [[goodHash, good.length], [absent, 14]],
    }), 409, 'MISSING_CHUNKS');
    expect(body.missing).toEqual([absent]);
    expect(fs.readdirSync(path.join(s.dir, 'manifests'))).toEqual([]);
  });

  test('manifest lies -> 400/422: sizes, lengths, whole-file hash, shape', async () => {
    const ok = { name: 'f.bin', size: good.length, blake3: goodHash, chunks: [[goodHash, good.length]] };
    await expectError(json(s.base, '/api/files', { ...ok, size: good.length + 1 }), 400, 'BAD_MANIFEST');
    await expectError(json(s.base, '/api/files', { ...ok, size: good.length + 1, chunks: [[goodHash, good.length + 1]] }), 400, 'BAD_MANIFEST');
    await expectError(json(s.base, '/api/files', { ...ok, size: CH.max + 1, chunks: [[goodHash, CH.max + 1]] }), 400, 'BAD_MANIFEST');
    await expectError(json(s.base, '/api/files', { ...ok, blake3: b3sum(Buffer.from('other')) }), 422, 'FILE_HASH_MISMATCH');
    await expectError(json(s.base, '/api/files', { ...ok, blake3: 'xyz' }), 400, 'BAD_HASH');
    await expectError(json(s.base, '/api/files', { ...ok, chunks: [[goodHash]] }), 400, 'BAD_MANIFEST');
    await expectError(json(s.base, '/api/files', { ...ok, chunks: 'nope' }), 400, 'BAD_MANIFEST');
    await expectError(json(s.base, '/api/files', [ok]), 400, 'BAD_MANIFEST');
    await expectError(json(s.base, '/api/files', { ...ok, size: -1 }), 400, 'BAD_MANIFEST');
    await expectError(json(s.base, '/api/files', '{"name": "f.bin", '), 400, 'BAD_JSON');
    await expectError(fetch(`${s.base}/api/files`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(ok) }), 415, 'BAD_CONTENT_TYPE');
    expect(fs.readdirSync(path.join(s.dir, 'manifests'))).toEqual([]);
    expect((await json(s.base, '/api/files', ok)).status).toBe(201);   // the honest one passes
  });

  test('bad names -> 400 BAD_NAME (commit and download)', async () => {
    const ok = { size: good.length, blake3: goodHash, chunks: [[goodHash, good.length]] };
    const bad = ['', '/etc/passwd', 'a/../../b', '..', '.', 'a/./b', 'a//b', 'dir/', 'a\u0000b', 'x'.repeat(4097), 'é'.repeat(2049), 42, null];
    for (const name of bad) await expectError(json(s.base, '/api/files', { name, ...ok }), 400, 'BAD_NAME');
    // a lone surrogate is not UTF-8
    await expectError(json(s.base, '/api/files', `{"name":"a\\ud800b","size":${good.length},"blake3":"${goodHash}","chunks":[["${goodHash}",${good.length}]]}`), 400, 'BAD_NAME');
    expect((await json(s.base, '/api/files', { name: 'é'.repeat(2048), ...ok })).status).toBe(201);   // exactly 4096 bytes
    for (const p of ['..%2F..%2Fstore.json', '%2Fetc%2Fpasswd', 'a%2F..%2Fb', '%E0%A4%A']) {
      await expectError(fetch(`${s.base}/api/files/${p}`), 400, 'BAD_NAME');
    }
    await expectError(fetch(`${s.base}/api/files/${encodeURIComponent('no/such/file')}`), 404, 'NOT_FOUND');
  });

  test('a chunk corrupted on disk is never served', async () => {
    const name = 'corrupt-me.bin';
    expect((await json(s.base, '/api/files', { name, size: good.length, blake3: goodHash, chunks: [[goodHash, good.length]] })).status).toBe(201);
    const f = path.join(s.dir, 'chunks', goodHash.slice(0, 2), goodHash);
    const bytes = fs.readFileSync(f);
    const bad = Buffer.from(bytes); bad[bad.length >> 1] ^= 0x40;
    fs.writeFileSync(f, bad);
    try {
      await expectError(fetch(`${s.base}/api/files/${name}`), 500, 'CORRUPT_CHUNK');
    } finally {
      fs.writeFileSync(f, bytes);
    }
    expect(Buffer.from(await (await fetch(`${s.base}/api/files/${name}`)).arrayBuffer()).equals(good)).toBe(true);
  });

  test('a chunk corrupted on disk late in a file cuts the download short', async () => {
    const parts = [21, 22, 23].map((seed) => makeData(30000, seed));
    const hs = parts.map((p) => b3sum(p));
    for (const [i, p] of parts.entries()) expect((await put(s.base, hs[i], p, 'raw')).status).toBe(201);
    const whole = Buffer.concat(parts);
    const man = { name: 'three.bin', size: whole.length, blake3: b3sum(whole), chunks: hs.map((h) => [h, 30000]) };
    expect((await json(s.base, '/api/files', man)).status).toBe(201);
    const f = path.join(s.dir, 'chunks', hs[2].slice(0, 2), hs[2]);
    const bytes = fs.readFileSync(f);
    const bad = Buffer.from(bytes); bad[bad.length - 1] ^= 1;
    fs.writeFileSync(f, bad);
    try {
      const r = await fetch(`${s.base}/api/files/three.bin`);
      expect(r.status).toBe(200);   // headers went out with the first, good chunk
      await expect(r.arrayBuffer()).rejects.toThrow();
    } finally {
      fs.writeFileSync(f, bytes);
    }
    expect(Buffer.from(await (await fetch(`${s.base}/api/files/three.bin`)).arrayBuffer()).equals(whole)).toBe(true);
  });

  test('unknown routes and methods -> 404/405 with a code', async () => {
    await expectError(fetch(`${s.base}/api/nope`), 404, 'NOT_FOUND');
    await expectError(fetch(`${s.base}/api/chunks/${goodHash}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
    await expectError(fetch(`${s.base}/index.html`, { method: 'POST' }), 405, 'METHOD_NOT_ALLOWED');
  });
});

// Interop with the native `chunker store` (same format, other implementation):
// CHUNKER_CLI or build/native/chunker (built by scripts/ci/10-native.sh).
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = process.env.CHUNKER_CLI || path.join(ROOT, 'build/native/chunker');
const hasStoreCli = (() => {
  try { execFileSync(CLI, ['store', '--help'], { stdio: 'pipe' }); return true; } catch { return false; }
})();
if (!hasStoreCli) console.warn(`demo-server: skipping the native interop tests: ${CLI} has no 'store' command (set CHUNKER_CLI)`);

describe.skipIf(!hasStoreCli)('upload-dedup store <-> native chunker store', () => {
  const cli = (...args) => execFileSync(CLI, args, { maxBuffer: 1 << 28 });
  const data = makeData(1500000, 99);

  test('a store written by the demo server passes `chunker store verify`, `get` restores the file, `gc` keeps everything', async () => {
    const s = await start();
    try {
      const chunks = chunk(data, { ...CH, hash: 'blake3' });
      for (const c of chunks) expect((await put(s.base, c.hash, await compress(data.subarray(c.offset, c.offset + c.length)))).status).toBe(201);
      const name = 'dir/from the demo.bin';
      expect((await json(s.base, '/api/files', { name, size: data.length, blake3: b3sum(data), chunks: chunks.map((c) => [c.hash, c.length]) })).status).toBe(201);
      expect(cli('store', 'verify', s.dir).toString()).toMatch(/0 problems/);
      expect(cli('store', 'get', s.dir, name).equals(data)).toBe(true);
      expect(cli('store', 'ls', s.dir).toString()).toContain(name);
      cli('store', 'gc', s.dir, '--grace', '0');
      const left = fs.readdirSync(path.join(s.dir, 'chunks')).flatMap((d) => fs.readdirSync(path.join(s.dir, 'chunks', d)));
      expect(left.sort()).toEqual([...new Set(chunks.map((c) => c.hash))].sort());
    } finally {
      await s.close();
    }
  });

  test('a store written by `chunker store put` is served by the demo server', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-store-'));
    const file = path.join(dir, 'input.bin');
    try {
      fs.writeFileSync(file, data);
      cli('store', 'init', path.join(dir, 's'));
      cli('store', 'put', path.join(dir, 's'), file, '--name', 'native/input.bin');
      const s = await start({ storeJson: fs.readFileSync(path.join(dir, 's', 'store.json')) });
      try {
        // copy the native store's chunks and manifests into the server's directory
        fs.cpSync(path.join(dir, 's', 'chunks'), path.join(s.dir, 'chunks'), { recursive: true });
        fs.cpSync(path.join(dir, 's', 'manifests'), path.join(s.dir, 'manifests'), { recursive: true });
        const list = (await (await fetch(`${s.base}/api/files`)).json()).files;
        expect(list.map((f) => [f.name, f.size, f.blake3])).toEqual([['native/input.bin', data.length, b3sum(data)]]);
        const got = Buffer.from(await (await fetch(`${s.base}/api/files/${encodeURIComponent('native/input.bin')}`)).arrayBuffer());
        expect(got.equals(data)).toBe(true);
        // the page would find nothing missing: same chunking, same hashes
        const hashes = chunk(data, { ...CH, hash: 'blake3' }).map((c) => c.hash);
        expect((await (await json(s.base, '/api/missing', { hashes })).json()).missing).toEqual([]);
      } finally {
        await s.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
