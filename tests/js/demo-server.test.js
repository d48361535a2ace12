// Server-side tests of the upload-dedup demo (examples/upload-dedup): every
// rejection rule over real HTTP, and the store it writes, read back with
// independent tools (the `zstd` and `b3sum` programs, plain fs) against
// docs/store-format.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { chunk, compress, ready } from '../../dist/esm/index.node.js';
import { createServer } from '../../examples/upload-dedup/server.mjs';
import { LocalDirBackend } from '../../examples/upload-dedup/storage.mjs';

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
  // Client and server share this event loop, which the synchronous zstd/b3sum calls block for
  // seconds: both keep-alive timers then expire together and a reused socket can be reset.
  server.keepAliveTimeout = 120000;
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
  method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof obj == 'string' || Buffer.isBuffer(obj) ? obj : JSON.stringify(obj),
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

// ---- docs/store-format.md v2, written out again here (not imported from the server) ----
const walkFiles = (d) => (fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walkFiles(path.join(d, e.name)) : [path.join(d, e.name)])) : []);
const packFiles = (dir) => walkFiles(path.join(dir, 'packs')).filter((f) => f.endsWith('.pack'));
// A pack's footer: [{ hash, offset, length, raw }]; checks magic, trailer and contiguity.
function packEntries(file) {
  const b = fs.readFileSync(file);
  expect(b.subarray(0, 8).toString()).toBe('chkpack2');
  expect(b.subarray(b.length - 8).toString()).toBe('chkpend2');
  const n = b.readUInt32LE(b.length - 16);
  const f0 = b.length - 16 - 48 * n;
  const out = [];
  let at = 8;
  for (let i = 0; i < n; i++) {
    const p = f0 + 48 * i;
    const e = { hash: b.toString('hex', p, p + 32), offset: Number(b.readBigUInt64LE(p + 32)), length: b.readUInt32LE(p + 40), raw: b.readUInt32LE(p + 44) };
    expect(e.offset).toBe(at);
    at += e.length;
    out.push(e);
  }
  expect(at).toBe(f0);
  return out;
}
// Every index file: name = b3sum(file); -> [{ hash, pack, offset, length, raw }]
function indexEntries(dir) {
  const out = [];
  for (const f of walkFiles(path.join(dir, 'index'))) {
    const b = fs.readFileSync(f);
    expect(path.basename(f)).toBe(`${b3sum(b)}.idx`);
    expect(b.subarray(0, 8).toString()).toBe('chkidx02');
    const np = b.readUInt32LE(8), ne = b.readUInt32LE(12);
    expect(b.length).toBe(16 + 32 * np + 52 * ne);
    const packs = Array.from({ length: np }, (_, i) => b.toString('hex', 16 + 32 * i, 48 + 32 * i));
    for (let i = 0, p = 16 + 32 * np; i < ne; i++, p += 52) {
      out.push({ hash: b.toString('hex', p, p + 32), pack: packs[b.readUInt32LE(p + 32)], offset: Number(b.readBigUInt64LE(p + 36)), length: b.readUInt32LE(p + 44), raw: b.readUInt32LE(p + 48) });
    }
  }
  return out;
}
const packPath = (dir, h) => path.join(dir, 'packs', h.slice(0, 2), `${h}.pack`);
// Where chunk h's blob is: { file, offset, length }.
function findBlob(dir, h) {
  const e = indexEntries(dir).find((x) => x.hash === h);
  return e && { file: packPath(dir, e.pack), offset: e.offset, length: e.length, raw: e.raw };
}
function blobBytes(dir, h) {
  const w = findBlob(dir, h);
  return fs.readFileSync(w.file).subarray(w.offset, w.offset + w.length);
}
function canonicalChecksum(m) {
  const name = Buffer.from(m.name, 'utf8');
  const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
  const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
  return b3sum(Buffer.concat([Buffer.from('chunker-manifest-v2\n'), u32(name.length), name, u64(m.size), Buffer.from(m.blake3, 'hex'),
    u64(m.chunks.length), ...m.chunks.flatMap(([h, len]) => [Buffer.from(h, 'hex'), u32(len)])]));
}
// A pack + index written by hand (blobs: [{ hash, blob, raw }]) into dir.
function writePackByHand(dir, blobs) {
  const body = Buffer.concat(blobs.map((x) => x.blob));
  const footer = Buffer.alloc(48 * blobs.length);
  let off = 8;
  blobs.forEach((x, i) => {
    Buffer.from(x.hash, 'hex').copy(footer, 48 * i);
    footer.writeBigUInt64LE(BigInt(off), 48 * i + 32); footer.writeUInt32LE(x.blob.length, 48 * i + 40); footer.writeUInt32LE(x.raw, 48 * i + 44);
    x.offset = off; off += x.blob.length;
  });
  const trailer = Buffer.alloc(16); trailer.writeUInt32LE(blobs.length); trailer.write('chkpend2', 8);
  const pack = Buffer.concat([Buffer.from('chkpack2'), body, footer, trailer]);
  const ph = b3sum(pack);
  fs.mkdirSync(path.dirname(packPath(dir, ph)), { recursive: true });
  fs.writeFileSync(packPath(dir, ph), pack);
  const head = Buffer.alloc(16); head.write('chkidx02'); head.writeUInt32LE(1, 8); head.writeUInt32LE(blobs.length, 12);
  const ents = blobs.map((x) => { const e = Buffer.alloc(52); Buffer.from(x.hash, 'hex').copy(e); e.writeUInt32LE(0, 32); e.writeBigUInt64LE(BigInt(x.offset), 36); e.writeUInt32LE(x.blob.length, 44); e.writeUInt32LE(x.raw, 48); return e; });
  const idx = Buffer.concat([head, Buffer.from(ph, 'hex'), ...ents]);
  fs.mkdirSync(path.join(dir, 'index'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index', `${b3sum(idx)}.idx`), idx);
  return ph;
}
const V2 = (chunking = CH, extra = {}) => `${JSON.stringify({ format: 'chunker-store', version: 2, hash: 'blake3', id: '0123456789abcdef0123456789abcdef', chunking: { level: 1, seed: 0, ...chunking }, pack_size: 16777216, ...extra })}\n`;
// POST /api/chunks body: hash[32] | encoding u8 | length u32 LE | body, per chunk.
function batchBody(items) {
  return Buffer.concat(items.flatMap(({ hash, body, enc = 'raw' }) => {
    const h = Buffer.alloc(37);
    Buffer.from(hash, 'hex').copy(h);
    h[32] = enc === 'zstd' ? 1 : enc === 'raw' ? 0 : enc;
    h.writeUInt32LE(body.length, 33);
    return [h, body];
  }));
}
const postBatch = (base, items) => fetch(`${base}/api/chunks`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: batchBody(items) });

describe('upload-dedup server: store format v2', () => {
  let s;
  const data = makeData(900000, 7);
  let chunks;
  beforeAll(async () => {
    s = await start();
    chunks = chunk(data, { ...CH, hash: 'blake3' });
  });
  afterAll(() => s.close());

  test('store.json is a v2 store with the 64k preset, and /api/config serves it', async () => {
    const cfg = JSON.parse(fs.readFileSync(path.join(s.dir, 'store.json'), 'utf8'));
    expect(cfg).toEqual({ format: 'chunker-store', version: 2, hash: 'blake3', id: cfg.id, chunking: { ...CH, level: 1, seed: 0 }, pack_size: 16 << 20 });
    expect(cfg.id).toMatch(/^[0-9a-f]{32}$/);
    const r = await (await fetch(`${s.base}/api/config`)).json();
    expect(r.chunking).toEqual(cfg.chunking);
    expect(r.hash).toBe('blake3');
    for (const d of ['packs', 'index', 'manifests', 'tmp']) expect(fs.statSync(path.join(s.dir, d)).isDirectory()).toBe(true);
  });

  test('missing -> upload (zstd and raw, one chunk per request) -> missing again is empty', async () => {
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
    expect(packFiles(s.dir).length).toBe(chunks.length);   // one pack per single-chunk request
  });

  test('packs are named by b3sum, blobs are tag byte + one frame (or raw) that zstd(1) decodes and b3sum names; index files agree', () => {
    let zstdTagged = 0;
    const idx = indexEntries(s.dir);
    for (const f of packFiles(s.dir)) {
      const bytes = fs.readFileSync(f);
      expect(path.basename(f)).toBe(`${b3sum(bytes)}.pack`);
      expect(path.basename(path.dirname(f))).toBe(path.basename(f).slice(0, 2));
      for (const e of packEntries(f)) {
        const blob = bytes.subarray(e.offset, e.offset + e.length);
        expect([0, 1]).toContain(blob[0]);
        const raw = blob[0] === 1 ? unzstd(blob.subarray(1)) : blob.subarray(1);
        if (blob[0] === 1) { zstdTagged++; expect(blob.length - 1).toBeLessThan(raw.length); }
        expect(raw.length).toBe(e.raw);
        expect(b3sum(raw)).toBe(e.hash);
        const c = chunks.find((x) => x.hash === e.hash);
        expect(raw.equals(data.subarray(c.offset, c.offset + c.length))).toBe(true);
        expect(idx).toContainEqual({ ...e, pack: path.basename(f, '.pack') });
      }
    }
    expect(zstdTagged).toBeGreaterThan(0);   // the text parts compress
    expect(new Set(idx.map((e) => e.hash))).toEqual(new Set(chunks.map((c) => c.hash)));
    expect(fs.readdirSync(path.join(s.dir, 'tmp'))).toEqual([]);
    expect(fs.readdirSync(path.join(s.dir, 'leases'))).toEqual([]);   // every writer lease deleted
  });

  test('an incompressible chunk is stored with tag 0', async () => {
    const rnd = Buffer.from(crypto.getRandomValues(new Uint8Array(40000)));
    const h = b3sum(rnd);
    expect((await put(s.base, h, zstdCli(rnd))).status).toBe(201);
    const blob = blobBytes(s.dir, h);
    expect(blob[0]).toBe(0);
    expect(blob.subarray(1).equals(rnd)).toBe(true);
  });

  test('a batch of chunks becomes ONE pack and one index file; known and repeated chunks are not stored again', async () => {
    const more = makeData(700000, 8);
    const cs = chunk(more, { ...CH, hash: 'blake3' });
    const packs0 = packFiles(s.dir).length, idx0 = fs.readdirSync(path.join(s.dir, 'index')).length;
    const items = cs.map((c, i) => {
      const b = more.subarray(c.offset, c.offset + c.length);
      return { hash: c.hash, body: i % 2 ? b : zstdCli(b), enc: i % 2 ? 'raw' : 'zstd' };
    });
    items.push(items[0]);   // the same chunk twice in one batch
    const known = chunks[1];
    items.push({ hash: known.hash, body: data.subarray(known.offset, known.offset + known.length) });
    const r = await postBatch(s.base, items);
    expect(r.status).toBe(201);
    const body = await r.json();
    expect(body.created).toBe(cs.length);
    expect(body.results.map((x) => x.created)).toEqual([...cs.map(() => true), false, false]);
    const added = packFiles(s.dir).length - packs0;
    expect([added, fs.readdirSync(path.join(s.dir, 'index')).length - idx0]).toEqual([1, 1]);
    const newest = packFiles(s.dir).find((f) => packEntries(f).length === cs.length);
    expect(packEntries(newest).map((e) => e.hash)).toEqual(cs.map((c) => c.hash));
    expect((await (await json(s.base, '/api/missing', { hashes: cs.map((c) => c.hash) })).json()).missing).toEqual([]);
    // the same batch again: nothing new, no pack
    const again = await postBatch(s.base, items);
    expect([again.status, (await again.json()).created, packFiles(s.dir).length - packs0]).toEqual([200, 0, 1]);
    const name = 'batch/more.bin';
    expect((await json(s.base, '/api/files', { name, size: more.length, blake3: b3sum(more), chunks: cs.map((c) => [c.hash, c.length]) })).status).toBe(201);
    expect(Buffer.from(await (await fetch(`${s.base}/api/files/${encodeURIComponent(name)}`)).arrayBuffer()).equals(more)).toBe(true);
  });

  test('manifest commit: v2 JSON under b3sum(name) with the canonical checksum; download = original', async () => {
    const name = 'photos/2024/cat ü.bin';
    const m = { name, size: data.length, blake3: b3sum(data), chunks: chunks.map((c) => [c.hash, c.length]) };
    const r = await json(s.base, '/api/files', m);
    expect(r.status).toBe(201);
    const key = b3sum(Buffer.from(name, 'utf8'));
    const stored = JSON.parse(fs.readFileSync(path.join(s.dir, 'manifests', `${key}.json`), 'utf8'));
    expect(stored).toEqual({ format: 'chunker-manifest', version: 2, ...m, checksum: canonicalChecksum(m) });
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
    expect(list.files).toContainEqual({ name, size: data.length, blake3: m.blake3, chunks: chunks.length });
    const d = await fetch(`${s.base}/api/files/${encodeURIComponent(name)}`);
    expect(d.status).toBe(200);
    expect(d.headers.get('x-blake3')).toBe(b3sum(data));
    expect(Buffer.from(await d.arrayBuffer()).equals(data)).toBe(true);
    // the same name again replaces the manifest (one file per name)
    const manifests0 = fs.readdirSync(path.join(s.dir, 'manifests')).length;
    const small = data.subarray(0, chunks[0].length);
    expect((await json(s.base, '/api/files', { name, size: small.length, blake3: b3sum(small), chunks: [[chunks[0].hash, chunks[0].length]] })).status).toBe(201);
    expect(fs.readdirSync(path.join(s.dir, 'manifests')).length).toBe(manifests0);
    const d2 = Buffer.from(await (await fetch(`${s.base}/api/files/${encodeURIComponent(name)}`)).arrayBuffer());
    expect(d2.equals(small)).toBe(true);
  });

  test('a manifest whose checksum does not match is not listed or served', async () => {
    const name = 'photos/2024/cat ü.bin';
    const f = path.join(s.dir, 'manifests', `${b3sum(Buffer.from(name))}.json`);
    const good = fs.readFileSync(f);
    const m = JSON.parse(good);
    try {
      fs.writeFileSync(f, JSON.stringify({ ...m, size: m.size, blake3: b3sum(Buffer.from('x')) }));
      await expectError(fetch(`${s.base}/api/files/${encodeURIComponent(name)}`), 500, 'CORRUPT_MANIFEST');
      expect((await (await fetch(`${s.base}/api/files`)).json()).files.map((x) => x.name)).not.toContain(name);
    } finally {
      fs.writeFileSync(f, good);
    }
  });

  test('reads a store written by other means: a pack with tags 0-4 made with the zstd/lz4/xz/bzip2 programs, index and manifest by hand', async () => {
    const t = await start({ storeJson: V2() });
    try {
      const parts = [0, 1, 2, 3, 4].map((i) => makeData(20000 + i * 1000, 40 + i));
      const progs = [null, ['zstd', ['-q', '-c']], ['lz4', ['-q', '-c']], ['xz', ['-q', '-c']], ['bzip2', ['-q', '-c']]];
      const hs = parts.map((p) => b3sum(p));
      const blobs = parts.map((p, tag) => ({ hash: hs[tag], raw: p.length, blob: Buffer.concat([Buffer.of(tag), tag ? execFileSync(progs[tag][0], progs[tag][1], { input: p }) : p]) }));
      const ph = writePackByHand(t.dir, blobs);
      const whole = Buffer.concat(parts);
      const name = 'by hand/all codecs.bin';
      const man = { name, size: whole.length, blake3: b3sum(whole), chunks: hs.map((h, i) => [h, parts[i].length]) };
      fs.writeFileSync(path.join(t.dir, 'manifests', `${b3sum(Buffer.from(name))}.json`), JSON.stringify({ format: 'chunker-manifest', version: 2, ...man, checksum: canonicalChecksum(man) }));
      expect((await (await fetch(`${t.base}/api/files`)).json()).files).toEqual([{ name, size: whole.length, blake3: man.blake3, chunks: 5 }]);
      const got = Buffer.from(await (await fetch(`${t.base}/api/files/${encodeURIComponent(name)}`)).arrayBuffer());
      expect(got.equals(whole)).toBe(true);
      expect((await (await json(t.base, '/api/missing', { hashes: hs })).json()).missing).toEqual([]);
      // a tag that does not match its frame is a corrupt chunk
      const pf = packPath(t.dir, ph);
      const pack = fs.readFileSync(pf);
      pack[blobs[1].offset] = 2;   // zstd frame tagged lz4
      fs.writeFileSync(pf, pack);
      await expectError(fetch(`${t.base}/api/files/${encodeURIComponent(name)}`), 500, 'CORRUPT_CHUNK');
    } finally {
      await t.close();
    }
  });

  test('an index file written while the server runs is picked up (another writer)', async () => {
    const t = await start({ storeJson: V2() });
    try {
      const p = makeData(30000, 77), h = b3sum(p);
      expect((await (await json(t.base, '/api/missing', { hashes: [h] })).json()).missing).toEqual([h]);
      writePackByHand(t.dir, [{ hash: h, raw: p.length, blob: Buffer.concat([Buffer.of(0), p]) }]);
      expect((await (await json(t.base, '/api/missing', { hashes: [h] })).json()).missing).toEqual([]);
    } finally {
      await t.close();
    }
  });

  test('an existing store.json is kept (its chunking wins over the default preset)', async () => {
    const cfg = V2({ min: 4096, avg: 16384, max: 65536 });
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

  test('a store.json of another format or version is refused at start-up; a v1 store is pointed to `chunker store migrate`', async () => {
    await expect(start({ storeJson: V2(CH, { version: 3 }) })).rejects.toThrow(/version 3/);
    await expect(start({ storeJson: '{"format":"chunker-store","version":1,"hash":"blake3","chunking":{"min":16384,"avg":65536,"max":262144}}' })).rejects.toThrow(/chunker store migrate/);
    await expect(start({ storeJson: '{"format":"other","version":2}' })).rejects.toThrow(/not a chunker store/);
    await expect(start({ storeJson: V2(CH, { id: 'short' }) })).rejects.toThrow(/id/);
  });
});

describe('upload-dedup server: rejections', () => {
  let s;
  const good = makeData(50000, 11);
  const goodHash = b3sum(good);
  beforeAll(async () => { s = await start({ limits: { manifestChunks: 8, missingHashes: 100 } }); });
  afterAll(() => s.close());
  const noChunkFiles = () => packFiles(s.dir);

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
    // take it out again (pack + index), so that the next tests start from an empty store
    fs.rmSync(findBlob(s.dir, hello).file);
    fs.rmSync(path.join(s.dir, 'index'), { recursive: true });
    fs.mkdirSync(path.join(s.dir, 'index'));
    s.server.store.idx.clear();
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
    const { file: f, offset, length } = findBlob(s.dir, goodHash);
    const bytes = fs.readFileSync(f);
    const bad = Buffer.from(bytes); bad[offset + (length >> 1)] ^= 0x40;
    fs.writeFileSync(f, bad);
    try {
      await expectError(fetch(`${s.base}/api/files/${name}`), 500, 'CORRUPT_CHUNK');
    } finally {
      fs.writeFileSync(f, bytes);
    }
    expect(Buffer.from(await (await fetch(`${s.base}/api/files/${name}`)).arrayBuffer()).equals(good)).toBe(true);
  });

  test('a commit over a chunk corrupted on disk -> 500 CORRUPT_CHUNK naming it, not a hash mismatch blamed on the client', async () => {
    const { file: f, offset, length } = findBlob(s.dir, goodHash);
    const bytes = fs.readFileSync(f);
    const bad = Buffer.from(bytes); bad[offset + (length >> 1)] ^= 0x40;
    fs.writeFileSync(f, bad);
    try {
      const r = await json(s.base, '/api/files', { name: 'commit-over-corrupt.bin', size: good.length, blake3: goodHash, chunks: [[goodHash, good.length]] });
      expect(r.status).toBe(500);
      const body = await r.json();
      expect(body.code).toBe('CORRUPT_CHUNK');
      expect(body.error).toContain(goodHash);
    } finally {
      fs.writeFileSync(f, bytes);
    }
    expect((await fetch(`${s.base}/api/files/commit-over-corrupt.bin`)).status).toBe(404);
  });

  test('a chunk corrupted on disk late in a file cuts the download short', async () => {
    const parts = [21, 22, 23].map((seed) => makeData(30000, seed));
    const hs = parts.map((p) => b3sum(p));
    for (const [i, p] of parts.entries()) expect((await put(s.base, hs[i], p, 'raw')).status).toBe(201);
    const whole = Buffer.concat(parts);
    const man = { name: 'three.bin', size: whole.length, blake3: b3sum(whole), chunks: hs.map((h) => [h, 30000]) };
    expect((await json(s.base, '/api/files', man)).status).toBe(201);
    const { file: f, offset, length } = findBlob(s.dir, hs[2]);
    const bytes = fs.readFileSync(f);
    const bad = Buffer.from(bytes); bad[offset + length - 1] ^= 1;
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

describe('upload-dedup server: batches, bounded work, connection handling', () => {
  let s;
  beforeAll(async () => { s = await start({ limits: { batchChunks: 4, verifyBytes: 2 << 20 } }); });
  afterAll(() => s.close());

  test('a batch with one bad record stores nothing (every record is checked first); malformed batches -> 4xx', async () => {
    const parts = [1, 2, 3].map((k) => makeData(20000, 200 + k));
    const items = parts.map((b) => ({ hash: b3sum(b), body: b }));
    const forged = Buffer.from(parts[2]); forged[5] ^= 1;
    const body = await expectError(postBatch(s.base, [items[0], items[1], { hash: items[2].hash, body: forged }]), 422, 'HASH_MISMATCH');
    expect(body.index).toBe(2);
    await expectError(postBatch(s.base, [items[0], { hash: items[1].hash, body: zstdCli(parts[1]).subarray(0, 30), enc: 'zstd' }]), 400, 'BAD_FRAME');
    await expectError(postBatch(s.base, [items[0], { ...items[1], enc: 7 }]), 415, 'BAD_ENCODING');
    await expectError(postBatch(s.base, Array(5).fill(items[0])), 413, 'TOO_MANY_CHUNKS');
    const whole = batchBody(items);
    await expectError(fetch(`${s.base}/api/chunks`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: whole.subarray(0, whole.length - 1) }), 400, 'BAD_BATCH');
    await expectError(fetch(`${s.base}/api/chunks`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(0) }), 400, 'BAD_BATCH');
    await expectError(fetch(`${s.base}/api/chunks`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: whole }), 415, 'BAD_CONTENT_TYPE');
    expect(packFiles(s.dir)).toEqual([]);
    expect(fs.readdirSync(path.join(s.dir, 'leases'))).toEqual([]);
    expect((await postBatch(s.base, items)).status).toBe(201);
    expect(packFiles(s.dir).length).toBe(1);
  });

  test('a manifest referencing one chunk 20 000 times decodes that chunk once; hashing is capped per commit (413 FILE_TOO_LARGE)', async () => {
    const c = Buffer.alloc(100, 0x61), h = b3sum(c);
    expect((await put(s.base, h, c, 'raw')).status).toBe(201);
    const n = 20000, whole = Buffer.alloc(n * 100, 0x61);
    const decodes0 = s.server.store.counters.chunkDecodes;
    const r = await json(s.base, '/api/files', { name: 'aaaa.txt', size: whole.length, blake3: b3sum(whole), chunks: Array(n).fill([h, 100]) });
    expect(r.status).toBe(201);
    expect(s.server.store.counters.chunkDecodes - decodes0).toBe(1);
    // a lie is still caught with the cache
    await expectError(json(s.base, '/api/files', { name: 'aaab.txt', size: whole.length, blake3: b3sum(Buffer.from('x')), chunks: Array(n).fill([h, 100]) }), 422, 'FILE_HASH_MISMATCH');
    // 2 MiB + 100 bytes of references: more than this server's verifyBytes (2 MiB) -> refused before any work
    const many = Math.ceil((2 << 20) / 100) + 1;
    const d1 = s.server.store.counters.chunkDecodes;
    await expectError(json(s.base, '/api/files', { name: 'big.txt', size: many * 100, blake3: b3sum(Buffer.alloc(many * 100, 0x61)), chunks: Array(many).fill([h, 100]) }), 413, 'FILE_TOO_LARGE');
    expect(s.server.store.counters.chunkDecodes).toBe(d1);
    const d = Buffer.from(await (await fetch(`${s.base}/api/files/aaaa.txt`)).arrayBuffer());
    expect(d.equals(whole)).toBe(true);
  });

  test('a file name that is not valid UTF-8 is refused (400 BAD_UTF8), not stored under a rewritten name', async () => {
    const c = makeData(5000, 300), h = b3sum(c);
    expect((await put(s.base, h, c, 'raw')).status).toBe(201);
    const manifests0 = fs.readdirSync(path.join(s.dir, 'manifests')).length;
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {   // invalid byte, truncated sequence, UTF-16 surrogate, overlong '/'
      const body = Buffer.concat([Buffer.from('{"name":"photo'), Buffer.from(bad), Buffer.from(`.jpg","size":5000,"blake3":"${h}","chunks":[["${h}",5000]]}`)]);
      await expectError(json(s.base, '/api/files', body), 400, 'BAD_UTF8');
    }
    expect(fs.readdirSync(path.join(s.dir, 'manifests')).length).toBe(manifests0);
    const names = (await (await fetch(`${s.base}/api/files`)).json()).files.map((f) => f.name);
    expect(names.some((n) => n.includes('\ufffd'))).toBe(false);
    expect((await json(s.base, '/api/files', { name: 'photo\u00e9.jpg', size: 5000, blake3: h, chunks: [[h, 5000]] })).status).toBe(201);
  });

  // A raw HTTP/1.1 client: what curl or a script sends, no Expect: 100-continue.
  function rawRequest(head, { sendBytes = 0, piece = 65536 } = {}) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(s.server.address().port, '127.0.0.1');
      let got = Buffer.alloc(0), sent = 0;
      sock.on('data', (d) => { got = Buffer.concat([got, d]); });
      sock.on('error', () => {});   // a reset after the answer is fine; the answer is what we check
      sock.on('close', () => resolve({ text: got.toString('latin1'), sent }));
      sock.setTimeout(20000, () => { sock.destroy(); reject(new Error('no answer / connection not closed')); });
      sock.write(head);
      const pump = () => {
        while (sent < sendBytes && !sock.destroyed) {
          sent += piece;
          if (!sock.write(Buffer.alloc(piece, 0x20))) { sock.once('drain', pump); return; }
        }
      };
      pump();
    });
  }

  test('an oversized manifest gets its 413 without Expect: 100-continue: refused on Content-Length, unread, connection closed', async () => {
    const cap = s.server.limits.manifestBody;
    const huge = 1 << 30;
    const head = `POST /api/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${huge}\r\n\r\n`;
    const r = await rawRequest(head, { sendBytes: cap + (8 << 20) });   // keeps sending past the cap
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).toMatch(/connection: close/i);
    expect(r.text).toContain('"code":"BODY_TOO_LARGE"');
  });

  test('chunked (no Content-Length) oversized body: reading stops at the cap, 413, connection closed', async () => {
    const cap = s.server.limits.manifestBody;
    const chunkOf = (n) => `${n.toString(16)}\r\n${' '.repeat(n)}\r\n`;
    const head = `POST /api/files HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunkOf(1000)}`;
    const sock = net.connect(s.server.address().port, '127.0.0.1');
    let got = '';
    const closed = new Promise((res) => { sock.on('close', res); sock.on('error', () => {}); });
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.write(head);
    const piece = chunkOf(1 << 20);
    for (let n = 0; n < cap + (4 << 20) && !got; n += 1 << 20) {
      if (!sock.write(piece)) await new Promise((r) => { sock.once('drain', r); setTimeout(r, 200); });
    }
    await closed;
    expect(got).toMatch(/^HTTP\/1\.1 413 /);
    expect(got).toContain('"code":"BODY_TOO_LARGE"');
  });

  test('client aborts mid-upload are counted, not logged as internal errors', async () => {
    const spy = vi.spyOn(console, 'error');
    try {
      const aborts0 = s.server.counters.clientAborts;
      for (const [p, type] of [['/api/files', 'application/json'], ['/api/chunks', 'application/octet-stream'], [`/api/chunks/${'ab'.repeat(32)}`, 'application/octet-stream']]) {
        const method = p.startsWith('/api/chunks/') ? 'PUT' : 'POST';
        await new Promise((resolve) => {
          const sock = net.connect(s.server.address().port, '127.0.0.1', () => {
            sock.write(`${method} ${p} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 100000\r\n\r\n${'{'.repeat(5000)}`);
            setTimeout(() => { sock.destroy(); resolve(); }, 100);
          });
          sock.on('error', () => {});
        });
      }
      for (let i = 0; i < 50 && s.server.counters.clientAborts < aborts0 + 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(s.server.counters.clientAborts).toBe(aborts0 + 3);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect((await fetch(`${s.base}/api/config`)).status).toBe(200);   // still serving
  });

  test('the page has a favicon (linked from index.html, served as SVG)', async () => {
    const html = await (await fetch(`${s.base}/`)).text();
    const href = /<link rel="icon" href="\.\/([^"]+)"/.exec(html)[1];
    const r = await fetch(`${s.base}/${href}`);
    expect([r.status, r.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    expect(await r.text()).toMatch(/^<svg /);
  });
});

// Batches are streamed into their pack as they arrive (no whole-body buffer): record boundaries
// fall anywhere in what the socket delivers, the pack is written and hashed piece by piece, and
// a batch that fails or is cut short must leave nothing behind (no pack, no index, no temporary).
describe('upload-dedup server: streamed batches', () => {
  const data = makeData(6 << 20, 77);
  let cs, items;
  beforeAll(async () => {
    await ready;
    cs = chunk(data, { ...CH, hash: 'blake3' });
    items = cs.map((c, i) => {
      const b = data.subarray(c.offset, c.offset + c.length);
      return { hash: c.hash, body: i % 3 === 0 ? zstdCli(b) : b, enc: i % 3 === 0 ? 'zstd' : 'raw' };
    });
  });
  const tmpFiles = (dir) => fs.readdirSync(path.join(dir, 'tmp'));
  // The body in pieces of 1..4000 bytes for its first 256 KiB (headers split anywhere), then 1 MiB.
  const pieces = (buf) => {
    const out = [];
    let x = 12345;
    for (let o = 0; o < buf.length;) {
      x = (x * 1103515245 + 12345) >>> 0;
      const n = o < 256 << 10 ? 1 + (x % 4000) : 1 << 20;
      out.push(buf.subarray(o, o + n));
      o += n;
    }
    return out;
  };
  const postStream = (base, buf) => fetch(`${base}/api/chunks`, {
    method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, duplex: 'half',
    body: new ReadableStream({ start(c) { for (const p of pieces(buf)) c.enqueue(new Uint8Array(p)); c.close(); } }),
  });
  // The pack holds exactly `items` (first occurrences), each blob decodes to its chunk, the file is
  // named by its b3sum, and one index file lists the same entries.
  function checkPack(dir) {
    const [pack] = packFiles(dir);
    const bytes = fs.readFileSync(pack);
    expect(path.basename(pack)).toBe(`${b3sum(bytes)}.pack`);
    const es = packEntries(pack);
    expect(es.map((e) => e.hash)).toEqual(cs.map((c) => c.hash));
    for (const [i, e] of es.entries()) {
      const blob = bytes.subarray(e.offset, e.offset + e.length);
      const raw = blob[0] === 0 ? blob.subarray(1) : unzstd(blob.subarray(1));
      expect(raw.equals(data.subarray(cs[i].offset, cs[i].offset + cs[i].length))).toBe(true);
      expect(e.raw).toBe(cs[i].length);
    }
    const idx = indexEntries(dir);
    expect(idx.map(({ hash, offset, length, raw }) => ({ hash, offset, length, raw }))).toEqual(es);
    expect(new Set(idx.map((e) => e.pack))).toEqual(new Set([path.basename(pack, '.pack')]));
  }
  async function commitAndDownload(base) {
    const r = await json(base, '/api/files', { name: 'six.bin', size: data.length, blake3: b3sum(data), chunks: cs.map((c) => [c.hash, c.length]) });
    expect(r.status).toBe(201);
    expect(Buffer.from(await (await fetch(`${base}/api/files/six.bin`)).arrayBuffer()).equals(data)).toBe(true);
  }
  let s;
  afterEach(async () => { if (s) await s.close(); s = null; });

  test('a 6 MiB batch sent in odd pieces (chunked encoding) becomes one byte-exact pack', async () => {
    s = await start();
    const r = await postStream(s.base, batchBody([...items, items[1]]));
    expect(r.status).toBe(201);
    const body = await r.json();
    expect([body.created, body.results.length, body.results.at(-1).created]).toEqual([cs.length, cs.length + 1, false]);
    expect(packFiles(s.dir).length).toBe(1);
    checkPack(s.dir);
    expect(tmpFiles(s.dir)).toEqual([]);
    expect(fs.readdirSync(path.join(s.dir, 'leases'))).toEqual([]);
    await commitAndDownload(s.base);
  });

  test('a bad record after megabytes already written: 422, no pack, no index, no temporary', async () => {
    s = await start();
    const bad = items.map((it) => ({ ...it }));
    const last = cs.length - 2;
    bad[last] = { hash: items[last].hash, body: Buffer.from(data.subarray(cs[last].offset, cs[last].offset + cs[last].length)), enc: 'raw' };
    bad[last].body[100] ^= 1;
    const body = await expectError(postStream(s.base, batchBody(bad)), 422, 'HASH_MISMATCH');
    expect(body.index).toBe(last);
    expect([packFiles(s.dir), indexEntries(s.dir), tmpFiles(s.dir), fs.readdirSync(path.join(s.dir, 'leases'))]).toEqual([[], [], [], []]);
    expect((await (await json(s.base, '/api/missing', { hashes: [cs[0].hash] })).json()).missing).toEqual([cs[0].hash]);
  });

  test('a client that goes away mid-batch leaves nothing: no pack, no index, no temporary, no lease', async () => {
    s = await start();
    const whole = batchBody(items);
    const aborts0 = s.server.counters.clientAborts;
    await new Promise((resolve) => {
      const sock = net.connect(s.server.address().port, '127.0.0.1', () => {
        sock.write(`POST /api/chunks HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${whole.length}\r\n\r\n`);
        sock.write(whole.subarray(0, whole.length >> 1), () => setTimeout(() => { sock.destroy(); resolve(); }, 300));
      });
      sock.on('error', () => {});
    });
    for (let i = 0; i < 100 && s.server.counters.clientAborts === aborts0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.server.counters.clientAborts).toBe(aborts0 + 1);
    for (let i = 0; i < 100 && fs.readdirSync(path.join(s.dir, 'leases')).length; i++) await new Promise((r) => setTimeout(r, 20));
    expect([packFiles(s.dir), indexEntries(s.dir), tmpFiles(s.dir), fs.readdirSync(path.join(s.dir, 'leases'))]).toEqual([[], [], [], []]);
    // the same batch whole afterwards is stored as usual
    expect((await postStream(s.base, whole)).status).toBe(201);
    checkPack(s.dir);
  });

  test('a backend without a streaming writer (as S3) gets the same pack; a pack name already taken is re-salted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-store-'));
    const plain = new LocalDirBackend(dir);
    plain.createWriter = undefined;
    s = await start({ backend: plain });
    s.dir = dir;
    expect((await postStream(s.base, batchBody(items))).status).toBe(201);
    checkPack(s.dir);
    await commitAndDownload(s.base);
    await s.close();
    // The local writer: its first commit finds the name taken (as if a salt had collided).
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-store-'));
    const taken = new LocalDirBackend(dir2);
    const realWriter = taken.createWriter.bind(taken);
    let refused = 0;
    taken.createWriter = async () => {
      const w = await realWriter();
      const commit = w.commit;
      w.commit = async (key, tail) => (refused++ === 0 ? false : commit(key, tail));
      return w;
    };
    s = await start({ backend: taken });
    s.dir = dir2;
    expect((await postStream(s.base, batchBody(items))).status).toBe(201);
    expect(refused).toBe(2);
    checkPack(s.dir);
    expect(tmpFiles(s.dir)).toEqual([]);
    await commitAndDownload(s.base);
  });
});

describe('upload-dedup server: writer protocol (leases, gc plans, packs that vanish)', () => {
  let s;
  beforeEach(async () => { s = await start(); });
  afterEach(() => s.close());
  const upload = async (seed) => {
    const b = makeData(30000, seed), h = b3sum(b);
    expect((await put(s.base, h, b, 'raw')).status).toBe(201);
    return { b, h, pack: path.basename(findBlob(s.dir, h).file, '.pack') };
  };
  const commit = (name, c) => json(s.base, '/api/files', { name, size: c.b.length, blake3: c.h, chunks: [[c.h, c.b.length]] });

  test('a chunk in a pack a gc plan condemns counts as missing: re-uploaded into a new pack, and only then committed', async () => {
    const c = await upload(500);
    fs.writeFileSync(path.join(s.dir, 'gc', '0123456789abcdef0123456789abcdef.plan'), JSON.stringify({ condemned: [c.pack] }));
    expect((await (await json(s.base, '/api/missing', { hashes: [c.h] })).json()).missing).toEqual([c.h]);
    const refused = await expectError(commit('x.bin', c), 409, 'MISSING_CHUNKS');
    expect(refused.missing).toEqual([c.h]);
    expect(fs.readdirSync(path.join(s.dir, 'manifests'))).toEqual([]);
    expect((await put(s.base, c.h, c.b, 'raw')).status).toBe(201);   // stored again, elsewhere
    expect(packFiles(s.dir).length).toBe(2);
    expect((await commit('x.bin', c)).status).toBe(201);
    fs.rmSync(packPath(s.dir, c.pack));   // the gc sweeps its condemned pack: the file still reads
    expect(Buffer.from(await (await fetch(`${s.base}/api/files/x.bin`)).arrayBuffer()).equals(c.b)).toBe(true);
  });

  test('a pack deleted behind the server\'s back: commit refused (409), never a manifest over a missing pack', async () => {
    const c = await upload(501);
    fs.rmSync(packPath(s.dir, c.pack));
    await expectError(commit('y.bin', c), 409, 'MISSING_CHUNKS');
    expect(fs.readdirSync(path.join(s.dir, 'manifests'))).toEqual([]);
    expect((await (await json(s.base, '/api/missing', { hashes: [c.h] })).json()).missing).toEqual([c.h]);
  });

  test('two servers on one store directory: a chunk uploaded through one is present for the other; a file committed through one downloads through the other', async () => {
    const other = await createServer({ storeDir: s.dir });
    await new Promise((r) => other.listen(0, '127.0.0.1', r));
    const base2 = `http://127.0.0.1:${other.address().port}`;
    try {
      const c = await upload(503);   // through the first
      expect((await (await json(base2, '/api/missing', { hashes: [c.h] })).json()).missing).toEqual([]);
      const r = await json(base2, '/api/files', { name: 'shared.bin', size: c.b.length, blake3: c.h, chunks: [[c.h, c.b.length]] });
      expect(r.status).toBe(201);
      expect(Buffer.from(await (await fetch(`${s.base}/api/files/shared.bin`)).arrayBuffer()).equals(c.b)).toBe(true);
      const d = makeData(40000, 504), dh = b3sum(d);
      expect((await postBatch(base2, [{ hash: dh, body: d }])).status).toBe(201);   // through the second
      expect((await (await json(s.base, '/api/missing', { hashes: [dh] })).json()).missing).toEqual([]);
    } finally {
      await new Promise((r) => { other.close(r); other.closeAllConnections(); });
    }
  });

  test('a lease exists while a commit runs and is gone afterwards; an unreadable gc plan stops commits (503)', async () => {
    const c = await upload(502);
    const seen = [];
    const orig = s.server.store.backend.replaceMany.bind(s.server.store.backend);
    s.server.store.backend.replaceMany = async (items) => {
      seen.push(...fs.readdirSync(path.join(s.dir, 'leases')).map((f) => JSON.parse(fs.readFileSync(path.join(s.dir, 'leases', f), 'utf8'))));
      return orig(items);
    };
    expect((await commit('z.bin', c)).status).toBe(201);
    expect(seen).toEqual([{ kind: 'put', host: os.hostname(), boot_id: expect.any(String), pid: process.pid, start: expect.any(String) }]);
    expect(fs.readdirSync(path.join(s.dir, 'leases'))).toEqual([]);
    fs.writeFileSync(path.join(s.dir, 'gc', 'ffffffffffffffffffffffffffffffff.plan'), '{"condemned": [');
    await expectError(commit('z2.bin', c), 503, 'GC_PLAN_UNREADABLE');
    expect(fs.readdirSync(path.join(s.dir, 'leases'))).toEqual([]);
  });
});

// Interop with the native `chunker store` (same format v2, other implementation):
// CHUNKER_CLI or build/native/chunker (built by scripts/ci/10-native.sh). A
// CLI without a v2 `store` is skipped with a warning, and fails under CI=true
// or CHUNKER_REQUIRE_TOOLS=1.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = process.env.CHUNKER_CLI || path.join(ROOT, 'build/native/chunker');
const cliStoreVersion = (() => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-probe-'));
  try {
    execFileSync(CLI, ['store', 'init', path.join(d, 's')], { stdio: 'pipe' });
    return JSON.parse(fs.readFileSync(path.join(d, 's', 'store.json'), 'utf8')).version;
  } catch { return 0; } finally { fs.rmSync(d, { recursive: true, force: true }); }
})();
const requireTools = process.env.CI === 'true' || process.env.CHUNKER_REQUIRE_TOOLS === '1';
if (cliStoreVersion !== 2) {
  const why = `${CLI} has no 'store' command writing format v2 (store init gave version ${cliStoreVersion || 'none'}; set CHUNKER_CLI)`;
  if (requireTools) test('native chunker store v2 is available for the interop tests', () => { throw new Error(why); });
  else console.warn(`demo-server: skipping the native interop tests: ${why}`);
}

describe.skipIf(cliStoreVersion !== 2)('upload-dedup store <-> native chunker store (v2)', () => {
  const cli = (...args) => execFileSync(CLI, args, { maxBuffer: 1 << 28 });
  const data = makeData(1500000, 99);

  test('a store written by the demo server (single chunks and a batch) passes `chunker store verify`, `get` restores the file, `gc` keeps what is referenced', async () => {
    const s = await start();
    try {
      const chunks = chunk(data, { ...CH, hash: 'blake3' });
      const half = chunks.length >> 1;
      for (const c of chunks.slice(0, half)) expect((await put(s.base, c.hash, await compress(data.subarray(c.offset, c.offset + c.length)))).status).toBe(201);
      expect((await postBatch(s.base, chunks.slice(half).map((c) => ({ hash: c.hash, body: data.subarray(c.offset, c.offset + c.length) })))).status).toBe(201);
      const name = 'dir/from the demo.bin';
      expect((await json(s.base, '/api/files', { name, size: data.length, blake3: b3sum(data), chunks: chunks.map((c) => [c.hash, c.length]) })).status).toBe(201);
      // an unreferenced chunk: garbage for gc
      const junk = makeData(20000, 1234);
      expect((await put(s.base, b3sum(junk), junk, 'raw')).status).toBe(201);
      expect(cli('store', 'verify', s.dir).toString()).toMatch(/\b0 problems/);
      expect(cli('store', 'get', s.dir, name).equals(data)).toBe(true);
      expect(cli('store', 'ls', s.dir).toString()).toContain(name);
      // every pack a minute old (gc spares packs younger than its start minus a margin)
      const old = new Date(Date.now() - 60000);
      for (const f of packFiles(s.dir)) fs.utimesSync(f, old, old);
      const junkPack = findBlob(s.dir, b3sum(junk)).file;
      cli('store', 'gc', s.dir, '--grace', '0');
      expect(fs.existsSync(junkPack)).toBe(false);
      expect(new Set(indexEntries(s.dir).map((e) => e.hash))).toEqual(new Set(chunks.map((c) => c.hash)));
      expect(cli('store', 'verify', s.dir).toString()).toMatch(/\b0 problems/);
      expect(cli('store', 'get', s.dir, name).equals(data)).toBe(true);
      // the server keeps serving after gc compacted the index and removed packs
      expect(Buffer.from(await (await fetch(`${s.base}/api/files/${encodeURIComponent(name)}`)).arrayBuffer()).equals(data)).toBe(true);
    } finally {
      await s.close();
    }
  });

  test('a store written by `chunker store put` is served by the demo server (same directory), and the server adds to it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-store-'));
    const file = path.join(dir, 'input.bin');
    try {
      fs.writeFileSync(file, data);
      const sd = path.join(dir, 's');
      cli('store', 'init', sd);
      cli('store', 'put', sd, file, '--name', 'native/input.bin');
      const server = await createServer({ storeDir: sd });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${server.address().port}`;
      try {
        const list = (await (await fetch(`${base}/api/files`)).json()).files;
        expect(list.map((f) => [f.name, f.size, f.blake3])).toEqual([['native/input.bin', data.length, b3sum(data)]]);
        const got = Buffer.from(await (await fetch(`${base}/api/files/${encodeURIComponent('native/input.bin')}`)).arrayBuffer());
        expect(got.equals(data)).toBe(true);
        // the page would find nothing missing: same chunking, same hashes
        const hashes = chunk(data, { ...CH, hash: 'blake3' }).map((c) => c.hash);
        expect((await (await json(base, '/api/missing', { hashes })).json()).missing).toEqual([]);
        // a second file through the server, deduplicated against the native packs; the CLI reads both
        const edited = Buffer.concat([data.subarray(0, 700000), Buffer.from('inserted'), data.subarray(700000)]);
        const ec = chunk(edited, { ...CH, hash: 'blake3' });
        const missing = (await (await json(base, '/api/missing', { hashes: ec.map((c) => c.hash) })).json()).missing;
        expect(missing.length).toBeGreaterThan(0);
        expect(missing.length).toBeLessThan(4);
        const todo = ec.filter((c) => missing.includes(c.hash));
        expect((await postBatch(base, todo.map((c) => ({ hash: c.hash, body: edited.subarray(c.offset, c.offset + c.length) })))).status).toBe(201);
        expect((await json(base, '/api/files', { name: 'server/edited.bin', size: edited.length, blake3: b3sum(edited), chunks: ec.map((c) => [c.hash, c.length]) })).status).toBe(201);
        expect(cli('store', 'verify', sd).toString()).toMatch(/\b0 problems/);
        expect(cli('store', 'get', sd, 'server/edited.bin').equals(edited)).toBe(true);
        expect(cli('store', 'get', sd, 'native/input.bin').equals(data)).toBe(true);
      } finally {
        await new Promise((r) => { server.close(r); server.closeAllConnections(); });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
