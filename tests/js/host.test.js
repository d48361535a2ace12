// The package as a guest in someone else's process: no process-wide
// handlers, nothing printed, errors as ChunkerError with a code, no core
// loaded by importing only createWorkerClient, and bounded memory for
// decompression bombs. Each case runs in a child process so handlers, stderr
// and peak RSS belong to the package alone.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from './helpers.js';

const ENTRY = path.join(ROOT, 'dist/esm/index.node.js');
const MiB = 1 << 20;

// Runs `body` as an ES module in a fresh node; returns { status, stdout, stderr, out } with
// `out` the JSON the script printed last.
function child(body) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-child-'));
  const file = path.join(dir, 'main.mjs');
  fs.writeFileSync(file, body);
  const r = spawnSync(process.execPath, [file], {
    encoding: 'utf8', env: { ...process.env }, timeout: 180000, maxBuffer: 1 << 24,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const lines = r.stdout.trim().split('\n');
  let out;
  try { out = JSON.parse(lines[lines.length - 1]); } catch { out = undefined; }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out };
}

describe('host safety', () => {
  test('no process-wide handlers, no output, no exit; a thrown app error reaches the app\'s own handler', () => {
    const r = child(`
      const before = ['uncaughtException', 'unhandledRejection', 'exit'].map((e) => process.listenerCount(e));
      const C = await import(${JSON.stringify(ENTRY)});
      await C.ready;
      const z = await C.compress(new Uint8Array(1 << 20), { codec: 'zstd' });
      await C.decompress(z);
      let code;
      try { await C.decompress(z.subarray(0, z.length - 3)); } catch (e) { code = e.code; }
      const after = ['uncaughtException', 'unhandledRejection', 'exit'].map((e) => process.listenerCount(e));
      process.on('uncaughtException', (e) => { console.log(JSON.stringify({ before, after, code, caught: e.message, exitCode: process.exitCode ?? null })); });
      setTimeout(() => { throw new Error('app error'); }, 0);
    `);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // (Node itself holds an 'exit' listener during top-level await: compare, not count.)
    expect(r.out.after).toEqual(r.out.before);
    expect(r.out.before.slice(0, 2)).toEqual([0, 0]);
    expect(r.out.code).toMatch(/^ERR_(CORRUPT|TRUNCATED)_INPUT$/);
    expect(r.out.caught).toBe('app error');
    expect(r.out.exitCode).toBe(null);
  });

  test('importing only createWorkerClient loads no wasm on the calling thread', () => {
    const r = child(`
      import { createRequire } from 'node:module';
      const { createWorkerClient } = await import(${JSON.stringify(ENTRY)});
      const loaded = () => Object.keys(createRequire(import.meta.url)('module')._cache).filter((f) => /dist.node.(core|codecs)-/.test(f));
      const w = createWorkerClient();
      const info = await w.ready;
      const h = await w.blake3(new Uint8Array(3));
      w.terminate();
      console.log(JSON.stringify({ loaded: loaded(), variant: info.variant, hash: Buffer.from(h).toString('hex') }));
    `);
    expect(r.stderr).toBe('');
    expect(r.out.loaded).toEqual([]);
    // b3sum of three zero bytes
    expect(r.out.hash).toBe(execFileSync('b3sum', ['--no-names'], { input: Buffer.alloc(3), encoding: 'utf8' }).trim());
  });

  test('a missing .wasm rejects ready with ERR_LOAD naming the file', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-noload-'));
    try {
      fs.cpSync(path.join(ROOT, 'dist'), path.join(tmp, 'dist'), { recursive: true });
      for (const f of fs.readdirSync(path.join(tmp, 'dist/web'))) if (f.endsWith('.wasm')) fs.rmSync(path.join(tmp, 'dist/web', f));
      fs.writeFileSync(path.join(tmp, 'package.json'), '{"type":"module"}');
      const r = child(`
        const C = await import(${JSON.stringify(path.join(tmp, 'dist/esm/index.node.js'))});
        try { await C.ready; console.log('{}'); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }
      `);
      expect(r.stderr).toBe('');
      expect(r.out.code).toBe('ERR_LOAD');
      expect(r.out.name).toBe('ChunkerError');
      expect(r.out.message).toMatch(/core-(mt|st)\.wasm/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

// Peak RSS of the child itself: VmHWM of its own address space. getrusage's
// maxRSS is not that on Linux: it keeps the high-water mark of the process
// before execve, i.e. of the forked test runner (hundreds of MiB after the
// bombs' inputs were built), whatever the child does.
const PEAK_RSS = `const peakRssMiB = () => { try { return Math.round(Number(/VmHWM:\\s*(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) / 1024); } catch { return Math.round(process.resourceUsage().maxRSS / 1024); } };`;

// The same JS and wasm code paths in both variants: run once (threads run).
describe.skipIf(process.env.CHUNKER_WASM_VARIANT === 'single')('bounded memory', () => {
  let dir;
  // Bombs: one small frame of 64 MiB of zeros per codec, repeated 17 times
  // (concatenated frames/streams are valid input for every decoder): 1.06 GiB
  // of output, over the default 1 GiB limit. Made by the reference programs.
  const progs = { zst: ['zstd', ['-q', '-c', '-3']], lz4: ['lz4', ['-q', '-c']], xz: ['xz', ['-q', '-c', '-0']], bz2: ['bzip2', ['-q', '-c']] };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-bombs-'));
    const zeros = Buffer.alloc(64 * MiB);
    for (const [ext, [cmd, args]] of Object.entries(progs)) {
      const frame = execFileSync(cmd, args, { input: zeros, maxBuffer: 1 << 26 });
      fs.writeFileSync(path.join(dir, `bomb.${ext}`), Buffer.concat(Array(17).fill(frame)));
    }
    // A small zstd frame of 512 MiB for the stream test.
    fs.writeFileSync(path.join(dir, 'big.zst'), execFileSync('zstd', ['-q', '-c', '-19'], { input: Buffer.alloc(512 * MiB), maxBuffer: 1 << 26 }));
  }, 120000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(Object.keys(progs))('decompress() of a %s bomb: ERR_OUTPUT_LIMIT at bounded RSS', (ext) => {
    const r = child(`
      import fs from 'node:fs';
      ${PEAK_RSS}
      const C = await import(${JSON.stringify(ENTRY)});
      const bomb = fs.readFileSync(${JSON.stringify(path.join(dir, `bomb.${ext}`))});
      let code;
      try { await C.decompress(bomb); } catch (e) { code = e.code; }
      console.log(JSON.stringify({ code, maxRssMiB: peakRssMiB() }));
    `);
    expect(r.stderr).toBe('');
    expect(r.out.code).toBe('ERR_OUTPUT_LIMIT');
    // The output is 1.06 GiB; the decoder keeps at most 64 MiB of it plus wasm memory.
    expect(r.out.maxRssMiB).toBeLessThan(512);
  }, 180000);

  test('decompressStream: 512 MiB from a small frame at bounded RSS; signal honoured mid-stream', () => {
    const r = child(`
      import fs from 'node:fs';
      ${PEAK_RSS}
      const C = await import(${JSON.stringify(ENTRY)});
      const z = fs.readFileSync(${JSON.stringify(path.join(dir, 'big.zst'))});
      const src = () => new ReadableStream({ start(c) { c.enqueue(new Uint8Array(z)); c.close(); } });
      let total = 0, nonzero = 0;
      for await (const p of src().pipeThrough(C.decompressStream())) { total += p.length; for (let i = 0; i < p.length; i += 4096) nonzero |= p[i]; }
      const ac = new AbortController();
      let seen = 0, code;
      try {
        for await (const p of src().pipeThrough(C.decompressStream({ signal: ac.signal }))) { seen += p.length; if (seen >= 8 << 20) ac.abort(); }
      } catch (e) { code = e.code; }
      console.log(JSON.stringify({ total, nonzero, inputKiB: Math.round(z.length / 1024), code, stoppedMiB: Math.round(seen / 1048576), maxRssMiB: peakRssMiB() }));
    `);
    expect(r.stderr).toBe('');
    expect(r.out.total).toBe(512 * MiB);
    expect(r.out.nonzero).toBe(0);
    expect(r.out.code).toBe('ERR_CANCELLED');
    expect(r.out.stoppedMiB).toBeLessThan(16);
    expect(r.out.maxRssMiB).toBeLessThan(400);
  }, 180000);
});

describe('JS-worded errors', () => {
  let C;
  beforeAll(async () => { C = await import(ENTRY); await C.ready; });
  const err = async (f) => { try { await f(); } catch (e) { return e; } return null; };

  test('unknown option keys are rejected, naming the function and the key', async () => {
    const e = await err(() => C.decompress(new Uint8Array(1), { maxOuput: 5 }));
    expect(e).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(e.message).toMatch(/^decompress: unknown option "maxOuput"/);
    expect((await err(() => C.chunk(new Uint8Array(1), { average: 4096 }))).message).toMatch(/^chunk: unknown option "average"/);
    expect((await err(() => C.compress(new Uint8Array(1), { codex: 'zstd' }))).message).toMatch(/^compress: unknown option "codex"/);
  });

  test('messages use the JS option names and quote values', async () => {
    expect((await err(() => C.chunk(new Uint8Array(1), { avg: 100 }))).message).toBe('chunk: avg must be between 256 and 4194304 bytes, got 100');
    expect((await err(() => C.chunkStream([], { min: 5000, avg: 4096 }).next())).message).toBe('chunkStream: min (5000) must not exceed avg (4096)');
    expect((await err(() => C.chunk(new Uint8Array(1), { hash: 'md5' }))).message).toBe('chunk: hash must be "sha256", "blake3" or "none", got "md5"');
    const z = await C.compress(new Uint8Array(5000));
    const e = await err(() => C.decompress(z, { maxOutput: 100 }));
    expect(e).toMatchObject({ code: 'ERR_OUTPUT_LIMIT', name: 'OutputLimitError' });
    expect(e.message).toMatch(/^decompress: the output exceeds maxOutput = 100 bytes/);
  });

  test('a detached ArrayBuffer is ERR_INVALID_ARGUMENT, not a bare TypeError', async () => {
    const buf = new ArrayBuffer(8);
    structuredClone(buf, { transfer: [buf] });
    const e = await err(() => C.compress(buf));
    expect(e).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(e.message).toMatch(/^compress: input: the ArrayBuffer is detached/);
  });

  test('a freed sha256 hasher fails with ERR_INVALID_ARGUMENT (node:crypto and wasm backends)', () => {
    for (const opts of [{}, { backend: 'wasm' }]) {
      const h = C.sha256.create(opts);
      h.update(new Uint8Array(3));
      h.free();
      expect(() => h.update(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: 'sha256 hasher: already freed' }));
      expect(() => h.digest()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });
});
