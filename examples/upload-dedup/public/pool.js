import { createWorkerClient, hex } from '/pkg/esm/index.browser.js';

// A small pool of the package's worker clients (createWorkerClient: a module
// Worker running chunker-wasm) with a FIFO task queue, and the
// page's chunk+hash plan: a large file is cut into segments that the workers
// chunk in parallel; neighbouring results are stitched at the first cut point
// both agree on (FastCDC restarts its state at every cut, so from a common
// cut on the two chunkings are identical).

// One task at a time per worker client (so that a big file's segments spread
// over all workers), FIFO.
const OPS = {
  // Chunks file[start, end) with BLAKE3 per chunk (offsets relative to start);
  // with wholeHash also the whole file's BLAKE3 (a second pass on this worker).
  async chunk(client, { file, start, end, params, wholeHash }, onProgress) {
    const chunks = await client.chunk(file.slice(start, end), { ...params, hash: 'blake3', onProgress });
    const r = { start, end, hashes: chunks.map((c) => c.hash), lengths: chunks.map((c) => c.length) };
    if (wholeHash) r.blake3 = hex.encode(await client.blake3(file));
    return r;
  },
  async hash(client, { blob }, onProgress) {
    return { blake3: hex.encode(await client.blake3(blob, { onProgress })), size: blob.size };
  },
  // One chunk, ready to upload: a zstd-3 frame, or the raw bytes when the
  // frame would not be smaller (incompressible data).
  async compress(client, { file, offset, length }) {
    const raw = new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
    if (raw.length !== length) throw new Error(`file changed while uploading (read ${raw.length} of ${length} bytes)`);
    const z = await client.compress(raw, { codec: 'zstd', level: 3 });
    return z.length < raw.length ? { body: z, encoding: 'zstd' } : { body: raw, encoding: 'raw' };
  },
};

export class Pool {
  constructor(n) {
    this.size = n;
    this.queue = [];
    this.clients = Array.from({ length: n }, () => { const c = createWorkerClient(); c.busy = false; return c; });
    this.ready = Promise.all(this.clients.map((c) => c.ready)).then((infos) => { this.info = infos[0]; });
  }

  // Loads the codecs module (zstd) in every worker now rather than on the first upload.
  warmUp() {
    return Promise.all(this.clients.map((c) => c.compress(new Uint8Array(1), { codec: 'zstd' }).catch(() => {})));
  }

  run(op, args, onProgress) {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, args, onProgress, resolve, reject });
      this._pump();
    });
  }

  _pump() {
    for (const c of this.clients) {
      if (c.busy || !this.queue.length) continue;
      const t = this.queue.shift();
      c.busy = true;
      OPS[t.op](c, t.args, t.onProgress).then(t.resolve, t.reject).finally(() => { c.busy = false; this._pump(); });
    }
  }

  terminate() { for (const c of this.clients) c.terminate(); }
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
