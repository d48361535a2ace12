// What Chromium costs to send upload batches from a page worker to a server on
// 127.0.0.1, per transport, with nothing else running in the page: the
// upload-dedup demo POSTs each batch body as a fetch() of a Blob; the
// question (issue 17, "new data uploaded at >= 100 MiB/s") is whether one
// WebSocket per worker (ws.send(ArrayBuffer)) costs Chromium less.
//
// A tiny page (cross-origin isolated, as the demo's) starts BENCH_WORKERS
// dedicated workers; each fills one batch of random bytes once and sends
// it BENCH_SIZE / workers / batch times (the first 8 bytes stamped with the
// worker and batch number, so no two bodies are alike), at most BENCH_INFLIGHT
// batches unanswered per worker (the demo's 2), as
//   blob:  fetch POST, body new Blob([bytes])  (the demo's default)
//   bytes: fetch POST, body the bytes          (the demo's ?body=bytes)
//   ws:    ws.send(bytes) on one WebSocket per worker, the server answers
//          each message with a small text frame
// The server runs as its own node process (this file with argument `server`):
// it reads and drops every body (WebSocket frames through the demo server's
// own reader, examples/upload-dedup/websocket.mjs) and checks the SHA-256 of each worker's first
// body against the page's. Chromium is driven over the raw DevTools pipe
// (bench/js/cdp.mjs: no Network domain, which copies request bodies).
//
// Per run: wall MiB/s (in the page: first send to last answer) and the CPU
// seconds of that window per process kind (Chromium's browser, renderer,
// network service, gpu, other; the server; this benchmark process: driver and
// CPU poller) and per thread (polled /proc/<pid>/task/*/stat, as
// demo_upload_bench.mjs), scaled to per 128 MiB.
//
//   node bench/js/ws_transport.mjs
//   BENCH_MODES=blob,ws,bytes BENCH_RUNS=3 BENCH_WORKERS=1 BENCH_SIZE=128M BENCH_BATCH_MIB=8 BENCH_INFLIGHT=2 node bench/js/ws_transport.mjs
//
// Prints a line per run, a table (median and range per mode) and one JSON line.
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { accept, refusal } from '../../examples/upload-dedup/websocket.mjs';
import { chromiumKind, cpuOf, descendants, statFields, threadPoller } from './proc_cpu.mjs';

const MiB = 1 << 20;

// ---------------------------------------------------------------- server

// Counts each body's bytes and hashes the body of every worker's batch 0
// (the stamp: worker u32 LE | batch u32 LE).
function sink(stats) {
  let n = 0, head = Buffer.alloc(0), hash = null;
  return {
    feed(piece) {
      let rest = piece;
      if (head.length < 8) {
        const take = Math.min(8 - head.length, piece.length);
        head = Buffer.concat([head, piece.subarray(0, take)]);
        rest = piece.subarray(take);
        if (head.length === 8 && head.readUInt32LE(4) === 0) hash = crypto.createHash('sha256').update(head);
      }
      if (hash && rest.length) hash.update(rest);
      n += piece.length;
    },
    end() {
      stats.messages++; stats.bytes += n;
      if (hash) stats.first[head.readUInt32LE(0)] = hash.digest('hex');
      return n;
    },
  };
}

const MAX_MESSAGE = 64 * MiB;   // the demo's batch body limit

function runServer() {
  const stats = { messages: 0, bytes: 0, first: {} };
  const isolation = {
    'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store',
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/sink') {
      const s = sink(stats);
      req.on('data', (d) => s.feed(d));
      req.on('end', () => { s.end(); res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"ok":true}'); });
      return;
    }
    const page = { '/': ['text/html', PAGE], '/w.js': ['text/javascript', WORKER] }[req.url];
    if (!page) { res.writeHead(404, isolation); res.end(); return; }
    res.writeHead(200, { ...isolation, 'Content-Type': page[0] });
    res.end(page[1]);
  });
  // The demo server's WebSocket (examples/upload-dedup/websocket.mjs): each
  // message read to its end, answered with a small text frame.
  server.on('upgrade', async (req, socket, head) => {
    if (req.url !== '/ws' || refusal(req)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.on('error', () => {});
    const conn = accept(req, socket, head, { maxMessage: MAX_MESSAGE });
    for (let body; (body = await conn.nextMessage()) !== null;) {
      const s = sink(stats);
      try {
        for (let x; (x = await body.next()) !== null;) s.feed(x);
      } catch { return; }   // the socket closed mid-message
      s.end();
      conn.send('ok');
    }
  });
  process.on('message', (m) => {
    if (m === 'stats') { process.send({ stats }); stats.messages = 0; stats.bytes = 0; stats.first = {}; }
    if (m === 'exit') process.exit(0);
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}

// ---------------------------------------------------------------- page

const PAGE = `<!doctype html><meta charset="utf-8"><title>transport</title><script>
// prep(o): starts o.workers workers and has each make its batch (and the SHA-256
// of its first body, and its WebSocket) -> [hex per worker]; go(): starts them
// together -> { ms, bytes }.
let ws = [];
const ask = (w, m) => new Promise((res, rej) => { w.onmessage = (e) => e.data.error ? rej(new Error(e.data.error)) : res(e.data); w.onerror = (e) => rej(new Error(e.message)); w.postMessage(m); });
window.prep = async (o) => {
  ws = Array.from({ length: o.workers }, () => new Worker('/w.js'));
  return (await Promise.all(ws.map((w, i) => ask(w, { ...o, cmd: 'init', id: i })))).map((f) => f.digest);
};
window.go = async () => {
  const t0 = performance.now();
  const done = await Promise.all(ws.map((w) => ask(w, { cmd: 'go' })));
  const ms = performance.now() - t0;
  ws.forEach((w) => w.terminate());
  return { ms, bytes: done.reduce((a, d) => a + d.bytes, 0) };
};
window.ready = true;
</script>`;

const WORKER = `
let o, buf, dv, sock, acks = [];
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const stamp = (b) => { dv.setUint32(0, o.id, true); dv.setUint32(4, b, true); };
async function post(body) {
  const r = await fetch('/sink', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body });
  if (!r.ok) throw new Error('POST ' + r.status);
  await r.json();
}
onmessage = async ({ data: m }) => {
  try {
    if (m.cmd === 'init') {
      o = m;
      buf = new Uint8Array(o.batch); dv = new DataView(buf.buffer);
      for (let i = 0; i < buf.length; i += 65536) crypto.getRandomValues(buf.subarray(i, i + 65536));
      stamp(0);
      const digest = hex(await crypto.subtle.digest('SHA-256', buf));
      if (o.mode === 'ws') {
        sock = new WebSocket('ws://' + location.host + '/ws');
        sock.binaryType = 'arraybuffer';
        await new Promise((res, rej) => { sock.onopen = res; sock.onerror = () => rej(new Error('WebSocket failed')); });
        sock.onmessage = () => acks.shift().res();
        sock.onclose = () => { for (const a of acks) a.rej(new Error('WebSocket closed')); acks = []; };
      }
      postMessage({ digest });
    } else if (m.cmd === 'go') {
      const n = o.batches, pending = [];
      for (let b = 0; b < n; b++) {
        while (pending.length >= o.inFlight) await pending.shift();
        stamp(b);
        let p;
        if (o.mode === 'ws') {
          p = new Promise((res, rej) => acks.push({ res, rej }));
          sock.send(buf);   // copies the bytes when called (the buffer is restamped next)
        } else p = post(o.mode === 'blob' ? new Blob([buf]) : buf);
        p.catch(() => {});
        pending.push(p);
      }
      for (const p of pending) await p;
      if (sock) sock.close();
      postMessage({ bytes: n * buf.length });
    }
  } catch (e) { postMessage({ error: String(e && e.message || e) }); }
};`;

// ---------------------------------------------------------------- benchmark

// This process and its descendants, each with its kind: Chromium's by --type=, the server, 'bench'.
const myProcesses = (serverPid) =>
  [[process.pid, 'bench'], ...descendants().map((pid) => [pid, pid === serverPid ? 'server' : chromiumKind(pid)])];
// CPU seconds per process kind (a process's stat includes its exited threads).
function cpuByKind(procs) {
  const by = { browser: 0, renderer: 0, network: 0, gpu: 0, other: 0, server: 0, bench: 0 };
  for (const [pid, kind] of procs) {
    try { by[kind] += cpuOf(statFields(`/proc/${pid}/stat`).f); } catch { /* exited */ }
  }
  return by;
}

async function runBench() {
  const { launchRaw } = await import('./cdp.mjs');
  const parseSize = (s) => { const m = /^(\d+)([KMG]?)$/i.exec(s); return Number(m[1]) * { '': 1, K: 1024, M: MiB, G: 1 << 30 }[m[2].toUpperCase()]; };
  const SIZE = parseSize(process.env.BENCH_SIZE || '128M');
  const BATCH = (Number(process.env.BENCH_BATCH_MIB) || 8) * MiB;
  const WORKERS = Number(process.env.BENCH_WORKERS || 1);
  const INFLIGHT = Number(process.env.BENCH_INFLIGHT || 2);
  const RUNS = Number(process.env.BENCH_RUNS || 3);
  const MODES = (process.env.BENCH_MODES || 'blob,ws').split(',');
  const batches = Math.round(SIZE / BATCH / WORKERS);
  const total = batches * WORKERS * BATCH;
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const per128 = (c) => c * (128 * MiB) / total;

  const server = fork(fileURLToPath(import.meta.url), ['server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const fromServer = () => new Promise((r) => server.once('message', r));
  const { port } = await fromServer();
  const base = `http://127.0.0.1:${port}`;
  const browser = await launchRaw();
  const results = [];
  try {
    for (let round = 0; round < RUNS; round++) {
      for (const mode of round % 2 ? [...MODES].reverse() : MODES) {
        const page = await browser.newPage();
        try {
          await page.goto(`${base}/`);
          await page.waitForFunction(() => window.ready === true && self.crossOriginIsolated, null, { timeout: 30000 });
          const first = await page.evaluate((o) => window.prep(o), { mode, workers: WORKERS, batch: BATCH, batches, inFlight: INFLIGHT });
          const procs = myProcesses(server.pid);
          const threads = threadPoller();
          const loadBefore = load();
          threads.start(procs);
          const c0 = cpuByKind(procs);
          const r = await page.evaluate(() => window.go());
          const c1 = cpuByKind(procs);
          const byThread = Object.fromEntries([...threads.stop()].map(([k, cs]) => [k, cs.reduce((x, y) => x + y, 0)]));
          server.send('stats');
          const { stats } = await fromServer();
          if (r.bytes !== total || stats.bytes !== total || stats.messages !== batches * WORKERS) throw new Error(`${mode}: sent ${r.bytes}, server got ${stats.bytes} in ${stats.messages} bodies, expected ${total}`);
          first.forEach((d, i) => { if (stats.first[i] !== d) throw new Error(`${mode}: worker ${i}'s first body arrived with SHA-256 ${stats.first[i]}, sent ${d}`); });
          const cpu = {};
          for (const k of Object.keys(c1)) cpu[k] = +per128(c1[k] - c0[k]).toFixed(2);
          const chromium = +(cpu.browser + cpu.renderer + cpu.network + cpu.gpu + cpu.other).toFixed(2);
          const top = Object.entries(byThread).filter(([, c]) => per128(c) >= 0.03).sort((a, b) => b[1] - a[1]).map(([k, c]) => [k, +per128(c).toFixed(2)]);
          results.push({ mode, round, workers: WORKERS, mib_s: +(total / MiB / (r.ms / 1000)).toFixed(1), ms: Math.round(r.ms), chromium, cpu, threads: top, load_before: loadBefore, load_after: load() });
          console.error(`round ${round} ${mode}: ${results.at(-1).mib_s} MiB/s; CPU-s per 128 MiB: Chromium ${chromium} (${['browser', 'renderer', 'network', 'gpu', 'other'].map((k) => `${k} ${cpu[k]}`).join(', ')}), server ${cpu.server}, bench ${cpu.bench} (load ${loadBefore} -> ${load()})`);
          console.error(`  by thread: ${top.slice(0, 10).map(([k, c]) => `${k} ${c}`).join(', ')}`);
        } finally { await page.close(); }
      }
    }
  } finally {
    await browser.close();
    server.send('exit');
  }

  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  const range = (xs) => `${Math.min(...xs)}–${Math.max(...xs)}`;
  console.log(`\nupload transport from ${WORKERS} page worker(s), headless Chromium (raw DevTools pipe), ${os.cpus().length} CPUs: ${total / MiB} MiB in ${BATCH / MiB} MiB bodies, ${INFLIGHT} in flight per worker; ${RUNS} runs; median (range); CPU-s per 128 MiB; load now ${load()}`);
  console.log('| transport | MiB/s | Chromium CPU-s | browser | renderer | network | gpu+other | server | bench (driver, poller) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const fmt = (xs) => `${+med(xs).toFixed(2)} (${range(xs)})`;
  for (const mode of MODES) {
    const rs = results.filter((r) => r.mode === mode);
    console.log(`| ${mode} | ${fmt(rs.map((r) => r.mib_s))} | ${fmt(rs.map((r) => r.chromium))} | ${fmt(rs.map((r) => r.cpu.browser))} | ${fmt(rs.map((r) => r.cpu.renderer))} | ${fmt(rs.map((r) => r.cpu.network))} | ${fmt(rs.map((r) => +(r.cpu.gpu + r.cpu.other).toFixed(2)))} | ${fmt(rs.map((r) => r.cpu.server))} | ${fmt(rs.map((r) => r.cpu.bench))} |`);
  }
  for (const mode of MODES) {
    const rs = results.filter((r) => r.mode === mode);
    const best = rs.reduce((a, b) => (b.chromium < a.chromium ? b : a));
    console.log(`${mode}, threads of the run with the least Chromium CPU (${best.chromium}): ${best.threads.map(([k, c]) => `${k} ${c}`).join(', ')}`);
  }
  console.log(JSON.stringify({ bench: 'ws_transport', size: total, batch: BATCH, workers: WORKERS, in_flight: INFLIGHT, cpus: os.cpus().length, results }));
}

// (last: everything above is defined by then)
if (process.argv[2] === 'server') runServer();
else await runBench();
