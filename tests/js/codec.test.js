// compress()/decompress() against the real zstd, lz4, xz and bzip2 programs:
// our frames must decode with them, and theirs with us.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import * as C from '../../dist/esm/index.node.js';
import { randomBytes, textBytes } from './helpers.js';

const tools = {
  zstd: { enc: ['zstd', ['-q', '-c', '-3']], dec: ['zstd', ['-q', '-d', '-c']] },
  lz4: { enc: ['lz4', ['-q', '-c']], dec: ['lz4', ['-q', '-d', '-c']] },
  xz: { enc: ['xz', ['-q', '-c', '-6']], dec: ['xz', ['-q', '-d', '-c']] },
  bzip2: { enc: ['bzip2', ['-q', '-c', '-9']], dec: ['bzip2', ['-q', '-d', '-c']] },
};
const run = ([cmd, args], input) => new Uint8Array(execFileSync(cmd, args, { input, maxBuffer: 1 << 28 }));
const data = new Uint8Array([...textBytes(400000), ...randomBytes(50000, 8), ...textBytes(100000, 3)]);

beforeAll(async () => { await C.ready; });

describe.each(Object.keys(tools))('%s', (codec) => {
  test('our frame decodes with the reference program', async () => {
    const z = await C.compress(data, { codec });
    expect(z.length).toBeLessThan(data.length);
    expect(Buffer.compare(run(tools[codec].dec, z), data)).toBe(0);
  });
  test('the reference program\'s output decodes with auto-detection', async () => {
    const z = run(tools[codec].enc, data);
    expect(Buffer.compare(await C.decompress(z), data)).toBe(0);
  });
  test('empty input round-trips', async () => {
    const z = await C.compress(new Uint8Array(0), { codec });
    expect((await C.decompress(z)).length).toBe(0);
    expect(run(tools[codec].dec, z).length).toBe(0);
  });
});

// Where each format keeps its content-checksum flag (format specs: zstd frame
// header descriptor bit 2, LZ4 FLG bit 2, xz stream flags check type).
const hasChecksum = {
  zstd: (z) => (z[4] & 4) !== 0,
  lz4: (z) => (z[4] & 4) !== 0,
  xz: (z) => (z[7] & 0x0f) !== 0,
};
describe.each(Object.keys(hasChecksum))('%s checksum option', (codec) => {
  test('on by default, off with checksum: false; both decode with the program and with us', async () => {
    for (const [opts, want] of [[{}, true], [{ checksum: true }, true], [{ checksum: false }, false]]) {
      const z = await C.compress(data, { codec, ...opts });
      expect(hasChecksum[codec](z)).toBe(want);
      expect(Buffer.compare(run(tools[codec].dec, z), data)).toBe(0);
      expect(Buffer.compare(await C.decompress(z), data)).toBe(0);
    }
    const off = await C.compress(data, { codec, checksum: false });
    const on = await C.compress(data, { codec });
    expect(off.length).toBeLessThan(on.length);  // the checksum's bytes are gone
  });
  test('the stream form takes it too', async () => {
    const parts = [];
    const w = C.compressStream({ codec, checksum: false });
    const done = (async () => { for await (const p of w.readable) parts.push(p); })();
    const writer = w.writable.getWriter();
    await writer.write(data);
    await writer.close();
    await done;
    const z = Buffer.concat(parts);
    expect(hasChecksum[codec](z)).toBe(false);
    expect(Buffer.compare(run(tools[codec].dec, z), data)).toBe(0);
  });
});

// zstd's multithreaded mode: with threads >= 2 (threads variant) compress()
// writes byte for byte what `zstd -T N FILE` writes; threads: 1 (and the
// single variant, which caps threads at 1) what `zstd --single-thread FILE`
// writes. Level 1 has 2 MiB jobs, so 5 MB is three jobs.
describe('zstd threads option', () => {
  test('matches the zstd program in both modes', async () => {
    const info = await C.ready;
    const big = new Uint8Array([...textBytes(2500000, 5), ...randomBytes(500000, 9), ...textBytes(2000000, 6)]);
    const dir = mkdtempSync(join(tmpdir(), 'chunker-zstd-'));
    try {
      const f = join(dir, 'big');
      writeFileSync(f, big);
      const prog = (opt) => new Uint8Array(execFileSync('zstd', ['-q', '-c', '-1', opt, f], { maxBuffer: 1 << 28 }));
      const mt = prog('-T2'), st = prog('--single-thread');
      expect(Buffer.compare(mt, st)).not.toBe(0);
      const one = await C.compress(big, { codec: 'zstd', level: 1, threads: 1 });
      expect(Buffer.compare(one, st)).toBe(0);
      for (const threads of [2, 3, undefined]) {
        const z = await C.compress(big, { codec: 'zstd', level: 1, threads });
        const parallel = Math.min(threads ?? info.threads, info.threads) >= 2;
        expect(Buffer.compare(z, parallel ? mt : st)).toBe(0);
        expect(Buffer.compare(await C.decompress(z), big)).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('the kept multithreaded context and the pool survive switching thread counts and streams', async () => {
    const big = textBytes(1500000, 11);
    const back = run(tools.zstd.dec, await C.compress(big, { codec: 'zstd', level: 1, threads: 2 }));
    expect(Buffer.compare(back, big)).toBe(0);
    for (const threads of [2, 1, 2, 3, 2]) {
      const w = C.compressStream({ codec: 'zstd' });   // one thread, alongside the kept context
      const parts = [];
      const done = (async () => { for await (const p of w.readable) parts.push(p); })();
      const writer = w.writable.getWriter();
      await writer.write(big.subarray(0, 700000));
      const z = await C.compress(big, { codec: 'zstd', level: 1, threads });
      await writer.close();
      await done;
      expect(Buffer.compare(await C.decompress(z), big)).toBe(0);
      expect(Buffer.compare(await C.decompress(Buffer.concat(parts)), big.subarray(0, 700000))).toBe(0);
    }
  });
  test('threads must be a positive integer', async () => {
    for (const threads of [0, -1, 1.5, 'two']) {
      await expect(C.compress(data, { codec: 'zstd', threads })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
  });
});

describe('limits and bad input', () => {
  test('checksum must be a boolean', async () => {
    await expect(C.compress(data, { checksum: 'no' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(() => C.compressStream({ checksum: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
  test('maxOutput is enforced with ERR_OUTPUT_LIMIT', async () => {
    const z = run(tools.zstd.enc, data);
    await expect(C.decompress(z, { maxOutput: 1000 })).rejects.toMatchObject({ code: 'ERR_OUTPUT_LIMIT', name: 'OutputLimitError' });
    expect((await C.decompress(z, { maxOutput: data.length })).length).toBe(data.length);
  });
  test('a zip bomb stays bounded', async () => {
    const z = run(tools.xz.enc, new Uint8Array(64 << 20));
    await expect(C.decompress(z, { maxOutput: 1 << 20 })).rejects.toMatchObject({ code: 'ERR_OUTPUT_LIMIT' });
  });
  test('corrupt, truncated and unknown data get clear codes', async () => {
    const z = run(tools.zstd.enc, data);
    await expect(C.decompress(z.subarray(0, z.length - 10))).rejects.toMatchObject({ code: 'ERR_TRUNCATED_INPUT' });
    await expect(C.decompress(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]))).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_FORMAT' });
    const bad = z.slice(); bad[bad.length >> 1] ^= 0xff;
    await expect(C.decompress(bad)).rejects.toHaveProperty('code');
  });
  test('bad options', async () => {
    await expect(C.compress(data, { codec: 'gzip' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(C.compress(data, { codec: 'zstd', level: 99 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(C.decompress(data, { maxOutput: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    // One-shot output must fit the wasm heap while it grows: 1 GiB at most.
    await expect(C.decompress(data, { maxOutput: 2 ** 30 + 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
  test('1 000 failing decompressions do not grow wasm memory', async () => {
    const z = run(tools.zstd.enc, data);
    for (let i = 0; i < 5; i++) await C.decompress(z, { maxOutput: 1000 }).catch(() => {});
    const before = C.memoryUsage().codecs;
    let n = 0;
    for (let i = 0; i < 1000; i++) await C.decompress(z, { maxOutput: 1000 }).catch((e) => { if (e.code === 'ERR_OUTPUT_LIMIT') n++; });
    expect(n).toBe(1000);
    expect(C.memoryUsage().codecs).toBe(before);
  }, 60000);
});

describe('TransformStreams', () => {
  const pieces = (b, sizes = [1, 1000, 70000, 3 << 20]) => {
    const out = [];
    for (let off = 0, i = 0; off < b.length; i++) { const n = sizes[i % sizes.length]; out.push(b.slice(off, off + n)); off += n; }
    return out;
  };
  const through = async (chunks, ts) => {
    const rs = new ReadableStream({ start(c) { chunks.forEach((x) => c.enqueue(x)); c.close(); } }).pipeThrough(ts);
    const parts = [];
    for await (const p of rs) parts.push(p);
    return new Uint8Array(Buffer.concat(parts));
  };
  const big = new Uint8Array([...data, ...data, ...data, ...data]);   // > the 1 MiB wasm window

  test.each(Object.keys(tools))('compressStream(%s) output decodes with the reference program', async (codec) => {
    const z = await through(pieces(big), C.compressStream({ codec }));
    expect(Buffer.compare(run(tools[codec].dec, z), big)).toBe(0);
  });
  test.each(Object.keys(tools))('decompressStream reads %s files from the reference program', async (codec) => {
    const z = run(tools[codec].enc, big);
    expect(Buffer.compare(await through(pieces(z, [7, 333, 65536]), C.decompressStream()), big)).toBe(0);
  });
  test('decompressStream: concatenated frames of different codecs', async () => {
    const z = new Uint8Array([...run(tools.zstd.enc, data), ...run(tools.xz.enc, data), ...run(tools.lz4.enc, data)]);
    expect(Buffer.compare(await through([z], C.decompressStream()), new Uint8Array([...data, ...data, ...data]))).toBe(0);
  });
  test('decompressStream errors: output limit, truncation', async () => {
    const z = run(tools.zstd.enc, big);
    await expect(through([z], C.decompressStream({ maxOutput: 100000 }))).rejects.toMatchObject({ code: 'ERR_OUTPUT_LIMIT' });
    await expect(through([z.subarray(0, z.length >> 1)], C.decompressStream())).rejects.toMatchObject({ code: 'ERR_TRUNCATED_INPUT' });
    expect(() => C.compressStream({ level: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await expect(through([data], C.compressStream({ codec: 'gzip' }))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('signal and onProgress (sliced one-shot calls)', () => {
  const big = new Uint8Array([...data, ...data, ...data, ...data, ...data]);   // 5 windows of 1 MiB
  test.each(Object.keys(tools))('%s: sliced compress decodes with the reference program; progress is monotonic', async (codec) => {
    const seen = [];
    const z = await C.compress(big, { codec, onProgress: (n) => seen.push(n) });
    expect(Buffer.compare(run(tools[codec].dec, z), big)).toBe(0);
    expect(seen.at(-1)).toBe(big.length);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((n, i) => i === 0 || n > seen[i - 1])).toBe(true);
  });
  test.each(Object.keys(tools))('%s: sliced decompress equals the one-shot result', async (codec) => {
    const z = run(tools[codec].enc, big);
    const seen = [];
    const out = await C.decompress(z, { signal: new AbortController().signal, onProgress: (n) => seen.push(n) });
    expect(Buffer.compare(out, big)).toBe(0);
    expect(seen.at(-1)).toBe(z.length);
  });
  test('abort rejects with AbortError / ERR_CANCELLED and leaks no wasm memory', async () => {
    const z = run(tools.xz.enc, big);
    const attempt = () => {
      const ac = new AbortController();
      return C.decompress(z, { signal: ac.signal, onProgress: () => ac.abort('stop') });
    };
    await expect(attempt()).rejects.toMatchObject({ code: 'ERR_CANCELLED', name: 'AbortError', cause: 'stop' });
    await expect(C.compress(big, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(C.AbortError);
    for (let i = 0; i < 5; i++) await attempt().catch(() => {});
    const before = C.memoryUsage().codecs;
    for (let i = 0; i < 200; i++) await attempt().catch(() => {});
    expect(C.memoryUsage().codecs).toBe(before);
    await expect(C.compress(big, { onProgress: 5 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  }, 60000);
  test('sliced decompress keeps maxOutput', async () => {
    const z = run(tools.zstd.enc, big);
    await expect(C.decompress(z, { maxOutput: 1000, onProgress: () => {} })).rejects.toMatchObject({ code: 'ERR_OUTPUT_LIMIT' });
  });
  test('one-shot decompress of a frame whose header declares the size, and of concatenated frames', async () => {
    const ours = await C.compress(big, { codec: 'lz4' });
    expect(Buffer.compare(run(tools.lz4.dec, ours), big)).toBe(0);
    expect(Buffer.compare(await C.decompress(ours), big)).toBe(0);
    const two = new Uint8Array([...ours, ...ours]);   // the first header covers only half the output
    expect(Buffer.compare(await C.decompress(two), new Uint8Array([...big, ...big]))).toBe(0);
    await expect(C.decompress(two, { maxOutput: big.length })).rejects.toMatchObject({ code: 'ERR_OUTPUT_LIMIT' });
    const zz = await C.compress(big, { codec: 'zstd' });
    await expect(C.decompress(zz, { maxOutput: big.length - 1 })).rejects.toMatchObject({ code: 'ERR_OUTPUT_LIMIT' });
    expect((await C.decompress(zz, { maxOutput: big.length })).length).toBe(big.length);
  });
});

// Formats the programs still read (decode only, auto-detected), and zstd's
// declared content size, checked in the core for both builds.
describe('upstream formats and checks', () => {
  const small = textBytes(50000, 11);
  test('LZMA-alone (xz --format=lzma) and legacy LZ4 frames (lz4 -l) decode', async () => {
    const lzma = run(['xz', ['-q', '-c', '--format=lzma', '-6']], small);
    expect(Buffer.compare(await C.decompress(lzma), small)).toBe(0);
    const legacy = run(['lz4', ['-q', '-c', '-l']], small);
    expect(Buffer.compare(await C.decompress(legacy), small)).toBe(0);
    const both = new Uint8Array([...legacy, ...run(tools.lz4.enc, small)]);
    expect(Buffer.compare(await C.decompress(both), new Uint8Array([...small, ...small]))).toBe(0);
    await expect(C.decompress(new Uint8Array([...lzma, ...lzma]))).rejects.toMatchObject({ code: 'ERR_TRAILING_DATA' });
    expect((await C.compress(small, { codec: 'xz' }))[0]).toBe(0xfd);   // compression stays .xz
  });
  test('a zstd frame whose header declares another content size is corrupt, as for zstd -d', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chunker-fcs-'));
    try {
      const f = join(dir, 'in');
      writeFileSync(f, small.subarray(0, 137));
      const z = new Uint8Array(execFileSync('zstd', ['-q', '-c', f]));
      expect(z[4] & 0xe0).toBe(0x20);   // single segment, 1-byte content size at offset 5
      expect(z[5]).toBe(137);
      for (const declared of [200, 100]) {
        const bad = z.slice();
        bad[5] = declared;
        expect(() => execFileSync('zstd', ['-q', '-d', '-c'], { input: bad, stdio: ['pipe', 'pipe', 'ignore'] })).toThrow();
        await expect(C.decompress(bad)).rejects.toMatchObject({ code: 'ERR_CORRUPT_INPUT' });
      }
      expect(Buffer.compare(await C.decompress(z), small.subarray(0, 137))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// frameInfo() against frames the programs wrote: the length of the first
// frame is the size of what the program wrote for it, the zstd window what
// `zstd -lv` reports.
describe('frameInfo', () => {
  test('reads the headers of frames from the zstd and lz4 programs', async () => {
    const data = randomBytes(300_000, 7);
    const dir = mkdtempSync(join(tmpdir(), 'chunker-frameinfo-'));
    try {
      const f = join(dir, 'data');
      writeFileSync(f, data);
      const prog = (cmd, args) => new Uint8Array(execFileSync(cmd, [...args, f], { maxBuffer: 1 << 28 }));
      const window = (z) => {
        const zf = join(dir, 'z.zst');
        writeFileSync(zf, z);
        const m = /Window Size:[^(]*\((\d+) B\)/.exec(execFileSync('zstd', ['-lv', zf]).toString());
        return Number(m[1]);
      };
      const z = prog('zstd', ['-q', '-c', '-3']);
      const two = new Uint8Array([...z, ...prog('zstd', ['-q', '-c', '-1'])]);
      for (const bytes of [z, two]) {
        expect(await C.frameInfo(bytes)).toEqual({ codec: 'zstd', length: z.length, windowSize: window(z), contentSize: data.length });
      }
      const piped = run(['zstd', ['-q', '-c', '-3', '--zstd=wlog=17']], data);   // no content size
      expect(await C.frameInfo(piped)).toEqual({ codec: 'zstd', length: piped.length, windowSize: 1 << 17, contentSize: null });
      const l = prog('lz4', ['-q', '-c', '-1', '-B4', '--content-size']);
      expect(await C.frameInfo(l)).toEqual({ codec: 'lz4', length: l.length, windowSize: 64 << 10, contentSize: data.length });
      const x = prog('xz', ['-q', '-c', '-0']);
      expect(await C.frameInfo(x)).toEqual({ codec: 'xz', length: null, windowSize: null, contentSize: null });
      // Truncated and malformed frames throw; bytes that are no frame give null.
      await expect(C.frameInfo(z.subarray(0, z.length - 1))).rejects.toMatchObject({ code: 'ERR_TRUNCATED_INPUT' });
      const bad = z.slice(0, 16);
      bad[4] |= 0x08;   // reserved bit of the frame header descriptor
      await expect(C.frameInfo(bad)).rejects.toMatchObject({ code: 'ERR_CORRUPT_INPUT' });
      expect(await C.frameInfo(new Uint8Array(0))).toBe(null);
      expect(await C.frameInfo(new TextEncoder().encode('plain text, not a frame at all'))).toBe(null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
