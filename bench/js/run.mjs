// Node benchmarks of the npm package against popular wasm packages
// (`npm run bench`; set CHUNKER_WASM_VARIANT=single for the single variant).
// Best of 5 runs over 64 MiB (BENCH_MIB, BENCH_RUNS to change), MiB/s of input;
// the cases of each comparison interleaved round by round (see group()).
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import * as C from '../../dist/esm/index.node.js';
import { benchData } from './data.mjs';
import { firstLoad } from './firstload.mjs';
import { bestInterleaved } from './interleave.mjs';

const require = createRequire(import.meta.url);
const MIB = Number(process.env.BENCH_MIB || 64);
const N = MIB << 20;
const RUNS = Number(process.env.BENCH_RUNS || 5);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;

// Random bytes for hashing/chunking; mixed text + random for compression.
const { random, mixed } = benchData(N);

const rows = [];
// Cases of one comparison run interleaved (see interleave.mjs), best of RUNS
// each, then the first case's speed over each other's.
async function group(cases) {
  cases = cases.filter(([name]) => !only || only.test(name));
  if (!cases.length) return;
  const best = await bestInterleaved(cases.map(([, fn]) => fn), RUNS);
  cases.forEach(([name], k) => {
    const mibs = (N / 1048576) / (best[k] / 1000);
    rows.push([name, mibs]);
    console.log(`${name.padEnd(48)} ${mibs.toFixed(0).padStart(6)} MiB/s` + (k ? `   (first / this: ${(best[k] / best[0]).toFixed(2)}x)` : ''));
  });
}

const info = await C.ready;
console.log(`chunker-wasm variant=${info.variant} threads=${info.threads} blake3=${info.blake3Backend}; ` +
  `${MIB} MiB, best of ${RUNS}, Node ${process.versions.node}`);

// --- BLAKE3
const hashwasm = await import('hash-wasm');
const b3wasm = require('blake3-wasm');
await group([
  ['blake3: chunker-wasm, 1 thread', () => C.blake3(random, { threads: 1 })],
  ['blake3: hash-wasm', () => hashwasm.blake3(random)],
  ['blake3: blake3-wasm', () => b3wasm.hash(random)],
]);
if (info.threads > 1) {
  await group([
    [`blake3: chunker-wasm, ${info.threads} threads`, () => C.blake3(random)],
    ['blake3: hash-wasm ', () => hashwasm.blake3(random)],
  ]);
}

// --- SHA-256
await group([
  ['sha256: chunker-wasm (wasm backend)', () => C.sha256(random, { backend: 'wasm' })],
  ['sha256: hash-wasm', () => hashwasm.sha256(random)],
]);
await group([
  ['sha256: chunker-wasm (auto = node:crypto)', () => C.sha256(random)],
  ['sha256: node:crypto', () => crypto.createHash('sha256').update(random).digest()],
]);

// --- Chunking (avg 16 KiB: rabin bits 14, min 4 KiB, max 64 KiB)
const rabin = await require('rabin-wasm').create(14, 4096, 65536, 64);
await group([
  ['chunk avg 16K: chunker-wasm, no hash', () => C.chunk(random, { avg: 16384, hash: 'none' })],
  ['chunk avg 16K: rabin-wasm', () => rabin.fingerprint(random)],
]);
const chunkB3 = [['chunk avg 1M + blake3: chunker-wasm, 1 thread', () => C.chunk(random, { hash: 'blake3', threads: 1 })]];
if (info.threads > 1) {
  chunkB3.unshift([`chunk avg 1M + blake3: chunker-wasm, ${info.threads} threads`, () => C.chunk(random, { hash: 'blake3' })]);
}
await group(chunkB3);
await group([['chunk avg 64K + sha256: chunker-wasm', () => C.chunk(random, { avg: 65536, hash: 'sha256' })]]);
// Streaming chunker (what chunkStream and the worker client use), 8 MiB pushes.
const pushAll = (threads) => {
  const ch = new C.Chunker({ avg: 65536, hash: 'sha256', threads });
  for (let o = 0; o < N; o += 8 << 20) ch.push(random.subarray(o, o + (8 << 20)));
  ch.finish();
  ch.free();
};
const pushes = [['Chunker 8 MiB pushes, avg 64K + sha256, 1 thread', () => pushAll(1)]];
if (info.threads > 1) pushes.unshift([`Chunker 8 MiB pushes, avg 64K + sha256, ${info.threads} threads`, () => pushAll(info.threads)]);
await group(pushes);

// --- Compression (mixed data)
const zstdw = require('@bokuweb/zstd-wasm');
await zstdw.init();
const lz4w = require('lz4-wasm-nodejs');
const ourZ = await C.compress(mixed, { codec: 'zstd', level: 3, threads: 1 });
const theirZ = zstdw.compress(mixed, 3);
const ratio = (z) => (N / z.length).toFixed(3);
const zstdRows = [
  ['zstd-3 compress: chunker-wasm, 1 thread', () => C.compress(mixed, { codec: 'zstd', level: 3, threads: 1 })],
  ['zstd-3 compress: @bokuweb/zstd-wasm', () => zstdw.compress(mixed, 3)],
];
let ratios = `ours 1 thread ${ratio(ourZ)}`;
if (info.threads > 1) {
  // zstd's multithreaded mode (the default in the threads variant): `zstd -T N`'s frame.
  zstdRows.splice(1, 0, [`zstd-3 compress: chunker-wasm, ${info.threads} threads`, () => C.compress(mixed, { codec: 'zstd', level: 3 })]);
  ratios += `, ${info.threads} threads ${ratio(await C.compress(mixed, { codec: 'zstd', level: 3 }))}`;
}
console.log(`zstd-3 ratio: ${ratios}, @bokuweb ${ratio(theirZ)}`);
await group(zstdRows);
// Like for like: @bokuweb writes no content checksum (ours does by default, like the zstd program).
await group([
  ['zstd-3 compress: chunker-wasm, 1 thread, checksum: false', () => C.compress(mixed, { codec: 'zstd', level: 3, threads: 1, checksum: false })],
  ['zstd-3 compress: @bokuweb/zstd-wasm ', () => zstdw.compress(mixed, 3)],
]);
// Decompression. One 64 MiB frame: both packages return a fresh 64 MiB array,
// and on first touch its pages cost a fault each, which on some machines is
// most of the time (the "floor" row: a plain 64 MiB copy into a fresh array).
// The 1 MiB-frame rows (64 frames, chunk-store sized) are decoder-bound.
await group([['floor: fresh 64 MiB array (Uint8Array.slice)', () => mixed.slice()]]);
await group([
  ['zstd decompress: chunker-wasm', () => C.decompress(ourZ)],
  ['zstd decompress: @bokuweb/zstd-wasm', () => zstdw.decompress(theirZ)],
]);
// Like for like: the same frame without a content checksum (the peer's has
// none; verifying XXH64 is a second pass over the output).
const ourZnc = await C.compress(mixed, { codec: 'zstd', level: 3, threads: 1, checksum: false });
await group([
  ['zstd decompress: chunker-wasm, no checksum', () => C.decompress(ourZnc)],
  ['zstd decompress: @bokuweb/zstd-wasm ', () => zstdw.decompress(theirZ)],
]);
const pieces = (n) => Array.from({ length: Math.ceil(N / n) }, (_, i) => mixed.subarray(i * n, (i + 1) * n));
const ourZ1 = await Promise.all(pieces(1 << 20).map((p) => C.compress(p, { codec: 'zstd', level: 3, threads: 1, checksum: false })));
const theirZ1 = pieces(1 << 20).map((p) => zstdw.compress(p, 3));
await group([
  ['zstd decompress 1 MiB frames: chunker-wasm, no checksum', async () => { for (const z of ourZ1) await C.decompress(z); }],
  ['zstd decompress 1 MiB frames: @bokuweb/zstd-wasm', () => { for (const z of theirZ1) zstdw.decompress(z); }],
]);
const ourL = await C.compress(mixed, { codec: 'lz4' });
const theirL = lz4w.compress(mixed);
await group([
  ['lz4 compress: chunker-wasm (frame format)', () => C.compress(mixed, { codec: 'lz4' })],
  ['lz4 compress: lz4-wasm-nodejs (own format)', () => lz4w.compress(mixed)],
]);
// Like for like: lz4-wasm-nodejs's format has no content checksum.
await group([
  ['lz4 compress: chunker-wasm, checksum: false', () => C.compress(mixed, { codec: 'lz4', checksum: false })],
  ['lz4 compress: lz4-wasm-nodejs (own format) ', () => lz4w.compress(mixed)],
]);
await group([
  ['lz4 decompress: chunker-wasm', () => C.decompress(ourL)],
  ['lz4 decompress: lz4-wasm-nodejs', () => lz4w.decompress(theirL)],
]);

// Like for like: lz4-wasm-nodejs's blocks carry no checksum.
const ourLnc = await C.compress(mixed, { codec: 'lz4', checksum: false });
await group([
  ['lz4 decompress: chunker-wasm, no checksum', () => C.decompress(ourLnc)],
  ['lz4 decompress: lz4-wasm-nodejs ', () => lz4w.decompress(theirL)],
]);
const ourL1 = await Promise.all(pieces(1 << 20).map((p) => C.compress(p, { codec: 'lz4', checksum: false })));
const theirL1 = pieces(1 << 20).map((p) => lz4w.compress(p));
await group([
  ['lz4 decompress 1 MiB frames: chunker-wasm, no checksum', async () => { for (const z of ourL1) await C.decompress(z); }],
  ['lz4 decompress 1 MiB frames: lz4-wasm-nodejs', () => { for (const z of theirL1) lz4w.decompress(z); }],
]);

const load = only ? null : firstLoad();
console.log(JSON.stringify({ variant: info.variant, threads: info.threads, mib: MIB, rows, load }));
