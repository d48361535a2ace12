// FastCDC against the public fastcdc-rs v2020 vectors (tests/data, the same
// file the native suite reads) and consistency of every chunking form.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, test } from 'vitest';
import * as C from '../../dist/esm/index.node.js';
import { randomBytes, readData, readJson } from './helpers.js';

const vectors = readJson('fastcdc_vectors.json');
const image = readData(vectors.file);
const opts = (c) => ({ min: c.min, avg: c.avg, max: c.max, level: c.level, seed: BigInt(c.seed) });

beforeAll(async () => { await C.ready; });

describe('fastcdc-rs v2020 vectors', () => {
  for (const c of vectors.cases) {
    test(`${c.min}/${c.avg}/${c.max} level ${c.level} seed ${c.seed}`, () => {
      const got = C.chunk(image, { ...opts(c), hash: 'none' });
      expect(got.map((x) => [x.fingerprint.toString(), x.length])).toEqual(c.chunks);
      let off = 0;
      for (const x of got) {
        expect(x.offset).toBe(off);
        expect(x).not.toHaveProperty('hash');
        off += x.length;
      }
      expect(off).toBe(image.length);
    });
  }
});

describe('per-chunk hashes', () => {
  test('sha256 of each chunk equals node:crypto over the same bytes', () => {
    const c = vectors.cases[1];
    const got = C.chunk(image, { ...opts(c), hash: 'sha256' });
    expect(got.length).toBe(c.chunks.length);
    for (const x of got) {
      const want = crypto.createHash('sha256').update(image.subarray(x.offset, x.offset + x.length)).digest('hex');
      expect(x.hash).toBe(want);
    }
  });

  test('blake3 of each chunk equals blake3() of the slice, with and without threads', () => {
    const data = randomBytes(6 << 20, 3);
    const a = C.chunk(data, { avg: 65536, hash: 'blake3' });
    const b = C.chunk(data, { avg: 65536, hash: 'blake3', threads: 1 });
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(20);
    for (const x of a) {
      expect(x.hash).toBe(Buffer.from(C.blake3(data.subarray(x.offset, x.offset + x.length))).toString('hex'));
    }
  });

  test('default hash is sha256 (as natively and in the reference library)', () => {
    const got = C.chunk(image, { avg: 16384 });
    for (const c of got)
      expect(c.hash).toBe(crypto.createHash('sha256').update(image.subarray(c.offset, c.offset + c.length)).digest('hex'));
  });
});

describe('forms agree', () => {
  const data = randomBytes(3 << 20, 11);
  const o = { min: 2048, avg: 8192, max: 65536, hash: 'sha256' };
  let ref;
  beforeAll(() => { ref = C.chunk(data, o); });

  test('incremental push of odd slices equals one-shot', () => {
    const ch = new C.Chunker(o);
    const got = [];
    const sizes = [1, 7, 4096, 65537, 100000, 3];
    for (let off = 0, i = 0; off < data.length; i++) {
      const n = sizes[i % sizes.length];
      got.push(...ch.push(data.subarray(off, off + n)));
      off += n;
    }
    got.push(...ch.finish());
    ch.free();
    expect(got).toEqual(ref);
  });

  test('chunkStream over ReadableStream, Blob, Node Readable and async generator', async () => {
    const collect = async (src) => { const out = []; for await (const c of C.chunkStream(src, o)) out.push(c); return out; };
    const pieces = [];
    for (let off = 0; off < data.length; off += 300000) pieces.push(data.slice(off, off + 300000));
    const rs = new ReadableStream({ start(ctl) { pieces.forEach((p) => ctl.enqueue(p)); ctl.close(); } });
    expect(await collect(rs)).toEqual(ref);
    expect(await collect(new Blob(pieces))).toEqual(ref);
    expect(await collect(Readable.from(pieces.map((p) => Buffer.from(p))))).toEqual(ref);
    expect(await collect((async function* () { yield* pieces; })())).toEqual(ref);
  });

  test('chunkStream honours AbortSignal and reports progress', async () => {
    const ac = new AbortController();
    const seen = [];
    const src = (async function* () { yield data.subarray(0, 1 << 20); ac.abort(); yield data.subarray(1 << 20); })();
    await expect((async () => {
      for await (const c of C.chunkStream(src, { ...o, signal: ac.signal, onProgress: (n) => seen.push(n) })) void c;
    })()).rejects.toMatchObject({ code: 'ERR_CANCELLED', name: 'AbortError' });
    expect(seen).toEqual([1 << 20]);
  });

  test('incremental push of large slices (hashing spread over threads) equals one-shot, per threads setting', () => {
    const big = randomBytes(12 << 20, 19);
    const oo = { avg: 65536, hash: 'sha256' };
    const want = C.chunk(big, { ...oo, threads: 1 });
    for (const threads of [1, 2, 4]) {
      const ch = new C.Chunker({ ...oo, threads });
      const got = [];
      for (let off = 0; off < big.length; off += 5000011) got.push(...ch.push(big.subarray(off, off + 5000011)));
      got.push(...ch.finish());
      ch.free();
      expect(got).toEqual(want);
    }
    for (const x of want.filter((_, i) => i % 17 === 0)) {
      expect(x.hash).toBe(crypto.createHash('sha256').update(big.subarray(x.offset, x.offset + x.length)).digest('hex'));
    }
  });

  test('chunkBatch equals chunk() per buffer', () => {
    const bufs = [data.subarray(0, 100), new Uint8Array(0), data.subarray(5000, 900000), data.subarray(1)];
    const got = C.chunkBatch(bufs, o);
    expect(got.length).toBe(4);
    bufs.forEach((b, i) => expect(got[i]).toEqual(C.chunk(b, o)));
    expect(got[1]).toEqual([]);
  });

  test('only avg given spreads min/max as avg/4..avg*4', () => {
    expect(C.chunk(data, { avg: 8192, hash: 'none' })).toEqual(C.chunk(data, { min: 2048, avg: 8192, max: 32768, hash: 'none' }));
  });
});

describe('bad options', () => {
  test.each([
    [{ min: 10 }],
    [{ min: 4096, avg: 1024, max: 65536 }],
    [{ level: 9 }],
    [{ seed: -1 }],
    [{ seed: 1n << 64n }],
    [{ hash: 'md5' }],
    [{ avg: 'big' }],
    [{ threads: 0 }],
  ])('%o -> ERR_INVALID_ARGUMENT', (o) => {
    expect(() => C.chunk(image, o)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => new C.Chunker(o)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
