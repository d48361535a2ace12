// Upload-side benchmark of the upload-dedup demo: chunk (FastCDC, the store's
// 16K/64K/256K parameters) + BLAKE3 per chunk + BLAKE3 of the whole file, in
// headless Chromium, on the demo page's worker pool, for one big file picked
// through a file input (a disk-backed File, as a user's pick would be).
//
//   node bench/js/demo_upload_bench.mjs                  # 1 GiB, 1 and 2 workers, isolated + not, best of 2
//   BENCH_SIZE=256M BENCH_RUNS=3 node bench/js/demo_upload_bench.mjs
//
// Prints a table and one JSON line. Each result is checked: the chunk list
// is the same for every worker count and variant, and the whole-file hash
// equals `b3sum` of the file.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '../../examples/upload-dedup/server.mjs';
import { launch } from '../../tests/browser/harness.mjs';

const parseSize = (s) => { const m = /^(\d+)([KMG]?)$/i.exec(s); return Number(m[1]) * { '': 1, K: 1024, M: 1 << 20, G: 1 << 30 }[m[2].toUpperCase()]; };
const SIZE = parseSize(process.env.BENCH_SIZE || '1G');
const RUNS = Number(process.env.BENCH_RUNS || 2);
const WORKERS = (process.env.BENCH_WORKERS || '1,2').split(',').map(Number);
const MiB = 1 << 20;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-bench-'));
const file = path.join(tmp, 'big.bin');
{ // random data (nothing to dedup inside the file; chunking cost does not depend on content)
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(16 * MiB);
  for (let done = 0; done < SIZE; done += block.length) {
    crypto.randomFillSync(block);
    fs.writeSync(fd, block, 0, Math.min(block.length, SIZE - done));
  }
  fs.closeSync(fd);
}
const expected = execFileSync('b3sum', ['--no-names', file]).toString().trim();
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

const results = [];
let reference = null;
const browser = await launch();
try {
  for (const isolated of [true, false]) {
    const server = await createServer({ storeDir: path.join(tmp, 'store'), isolated });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const page = await browser.ctx.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/?workers=1`);
    await page.waitForFunction(() => window.__demo && window.__demo.ready, null, { timeout: 60000 });
    await page.evaluate(() => { const i = document.createElement('input'); i.type = 'file'; i.id = 'benchfile'; i.hidden = true; document.body.append(i); });
    await page.setInputFiles('#benchfile', file);
    for (const n of WORKERS) {
      const times = [];
      let r;
      for (let k = 0; k < RUNS; k++) {
        r = await page.evaluate(async (w) => {
          const res = await window.__demo.benchChunk(document.querySelector('#benchfile').files[0], w);
          // hash the chunk list here: 16K hex strings need not cross into Node
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(res.hashes.join('\n'))));
          return { ms: res.ms, chunks: res.chunks, blake3: res.blake3, variant: res.variant, list: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
        }, n);
        times.push(r.ms);
        if (r.blake3 !== expected) throw new Error(`whole-file BLAKE3 ${r.blake3} != b3sum ${expected}`);
        if (reference === null) reference = r.list;
        if (r.list !== reference) throw new Error(`chunk list with ${n} worker(s), ${r.variant}, differs from the first run`);
      }
      const best = Math.min(...times);
      const row = { variant: r.variant, workers: n, mib_s: +(SIZE / MiB / (best / 1000)).toFixed(1), best_ms: Math.round(best), runs: times.map(Math.round), chunks: r.chunks, load: load() };
      results.push(row);
      console.error(`  ${row.variant.padEnd(7)} ${n} worker(s): ${row.mib_s} MiB/s (runs ${row.runs.join(', ')} ms; load ${row.load})`);
    }
    await page.close();
    await new Promise((r) => { server.close(r); server.closeAllConnections(); });
  }
} finally {
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

console.log(`\nchunk + BLAKE3 (per chunk and whole file), ${SIZE / MiB} MiB file, Chromium headless, best of ${RUNS}; uptime load: ${load()}`);
console.log('| variant | workers | MiB/s | best ms | chunks |');
console.log('|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.variant} | ${r.workers} | ${r.mib_s} | ${r.best_ms} | ${r.chunks} |`);
console.log(JSON.stringify({ bench: 'demo_upload', size: SIZE, runs: RUNS, cpus: os.cpus().length, uptime: execFileSync('uptime').toString().trim(), results }));
