// What reading a disk-backed File costs in Chromium, per read method, next to
// the demo's chunk + hash (profiling aid for bench/js/demo_upload_bench.mjs):
// one page worker (examples/upload-dedup/public/worker.js, op `read` / `hash`)
// reads a 1 GiB random File: `slice` (Blob.slice().arrayBuffer(), the demo's
// way) at 8 to 64 MiB, `stream` (Blob.stream()), `sync` (FileReaderSync),
// and `hash` (read + whole-file BLAKE3). MiB/s and MiB per CPU-second of all
// Chromium processes.
//
//   node bench/js/demo_read_floor.mjs          (BENCH_SIZE=1G, BENCH_RUNS=2, BENCH_ONLY=regex of case names)
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
const MiB = 1 << 20;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'read-floor-'));
const file = path.join(tmp, 'big.bin');
{
  const fd = fs.openSync(file, 'w'), block = Buffer.alloc(16 * MiB);
  for (let d = 0; d < SIZE; d += block.length) { crypto.randomFillSync(block); fs.writeSync(fd, block); }
  fs.closeSync(fd);
}
// CPU seconds of this process's descendants (Chromium).
function childCpu() {
  const parent = new Map(), cpu = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8'), f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1])); cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / 100);
    } catch { /* exited */ }
  }
  let s = 0;
  for (const [pid, c] of cpu) { for (let p = parent.get(pid), i = 0; p > 1 && i < 50; p = parent.get(p), i++) if (p === process.pid) { s += c; break; } }
  return s;
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
    const w = new Worker('/worker.js', { type: 'module' });
    let id = 0; const calls = new Map();
    w.onmessage = (e) => { const c = calls.get(e.data.id); if (c && !e.data.progress) { calls.delete(e.data.id); 'ok' in e.data ? c.res(e.data.ok) : c.rej(new Error(e.data.error)); } };
    window.__rf = (op, args) => new Promise((res, rej) => { const i = ++id; calls.set(i, { res, rej }); w.postMessage({ id: i, op, args }); });
    await window.__rf('info', {});
  });
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  const cases = [...[8, 16, 32, 64].map((m) => [`slice ${m} MiB`, 'read', { method: 'slice', slice: m << 20 }]),
    ['stream', 'read', { method: 'stream' }], ['FileReaderSync 8 MiB', 'read', { method: 'sync', slice: 8 << 20 }], ['read + whole-file BLAKE3 (8 MiB slices)', 'hash', {}]];
  console.log(`Chromium, one page worker, ${SIZE / MiB} MiB random disk-backed File (page cache warm), best of ${RUNS}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const [name, op, args] of cases.filter(([n]) => !only || only.test(n))) {
    let best = null;
    for (let r = 0; r < RUNS; r++) {
      const c0 = childCpu(), t0 = performance.now();
      await page.evaluate(([op, args]) => window.__rf(op, { blob: document.querySelector('#rf').files[0], ...args }), [op, args]);
      const ms = performance.now() - t0, cpu = childCpu() - c0;
      if (!best || ms < best.ms) best = { ms, cpu };
    }
    console.log(`${name.padEnd(42)} ${(SIZE / MiB / (best.ms / 1000)).toFixed(0).padStart(6)} MiB/s  ${(SIZE / MiB / best.cpu).toFixed(0).padStart(6)} MiB per CPU-s`);
  }
  console.log(`load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  await browser.close();
  await new Promise((r) => { server.close(r); server.closeAllConnections(); });
  fs.rmSync(tmp, { recursive: true, force: true });
}
