// A/B benchmark of two builds of the package in one process, interleaved
// round by round (best of BENCH_RUNS), plus the competitors, so the ratios
// share the machine's load: BENCH_B=/path/to/other/dist/esm/index.node.js
// node bench/js/ab.mjs   (BENCH_MIB, BENCH_RUNS, BENCH_ONLY=regex)
import { createRequire } from 'node:module';
import os from 'node:os';
import { benchData } from './data.mjs';
import { bestInterleaved } from './interleave.mjs';

const require = createRequire(import.meta.url);
const MIB = Number(process.env.BENCH_MIB || 64), N = MIB << 20, RUNS = Number(process.env.BENCH_RUNS || 7);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
const A = await import('../../dist/esm/index.node.js');
const B = process.env.BENCH_B ? await import(process.env.BENCH_B) : null;
await A.ready; if (B) await B.ready;

const { random, mixed } = benchData(N);
const hashwasm = await import('hash-wasm');
const zstdw = require('@bokuweb/zstd-wasm'); await zstdw.init();
const lz4w = require('lz4-wasm-nodejs');

const groups = [];
const group = (name, fns) => { if (!only || only.test(name)) groups.push([name, fns]); };
const both = (f) => (B ? { A: () => f(A), B: () => f(B) } : { A: () => f(A) });
group('blake3 1 thread', { ...both((C) => C.blake3(random, { threads: 1 })), 'hash-wasm': () => hashwasm.blake3(random) });
group('blake3 threads', { ...both((C) => C.blake3(random)), 'hash-wasm': () => hashwasm.blake3(random) });
group('sha256 (wasm)', { ...both((C) => C.sha256(random, { backend: 'wasm' })), 'hash-wasm': () => hashwasm.sha256(random) });
const ourZ = await A.compress(mixed, { codec: 'zstd', level: 3 }), theirZ = zstdw.compress(mixed, 3);
group('zstd-3 compress', { ...both((C) => C.compress(mixed, { codec: 'zstd', level: 3 })), '@bokuweb/zstd-wasm': () => zstdw.compress(mixed, 3) });
group('zstd decompress', { ...both((C) => C.decompress(ourZ)), '@bokuweb/zstd-wasm': () => zstdw.decompress(theirZ) });
const ourL = await A.compress(mixed, { codec: 'lz4' }), theirL = lz4w.compress(mixed);
group('lz4 compress', { ...both((C) => C.compress(mixed, { codec: 'lz4' })), 'lz4-wasm-nodejs': () => lz4w.compress(mixed) });
group('lz4 decompress', { ...both((C) => C.decompress(ourL)), 'lz4-wasm-nodejs': () => lz4w.decompress(theirL) });
// Chunking (no competitor): a single buffer (in the threads variant, ≥ 4 x max
// goes through the threaded pipeline), many small buffers (hashing spread over
// threads), and push() slices through a Chunker.
const smalls = []; for (let o = 0; o < N; o += 96 << 10) smalls.push(random.subarray(o, Math.min(N, o + (96 << 10))));
const pushAll = (C) => { const k = new C.Chunker({ avg: 16384, hash: 'blake3' }); for (let o = 0; o < N; o += 1 << 20) k.push(random.subarray(o, o + (1 << 20))); k.finish(); k.free(); };
group('chunk 16K no hash', both((C) => C.chunk(random, { avg: 16384, hash: 'none' })));
group('chunk 1M b3 1 thr', both((C) => C.chunk(random, { hash: 'blake3', threads: 1 })));
group('chunk 1M b3 thr', both((C) => C.chunk(random, { hash: 'blake3' })));
group('batch 96K b3 thr', both((C) => C.chunkBatch(smalls, { avg: 16384, hash: 'blake3' })));
group('push 1M b3 thr', both(pushAll));
// chunkStream over 1 MiB pieces: the sliced loop (signal, progress, event-loop turns) on top of push().
async function* pieces() { for (let o = 0; o < N; o += 1 << 20) yield random.subarray(o, o + (1 << 20)); }
const streamAll = async (C) => { let n = 0; for await (const c of C.chunkStream(pieces(), { avg: 16384, hash: 'blake3', onProgress: () => {} })) n += c.length; return n; };
group('chunkStream b3', both(streamAll));
group('hashStream b3', both((C) => C.hashStream(pieces(), { hash: 'blake3' })));

console.log(`load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${MIB} MiB, best of ${RUNS}, interleaved; A = dist/${B ? `, B = ${process.env.BENCH_B}` : ''}`);
for (const [name, fns] of groups) {
  const times = await bestInterleaved(Object.values(fns), RUNS);
  const best = Object.fromEntries(Object.keys(fns).map((k, i) => [k, times[i]]));
  const rate = (k) => MIB / (best[k] / 1000);
  const comp = Object.keys(fns).find((k) => k !== 'A' && k !== 'B');
  const cols = Object.keys(fns).map((k) => `${k} ${rate(k).toFixed(0)}`).join(', ');
  const ratios = comp ? ['A', 'B'].filter((k) => fns[k]).map((k) => `${k}/${comp} ${(rate(k) / rate(comp)).toFixed(2)}x`).join(', ')
    : (fns.B ? `A/B ${(rate('A') / rate('B')).toFixed(3)}x` : '');
  console.log(`${name.padEnd(18)} ${cols} MiB/s; ${ratios}`);
}
console.log(`load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
