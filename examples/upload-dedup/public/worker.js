// The page's worker: chunk + hash a File reading each byte once, and pack
// new chunks into upload batches. Runs the package (chunker-wasm) in this
// module Worker; the page's main thread only posts messages.
//
// Chunk + hash is a two-stage pipeline when the page has two workers:
//   reader: File slice -> whole-file BLAKE3 (incremental hasher) -> transfer the slice ->
//   chunker: FastCDC + BLAKE3 per chunk on the same bytes.
// Slices move by transfer (no copy) over a MessageChannel between the two
// workers, so the File is read once and the two passes run on two cores. With
// one worker, the same slice goes through both in turn.
import { Chunker, blake3, compress, hex, ready } from '/pkg/esm/index.browser.js';

const SLICE = 8 << 20;          // bytes per File read
const IN_FLIGHT = 4;            // slices between reader and chunker (bounded memory: 32 MiB)

const readSlice = async (file, a, b) => {
  const buf = new Uint8Array(await file.slice(a, b).arrayBuffer());
  if (buf.length !== b - a) throw new Error(`file changed while reading (got ${buf.length} of ${b - a} bytes at ${a})`);
  return buf;
};

function newChunker(params) {
  const c = new Chunker({ min: params.min, avg: params.avg, max: params.max, level: params.level, seed: params.seed, hash: 'blake3', threads: params.threads });
  const hashes = [], lengths = [];
  let posted = 0;
  return {
    push(buf) { for (const x of c.push(buf)) { hashes.push(x.hash); lengths.push(x.length); } },
    finish() { for (const x of c.finish()) { hashes.push(x.hash); lengths.push(x.length); } c.free(); return { hashes, lengths }; },
    // the chunks found since the last call (the page draws them as they come)
    fresh() { const r = { hashes: hashes.slice(posted), lengths: lengths.slice(posted) }; posted = hashes.length; return r; },
  };
}

const OPS = {
  info: async () => ready,
  // Loads the codecs module now rather than on the first upload.
  warm: async () => { await compress(new Uint8Array(1), { codec: 'zstd' }); return true; },

  // Both stages in this worker.
  async chunkHash({ file, params }, progress) {
    const h = blake3.create({ threads: params.threads });
    const ch = newChunker(params);
    try {
      for (let a = 0; a < file.size; a += SLICE) {
        const buf = await readSlice(file, a, Math.min(file.size, a + SLICE));
        h.update(buf);
        ch.push(buf);
        progress({ bytes: a + buf.length, ...ch.fresh() });
      }
      const r = ch.finish();
      return { ...r, blake3: hex.encode(h.digest()) };
    } finally { h.free(); }
  },

  // Stage 1: read + whole-file hash, slices handed on through `port`.
  async readHash({ file, port, params }) {
    const h = blake3.create({ threads: params.threads });
    let acked = 0, sent = 0, wake = null;
    port.onmessage = (e) => { acked = e.data.acked; if (wake) { wake(); wake = null; } };
    try {
      for (let a = 0; a < file.size; a += SLICE) {
        while (sent - acked >= IN_FLIGHT) await new Promise((r) => { wake = r; });
        const buf = await readSlice(file, a, Math.min(file.size, a + SLICE));
        h.update(buf);
        port.postMessage({ buf, end: a + buf.length }, [buf.buffer]);
        sent++;
      }
      port.postMessage({ done: true });
      return { blake3: hex.encode(h.digest()) };
    } catch (e) {
      port.postMessage({ error: String(e.message || e) });
      throw e;
    } finally { h.free(); }
  },

  // Stage 2: chunk + per-chunk hash of the slices from `port`.
  chunkFrom({ port, params }, progress) {
    const ch = newChunker(params);
    let acked = 0;
    return new Promise((resolve, reject) => {
      port.onmessage = (e) => {
        const m = e.data;
        if (m.error) { reject(new Error(m.error)); return; }
        if (m.done) { resolve(ch.finish()); port.close(); return; }
        try { ch.push(m.buf); } catch (err) { reject(err); return; }
        port.postMessage({ acked: ++acked });
        progress({ bytes: m.end, ...ch.fresh() });
      };
    });
  },

  // Reads the chunks items ([{ h, off, len }], in file order) of `file` — one
  // read of their span when they lie close together — compresses each (zstd
  // at `level`, or raw when that is not smaller) and POSTs them as one batch
  // (server: one pack).
  async uploadBatch({ file, items, level }) {
    const start = items[0].off, end = items[items.length - 1].off + items[items.length - 1].len;
    const dense = end - start <= 2 * items.reduce((a, it) => a + it.len, 0);
    const span = dense ? await readSlice(file, start, end) : null;
    const parts = [];
    let raw = 0, sent = 0;
    for (const it of items) {
      const bytes = span ? span.subarray(it.off - start, it.off - start + it.len) : await readSlice(file, it.off, it.off + it.len);
      const z = await compress(bytes, { codec: 'zstd', level, threads: 1 });
      const useZ = z.length < bytes.length;
      const head = new Uint8Array(37);
      head.set(hex.decode(it.h), 0);
      head[32] = useZ ? 1 : 0;
      new DataView(head.buffer).setUint32(33, useZ ? z.length : bytes.length, true);
      parts.push(head, useZ ? z : bytes);
      raw += bytes.length; sent += 37 + (useZ ? z.length : bytes.length);
    }
    const body = new Uint8Array(sent);
    for (let p = 0, i = 0; i < parts.length; p += parts[i++].length) body.set(parts[i], p);
    const r = await fetch('/api/chunks', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body });
    const answer = await r.json().catch(() => null);
    if (!r.ok) throw new Error(`POST /api/chunks: ${r.status} ${answer ? `${answer.code}: ${answer.error}` : ''}`);
    return { raw, sent, created: answer.created };
  },

  async hash({ blob }) {
    const h = blake3.create();
    try {
      for (let a = 0; a < blob.size; a += SLICE) h.update(await readSlice(blob, a, Math.min(blob.size, a + SLICE)));
      return { blake3: hex.encode(h.digest()), size: blob.size };
    } finally { h.free(); }
  },
};

self.onmessage = async (e) => {
  const { id, op, args } = e.data;
  const progress = (p) => self.postMessage({ id, progress: p });
  try {
    await ready;
    self.postMessage({ id, ok: await OPS[op](args, progress) });
  } catch (err) {
    self.postMessage({ id, error: String((err && err.message) || err), code: err && err.code });
  }
};
