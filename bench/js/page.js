// Chromium side of bench/js/browser.mjs: same measurements as run.mjs where
// the competitor has a browser ES module (hash-wasm); results to window.__bench.
import * as C from '/dist/esm/index.browser.js';
import * as hw from '/node_modules/hash-wasm/dist/index.esm.js';
import { benchData } from '/bench/js/data.mjs';

const q = new URLSearchParams(location.search);
const MIB = Number(q.get('mib') || 64), RUNS = Number(q.get('runs') || 5), N = MIB << 20;
const info = await C.ready;
const { random, mixed } = benchData(N);
const rows = [];
async function bench(name, fn) {
  await fn();
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) { const t = performance.now(); await fn(); best = Math.min(best, performance.now() - t); }
  rows.push([name, MIB / (best / 1000)]);
}
try {
  await bench('blake3: chunker-wasm, 1 thread', () => C.blake3(random, { threads: 1 }));
  if (info.threads > 1) await bench(`blake3: chunker-wasm, ${info.threads} threads`, () => C.blake3(random));
  await bench('blake3: hash-wasm', () => hw.blake3(random));
  await bench('sha256: chunker-wasm', () => C.sha256(random));
  await bench('sha256: hash-wasm', () => hw.sha256(random));
  await bench('chunk avg 16K: chunker-wasm, no hash', () => C.chunk(random, { avg: 16384, hash: 'none', threads: 1 }));
  await bench('chunk avg 1M + blake3: chunker-wasm, 1 thread', () => C.chunk(random, { hash: 'blake3', threads: 1 }));
  if (info.threads > 1) await bench(`chunk avg 1M + blake3: chunker-wasm, ${info.threads} threads`, () => C.chunk(random, { hash: 'blake3' }));
  const z = await C.compress(mixed, { codec: 'zstd', level: 3 });
  await bench('zstd-3 compress: chunker-wasm, 1 thread', () => C.compress(mixed, { codec: 'zstd', level: 3, threads: 1 }));
  if (info.threads > 1) await bench(`zstd-3 compress: chunker-wasm, ${info.threads} threads`, () => C.compress(mixed, { codec: 'zstd', level: 3 }));
  await bench('zstd decompress: chunker-wasm', () => C.decompress(z));
  window.__bench = { variant: info.variant, threads: info.threads, rows };
} catch (e) {
  window.__bench = { error: String(e.stack || e) };
}
