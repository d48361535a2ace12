// The demo page: pick/drop files → chunk + hash in workers → ask the server
// which chunks it lacks → compress and upload only those → commit a manifest.
// window.__demo exposes the same steps to the tests and the benchmark.
import { Pool, chunkFile, uploadChunks } from './pool.js';

const $ = (s) => document.querySelector(s);
const q = new URLSearchParams(location.search);
const MiB = 1 << 20;
const fmt = (n) => (n >= MiB ? `${(n / MiB).toFixed(n >= 100 * MiB ? 0 : 1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const rate = (bytes, ms) => (ms > 0 ? `${(bytes / MiB / (ms / 1000)).toFixed(1)} MiB/s` : '–');
// zstd level of uploaded chunks (?level=1..19). Batches of about 8 MiB: one request, one pack,
// one round of fsyncs on the server per batch.
const LEVEL = Math.min(19, Math.max(1, Number(q.get('level')) || 3));
const BATCH_BYTES = (Number(q.get('batchMiB')) || 8) << 20;
// ?probe=0: zstd every chunk (no sampled compressibility probe first).
const PROBE = q.get('probe') !== '0';
const STAGE_THREADS = Number(q.get('stageThreads')) || 1;   // pthreads per chunk/hash stage (threads variant)
// ?body=bytes: batch bodies as the bytes instead of a Blob (worker.js, uploadRange; the benchmark compares them).
const BODY = q.get('body') === 'bytes' ? 'bytes' : 'blob';
// Batches go over one WebSocket per worker (GET /api/chunks/ws; POSTs where the socket does not
// open: worker.js, openBatchSocket); ?upload=post: a POST each.
const TRANSPORT = q.get('upload') === 'post' ? 'post' : 'ws';

async function api(path, opts = {}) {
  const r = await fetch(path, opts);
  const body = (r.headers.get('content-type') || '').startsWith('application/json') ? await r.json() : null;
  if (!r.ok) {
    const e = new Error(`${opts.method || 'GET'} ${path}: ${r.status} ${body ? `${body.code}: ${body.error}` : ''}`);
    e.status = r.status; e.body = body;
    throw e;
  }
  return body;
}
const postJson = (path, obj) => api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(obj) });

const config = await api('/api/config');
const nWorkers = Number(q.get('workers')) || Math.max(1, Math.min(2, navigator.hardwareConcurrency || 2));
const pool = new Pool(nWorkers);
await pool.ready;
pool.warmUp();
$('#nworkers').textContent = nWorkers;
const c = config.chunking;
$('#env').textContent = `package variant: ${pool.info.variant} (${pool.info.threads} thread${pool.info.threads > 1 ? 's' : ''} per worker, BLAKE3 ${pool.info.blake3Backend}) · ` +
  `cross-origin isolated: ${globalThis.crossOriginIsolated ? 'yes' : 'no'} · chunking ${fmt(c.min)} / ${fmt(c.avg)} / ${fmt(c.max)}`;

const localHashes = new Map();   // name -> BLAKE3 computed here at upload time
const uploads = [];              // per-file summaries (read by tests)

// ---- one file's card: progress bar, stats line, chunk strip ----
function card(name, size) {
  const el = document.createElement('div');
  el.className = 'file';
  el.innerHTML = '<div class="top"><span class="name"></span><span class="state"></span></div><progress max="1" value="0"></progress><canvas></canvas><div class="stats"></div>';
  el.querySelector('.name').textContent = `${name} (${fmt(size)})`;
  $('#uploads').prepend(el);
  const canvas = el.querySelector('canvas');
  let chunks = [], marks = null, queued = false;
  const COLORS = ['#c9ced8', '#35a66b', '#f0a030', '#2f6fde'];
  function draw() {
    queued = false;
    const W = (canvas.width = Math.max(1, Math.round(canvas.clientWidth * devicePixelRatio)));
    const H = (canvas.height = Math.round(18 * devicePixelRatio));
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, W, H);
    let off = 0;
    chunks.forEach(([, len], i) => {
      const x0 = (off / size) * W, x1 = ((off + len) / size) * W;
      g.fillStyle = COLORS[marks ? marks[i] : 0];
      g.fillRect(x0, 0, Math.max(1, x1 - x0), H);
      if (chunks.length <= W / 3 && i) { g.fillStyle = '#fff'; g.fillRect(x0, 0, 1, H); }   // chunk borders when they fit
      off += len;
    });
  }
  return {
    el,
    state(text, cls = '') { const s = el.querySelector('.state'); s.textContent = text; s.className = `state ${cls}`; },
    progress(v) { el.querySelector('progress').value = v; },
    stats(text) { el.querySelector('.stats').textContent = text; },
    strip(list, m) { chunks = list; marks = m; if (!queued) { queued = true; requestAnimationFrame(draw); } },
  };
}

// ---- the upload of one file ----
async function uploadFile(file, name) {
  const ui = card(name, file.size);
  const s = { name, size: file.size, state: 'hashing', chunks: 0, uniqueChunks: 0, newChunks: 0, chunksSent: 0, batches: 0, bytesSent: 0, newBytes: 0, hashMs: 0, uploadMs: 0 };
  uploads.push(s);
  try {
    ui.state('chunking + hashing…');
    const t0 = performance.now();
    const { chunks, blake3 } = await chunkFile(pool, file, config.chunking, (b) => {
      ui.progress(file.size ? b / file.size : 1);
      ui.stats(`chunking + hashing ${fmt(b)} of ${fmt(file.size)} · ${rate(b, performance.now() - t0)} · each byte read once`);
    }, { stageThreads: STAGE_THREADS });
    s.hashMs = performance.now() - t0;
    s.chunks = chunks.length;
    s.blake3 = blake3;
    localHashes.set(name, blake3);
    const marks = new Uint8Array(chunks.length);   // 0 pending, 1 stored, 2 new, 3 sent
    ui.strip(chunks, marks);

    ui.state('asking the server…');
    s.state = 'asking';
    const unique = [...new Set(chunks.map((x) => x[0]))];
    s.uniqueChunks = unique.length;
    const missing = new Set();
    for (let i = 0; i < unique.length; i += config.limits.missingHashes) {
      for (const h of (await postJson('/api/missing', { hashes: unique.slice(i, i + config.limits.missingHashes) })).missing) missing.add(h);
    }
    // First occurrence of each missing chunk: what to send.
    const todo = [];
    const where = new Map();   // missing hash -> indices in the file
    let off = 0;
    chunks.forEach(([h, len], i) => {
      marks[i] = missing.has(h) ? 2 : 1;
      if (missing.has(h)) {
        if (!where.has(h)) { where.set(h, []); todo.push({ h, off, len }); s.newBytes += len; }
        where.get(h).push(i);
      }
      off += len;
    });
    s.newChunks = todo.length;
    ui.strip(chunks, marks);

    ui.state(todo.length ? `uploading ${todo.length} new chunk(s)…` : 'nothing new to upload');
    s.state = 'uploading';
    ui.progress(0);
    const t1 = performance.now();
    let rawDone = 0;
    const showUpload = () => {
      ui.progress(s.newBytes ? rawDone / s.newBytes : 1);
      ui.stats(`sent ${s.chunksSent} of ${todo.length} new chunks · ${fmt(rawDone)} of ${fmt(s.newBytes)} new bytes as ${fmt(s.bytesSent)} (zstd) · ${rate(rawDone, performance.now() - t1)}`);
    };
    const send = async (list) => { s.transports = await uploadChunks(pool, file, list, {
      batchBytes: BATCH_BYTES, maxChunks: config.limits.batchChunks, level: LEVEL, probe: PROBE, bodyType: BODY, transport: TRANSPORT,
      onBatch(r, items) {
        s.batches++;
        s.chunksSent += items.length;
        s.bytesSent += r.sent;
        rawDone += r.raw;
        for (const it of items) for (const i of where.get(it.h) || []) marks[i] = 3;
        ui.strip(chunks, marks);
        showUpload();
      },
    }); };
    await send(todo);
    s.uploadMs = performance.now() - t1;

    ui.state('committing…');
    const manifest = { name, size: file.size, blake3, chunks };
    try {
      await postJson('/api/files', manifest);
    } catch (e) {
      // A gc may have condemned a pack between /missing and the commit: send those chunks again, once.
      if (e.status !== 409 || !e.body || !Array.isArray(e.body.missing)) throw e;
      await send(firstOccurrences(chunks, new Set(e.body.missing)));
      await postJson('/api/files', manifest);
    }
    s.state = 'done';
    s.bytesSaved = file.size - s.bytesSent;
    ui.progress(1);
    ui.state(todo.length ? 'stored ✓' : 'stored ✓ (all chunks were already there)', 'ok');
    ui.stats(`${chunks.length} chunks, ${chunks.length - marks.filter((m) => m === 3).length} already stored · ` +
      `hashed at ${rate(file.size, s.hashMs)} · sent ${s.chunksSent} chunk(s), ${fmt(s.bytesSent)}` +
      `${s.chunksSent ? ` at ${rate(s.newBytes, s.uploadMs)}` : ''} · saved ${fmt(s.bytesSaved)} (${file.size ? ((100 * s.bytesSaved) / file.size).toFixed(1) : 100} %)`);
  } catch (e) {
    s.state = 'error';
    s.error = e.message;
    ui.state(`failed: ${e.message}`, 'err');
    console.error(e);
  }
  return s;
}

async function uploadAll(items) {
  const out = [];
  for (const { file, name } of items) out.push(await uploadFile(file, name));
  await refresh();
  return out;
}

// ---- stored files + verified download ----
async function download(name, { save = true } = {}) {
  const r = await fetch(`/api/files/${encodeURIComponent(name)}`);
  if (!r.ok) throw new Error(`download ${name}: HTTP ${r.status}`);
  const blob = await r.blob();
  const { blake3, size } = await pool.run('hash', { blob });
  const expected = [r.headers.get('x-blake3'), localHashes.get(name)].filter(Boolean);
  const ok = expected.length > 0 && expected.every((h) => h === blake3);
  if (ok && save) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name.split('/').pop();
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }
  return { ok, blake3, size, expected };
}

async function refresh() {
  const { files } = await api('/api/files');
  const tb = $('#stored tbody');
  tb.textContent = '';
  for (const f of files) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td></td><td></td><td></td><td class="hash"></td><td><button class="btn small">download</button> <span></span></td>';
    tr.cells[0].textContent = f.name;
    tr.cells[1].textContent = fmt(f.size);
    tr.cells[2].textContent = f.chunks;
    tr.cells[3].textContent = `${f.blake3.slice(0, 16)}…`;
    tr.cells[3].title = f.blake3;
    const out = tr.cells[4].querySelector('span');
    tr.querySelector('button').onclick = async () => {
      out.textContent = 'verifying…'; out.className = '';
      try {
        const v = await download(f.name);
        out.textContent = v.ok ? 'verified ✓' : `MISMATCH (${v.blake3.slice(0, 12)}…)`;
        out.className = v.ok ? 'ok' : 'err';
      } catch (e) { out.textContent = e.message; out.className = 'err'; }
    };
    tb.append(tr);
  }
  const st = await api('/api/stats');
  $('#storeinfo').textContent = `store: ${st.chunks} unique chunks in ${st.packs} pack(s), ${fmt(st.bytesOnDisk)} on disk, ${files.length} file(s)`;
}

// ---- input: file pickers and drag-and-drop (folders through webkitGetAsEntry) ----
const fromInput = (input) => [...input.files].map((file) => ({ file, name: file.webkitRelativePath || file.name }));
$('#files').onchange = (e) => { uploadAll(fromInput(e.target)); e.target.value = ''; };
$('#folder').onchange = (e) => { uploadAll(fromInput(e.target)); e.target.value = ''; };

async function walk(entry, out) {
  if (entry.isFile) {
    out.push({ file: await new Promise((res, rej) => entry.file(res, rej)), name: entry.fullPath.replace(/^\/+/, '') });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (!batch.length) break;
      for (const e of batch) await walk(e, out);
    }
  }
}
const drop = $('#drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', async (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
  const items = [];
  if (entries.length) for (const en of entries) await walk(en, items);
  else for (const file of e.dataTransfer.files) items.push({ file, name: file.name });
  uploadAll(items);
});
$('#refresh').onclick = refresh;
await refresh();

// The first occurrence of each chunk whose hash is in `set`: [{ h, off, len }].
function firstOccurrences(chunks, set) {
  const seen = new Set(), out = [];
  let off = 0;
  for (const [h, len] of chunks) {
    if (set.has(h) && !seen.has(h)) { seen.add(h); out.push({ h, off, len }); }
    off += len;
  }
  return out;
}

// Chunk + hash only (the benchmark, the tests): a fresh pool of n workers; opts go to chunkFile.
async function benchChunk(file, n, opts = {}) {
  const p = new Pool(n);
  await p.ready;
  try {
    const t0 = performance.now();
    const r = await chunkFile(p, file, config.chunking, undefined, { stageThreads: STAGE_THREADS, ...opts });
    return { ms: performance.now() - t0, chunks: r.chunks.length, blake3: r.blake3, variant: p.info.variant, hashes: r.chunks.map((x) => x[0]) };
  } finally {
    p.terminate();
  }
}

// Sends chunks [{ h, off, len }] (file order) of `file` as the upload does, no commit (the tests):
// -> { batches, chunks, created, transports }; opts go to uploadChunks (batchBytes, stallReads, transport, ...).
async function sendChunks(file, items, opts = {}) {
  const out = { batches: 0, chunks: 0, created: 0 };
  out.transports = await uploadChunks(pool, file, items, {
    batchBytes: BATCH_BYTES, maxChunks: config.limits.batchChunks, level: LEVEL, probe: PROBE, bodyType: BODY, transport: TRANSPORT, ...opts,
    onBatch(r, list) { out.batches++; out.chunks += list.length; out.created += r.created; },
  });
  return out;
}

window.__demo = { config, info: pool.info, workers: nWorkers, uploads, uploadAll, download, refresh, benchChunk, sendChunks, ready: true };
