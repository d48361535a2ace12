// What the upload-dedup demo's server costs per uploaded MiB, without a
// browser: the server runs as its own process (node examples/upload-dedup/
// server.mjs, a fresh store in a temporary directory); this script chunks
// mixed data (a quarter text, the rest random, as demo_upload_bench.mjs) with
// the package, builds the page's batch bodies ahead of time (the page's
// policy: LZ4 probe, zstd-3 without content checksum for compressible chunks,
// raw otherwise) and then POSTs them (4 in flight) and commits the manifest.
// Reports wall clock and the server process's user + system CPU seconds
// (/proc/PID/stat), for the batches and for the commit (which re-reads and
// re-hashes the whole file), and checks the download's BLAKE3.
//
//   node bench/js/demo_server_cost.mjs      (BENCH_UPLOAD_SIZE=256M, BENCH_BATCH_MIB=8, BENCH_RUNS=2, BENCH_ENC=page|raw|zstd3)
//   BENCH_PROF=/tmp/prof node bench/js/demo_server_cost.mjs   (a CPU profile of the server per run)
//   BENCH_BASELINE=4958de7 node bench/js/demo_server_cost.mjs   (also that commit's server, alternated per run:
//                                            its examples/upload-dedup extracted under build/, as demo_upload_bench.mjs)
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Chunker, blake3, compress, hex, ready } from 'chunker-wasm';
import { extractBaselineDemo } from './baseline.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MiB = 1 << 20;
const SIZE = (Number(/^(\d+)M$/i.exec(process.env.BENCH_UPLOAD_SIZE || '256M')?.[1]) || 256) * MiB;
const BATCH = (Number(process.env.BENCH_BATCH_MIB) || 8) * MiB;
const RUNS = Number(process.env.BENCH_RUNS || 2);
const ENC = process.env.BENCH_ENC || 'page';
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
await ready;

function mixed(size, seed) {
  const out = Buffer.alloc(size);
  const text = Buffer.from(`Upload dedup benchmark ${seed}: content-defined chunks, BLAKE3 and zstd. `.repeat(4096));
  crypto.randomFillSync(out);
  for (let o = 0; o < size; o += 256 * 1024) text.copy(out, o, (o / 1024) % 997, (o / 1024) % 997 + Math.min(64 * 1024, size - o));
  return out;
}
// The page's probe (examples/upload-dedup/public/worker.js): LZ4 over four 4 KiB samples.
async function incompressible(b) {
  let s = b;
  if (b.length > 16384) {
    s = new Uint8Array(16384);
    for (let k = 0; k < 4; k++) { const at = Math.floor(((b.length - 4096) * k) / 3); s.set(b.subarray(at, at + 4096), k * 4096); }
  }
  return (await compress(s, { codec: 'lz4', level: 1, checksum: false })).length >= s.length * 0.97;
}
const cpuOf = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return { user: f[11] / 100, sys: f[12] / 100 }; };

// The servers to measure: this tree's, and a baseline commit's (bench/js/baseline.mjs).
const servers = [{ name: 'this tree', file: path.join(ROOT, 'examples/upload-dedup/server.mjs') }];
if (process.env.BENCH_BASELINE) {
  const ref = process.env.BENCH_BASELINE;
  servers.unshift({ name: `${ref} (baseline)`, file: path.join(extractBaselineDemo(ROOT, ref), 'server.mjs') });
}

// BENCH_PROF=<dir>: a V8 CPU profile of each server process there (node --cpu-prof; open in DevTools).
// The profile is written on a normal exit: SIGINT is made one.
const prof = process.env.BENCH_PROF
  ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROF)}`, '--import', 'data:text/javascript,process.on("SIGINT",()=>process.exit(0))']
  : [];
async function startServer(storeDir, file) {
  const child = spawn(process.execPath, [...prof, file], { env: { ...process.env, PORT: '0', STORE_DIR: storeDir }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = /127\.0\.0\.1:(\d+)\//.exec(out); if (m) res(Number(m[1])); });
    child.on('exit', (c) => rej(new Error(`server exited ${c}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'server-cost-'));
try {
  console.log(`upload-dedup server cost: ${SIZE / MiB} MiB (1/4 text), ~${BATCH / MiB} MiB batches, bodies encoded "${ENC}"; load ${load()}`);
  for (let run = 0; run < RUNS * servers.length; run++) {
    const srv = servers[(run + Math.floor(run / servers.length)) % servers.length];   // alternate the order per round
    const storeDir = path.join(tmp, `store-${run}`);
    const { child, base } = await startServer(storeDir, srv.file);
    try {
      const config = await (await fetch(`${base}/api/config`)).json();
      const c = config.chunking;
      const data = mixed(SIZE, `${run}-${Date.now()}`);
      const ch = new Chunker({ min: c.min, avg: c.avg, max: c.max, level: c.level, seed: c.seed, hash: 'blake3' });
      const chunks = [...ch.push(data), ...ch.finish()].map((x) => [x.hash, x.length]);
      ch.free();
      const whole = hex.encode(blake3(data));
      // batch bodies, built before timing
      const bodies = [];
      let parts = [], bytes = 0, off = 0, sent = 0;
      const seen = new Set();
      for (const [h, len] of chunks) {
        const b = data.subarray(off, off + len);
        off += len;
        if (seen.has(h)) continue;
        seen.add(h);
        let z = null;
        if (ENC === 'zstd3' || (ENC === 'page' && !(await incompressible(b)))) z = await compress(b, { codec: 'zstd', level: 3, threads: 1, checksum: ENC !== 'page' });
        const useZ = z !== null && z.length < b.length;
        const head = Buffer.alloc(37);
        Buffer.from(h, 'hex').copy(head, 0); head[32] = useZ ? 1 : 0; head.writeUInt32LE(useZ ? z.length : b.length, 33);
        parts.push(head, useZ ? z : b);
        bytes += len;
        if (bytes >= BATCH || parts.length / 2 >= config.limits.batchChunks) { bodies.push(Buffer.concat(parts)); parts = []; bytes = 0; }
      }
      if (parts.length) bodies.push(Buffer.concat(parts));
      for (const b of bodies) sent += b.length;
      // Preparing the bodies takes longer than the server's keep-alive timeout: the first POST may
      // go out on a socket the server is closing (EPIPE / reset before any answer): send it again.
      let fresh = 4;
      const retried = async (f) => { try { return await f(); } catch (e) { if (fresh-- > 0 && e instanceof TypeError) return retried(f); throw e; } };
      const c0 = cpuOf(child.pid), t0 = performance.now();
      let next = 0;
      const lane = async () => {
        while (next < bodies.length) {
          const i = next++;
          const r = await retried(() => fetch(`${base}/api/chunks`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: bodies[i] }));
          if (!r.ok) throw new Error(`POST /api/chunks ${r.status} ${await r.text()}`);
          await r.arrayBuffer();
        }
      };
      await Promise.all([0, 1, 2, 3].map(lane));
      const c1 = cpuOf(child.pid), t1 = performance.now();
      const r = await fetch(`${base}/api/files`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'up.bin', size: SIZE, blake3: whole, chunks }) });
      if (!r.ok) throw new Error(`commit ${r.status} ${await r.text()}`);
      const c2 = cpuOf(child.pid), t2 = performance.now();
      const dl = Buffer.from(await (await fetch(`${base}/api/files/up.bin`)).arrayBuffer());
      if (hex.encode(blake3(dl)) !== whole) throw new Error('download differs');
      const f = (a, b) => `${(b.user - a.user).toFixed(2)} user + ${(b.sys - a.sys).toFixed(2)} sys`;
      const cpu = (a, b) => b.user - a.user + b.sys - a.sys;
      console.log(`${srv.name}, run ${run}: ${bodies.length} batches, ${(sent / MiB).toFixed(1)} MiB sent; batches ${((SIZE / MiB) / ((t1 - t0) / 1000)).toFixed(0)} MiB/s wall, server ${f(c0, c1)} CPU-s; ` +
        `commit ${((t2 - t1) / 1000).toFixed(2)} s, server ${f(c1, c2)} CPU-s; server in all ${((SIZE / MiB) / cpu(c0, c2)).toFixed(0)} MiB per CPU-s; load ${load()}`);
    } finally {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill(prof.length ? 'SIGINT' : 'SIGTERM');
      if (prof.length) await exited;
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
