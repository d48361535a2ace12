// Benchmark of the upload-dedup demo as a user sees it, in headless Chromium
// (/usr/bin/chromium, fresh profile, the tests' flags) against the real server
// on 127.0.0.1. The browser is driven over a raw DevTools pipe using only the
// Page, DOM and Runtime domains (bench/js/cdp.mjs): under Playwright, which
// enables the Network domain, Chromium copies each request body to the driver
// (BENCH_DRIVER=playwright measures that way, for comparison).
//
//   1. chunk + hash: a 1 GiB disk-backed File picked through a file input,
//      FastCDC (the store's 16K/64K/256K) + BLAKE3 per chunk + BLAKE3 of the
//      whole file, on the page's workers (1 and 2);
//   2. upload: a file of new data uploaded through the page (missing query,
//      compress, send, commit) into a fresh store: MiB/s of new data, from
//      the first request after hashing to the committed manifest (+ CPU per
//      thread of that phase).
//
// Both run for this tree and, in the same run, for a baseline git ref (default
// 11d71d4, the demo before read-once hashing and batched uploads: its
// examples/upload-dedup extracted under build/, served the same way),
// alternated per round. Every result is checked: whole-file hash = b3sum, the
// chunk list the same for every worker count and implementation, the uploaded
// file downloads byte-exact (BLAKE3 = b3sum).
//
//   node bench/js/demo_upload_bench.mjs
//   BENCH_SIZE=256M BENCH_UPLOAD_SIZE=128M BENCH_RUNS=3 BENCH_BASELINE= node bench/js/demo_upload_bench.mjs
//   BENCH_VARIANTS=isolated,plain   (plain: no COOP/COEP -> the single variant)
//   BENCH_QUERY=stageThreads=2&level=1   (page options; BENCH_UPLOAD_SIZE=0 skips the upload, BENCH_SIZE=0 chunk + hash)
//   BENCH_PAGES='body=blob;'   (this tree once per ';'-separated set of extra page options, e.g.
//                               batch bodies as Blobs and as bytes side by side)
//   BENCH_DRIVER=playwright    (default cdp: bench/js/cdp.mjs)
//
// Prints a table and one JSON line.
import { extractBaselineDemo } from './baseline.mjs';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch } from '../../tests/browser/harness.mjs';
import { launchRaw } from './cdp.mjs';
import { chromiumKind, cpuOf, descendants, statFields, threadPoller } from './proc_cpu.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const parseSize = (s) => { const m = /^(\d+)([KMG]?)$/i.exec(s); return Number(m[1]) * { '': 1, K: 1024, M: 1 << 20, G: 1 << 30 }[m[2].toUpperCase()]; };
const SIZE = parseSize(process.env.BENCH_SIZE || '1G');
const UPLOAD_SIZE = parseSize(process.env.BENCH_UPLOAD_SIZE || '256M');
const RUNS = Number(process.env.BENCH_RUNS || 2);
const WORKERS = (process.env.BENCH_WORKERS || '1,2').split(',').map(Number);
const VARIANTS = (process.env.BENCH_VARIANTS || 'isolated').split(',');
const BASELINE = process.env.BENCH_BASELINE ?? '11d71d4';
const QUERY = process.env.BENCH_QUERY || '';   // page options, e.g. stageThreads=2&level=1
const PAGES = (process.env.BENCH_PAGES ?? '').split(';');   // this tree's extra page options, one row each
const DRIVER = process.env.BENCH_DRIVER || 'cdp';
const MiB = 1 << 20;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-bench-'));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// Random data (chunk + hash cost does not depend on content).
function writeRandom(file, size) {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(16 * MiB);
  for (let done = 0; done < size; done += block.length) {
    crypto.randomFillSync(block);
    fs.writeSync(fd, block, 0, Math.min(block.length, size - done));
  }
  fs.closeSync(fd);
}
// Upload data: a quarter text runs (compressible), the rest random, as files often mix.
function writeMixed(file, size, seed) {
  const fd = fs.openSync(file, 'w');
  const text = Buffer.from(`Upload dedup benchmark ${seed}: content-defined chunks, BLAKE3 and zstd. `.repeat(4096));
  const block = Buffer.alloc(16 * MiB);
  for (let done = 0; done < size; done += block.length) {
    crypto.randomFillSync(block);
    for (let o = 0; o < block.length; o += 256 * 1024) text.copy(block, o, (o / 1024) % 997, (o / 1024) % 997 + 64 * 1024);
    fs.writeSync(fd, block, 0, Math.min(block.length, size - done));
  }
  fs.closeSync(fd);
}
// CPU seconds used so far by this process's descendants (Chromium's processes)
// plus this process (the server): -> { total, by: { server, browser, renderer,
// network, gpu, other } } (Chromium's processes by --type=).
function cpuSeconds() {
  const u = process.cpuUsage();
  const by = { server: (u.user + u.system) / 1e6, browser: 0, renderer: 0, network: 0, gpu: 0, other: 0 };
  for (const pid of descendants()) {
    try { by[chromiumKind(pid)] += cpuOf(statFields(`/proc/${pid}/stat`).f); } catch { /* exited */ }
  }
  return { total: Object.values(by).reduce((a, b) => a + b, 0), by };
}
// CPU seconds between two cpuSeconds() readings, total and per process kind.
const cpuSince = (a) => {
  const b = cpuSeconds(), by = {};
  for (const k of Object.keys(b.by)) by[k] = +(b.by[k] - (a.by[k] || 0)).toFixed(2);
  return { total: b.total - a.total, by };
};
// Per-thread CPU of Chromium's processes while a measure runs: -> { start(),
// stop() -> [[process kind: thread name, CPU-s], ...] largest first }. Threads
// of one name in one process kind are summed, each one's share in brackets.
// The processes are listed once at start().
function threadCpuPoller(ms = 250) {
  const poller = threadPoller(ms);
  return {
    start() { poller.start(descendants().map((pid) => [pid, chromiumKind(pid)])); },
    stop() {
      return [...poller.stop()].map(([n, cs]) => [n, cs.filter((c) => c >= 0.05)]).filter(([, cs]) => cs.length)
        .map(([n, cs]) => [cs.length > 1 ? `${n} [${cs.sort((x, y) => y - x).map((c) => c.toFixed(2)).join(' + ')}]` : n, +cs.reduce((x, y) => x + y, 0).toFixed(2)])
        .sort((a, b) => b[1] - a[1]);
    },
  };
}
const b3sum = (file) => execFileSync('b3sum', ['--no-names', file]).toString().trim();

const bigFile = path.join(tmp, 'big.bin');
writeRandom(bigFile, SIZE);
const bigHash = b3sum(bigFile);

// The servers run in this process on the package build the demo server picks when run as a
// program (examples/upload-dedup/single-variant.mjs), both implementations alike; nothing here
// has loaded the package before these imports.
process.env.CHUNKER_WASM_VARIANT ??= 'single';
// The implementations: this tree, and the baseline's (bench/js/baseline.mjs).
const impls = PAGES.map((q) => ({ name: q ? `this tree ?${q}` : 'this tree', query: q, dir: path.join(ROOT, 'examples/upload-dedup') }));
if (BASELINE) impls.unshift({ name: `${BASELINE} (baseline)`, query: '', dir: extractBaselineDemo(ROOT, BASELINE) });
for (const im of impls) im.createServer = (await import(pathToFileURL(path.join(im.dir, 'server.mjs')).href)).createServer;

async function withPage(browser, im, isolated, fn) {
  const storeDir = fs.mkdtempSync(path.join(tmp, 'store-'));
  const server = await im.createServer({ storeDir, isolated });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const page = await browser.ctx.newPage();
  try {
    const query = [QUERY, im.query].filter(Boolean).join('&');
    await page.goto(`${base}/${query ? `?${query}` : ''}`);
    await page.waitForFunction(() => window.__demo && window.__demo.ready, null, { timeout: 60000 });
    return await fn(page, base);
  } finally {
    await page.close();
    await new Promise((r) => { server.close(r); server.closeAllConnections(); });
    fs.rmSync(storeDir, { recursive: true, force: true });
  }
}

async function pick(page, file) {
  await page.evaluate(() => { document.querySelector('#benchfile')?.remove(); const i = document.createElement('input'); i.type = 'file'; i.id = 'benchfile'; i.hidden = true; document.body.append(i); });
  await page.setInputFiles('#benchfile', file);
}

const results = [];
let reference = null;
const browser = DRIVER === 'playwright' ? await launch() : await launchRaw();
try {
  for (let round = 0; round < RUNS; round++) {
    for (const variant of VARIANTS) {
      for (const im of (round % 2 ? [...impls].reverse() : impls)) {
        const isolated = variant === 'isolated';
        // 1. chunk + hash (BENCH_SIZE=0 skips it)
        if (SIZE) await withPage(browser, im, isolated, async (page) => {
          await pick(page, bigFile);
          for (const n of WORKERS) {
            const c0 = cpuSeconds();
            const threads = threadCpuPoller();
            threads.start();
            const r = await page.evaluate(async (w) => {
              const res = await window.__demo.benchChunk(document.querySelector('#benchfile').files[0], w);
              const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(res.hashes.join('\n'))));
              return { ms: res.ms, chunks: res.chunks, blake3: res.blake3, variant: res.variant, list: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
            }, n);
            const cpu_threads = threads.stop();
            if (r.blake3 !== bigHash) throw new Error(`${im.name}: whole-file BLAKE3 ${r.blake3} != b3sum ${bigHash}`);
            if (reference === null) reference = r.list;
            if (r.list !== reference) throw new Error(`${im.name}: chunk list with ${n} worker(s) differs`);
            const { total: cpu, by: cpu_by } = cpuSince(c0);
            results.push({ what: 'chunk+hash', impl: im.name, variant: r.variant, workers: n, round, mib_s: +(SIZE / MiB / (r.ms / 1000)).toFixed(1), ms: Math.round(r.ms),
              mib_cpu_s: +(SIZE / MiB / cpu).toFixed(1), cpu_s: +cpu.toFixed(2), cpu_by, cpu_threads, chunks: r.chunks, load: load() });
            console.error(`  round ${round} ${im.name} ${r.variant} chunk+hash ${n} worker(s): ${results.at(-1).mib_s} MiB/s (load ${load()})`);
            console.error(`    CPU-s ${results.at(-1).cpu_s}; by thread: ${cpu_threads.slice(0, 8).map(([k, c]) => `${k} ${c}`).join(', ')}`);
          }
        });
        // 2. upload of new data into a fresh store
        if (!UPLOAD_SIZE) continue;
        const upFile = path.join(tmp, 'upload.bin');
        writeMixed(upFile, UPLOAD_SIZE, `${round}-${variant}-${im.name}`);
        const upHash = b3sum(upFile);
        await withPage(browser, im, isolated, async (page, base) => {
          const c0 = cpuSeconds();
          await page.setInputFiles('#files', upFile);
          // The upload phase's own CPU: from the end of hashing (polled) to the commit.
          await page.waitForFunction(() => window.__demo.uploads.length > 0 && !['hashing', 'asking'].includes(window.__demo.uploads[0].state), null, { timeout: 1800000, polling: 20 });
          const c1 = cpuSeconds();
          const threads = threadCpuPoller();
          threads.start();
          // (polled every 100 ms rather than every frame: the driver's own CPU is counted too)
          await page.waitForFunction(() => window.__demo.uploads.length > 0 && ['done', 'error'].includes(window.__demo.uploads[0].state), null, { timeout: 1800000, polling: 100 });
          const cpu_threads = threads.stop();
          const u = await page.evaluate(() => window.__demo.uploads[0]);
          if (u.state !== 'done') throw new Error(`${im.name}: upload failed: ${u.error}`);
          const { total: cpu } = cpuSince(c0);   // hashing + upload, page and server
          const { total: upCpu, by: cpu_by } = cpuSince(c1);   // upload only
          const info = await page.evaluate(() => window.__demo.info);
          const dl = await fetch(`${base}/api/files/upload.bin`);
          const got = path.join(tmp, 'download.bin');
          fs.writeFileSync(got, Buffer.from(await dl.arrayBuffer()));
          if (b3sum(got) !== upHash) throw new Error(`${im.name}: downloaded file differs from the upload`);
          fs.rmSync(got);
          results.push({ what: 'upload', impl: im.name, variant: info.variant, workers: await page.evaluate(() => window.__demo.workers), round,
            mib_s: +(u.newBytes / MiB / (u.uploadMs / 1000)).toFixed(1), ms: Math.round(u.uploadMs), new_mib: +(u.newBytes / MiB).toFixed(1),
            sent_mib: +(u.bytesSent / MiB).toFixed(1), total_mib_cpu_s: +(UPLOAD_SIZE / MiB / cpu).toFixed(1), upload_cpu_s: +upCpu.toFixed(2), upload_mib_cpu_s: +(u.newBytes / MiB / upCpu).toFixed(1), cpu_by, cpu_threads, requests: u.batches || u.chunksSent, hash_mib_s: +(u.size / MiB / (u.hashMs / 1000)).toFixed(1), load: load() });
          console.error(`  round ${round} ${im.name} ${info.variant} upload: ${results.at(-1).mib_s} MiB/s of new data, ${results.at(-1).requests} requests (load ${load()})`);
          console.error(`    upload CPU-s ${results.at(-1).upload_cpu_s}; by thread: ${cpu_threads.slice(0, 8).map(([k, c]) => `${k} ${c}`).join(', ')}`);
        });
        fs.rmSync(upFile);
      }
    }
  }
} finally {
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

// Best of the rounds per row.
const rows = new Map();
for (const r of results) {
  const k = `${r.what}|${r.impl}|${r.variant}|${r.workers}`;
  const prev = rows.get(k);
  const best = !prev || r.mib_s > prev.mib_s ? r : prev;
  rows.set(k, { ...best, runs: [...(prev ? prev.runs : []), r.mib_s] });
}
console.log(`\nupload-dedup demo in headless Chromium (driver: ${DRIVER}), ${os.cpus().length} CPUs; chunk+hash: ${SIZE / MiB} MiB random file; upload: ${UPLOAD_SIZE / MiB} MiB of new data (1/4 text); best of ${RUNS}; load now ${load()}`);
console.log('| measure | implementation | variant | workers | MiB/s (best) | runs | MiB per CPU-s | notes |');
console.log('|---|---|---|---:|---:|---|---:|---|');
for (const r of rows.values()) {
  const notes = r.what === 'upload' ? `${r.requests} requests, ${r.sent_mib} MiB sent for ${r.new_mib} MiB; CPU column: hash + upload, page + server; upload alone ${r.upload_cpu_s} CPU-s = ${r.upload_mib_cpu_s} MiB per CPU-s` : `${r.chunks} chunks`;
  const split = Object.entries(r.cpu_by).filter(([, v]) => v >= 0.05).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`| ${r.what} | ${r.impl} | ${r.variant} | ${r.workers} | ${r.mib_s} | ${r.runs.join(', ')} | ${r.mib_cpu_s ?? r.total_mib_cpu_s} | ${notes}; CPU-s ${split} |`);
}
for (const r of rows.values()) if (r.cpu_threads) console.log(`CPU-s by thread, ${r.what}, ${r.impl} ${r.workers} worker(s), best run: ${r.cpu_threads.map(([k, c]) => `${k} ${c}`).join(', ')}`);
if (BASELINE) {
  for (const r of rows.values()) {
    if (!r.impl.startsWith('this tree')) continue;
    const b = [...rows.values()].find((x) => x.what === r.what && !x.impl.startsWith('this tree') && x.variant === r.variant && x.workers === r.workers);
    if (b) console.log(`${r.what} ${r.impl} ${r.variant} ${r.workers} worker(s): ${(r.mib_s / b.mib_s).toFixed(2)}x the baseline`);
  }
}
console.log(JSON.stringify({ bench: 'demo_upload', driver: DRIVER, size: SIZE, upload_size: UPLOAD_SIZE, runs: RUNS, baseline: BASELINE || null, cpus: os.cpus().length, uptime: execFileSync('uptime').toString().trim(), results }));
