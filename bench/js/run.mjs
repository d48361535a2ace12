// Node benchmarks of the npm package against popular wasm packages
// (`npm run bench`; set CHUNKER_WASM_VARIANT=single for the single variant).
// Best of 5 runs over 64 MiB (BENCH_MIB to change), MiB/s of input.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import * as C from '../../dist/esm/index.node.js';

const require = createRequire(import.meta.url);
const MIB = Number(process.env.BENCH_MIB || 64);
const N = MIB << 20;
const RUNS = Number(process.env.BENCH_RUNS || 5);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;

// Random bytes for hashing/chunking; mixed text + random for compression.
const random = new Uint8Array(N);
for (let i = 0; i < N; i += 65536) crypto.randomFillSync(random.subarray(i, i + 65536));
const mixed = new Uint8Array(N);
{
  const words = ['chunk', 'store', 'hash', 'nix', '{"path":', '"size":', '12345', '\n', 'derivation', 'output'];
  for (let i = 0, r = 1; i < N;) {
    r = (r * 1103515245 + 12345) >>> 0;
    if ((r >>> 28) === 0) { const n = Math.min(N - i, 256); mixed.set(random.subarray(i, i + n), i); i += n; continue; }
    const w = words[(r >>> 8) % words.length];
    for (let k = 0; k < w.length && i < N; k++) mixed[i++] = w.charCodeAt(k);
    if (i < N) mixed[i++] = 32;
  }
}

const rows = [];
async function bench(name, bytes, fn) {
  if (only && !only.test(name)) return;
  let best = Infinity;
  await fn();   // warm-up (JIT, lazy module loads)
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t);
  }
  const mibs = (bytes / 1048576) / (best / 1000);
  rows.push([name, mibs]);
  console.log(`${name.padEnd(48)} ${mibs.toFixed(0).padStart(6)} MiB/s`);
}

const info = await C.ready;
console.log(`chunker-wasm variant=${info.variant} threads=${info.threads} blake3=${info.blake3Backend}; ` +
  `${MIB} MiB, best of ${RUNS}, Node ${process.versions.node}`);

// --- BLAKE3
const hashwasm = await import('hash-wasm');
const b3wasm = require('blake3-wasm');
await bench('blake3: chunker-wasm, 1 thread', N, () => C.blake3(random, { threads: 1 }));
if (info.threads > 1) await bench(`blake3: chunker-wasm, ${info.threads} threads`, N, () => C.blake3(random));
await bench('blake3: hash-wasm', N, () => hashwasm.blake3(random));
await bench('blake3: blake3-wasm', N, () => b3wasm.hash(random));

// --- SHA-256
await bench('sha256: chunker-wasm (wasm backend)', N, () => C.sha256(random, { backend: 'wasm' }));
await bench('sha256: chunker-wasm (auto = node:crypto)', N, () => C.sha256(random));
await bench('sha256: node:crypto', N, () => crypto.createHash('sha256').update(random).digest());
await bench('sha256: hash-wasm', N, () => hashwasm.sha256(random));

// --- Chunking (avg 16 KiB: rabin bits 14, min 4 KiB, max 64 KiB)
const rabin = await require('rabin-wasm').create(14, 4096, 65536, 64);
await bench('chunk avg 16K: chunker-wasm, no hash', N, () => C.chunk(random, { avg: 16384, hash: 'none' }));
await bench('chunk avg 16K: rabin-wasm', N, () => rabin.fingerprint(random));
await bench('chunk avg 1M + blake3: chunker-wasm, 1 thread', N, () => C.chunk(random, { hash: 'blake3', threads: 1 }));
if (info.threads > 1) {
  await bench(`chunk avg 1M + blake3: chunker-wasm, ${info.threads} threads`, N, () => C.chunk(random, { hash: 'blake3' }));
}
await bench('chunk avg 64K + sha256: chunker-wasm', N, () => C.chunk(random, { avg: 65536, hash: 'sha256' }));
// Streaming chunker (what chunkStream and the worker client use), 8 MiB pushes.
const pushAll = (threads) => {
  const ch = new C.Chunker({ avg: 65536, hash: 'sha256', threads });
  for (let o = 0; o < N; o += 8 << 20) ch.push(random.subarray(o, o + (8 << 20)));
  ch.finish();
  ch.free();
};
await bench('Chunker 8 MiB pushes, avg 64K + sha256, 1 thread', N, () => pushAll(1));
if (info.threads > 1) await bench(`Chunker 8 MiB pushes, avg 64K + sha256, ${info.threads} threads`, N, () => pushAll(info.threads));

// --- Compression (mixed data)
const zstdw = require('@bokuweb/zstd-wasm');
await zstdw.init();
const lz4w = require('lz4-wasm-nodejs');
const ourZ = await C.compress(mixed, { codec: 'zstd', level: 3 });
const theirZ = zstdw.compress(mixed, 3);
console.log(`zstd-3 ratio: ours ${(N / ourZ.length).toFixed(2)}, @bokuweb ${(N / theirZ.length).toFixed(2)}`);
await bench('zstd-3 compress: chunker-wasm', N, () => C.compress(mixed, { codec: 'zstd', level: 3 }));
await bench('zstd-3 compress: @bokuweb/zstd-wasm', N, () => zstdw.compress(mixed, 3));
await bench('zstd decompress: chunker-wasm', N, () => C.decompress(ourZ));
await bench('zstd decompress: @bokuweb/zstd-wasm', N, () => zstdw.decompress(theirZ));
const ourL = await C.compress(mixed, { codec: 'lz4' });
const theirL = lz4w.compress(mixed);
await bench('lz4 compress: chunker-wasm (frame format)', N, () => C.compress(mixed, { codec: 'lz4' }));
await bench('lz4 compress: lz4-wasm-nodejs (own format)', N, () => lz4w.compress(mixed));
await bench('lz4 decompress: chunker-wasm', N, () => C.decompress(ourL));
await bench('lz4 decompress: lz4-wasm-nodejs', N, () => lz4w.decompress(theirL));

console.log(JSON.stringify({ variant: info.variant, threads: info.threads, mib: MIB, rows }));
