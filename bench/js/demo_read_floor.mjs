// What reading a disk-backed File costs in Chromium, per read method, next to
// the demo's chunk + hash (profiling aid for bench/js/demo_upload_bench.mjs):
// one page worker (examples/upload-dedup/public/worker.js, op `read` / `hash`)
// reads a 1 GiB random File: `slice` (Blob.slice().arrayBuffer(), the demo's
// way) at 8 to 64 MiB, `stream` (Blob.stream()), `sync` (FileReaderSync),
// the page's main thread, two workers reading alternate
// slices side by side, `hash` (read + whole-file BLAKE3), and `whole` (the
// chunk + hash read path: one BYOB stream over the File, 8 MiB buffers) with
// each stage's work on each filled buffer or, "per read", on each read's
// bytes before the next read (what the demo does). MiB/s (best
// wall clock) and the least CPU of all Chromium processes per GiB, split by
// process; the last line turns the cheapest read into a bound on chunk + hash.
//
//   node bench/js/demo_read_floor.mjs          (BENCH_SIZE=1G, BENCH_RUNS=2, BENCH_ONLY=regex of case names, BENCH_BUF_MIB=8,32)
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../../tests/browser/harness.mjs';
import { createServer } from '../../examples/upload-dedup/server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIZE = (Number(/^(\d+)G$/i.exec(process.env.BENCH_SIZE || '1G')?.[1]) || 1) << 30;
const RUNS = Number(process.env.BENCH_RUNS || 2);
const BUFS = (process.env.BENCH_BUF_MIB || '8').split(',').map(Number);   // buffer sizes of the `whole` cases (MiB)
const MiB = 1 << 20;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'read-floor-'));
const file = path.join(tmp, 'big.bin');
{
  const fd = fs.openSync(file, 'w'), block = Buffer.alloc(16 * MiB);
  for (let d = 0; d < SIZE; d += block.length) { crypto.randomFillSync(block); fs.writeSync(fd, block); }
  fs.closeSync(fd);
}
// CPU seconds of this process's descendants (Chromium), in all and per
// process kind (browser, renderer, network, other by Chromium's --type=).
function childCpu() {
  const parent = new Map(), cpu = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8'), f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1])); cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / 100);
    } catch { /* exited */ }
  }
  const by = { browser: 0, renderer: 0, network: 0, other: 0 };
  for (const [pid, c] of cpu) {
    for (let p = parent.get(pid), i = 0; p > 1 && i < 50; p = parent.get(p), i++) {
      if (p !== process.pid) continue;
      let cmd = '';
      try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { /* exited */ }
      const t = /--type=([\w-]+)/.exec(cmd)?.[1];
      by[!t ? 'browser' : t === 'renderer' ? 'renderer' : t === 'utility' && /network/i.test(cmd) ? 'network' : 'other'] += c;
      break;
    }
  }
  return { total: by.browser + by.renderer + by.network + by.other, by };
}
const storeDir = fs.mkdtempSync(path.join(tmp, 'store-'));
const server = await createServer({ storeDir, isolated: true });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await launch();
try {
  const page = await browser.ctx.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.__demo && window.__demo.ready, null, { timeout: 60000 });
  await page.evaluate(() => { const i = document.createElement('input'); i.type = 'file'; i.id = 'rf'; i.hidden = true; document.body.append(i); });
  await page.setInputFiles('#rf', file);
  await page.evaluate(async () => {
    const rpc = (w) => {
      let id = 0; const calls = new Map();
      w.onmessage = (e) => { const c = calls.get(e.data.id); if (c && !e.data.progress) { calls.delete(e.data.id); 'ok' in e.data ? c.res(e.data.ok) : c.rej(new Error(e.data.error)); } };
      return (op, args) => new Promise((res, rej) => { const i = ++id; calls.set(i, { res, rej }); w.postMessage({ id: i, op, args }); });
    };
    const ws = [0, 1].map(() => rpc(new Worker('/worker.js', { type: 'module' })));
    await Promise.all(ws.map((f) => f('info', {})));
    const blob = () => document.querySelector('#rf').files[0];
    window.__rf = (op, args) => ws[0](op, { blob: blob(), ...args });
    // both workers, alternate slices
    window.__rf2 = (op, args) => Promise.all(ws.map((f, k) => f(op, { blob: blob(), ...args, part: [k, 2] })));
    // the page's main thread
    window.__rfMain = async (op, { slice }) => {
      const b = blob();
      let n = 0;
      for (let a = 0; a < b.size; a += slice) n += (await b.slice(a, Math.min(b.size, a + slice)).arrayBuffer()).byteLength;
      return { size: n };
    };
  });
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  const cases = [...[8, 16, 32, 64].map((m) => [`slice ${m} MiB`, '__rf', 'read', { method: 'slice', slice: m << 20 }]),
    ['stream', '__rf', 'read', { method: 'stream' }], ['stream, BYOB reader, one 1 MiB buffer', '__rf', 'read', { method: 'byob', slice: 1 << 20 }], ['FileReaderSync 8 MiB', '__rf', 'read', { method: 'sync', slice: 8 << 20 }],
    ['FileReaderSync 32 MiB', '__rf', 'read', { method: 'sync', slice: 32 << 20 }],
    ['main thread, slice 32 MiB', '__rfMain', 'read', { slice: 32 << 20 }],
    ['2 workers side by side, slice 32 MiB', '__rf2', 'read', { method: 'slice', slice: 32 << 20 }],
    ['read + whole-file BLAKE3 (op hash)', '__rf', 'hash', {}],
    ...BUFS.map((m) => [`stream, BYOB reader, one ${m} MiB buffer`, '__rf', 'read', { method: 'byob', slice: m << 20 }]),
    ...BUFS.flatMap((m) => ['none', 'hash', 'chunk', 'both'].map((w) => [`whole-file BYOB stream ${m} MiB buffers, work: ${w}`, '__rf', 'read', { method: 'whole', slice: m << 20, work: w }])),
    ...BUFS.flatMap((m) => ['hash', 'chunk', 'both'].map((w) => [`whole-file BYOB stream ${m} MiB buffers, ${w} per read`, '__rf', 'read', { method: 'whole', slice: m << 20, work: w, perRead: true }]))];
  console.log(`Chromium, page workers, ${SIZE / MiB} MiB random disk-backed File (page cache warm), best of ${RUNS}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`${'case'.padEnd(42)}  MiB/s  MiB per CPU-s  CPU-s per GiB (browser / renderer / network / other)`);
  let floor = Infinity;
  for (const [name, fn, op, args] of cases.filter(([n]) => !only || only.test(n))) {
    let fast = Infinity, best = null, reads = 0;
    for (let r = 0; r < RUNS; r++) {
      const c0 = childCpu(), t0 = performance.now();
      const res = await page.evaluate(([fn, op, args]) => window[fn](op, args), [fn, op, args]);
      if (res && res.reads) reads = res.reads;
      const ms = performance.now() - t0, c1 = childCpu();
      const cpu = c1.total - c0.total, by = Object.fromEntries(Object.keys(c1.by).map((k) => [k, c1.by[k] - c0.by[k]]));
      fast = Math.min(fast, ms);
      if (!best || cpu < best.cpu) best = { cpu, by };
    }
    const perGiB = (x) => ((x * (1 << 30)) / SIZE).toFixed(2);
    if (op === 'read') floor = Math.min(floor, (best.cpu * (1 << 30)) / SIZE);
    console.log(`${name.padEnd(42)} ${(SIZE / MiB / (fast / 1000)).toFixed(0).padStart(6)} ${(SIZE / MiB / best.cpu).toFixed(0).padStart(14)}  ${perGiB(best.cpu)} (${Object.values(best.by).map(perGiB).join(' / ')})${reads ? `, ${reads} reads (last run)` : ''}`);
  }
  // The bound: a page that reads every byte once cannot go faster than its cores can read.
  if (floor < Infinity) {
    const cores = os.cpus().length;
    console.log(`cheapest read: ${floor.toFixed(2)} CPU-s per GiB -> reading alone caps chunk + hash at ${((cores * 1024) / floor).toFixed(0)} MiB/s on ${cores} cores (500 MiB/s needs <= ${((cores * 1024) / 500).toFixed(2)} CPU-s per GiB for everything)`);
  }
  console.log(`load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  await browser.close();
  await new Promise((r) => { server.close(r); server.closeAllConnections(); });
  fs.rmSync(tmp, { recursive: true, force: true });
}
