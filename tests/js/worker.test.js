// createWorkerClient(): the package inside worker_threads (a module Worker in
// browsers, see tests/browser). Results must equal the in-thread calls and
// the independent references; abort and errors keep their codes.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as C from '../../dist/esm/index.node.js';
import { expectedVariant, randomBytes, textBytes, toHex } from './helpers.js';

const data = randomBytes(5 << 20, 17);
let w;
beforeAll(async () => { await C.ready; w = C.createWorkerClient(); });
afterAll(() => w.terminate());

describe('worker client', () => {
  test('loads the same variant in the worker', async () => {
    expect((await w.ready).variant).toBe(expectedVariant);
  });

  test('chunk over bytes, Blob and async iterable equals chunk() here; sha256 per chunk as node:crypto', async () => {
    const o = { avg: 16384, hash: 'sha256' };
    const ref = C.chunk(data, o);
    expect(await w.chunk(data, o)).toEqual(ref);
    expect(await w.chunk(new Blob([data.subarray(0, 1000), data.subarray(1000)]), o)).toEqual(ref);
    expect(await w.chunk((async function* () { for (let i = 0; i < data.length; i += 333333) yield data.subarray(i, i + 333333); })(), o)).toEqual(ref);
    for (const c of ref.slice(0, 50)) {
      expect(c.hash).toBe(crypto.createHash('sha256').update(data.subarray(c.offset, c.offset + c.length)).digest('hex'));
    }
    const copy = data.slice();
    expect(await w.chunk(copy, { ...o, transfer: true })).toEqual(ref);
    expect(copy.byteLength).toBe(0);   // transferred
  });

  test('hashes match b3sum and node:crypto; progress reaches the input size', async () => {
    const seen = [];
    const b3 = await w.blake3(data, { onProgress: (n) => seen.push(n) });
    expect(toHex(b3)).toBe(execFileSync('b3sum', ['--no-names'], { input: data }).toString().trim());
    expect(seen.at(-1)).toBe(data.length);
    expect(seen.every((n, i) => i === 0 || n > seen[i - 1])).toBe(true);
    expect(toHex(await w.sha256(new Blob([data])))).toBe(crypto.createHash('sha256').update(data).digest('hex'));
  });

  test('compress in the worker decodes with the zstd program; decompress reads its frames', async () => {
    const text = textBytes(2 << 20);
    const z = await w.compress(text, { codec: 'zstd', level: 3 });
    expect(Buffer.compare(execFileSync('zstd', ['-d', '-c', '-q'], { input: z, maxBuffer: 1 << 28 }), text)).toBe(0);
    expect(Buffer.compare(Buffer.from(z), Buffer.from(await C.compress(text, { codec: 'zstd', level: 3 })))).toBe(0);
    const theirs = execFileSync('zstd', ['-c', '-q', '-3'], { input: text, maxBuffer: 1 << 28 });
    expect(Buffer.compare(await w.decompress(theirs), text)).toBe(0);
  });

  test('errors keep their class and code; abort rejects at once with ERR_CANCELLED', async () => {
    await expect(w.chunk(data, { min: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', name: 'InvalidArgumentError' });
    await expect(w.decompress(new Uint8Array([1, 2, 3, 4, 5, 6]))).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_FORMAT' });
    const ac = new AbortController();
    const big = randomBytes(48 << 20, 3);
    const p = w.chunk(big, { avg: 65536, hash: 'sha256', signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'ERR_CANCELLED', name: 'AbortError' });
    await expect(w.sha256(big, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
    await expect(w.chunk('text')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(w.compress(new Blob([data]))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    // The worker is still usable afterwards.
    expect(await w.chunk(data.subarray(0, 100000), { avg: 16384 })).toEqual(C.chunk(data.subarray(0, 100000), { avg: 16384 }));
  }, 60000);

  test('1 000 failing calls in the worker do not grow its wasm memory', async () => {
    const z = execFileSync('zstd', ['-c', '-q'], { input: textBytes(200000) });
    for (let i = 0; i < 5; i++) await w.decompress(z, { maxOutput: 100 }).catch(() => {});
    const before = await w.memoryUsage();
    let n = 0;
    for (let i = 0; i < 1000; i++) {
      await w.decompress(z, { maxOutput: 100 }).catch((e) => { if (e.code === 'ERR_OUTPUT_LIMIT') n++; });
    }
    expect(n).toBe(1000);
    expect(await w.memoryUsage()).toEqual(before);
  }, 60000);

  test('a consumer that stops early cancels the worker\'s stream; the client stays usable', async () => {
    let n = 0;
    for await (const c of w.chunkStream(randomBytes(20 << 20, 8), { avg: 16384 })) { void c; if (++n === 3) break; }
    expect(n).toBe(3);
    expect(await w.chunk(data, { avg: 65536, hash: 'none' })).toEqual(C.chunk(data, { avg: 65536, hash: 'none' }));
  });
});

describe('a worker that dies', () => {
  test('fails the pending and later calls with ERR_INTERNAL instead of hanging', async () => {
    const w2 = C.createWorkerClient();
    await w2.ready;
    const pending = w2.chunk(randomBytes(64 << 20, 5), { hash: 'sha256' });
    w2._port.terminate();   // as if the worker crashed (test-only handle)
    await expect(pending).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    await expect(w2.sha256(new Uint8Array(1))).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
  });
});

describe('worker pool', () => {
  test('workers: 2 spreads independent compress calls; results as in-thread; bad counts rejected', async () => {
    const pool = C.createWorkerClient({ workers: 2 });
    try {
      expect((await pool.ready).variant).toBe(expectedVariant);
      const pieces = Array.from({ length: 8 }, (_, i) => textBytes(300000, i + 1));
      const zs = await Promise.all(pieces.map((p) => pool.compress(p, { codec: 'zstd' })));
      for (let i = 0; i < pieces.length; i++) {
        expect(Buffer.compare(Buffer.from(zs[i]), Buffer.from(await C.compress(pieces[i], { codec: 'zstd' })))).toBe(0);
      }
      const mem = await pool.memoryUsage();
      expect(mem.codecs).toBeGreaterThan(0);
    } finally {
      pool.terminate();
    }
    expect(() => C.createWorkerClient({ workers: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
