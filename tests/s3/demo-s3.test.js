// The upload-dedup server on S3 (Ceph RGW from scripts/s3/rgw.sh), over real
// HTTP and S3: the S3 backend against the storage interface (the same checks
// on the local directory backend), s3:// URLs and start-up errors, retries
// through a fault-injecting proxy, several stateless servers (separate
// processes) on one store, kill -9 in the middle of a write, and interop with
// the native `chunker store` (on S3 when the CLI takes s3:// URLs, else on a
// directory; under CI=true a CLI without S3 support is a failure).
// Stores are judged by the native CLI on a copy of the bucket prefix
// (demo-helpers.mjs verifyNative), not by the code under test.
//
//   eval "$(bash scripts/s3/rgw.sh start)"
//   npx vitest run --config tests/s3/vitest.config.mjs
//   bash scripts/s3/rgw.sh stop
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chunk, ready } from '../../dist/esm/index.node.js';
import { LocalDirBackend, StorageError, openBackend } from '../../examples/upload-dedup/storage.mjs';
import { S3Backend, parseS3Url } from '../../examples/upload-dedup/storage-s3.mjs';
import { createServer } from '../../examples/upload-dedup/server.mjs';
import { startProxy } from './fault-proxy.mjs';
import {
  CLI, NO_S3, S3, b3sum, backendFor, cli, cliResult, cliSupport, haveS3, makeData, requireTools, s3Url, serverStartError,
  startServerProcess, verifyNative, withEndpoint,
} from './demo-helpers.mjs';

await ready;
const CH = { min: 16384, avg: 65536, max: 262144 };
const json = (base, p, obj) => fetch(base + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(obj) });
const missing = async (base, hashes) => (await (await json(base, '/api/missing', { hashes })).json()).missing;
function batchBody(items) {
  return Buffer.concat(items.flatMap(({ hash, body }) => {
    const h = Buffer.alloc(37);
    Buffer.from(hash, 'hex').copy(h);
    h.writeUInt32LE(body.length, 33);
    return [h, body];
  }));
}
const postBatch = (base, items) => fetch(`${base}/api/chunks`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: batchBody(items) });
const chunksOf = (data) => chunk(data, { ...CH, hash: 'blake3' }).map((c) => ({ hash: c.hash, length: c.length, body: data.subarray(c.offset, c.offset + c.length) }));
const manifest = (name, data, cs) => ({ name, size: data.length, blake3: b3sum(data), chunks: cs.map((c) => [c.hash, c.length]) });
const download = async (base, name) => {
  const r = await fetch(`${base}/api/files/${encodeURIComponent(name)}`);
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
};
// An upload as the page does it, in three steps: ask which chunks are missing,
// send those in batches, commit the manifest.
async function plan(base, data) {
  const cs = chunksOf(data);
  const need = new Set(await missing(base, cs.map((c) => c.hash)));
  const todo = cs.filter((c, i) => need.has(c.hash) && cs.findIndex((x) => x.hash === c.hash) === i);
  return { data, cs, todo };
}
async function send(base, p, batch = 8) {
  for (let i = 0; i < p.todo.length; i += batch) {
    const r = await postBatch(base, p.todo.slice(i, i + batch));
    if (r.status !== 201 && r.status !== 200) throw new Error(`batch: ${r.status} ${await r.text()}`);
  }
}
async function commit(base, name, p) {
  const r = await json(base, '/api/files', manifest(name, p.data, p.cs));
  if (r.status !== 201) throw new Error(`commit ${name}: ${r.status} ${await r.text()}`);
  return { chunks: p.cs.length, sent: p.todo.length };
}
async function uploadFile(base, name, data, batch = 8) {
  const p = await plan(base, data);
  await send(base, p, batch);
  return commit(base, name, p);
}
const inProcess = async (opts) => {
  const server = await createServer(opts);
  server.keepAliveTimeout = 120000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    server, base: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }),
  };
};

if (!haveS3) {
  if (requireTools) test('an S3 endpoint is available', () => { throw new Error(NO_S3); });
  else console.warn(`demo-s3: skipping everything: ${NO_S3}`);
}

// ---- s3:// URLs: no server needed ----

describe('s3:// store URLs', () => {
  test('the accepted form, normalised as the native CLI does', () => {
    expect(parseS3Url('s3://chunker-test/a/b?endpoint=http://127.0.0.1:7480&region=us-east-1'))
      .toEqual({ bucket: 'chunker-test', prefix: 'a/b/', endpoint: 'http://127.0.0.1:7480', region: 'us-east-1' });
    expect(parseS3Url('s3://bkt?endpoint=https://s3.example.org/')).toEqual({ bucket: 'bkt', prefix: '', endpoint: 'https://s3.example.org', region: 'us-east-1' });
    expect(parseS3Url('s3://bkt/p/?region=eu-west-3&endpoint=http%3A%2F%2F[::1]:9000').endpoint).toBe('http://[::1]:9000');
  });
  test.each([
    ['http://bucket/x', 'does not start with s3://'],
    ['s3://?endpoint=http://h:1', 'no bucket name'],
    ['s3://Bad_Bucket?endpoint=http://h:1', "bucket name 'Bad_Bucket' is not valid"],
    ['s3://ab?endpoint=http://h:1', "bucket name 'ab' is not valid"],
    ['s3://bucket/p', 'no endpoint= parameter'],
    ['s3://bucket?endpoint=ftp://h:1', 'must start with http:// or https://'],
    ['s3://bucket?endpoint=http://h:1/path', 'with no path, query or user'],
    ['s3://bucket?endpoint=http://h:99999', "invalid port '99999'"],
    ['s3://bucket?endpoint=http://h:1&colour=red', "unknown parameter 'colour'"],
    ['s3://bucket?endpoint=http://h:1&endpoint=http://h:2', "parameter 'endpoint' given twice"],
    ['s3://bucket?endpoint', "parameter 'endpoint' has no value"],
    ['s3://bucket?endpoint=http://h:1&region=US_EAST', "region 'US_EAST' is not valid"],
    ['s3://bucket/a//b?endpoint=http://h:1', "has an empty, '.' or '..' segment"],
    ['s3://bucket/a/../b?endpoint=http://h:1', "has an empty, '.' or '..' segment"],
    ['s3://bucket/a\nb?endpoint=http://h:1', 'control character'],
    ['s3://bucket?endpoint=http%ZZ', 'bad %-escape'],
  ])('%j is refused: %s', (url, why) => {
    let err;
    try { parseS3Url(url); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(StorageError);
    expect(err.code).toBe('BAD_STORE_URL');
    expect(err.message).toContain(why);
    expect(err.message).toContain('expected s3://BUCKET[/PREFIX]?endpoint=http://HOST:PORT');
  });
  test('other schemes are refused; a path is a directory', async () => {
    await expect(openBackend('http://example.org/store')).rejects.toMatchObject({ code: 'BAD_STORE_URL' });
    expect(await openBackend('/tmp/some/store')).toBeInstanceOf(LocalDirBackend);
    expect(() => S3Backend.fromUrl('s3://bkt?endpoint=http://h:1', { env: {} })).toThrow(/AWS_ACCESS_KEY_ID is not set/);
    expect(() => S3Backend.fromUrl('s3://bkt?endpoint=http://h:1', { env: { AWS_ACCESS_KEY_ID: 'x' } })).toThrow(/AWS_SECRET_ACCESS_KEY is not set/);
  });
});

// ---- the storage interface: the same checks on both backends ----

const backends = [['local directory', () => new LocalDirBackend(fs.mkdtempSync(path.join(os.tmpdir(), 'conf-')))]];
if (haveS3) backends.push(['S3', () => backendFor(s3Url('conformance'))]);

describe.each(backends)('storage interface: %s', (_, make) => {
  let b;
  beforeAll(async () => { b = make(); await b.init(['packs', 'index', 'manifests', 'leases', 'gc']); });
  const bytes = (n, seed) => makeData(n, seed);

  test('create-only writes: true once, then false, the first bytes kept', async () => {
    expect(await b.create('leases/a.json', Buffer.from('first'))).toBe(true);
    expect(await b.create('leases/a.json', Buffer.from('second'))).toBe(false);
    expect((await b.read('leases/a.json', 100)).toString()).toBe('first');
    expect(await b.createMany([{ key: 'packs/ab/new.pack', data: bytes(5000, 1) }, { key: 'leases/a.json', data: Buffer.from('x') }])).toEqual([true, false]);
  });
  test('reads: whole, ranges, absent, over the cap', async () => {
    const d = bytes(100000, 2);
    await b.createMany([{ key: 'index/d.idx', data: d }]);
    expect((await b.read('index/d.idx', 100000)).equals(d)).toBe(true);
    expect(await b.read('index/nothing.idx', 10)).toBe(null);
    await expect(b.read('index/d.idx', 99999)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect((await b.readRange('index/d.idx', 12345, 777)).equals(d.subarray(12345, 12345 + 777))).toBe(true);
    expect((await b.readRange('index/d.idx', 99000, 1000)).equals(d.subarray(99000))).toBe(true);
    await expect(b.readRange('index/d.idx', 99500, 1000)).rejects.toMatchObject({ code: 'SHORT_READ' });
    await expect(b.readRange('index/d.idx', 200000, 10)).rejects.toMatchObject({ code: 'SHORT_READ' });
    expect(await b.readRange('index/nothing.idx', 0, 10)).toBe(null);
  });
  test('stat, list at any depth (with sizes), replace, delete', async () => {
    await b.createMany([{ key: 'manifests/m1.json', data: Buffer.from('one') }, { key: 'manifests/sub/m2.json', data: Buffer.from('two!') }]);
    const st = await b.stat('manifests/m1.json');
    expect(st.size).toBe(3);
    expect(Math.abs(st.mtimeMs - Date.now())).toBeLessThan(10 * 60000);   // a storage timestamp, not 0 / NaN
    expect(await b.stat('manifests/none.json')).toBe(null);
    const l = (await b.list('manifests', { stat: true })).sort((x, y) => (x.key < y.key ? -1 : 1));
    expect(l.map((e) => [e.key, e.size])).toEqual([['manifests/m1.json', 3], ['manifests/sub/m2.json', 4]]);
    expect(await b.list('gc')).toEqual([]);
    await b.replaceMany([{ key: 'manifests/m1.json', data: Buffer.from('replaced') }]);
    expect((await b.read('manifests/m1.json', 100)).toString()).toBe('replaced');
    await b.delete('manifests/m1.json');
    await b.delete('manifests/m1.json');   // absent is fine
    expect(await b.read('manifests/m1.json', 100)).toBe(null);
  });
  test('bad keys are refused before any I/O', async () => {
    for (const k of ['../x', 'a//b', '/abs', 'a/./b']) await expect(b.read(k, 10)).rejects.toMatchObject({ code: 'BAD_KEY' });
  });
});

describe.skipIf(!haveS3)('S3 backend: S3 specifics', () => {
  test('listing goes page by page (continuation tokens); stores in sibling prefixes do not see each other', async () => {
    const url = s3Url('pages');
    const b = backendFor(url, { pageSize: 10 });
    await b.createMany(Array.from({ length: 25 }, (_, i) => ({ key: `index/${String(i).padStart(3, '0')}.idx`, data: Buffer.from([i]) })));
    const other = backendFor(url.replace(/(s3:\/\/[^/]+\/[^?]+)/, '$1x'));   // prefix "pages-…x": shares the first characters
    await other.createMany([{ key: 'index/zzz.idx', data: Buffer.from('other') }]);
    const r0 = b.requests;
    const keys = (await b.list('index')).map((e) => e.key);
    expect(keys).toEqual(Array.from({ length: 25 }, (_, i) => `index/${String(i).padStart(3, '0')}.idx`));
    expect(b.requests - r0).toBe(3);
    expect((await other.list('index')).map((e) => e.key)).toEqual(['index/zzz.idx']);
  });
  test('keys are stored under BUCKET/PREFIX/ exactly (read back with another client path: a HEAD by full key)', async () => {
    const url = s3Url('layout');
    const b = backendFor(url);
    await b.createMany([{ key: 'packs/0f/abc.pack', data: Buffer.from('p') }]);
    const { prefix } = parseS3Url(url);
    const root = backendFor(`s3://${S3.bucket}?endpoint=${S3.endpoint}`);
    expect(await root.stat(`${prefix}packs/0f/abc.pack`)).toMatchObject({ size: 1 });
  });
});

describe.skipIf(!haveS3)('S3 requests per operation (counted by the backend)', () => {
  test('a commit and a download read the chunks of a pack with one ranged GET per span, not one per chunk', async () => {
    const s = await inProcess({ storeUrl: s3Url('requests') });
    try {
      const b = s.server.store.backend;
      const data = makeData(3 << 20, 11);
      const cs = chunksOf(data);
      expect(cs.length).toBeGreaterThan(30);
      let r0 = b.requests;
      expect((await postBatch(s.base, cs)).status).toBe(201);
      // lease PUT, gc/ LIST, index/ LIST (chunks not in the cached index: other writers' index files?), pack PUT, index PUT, lease DELETE
      expect(b.requests - r0).toBe(6);
      r0 = b.requests;
      expect((await json(s.base, '/api/files', manifest('spans.bin', data, cs))).status).toBe(201);
      // lease PUT, gc/ LIST, pack HEAD, ONE span GET for the whole-file hash, gc/ LIST again, manifest PUT, lease DELETE
      expect(b.requests - r0).toBe(7);
      r0 = b.requests;
      expect((await download(s.base, 'spans.bin')).body.equals(data)).toBe(true);
      expect(b.requests - r0).toBe(2);   // the manifest, one span
    } finally {
      await s.close();
    }
  });
});

// ---- start-up errors of the server process ----

// A loopback port nothing listens on (bound, then closed).
async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

describe.skipIf(!haveS3)('server start-up: clear errors, exit 1', () => {
  const good = () => s3Url('startup');
  test.each([
    ['a malformed URL', () => `s3://${S3.bucket}/x?region=us-east-1`, {}, /invalid S3 URL .*no endpoint= parameter/],
    ['an unsupported scheme', () => 'ftp://host/store', {}, /unsupported scheme/],
    ['no credentials', good, { AWS_ACCESS_KEY_ID: '' }, /AWS_ACCESS_KEY_ID is not set/],
    ['a wrong secret key', good, { AWS_SECRET_ACCESS_KEY: 'wrong-secret-0000000000000000000000000000' }, /check AWS_SECRET_ACCESS_KEY and the region \(403 SignatureDoesNotMatch/],
    ['an unknown access key', good, { AWS_ACCESS_KEY_ID: 'AKIANOTAKEY000000000' }, /check AWS_ACCESS_KEY_ID \(403 InvalidAccessKeyId/],
    ['a missing bucket', () => s3Url('x').replace(`s3://${S3.bucket}/`, 's3://no-such-bucket-here/'), {}, /s3:\/\/no-such-bucket-here: no such bucket at http:\/\/127\.0\.0\.1:\d+ \(404 NoSuchBucket/],
    ['an endpoint where nothing listens', async () => withEndpoint(good(), `http://127.0.0.1:${await closedPort()}`), {}, /connection failed \(ECONNREFUSED.*after 5 attempts \(http:\/\/127\.0\.0\.1:\d+\)/],
  ])('%s', async (_, url, env, re) => {
    const r = await serverStartError(await url(), env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^upload-dedup: cannot open the store /);
    expect(r.stderr).toMatch(re);
    expect(r.stdout).not.toMatch(/open http/);
  });
});

// ---- retries and faults (a proxy between the backend and RGW) ----

describe.skipIf(!haveS3)('S3 backend: retries with backoff, bounded; clear errors naming the object', () => {
  let proxy;
  beforeAll(async () => { proxy = await startProxy(S3.endpoint); });
  afterAll(() => proxy.close());
  const through = (label, opts = {}) => {
    const url = withEndpoint(s3Url(label), proxy.url);
    return { url, b: backendFor(url, { retry: { baseMs: 20, maxMs: 200, ...opts.retry }, ...opts }) };
  };
  const sequence = (actions) => { let i = 0; return () => actions[i++] || 'forward'; };

  test('2 x 503 SlowDown and 2 connection resets, then success: 5 attempts, the object stored exactly', async () => {
    const { b } = through('retry');
    const data = makeData(300000, 7);
    proxy.rule = sequence(['slowdown', 'reset', 'slowdown', 'reset']);
    const r0 = b.requests;
    expect(await b.create('packs/aa/retried.pack', data)).toBe(true);
    expect(b.requests - r0).toBe(5);
    proxy.rule = () => 'forward';
    expect((await b.read('packs/aa/retried.pack', 1e6)).equals(data)).toBe(true);
  });
  test('a create-only PUT whose answer is lost: the retry meets 412, reads the object back, and knows it is its own', async () => {
    const { b } = through('lost');
    const data = makeData(50000, 8);
    proxy.rule = sequence(['lose-answer']);
    expect(await b.create('leases/lost.json', data)).toBe(true);
    expect(proxy.log.slice(-3).map((e) => [e.method, e.status])).toEqual([['PUT', 'lost 200'], ['PUT', 412], ['GET', 200]]);
    proxy.rule = () => 'forward';
    expect(await b.create('leases/lost.json', data)).toBe(false);   // no retry: an existing object is "not created"
  });
  test('giving up: permanent 503 -> S3_UNAVAILABLE after exactly the configured attempts, naming the object', async () => {
    const { url, b } = through('giveup', { retry: { attempts: 4 } });
    proxy.rule = () => 'slowdown';
    const r0 = b.requests;
    const err = await b.read('manifests/x.json', 1000).catch((e) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err.code).toBe('S3_UNAVAILABLE');
    const { bucket, prefix } = parseS3Url(url);
    expect(err.message).toBe(`s3://${bucket}/${prefix}manifests/x.json: GET failed: 503 SlowDown after 4 attempts (${proxy.url})`);
    expect(b.requests - r0).toBe(4);
    proxy.rule = () => 'forward';
  });
  test('a request that stalls is abandoned (stall timeout) and retried, then fails cleanly', async () => {
    const { b } = through('stall', { stallMs: 300, retry: { attempts: 2 } });
    proxy.rule = () => 'hold';
    const err = await b.stat('packs/00/held.pack').catch((e) => e);
    expect([err.code, err.message]).toEqual(['S3_UNAVAILABLE', expect.stringMatching(/HEAD failed: timed out \(nothing moved for 300 ms\) after 2 attempts/)]);
    proxy.rule = () => 'forward';
  });
  test('a body damaged on the way is refused by the server (signed SHA-256), not retried, nothing stored', async () => {
    const { b } = through('corrupt');
    proxy.rule = sequence(['corrupt']);
    const r0 = b.requests;
    const err = await b.create('packs/bb/damaged.pack', makeData(10000, 9)).catch((e) => e);
    expect([err.code, b.requests - r0]).toEqual(['S3_ERROR', 1]);
    expect(err.message).toMatch(/damaged\.pack: PUT answered \(400 XAmzContentSHA256Mismatch/);
    proxy.rule = () => 'forward';
    expect(await b.read('packs/bb/damaged.pack', 1e6)).toBe(null);
  });
  test('wrong credentials are not retried (one request) and say which variable to check', async () => {
    const url = s3Url('creds');
    const b = S3Backend.fromUrl(url, { env: { AWS_ACCESS_KEY_ID: S3.accessKeyId, AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    const err = await b.create('leases/x.json', Buffer.from('x')).catch((e) => e);
    expect([err.code, b.requests]).toEqual(['S3_ACCESS_DENIED', 1]);
    expect(err.message).toMatch(/leases\/x\.json: the signature does not match: check AWS_SECRET_ACCESS_KEY/);
  });
  test('the server answers 503 STORAGE_UNAVAILABLE naming the object while S3 fails, leaves no lease, and works once S3 is back', async () => {
    const { url } = through('server503');
    const s = await inProcess({ storeUrl: url, storage: { retry: { attempts: 3, baseMs: 10, maxMs: 50 } } });
    try {
      const data = makeData(200000, 10);
      const cs = chunksOf(data);
      proxy.rule = ({ method, key }) => (method === 'PUT' && key.includes('/packs/') ? 'slowdown' : 'forward');
      const r = await postBatch(s.base, cs);
      const body = await r.json();
      expect([r.status, body.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
      expect(body.error).toMatch(/^storage: s3:\/\/.*\/packs\/[0-9a-f]{2}\/[0-9a-f]{64}\.pack: PUT failed: 503 SlowDown after 3 attempts/);
      proxy.rule = () => 'forward';
      expect(await backendFor(url).list('leases')).toEqual([]);
      expect(await backendFor(url).list('packs')).toEqual([]);
      expect((await postBatch(s.base, cs)).status).toBe(201);
      expect((await json(s.base, '/api/files', manifest('after-outage.bin', data, cs))).status).toBe(201);
      expect((await download(s.base, 'after-outage.bin')).body.equals(data)).toBe(true);
    } finally {
      proxy.rule = () => 'forward';
      await s.close();
    }
  });
});

// ---- several stateless servers on one store (separate processes) ----

describe.skipIf(!haveS3)('two demo server processes on one S3 store', () => {
  let url, A, B;
  const stored = {};
  beforeAll(async () => {
    url = s3Url('two-servers');
    [A, B] = await Promise.all([startServerProcess(url), startServerProcess(url)]);
  });
  afterAll(async () => { await Promise.all([A?.stop(), B?.stop()]); });

  test('both serve the same store (one store.json, whoever created it)', async () => {
    const [ca, cb] = await Promise.all([A.base, B.base].map(async (b) => (await fetch(`${b}/api/config`)).json()));
    expect(ca.chunking).toEqual(cb.chunking);
    expect((await backendFor(url).read('store.json', 1e5)).toString()).toMatch(/"format":"chunker-store","version":2/);
  });
  test('a chunk uploaded through A is present for B; a file committed through B downloads byte-exact through A', async () => {
    const data = makeData(900000, 21);
    const cs = chunksOf(data);
    expect(await missing(B.base, cs.map((c) => c.hash))).toHaveLength(cs.length);   // B has seen nothing: its index is loaded now
    expect((await postBatch(A.base, cs)).status).toBe(201);
    expect(await missing(B.base, cs.map((c) => c.hash))).toEqual([]);                // and refreshed on the miss
    expect((await json(B.base, '/api/files', manifest('via-b.bin', data, cs))).status).toBe(201);
    stored['via-b.bin'] = data;
    const got = await download(A.base, 'via-b.bin');
    expect([got.status, got.body.equals(data)]).toEqual([200, true]);
    expect((await (await fetch(`${A.base}/api/files`)).json()).files.map((f) => f.name)).toContain('via-b.bin');
    // a single-chunk PUT through B, found by A
    const one = makeData(30000, 22), h = b3sum(one);
    expect((await fetch(`${B.base}/api/chunks/${h}`, { method: 'PUT', body: one })).status).toBe(201);
    expect(await missing(A.base, [h])).toEqual([]);
  });
  test('concurrent uploads to A and B with overlapping data: both files commit, download byte-exact through the other server, store verifies', async () => {
    const shared = makeData(1500000, 31);
    const fa = Buffer.concat([makeData(700000, 32), shared]);
    const fb = Buffer.concat([shared, makeData(600000, 33)]);
    // Both ask before either stores, so both send the shared chunks: a real race on the same chunks
    // (batches of 4 chunks, in flight on both servers at once), then both commit at once.
    const [pa, pb] = await Promise.all([plan(A.base, fa), plan(B.base, fb)]);
    const uniq = (d) => new Set(chunksOf(d).map((c) => c.hash)).size;
    expect([pa.todo.length, pb.todo.length]).toEqual([uniq(fa), uniq(fb)]);
    await Promise.all([send(A.base, pa, 4), send(B.base, pb, 4)]);
    await Promise.all([commit(A.base, 'a/overlap.bin', pa), commit(B.base, 'b/overlap.bin', pb)]);
    stored['a/overlap.bin'] = fa; stored['b/overlap.bin'] = fb;
    expect((await download(B.base, 'a/overlap.bin')).body.equals(fa)).toBe(true);
    expect((await download(A.base, 'b/overlap.bin')).body.equals(fb)).toBe(true);
    // a third file, uploaded after both: everything is there already
    const third = await uploadFile(A.base, 'c/shared-only.bin', shared);
    stored['c/shared-only.bin'] = shared;
    expect(third.sent).toBeLessThanOrEqual(2);   // only the chunks at the edges of `shared` can be new
    const v = await verifyNative(url, stored);
    expect(v.verify).toMatch(/\b0 problems/);
    expect(v.files).toEqual(Object.keys(stored).sort());
  });
  test('the judge can fail: one flipped byte in a pack is found by `chunker store verify`, and the servers refuse to serve the damaged file', async () => {
    // The pack holding via-b.bin's first chunk: uploaded once, through A, so its only copy
    // (a pack of the concurrent uploads may have a twin the servers would read instead).
    const s3 = backendFor(url);
    const first = chunksOf(stored['via-b.bin'])[0].hash;
    let key, pack;
    for (const e of await s3.list('packs')) {
      const b = await s3.read(e.key, 1 << 30);
      const n = b.readUInt32LE(b.length - 16), f0 = b.length - 16 - 48 * n;
      if (b.toString('hex', f0, f0 + 32) === first) { key = e.key; pack = b; break; }   // footer entry 0 = blob 0
    }
    expect(key).toBeDefined();
    const bad = Buffer.from(pack);
    bad[9] ^= 0x40;   // inside the first blob
    await s3.replaceMany([{ key, data: bad }]);
    try {
      await expect(verifyNative(url, stored)).rejects.toThrow(/chunker store verify .* exit 1/);
      const hit = [];
      for (const name of Object.keys(stored)) {
        let r;
        try { r = await download(A.base, name); } catch { r = { status: 'cut short' }; }
        if (r.status === 200) expect(r.body.equals(stored[name])).toBe(true);   // an intact file
        else hit.push(name);
      }
      expect(hit).toContain('via-b.bin');   // never a complete wrong body with 200: refused or cut short
    } finally {
      await s3.replaceMany([{ key, data: pack }]);
    }
    expect((await verifyNative(url, stored)).verify).toMatch(/\b0 problems/);
  });
});

// ---- kill -9 of a server in the middle of a write ----

describe.skipIf(!haveS3)('a server killed (kill -9) in the middle of an upload leaves the store verifiable', () => {
  let proxy;
  beforeAll(async () => { proxy = await startProxy(S3.endpoint); });
  afterAll(() => proxy.close());

  test.each([
    ['half-way through a pack PUT', (e) => e.method === 'PUT' && /\/packs\//.test(e.key), 'half'],
    ['between the pack and its index file', (e) => e.method === 'PUT' && /\/index\//.test(e.key), 'hold'],
  ])('killed %s', async (_, match, action) => {
    const url = s3Url('kill9');
    const before = makeData(400000, 41);
    const data = makeData(1200000, 42);
    const B = await startServerProcess(url);
    let C;
    try {
      await uploadFile(B.base, 'before.bin', before);
      const packsBefore = (await backendFor(url).list('packs')).length;
      C = await startServerProcess(withEndpoint(url, proxy.url));
      proxy.rule = (e) => (match(e) ? action : 'forward');
      const cs = chunksOf(data);
      const req = postBatch(C.base, cs).then((r) => r.status, () => 'connection closed');
      await proxy.waitFor((log) => log.some((e) => match(e) && (e.status === 'half' || e.status === 'held')));
      const { signal } = await C.kill9();
      expect(signal).toBe('SIGKILL');
      expect(await req).toBe('connection closed');
      proxy.rule = () => 'forward';
      const s3 = backendFor(url);
      const packs = (await s3.list('packs')).length;
      expect(packs).toBe(packsBefore + (action === 'hold' ? 1 : 0));   // a pack cut half-way does not exist
      const leases = await s3.list('leases');
      expect(leases).toHaveLength(1);                                   // the dead writer's lease (gc removes it)
      expect(JSON.parse(await s3.read(leases[0].key, 1000))).toMatchObject({ kind: 'put', pid: C.proc.pid });
      const v = await verifyNative(url, { 'before.bin': before });
      expect(v.verify).toMatch(/\b0 problems/);
      expect(v.files).toEqual(['before.bin']);
      // the chunks of the killed batch are missing for B (an unindexed pack is garbage), B stores them and commits
      expect((await missing(B.base, cs.map((c) => c.hash))).length).toBe(new Set(cs.map((c) => c.hash)).size);
      await uploadFile(B.base, 'after.bin', data);
      expect((await download(B.base, 'after.bin')).body.equals(data)).toBe(true);
      expect((await verifyNative(url, { 'before.bin': before, 'after.bin': data })).files).toEqual(['after.bin', 'before.bin']);
    } finally {
      proxy.rule = () => 'forward';
      await C?.kill9();
      await B.stop();
    }
  });
});

// ---- interop with the native CLI ----

const support = cliSupport();
const interopLocations = [];
if (support.local) interopLocations.push(['a directory store', () => fs.mkdtempSync(path.join(os.tmpdir(), 'interop-')) + '/s']);
if (support.s3) interopLocations.push(['an S3 store', () => s3Url('interop')]);
if (!support.s3) {
  const why = `interop on S3 not run: ${support.why}`;
  if (requireTools) test('the native CLI supports s3:// stores (interop with the demo server on S3)', () => { throw new Error(why); });
  else console.warn(`demo-s3: ${why}`);
}
if (!support.local && requireTools) test('the native CLI with a v2 store is available', () => { throw new Error(support.why); });

describe.each(interopLocations)('interop with `chunker store` on %s', (kind, make) => {
  const data = makeData(1500000, 99);
  const edited = Buffer.concat([data.subarray(0, 700000), Buffer.from('inserted by the demo'), data.subarray(700000)]);
  let loc, server, tmp;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-files-'));
    fs.writeFileSync(path.join(tmp, 'input.bin'), data);
    loc = make();
    cli(['store', 'init', loc]);
    cli(['store', 'put', loc, path.join(tmp, 'input.bin'), '--name', 'native/input.bin']);
    server = await startServerProcess(loc);
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!loc.startsWith('s3://')) fs.rmSync(path.dirname(loc), { recursive: true, force: true });
  });

  test('CLI put -> the demo server lists it, finds every chunk present, downloads it byte-exact', async () => {
    const files = (await (await fetch(`${server.base}/api/files`)).json()).files;
    expect(files.map((f) => [f.name, f.size, f.blake3])).toEqual([['native/input.bin', data.length, b3sum(data)]]);
    expect(await missing(server.base, chunksOf(data).map((c) => c.hash))).toEqual([]);
    const got = await download(server.base, 'native/input.bin');
    expect([got.status, got.body.equals(data)]).toEqual([200, true]);
  });
  test('demo upload -> `chunker store get` restores it byte-exact, `verify` is clean, `ls` lists both', async () => {
    const up = await uploadFile(server.base, 'server/edited.bin', edited);
    expect(up.sent).toBeGreaterThan(0);
    expect(up.sent).toBeLessThan(4);   // deduplicated against the CLI's packs
    expect(cli(['store', 'get', loc, 'server/edited.bin']).equals(edited)).toBe(true);
    expect(cli(['store', 'get', loc, 'native/input.bin']).equals(data)).toBe(true);
    expect(cliResult(['store', 'verify', loc])).toMatchObject({ code: 0, stdout: expect.stringMatching(/\b0 problems/) });
    const ls = cli(['store', 'ls', loc]).toString();
    expect(ls).toContain('server/edited.bin');
    expect(ls).toContain('native/input.bin');
  });
  test('`chunker store gc` next to the demo keeps what is referenced; the server still serves both files', async () => {
    expect(cliResult(['store', 'gc', loc, '--grace', '0']).code).toBe(0);
    expect(cliResult(['store', 'verify', loc]).code).toBe(0);
    expect((await download(server.base, 'server/edited.bin')).body.equals(edited)).toBe(true);
    expect((await download(server.base, 'native/input.bin')).body.equals(data)).toBe(true);
  });
  test.runIf(kind === 'an S3 store')('`chunker store get` of a local v2 store and of the same data put to S3 give the same bytes', () => {
    const dir = path.join(tmp, 'local');
    cli(['store', 'init', dir]);
    cli(['store', 'put', dir, path.join(tmp, 'input.bin'), '--name', 'native/input.bin']);
    const a = cli(['store', 'get', dir, 'native/input.bin']), b = cli(['store', 'get', loc, 'native/input.bin']);
    expect(a.equals(b) && a.equals(data)).toBe(true);
  });
});
