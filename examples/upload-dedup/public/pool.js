// A small pool of module workers (worker.js) with a FIFO task queue, and the
// page's chunk+hash plan: a large file is cut into segments that the workers
// chunk in parallel; neighbouring results are stitched at the first cut point
// both agree on (FastCDC restarts its state at every cut, so from a common
// cut on the two chunkings are identical).

export class Pool {
  constructor(n, url = new URL('./worker.js', import.meta.url)) {
    this.size = n;
    this.queue = [];
    this.tasks = new Map();
    this.nextId = 1;
    this.workers = [];
    this.ready = Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const w = new Worker(url, { type: 'module' });
      w.busy = false;
      w.onerror = (e) => reject(new Error(`worker failed to load: ${e.message || 'error'}`));
      w.onmessage = ({ data }) => {
        if (data.type === 'ready') { this.info = data.info; this.workers.push(w); resolve(); this._pump(); return; }
        const t = this.tasks.get(data.id);
        if (!t) return;
        if (data.type === 'progress') { if (t.onProgress) t.onProgress(data.bytes); return; }
        this.tasks.delete(data.id);
        w.busy = false;
        if (data.type === 'done') t.resolve(data.result);
        else { const e = new Error(data.error); e.code = data.code; t.reject(e); }
        this._pump();
      };
    })));
  }

  run(op, args, onProgress) {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, op, args, onProgress, resolve, reject });
      this._pump();
    });
  }

  _pump() {
    for (const w of this.workers) {
      if (w.busy || !this.queue.length) continue;
      const t = this.queue.shift();
      w.busy = true;
      this.tasks.set(t.id, t);
      w.postMessage({ id: t.id, op: t.op, ...t.args });
    }
  }

  terminate() { for (const w of this.workers) w.terminate(); }
}

export const SEGMENT = 64 << 20;    // bytes per parallel chunking task
export const OVERLAP = 4 << 20;     // each task reads this far into the next segment to find a common cut

// Chunks + hashes `file` on the pool. Returns { chunks: [[hash, length], ...],
// blake3 } exactly as one sequential pass would. onProgress(bytes) reports the
// bytes of the file covered so far (segments counted once).
export async function chunkFile(pool, file, params, onProgress = () => {}) {
  const size = file.size;
  if (pool.size === 1 || size <= SEGMENT + OVERLAP) {
    const r = await pool.run('chunk', { file, start: 0, end: size, params, wholeHash: true }, onProgress);
    return { chunks: r.hashes.map((h, i) => [h, r.lengths[i]]), blake3: r.blake3 };
  }
  const n = Math.ceil(size / SEGMENT);
  const done = new Array(n).fill(0);
  const report = () => onProgress(done.reduce((a, b) => a + b, 0));
  // The whole-file hash is one more sequential pass; queue it first so that it
  // runs next to the segment tasks.
  const whole = pool.run('hash', { blob: file });
  const segs = await Promise.all(Array.from({ length: n }, (_, i) => {
    const start = i * SEGMENT, end = Math.min(size, start + SEGMENT + OVERLAP);
    return pool.run('chunk', { file, start, end, params }, (b) => { done[i] = Math.min(b, SEGMENT); report(); });
  }));
  const chunks = await stitch(pool, file, params, segs, size);
  return { chunks, blake3: (await whole).blake3 };
}

function toList(r, size) {
  const out = [];
  let off = r.start;
  for (let i = 0; i < r.hashes.length; i++) { out.push({ off, len: r.lengths[i], hash: r.hashes[i] }); off += r.lengths[i]; }
  if (r.end < size) out.pop();   // cut only because the slice ended there
  return out;
}

async function stitch(pool, file, params, segs, size) {
  let result = toList(segs[0], size);
  for (let i = 1; i < segs.length; i++) {
    const next = toList(segs[i], size);
    const ends = new Set(result.map((c) => c.off + c.len));
    const j = next.findIndex((c) => c.off + c.len > segs[i].start && ends.has(c.off + c.len));
    if (j >= 0) {
      const cut = next[j].off + next[j].len;
      result = result.filter((c) => c.off + c.len <= cut).concat(next.slice(j + 1));
    } else {
      // No common cut inside the overlap (never seen in practice): chunk on
      // sequentially from the last true boundary.
      const from = result.length ? result[result.length - 1].off + result[result.length - 1].len : 0;
      const end = i + 1 < segs.length ? segs[i].end : size;
      const r = await pool.run('chunk', { file, start: from, end, params });
      result = result.concat(toList(r, size));
    }
  }
  return result.map((c) => [c.hash, c.len]);
}
