// A small pool of the page's workers (worker.js: the package in a module
// Worker) with a message-id RPC, and the two jobs the page gives them:
// chunk + hash a file (each byte read once, through one stream; with two
// workers the reading + whole-file hash and the chunking run side by side) and upload new chunks in batches (one POST, one
// server-side pack per batch).

class PageWorker {
  constructor() {
    this.w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.calls = new Map();
    this.next = 1;
    this.busy = 0;
    this.w.onmessage = (e) => {
      const m = e.data, c = this.calls.get(m.id);
      if (!c) return;
      if (m.progress) { if (c.onProgress) c.onProgress(m.progress); return; }
      this.calls.delete(m.id);
      this.busy--;
      if ('ok' in m) c.resolve(m.ok);
      else { const err = new Error(m.error); err.code = m.code; c.reject(err); }
    };
    this.w.onerror = (e) => {
      const err = new Error(`page worker failed: ${e.message || 'load error'}`);
      for (const c of this.calls.values()) c.reject(err);
      this.calls.clear();
      this.dead = err;
    };
  }

  call(op, args, { transfer = [], onProgress } = {}) {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      const id = this.next++;
      this.calls.set(id, { resolve, reject, onProgress });
      this.busy++;
      this.w.postMessage({ id, op, args }, transfer);
    });
  }

  terminate() { this.w.terminate(); }
}

export class Pool {
  constructor(n) {
    this.size = n;
    this.workers = Array.from({ length: n }, () => new PageWorker());
    this.ready = Promise.all(this.workers.map((w) => w.call('info'))).then((infos) => { this.info = infos[0]; });
  }

  warmUp() { return Promise.all(this.workers.map((w) => w.call('warm').catch(() => {}))); }

  // The least busy worker.
  pick() { return this.workers.reduce((a, b) => (b.busy < a.busy ? b : a)); }

  run(op, args, opts) { return this.pick().call(op, args, opts); }

  terminate() { for (const w of this.workers) w.terminate(); }
}

// Chunks + hashes `file`: { chunks: [[hash, length], ...], blake3 }.
// onProgress(bytes, newChunks) reports progress and the chunks found so far.
// stageThreads: pthreads per stage in the threads variant (default: 1).
// stallReads (tests): read numbers the reader treats as stalled (worker.js, wholeReader).
export async function chunkFile(pool, file, params, onProgress = () => {}, { stageThreads = 1, stallReads } = {}) {
  const chunks = [];
  const take = (p) => {
    for (let i = 0; i < p.hashes.length; i++) chunks.push([p.hashes[i], p.lengths[i]]);
    onProgress(p.bytes, chunks);
  };
  // In the threads variant each stage may spread its hashing over the
  // module's pthreads; with two stages on two workers one thread each keeps
  // the two cores busy without oversubscribing them.
  if (pool.size === 1) {
    const r = await pool.workers[0].call('chunkHash', { file, params: { ...params, threads: undefined, stallReads } }, { onProgress: take });
    return { chunks: r.hashes.map((h, i) => [h, r.lengths[i]]), blake3: r.blake3 };
  }
  // One worker reads the file and hashes it whole, the other chunks it; buffers go back and forth (worker.js, stage).
  const [reader, chunker] = pool.workers;
  const ch = new MessageChannel();
  const p1 = { ...params, threads: stageThreads, stallReads };
  const [whole, list] = await Promise.all([
    reader.call('stage', { file, port: ch.port1, params: p1, role: 'read' }, { transfer: [ch.port1] }),
    chunker.call('stage', { file, port: ch.port2, params: p1, role: 'chunk' }, { transfer: [ch.port2], onProgress: take }),
  ]);
  return { chunks: list.hashes.map((h, i) => [h, list.lengths[i]]), blake3: whole.blake3 };
}

// Uploads the new chunks `todo` ([{ h, off, len }] in file order) of `file`
// in batches of about `batchBytes` raw bytes (at most maxChunks each; one POST,
// one pack each). The batches are split into one contiguous run per worker:
// each worker reads its run of the file in one sequential pass, compresses and
// POSTs batch after batch, `inFlight` requests at a time, so that the workers
// read and compress while the server stores. bodyType: 'blob' (default) or
// 'bytes' (worker.js, uploadRange); transport: 'post' (default) or 'ws' (one
// WebSocket per worker, POSTs where it does not open). onBatch(result, items).
// -> the transport each worker used.
export async function uploadChunks(pool, file, todo, { batchBytes = 8 << 20, maxChunks = 4096, level = 3, probe = true, inFlight = 2, stallReads, bodyType, transport, onBatch = () => {} } = {}) {
  const batches = [];
  let total = 0;
  for (let i = 0; i < todo.length;) {
    const items = [];
    let bytes = 0;
    while (i < todo.length && items.length < maxChunks && (bytes === 0 || bytes + todo[i].len <= batchBytes)) { items.push(todo[i]); bytes += todo[i++].len; }
    batches.push({ items, bytes });
    total += bytes;
  }
  // Runs of about equal bytes, one per worker (fewer when there are fewer batches).
  const runs = [];
  for (let b = 0, w = 0, acc = 0; b < batches.length; w++) {
    const run = [];
    const goal = (total * (w + 1)) / pool.size;
    do { run.push(batches[b]); acc += batches[b++].bytes; } while (b < batches.length && acc + batches[b].bytes / 2 <= goal);
    runs.push(run);
  }
  const done = await Promise.all(runs.map((run, w) => pool.workers[w].call('uploadRange', { file, batches: run.map((x) => x.items), level, probe, inFlight, stallReads, bodyType, transport }, {
    onProgress: (p) => onBatch(p.result, run[p.batch].items),
  })));
  return done.map((d) => d.transport);
}
