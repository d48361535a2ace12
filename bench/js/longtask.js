// Page side of bench/js/longtask.mjs: how long the page's main thread is
// blocked while the package chunks + hashes a large input, measured with
// PerformanceObserver('longtask') (tasks > 50 ms) and requestAnimationFrame
// gaps. Results to window.__longtask.
import * as C from '/dist/esm/index.browser.js';

const q = new URLSearchParams(location.search);
const MIB = Number(q.get('mib') || 256);
const info = await C.ready;

// MIB MiB of distinct pseudo-random data as a Blob (built before measuring).
function makeBlob() {
  const piece = new Uint8Array(4 << 20);
  for (let i = 0; i < piece.length; i += 65536) crypto.getRandomValues(piece.subarray(i, i + 65536));
  const parts = [];
  for (let k = 0; k < MIB / 4; k++) {
    const p = piece.slice();
    for (let i = 0; i < p.length; i += 4096) p[i] ^= k;   // every piece distinct
    parts.push(p);
  }
  return new Blob(parts);
}

async function measure(name, fn, mib = MIB) {
  await new Promise((r) => setTimeout(r, 200));
  const tasks = [];
  const po = new PerformanceObserver((l) => { for (const e of l.getEntries()) tasks.push(e.duration); });
  po.observe({ type: 'longtask' });
  let maxGap = 0, frames = 0, last = performance.now(), running = true;
  const tick = (t) => { maxGap = Math.max(maxGap, t - last); last = t; frames++; if (running) requestAnimationFrame(tick); };
  requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  running = false;
  await new Promise((r) => setTimeout(r, 100));
  po.disconnect();
  return { name, ms: Math.round(ms), mibs: Math.round(mib / (ms / 1000)), longTasks: tasks.length,
    longestTaskMs: Math.round(Math.max(0, ...tasks)), maxFrameGapMs: Math.round(maxGap), frames, value };
}

try {
  const blob = makeBlob();
  const rows = [];
  const w = C.createWorkerClient();
  await w.ready;
  rows.push(await measure(`worker: chunk(Blob) avg 1 MiB + blake3`, async () => (await w.chunk(blob, { hash: 'blake3' })).length));
  rows.push(await measure(`worker: chunk(Blob) avg 64 KiB + sha256`, async () => (await w.chunk(blob, { avg: 65536, hash: 'sha256' })).length));
  rows.push(await measure(`worker: blake3(Blob)`, async () => (await w.blake3(blob)).length));
  rows.push(await measure(`main thread: chunkStream(Blob) avg 1 MiB + blake3 (sliced)`, async () => {
    let n = 0; for await (const c of C.chunkStream(blob, { hash: 'blake3' })) n += c.length > 0; return n;
  }));
  const bytes = new Uint8Array(await blob.slice(0, 64 << 20).arrayBuffer());
  rows.push(await measure(`main thread: sync chunk(64 MiB) + blake3 (blocks, for contrast)`, async () => C.chunk(bytes, { hash: 'blake3' }).length, 64));
  w.terminate();
  window.__longtask = { variant: info.variant, threads: info.threads, mib: MIB, rows };
} catch (e) {
  window.__longtask = { error: String(e.stack || e) };
}
