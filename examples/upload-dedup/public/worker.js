// The page's worker: chunk + hash a File reading each byte once, and pack
// new chunks into upload batches. Runs the package (chunker-wasm) in this
// module Worker; the page's main thread only posts messages.
//
// With two workers, chunk + hash runs as two stages on two cores: one worker
// computes the whole-file BLAKE3 (incremental hasher), the other FastCDC +
// BLAKE3 per chunk, both over every 32 MiB slice in order. Each slice is read
// from the File once, by one of them (they alternate), and copied to the other
// through a SharedArrayBuffer: reading a File costs far more than copying
// memory. Pages that are not cross-origin isolated have no shared memory: the
// hash worker reads every slice and transfers it to the chunk worker.
// With one worker, each slice goes through both passes in turn.
import { Chunker, blake3, compress, hex, ready } from '/pkg/esm/index.browser.js';

// Bytes per File read. Chromium's cost of reading a disk-backed File falls with
// the read size (one worker, 1 GiB: 8 MiB reads 140 MiB per CPU-second, 32 MiB
// 194; bench/js/demo_read_floor.mjs), and reading is most of chunk + hash.
const SLICE = 32 << 20;
const IN_FLIGHT = 2;            // slices one stage may run ahead of the other (bounded memory)

const readSlice = async (file, a, b) => {
  const buf = new Uint8Array(await file.slice(a, b).arrayBuffer());
  if (buf.length !== b - a) throw new Error(`file changed while reading (got ${buf.length} of ${b - a} bytes at ${a})`);
  return buf;
};

// Reading into a reused buffer: in Chromium each fresh ArrayBuffer a read
// returns (slice().arrayBuffer(), a default stream reader's chunks,
// FileReaderSync) costs the renderer far more than the read itself — 1 GiB
// takes ~6.5 CPU-s that way and ~1.7 CPU-s through a BYOB reader of
// Blob.stream() filling one reused buffer (bench/js/demo_read_floor.mjs).
// Buffers come from a small per-worker pool; give() returns one. Used for the
// chunk + hash reads; uploadBatch still reads its span with slice(): with
// pooled BYOB reads there, the last batch of a 256 MiB upload never finished
// reading (not understood yet).
const pool = [];
const take = (n) => { const i = pool.findIndex((b) => b.byteLength >= n); return i >= 0 ? pool.splice(i, 1)[0] : new ArrayBuffer(Math.max(n, SLICE)); };
const give = (buf) => { if (pool.length < 3) pool.push(buf); };
let byob = true;   // false once Blob.stream() turned out not to be a byte stream here
// file[a, b) -> a Uint8Array over a pool buffer (give(view.buffer) when done with it).
async function readPooled(file, a, b) {
  const want = b - a;
  if (byob) {
    let r;
    try { r = file.slice(a, b).stream().getReader({ mode: 'byob' }); } catch { byob = false; }
    if (r) {
      let buf = take(want), off = 0;
      while (off < want) {
        const { value, done } = await r.read(new Uint8Array(buf, off, want - off));
        if (value) buf = value.buffer;   // the read transfers the buffer and hands it back
        if (done) break;
        off += value.length;
      }
      r.releaseLock();
      if (off !== want) throw new Error(`file changed while reading (got ${off} of ${want} bytes at ${a})`);
      return new Uint8Array(buf, 0, want);
    }
  }
  return readSlice(file, a, b);
}

// The package's adaptive mode (docs/codecs.md), page side: LZ4 over four
// 4 KiB samples spread over the chunk (first and last included); if they
// shrink by less than 3 % the chunk is sent raw without a zstd pass. Random or
// already-compressed data (media, archives) then costs ~16 KiB of LZ4 per chunk
// instead of zstd over all of it; the server stores such chunks raw either way.
const SAMPLE = 4096, SAMPLES = 4;
async function looksIncompressible(bytes) {
  let s = bytes;
  if (bytes.length > SAMPLE * SAMPLES) {
    // A buffer per call: compress() awaits before copying its input, and batches interleave.
    const sampleBuf = new Uint8Array(SAMPLE * SAMPLES);
    for (let k = 0; k < SAMPLES; k++) {
      const at = Math.floor(((bytes.length - SAMPLE) * k) / (SAMPLES - 1));
      sampleBuf.set(bytes.subarray(at, at + SAMPLE), k * SAMPLE);
    }
    s = sampleBuf;
  }
  const z = await compress(s, { codec: 'lz4', level: 1, checksum: false });
  return z.length >= s.length * 0.97;
}

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
        const buf = await readPooled(file, a, Math.min(file.size, a + SLICE));
        h.update(buf);
        ch.push(buf);
        give(buf.buffer);
        progress({ bytes: a + buf.length, ...ch.fresh() });
      }
      const r = ch.finish();
      return { ...r, blake3: hex.encode(h.digest()) };
    } finally { h.free(); }
  },

  // One of the two stages, run on two workers: role "hash" (whole-file
  // BLAKE3) or "chunk" (FastCDC + BLAKE3 per chunk). Each stage needs every
  // slice in order, and reading a File costs the reading thread more than
  // hashing it, so the reads are shared: the hash worker reads the even
  // slices, the chunk worker the odd ones, and each posts a copy of what it
  // read to the other (a memory copy is far cheaper than a second read).
  // `window` bounds how far one worker runs ahead of the other.
  // With `shared` (a SharedArrayBuffer of 2 x window slices: cross-origin
  // isolated pages) the copy goes into a shared slot and only the slice's
  // number is posted; otherwise postMessage copies the bytes.
  async stage({ file, port, params, role, shared }, progress) {
    const n = Math.ceil(file.size / SLICE);
    // Without shared memory a copy through postMessage costs about as much as
    // a read: then the hash worker reads every slice and, once hashed,
    // transfers it (no copy) to the chunk worker.
    const split = !!shared;
    const mine = (i) => (split ? i % 2 === (role === 'hash' ? 0 : 1) : role === 'hash');
    const step = split ? 2 : 1;
    const window = IN_FLIGHT;
    const got = new Map();              // slice index -> bytes from the peer
    let peerDone = -1, failed = null, waiters = [];
    const poke = () => { const w = waiters; waiters = []; w.forEach((f) => f()); };
    port.onmessage = (e) => {
      const m = e.data;
      if (m.error) failed = new Error(`other worker: ${m.error}`);
      else if (m.buf) got.set(m.i, m.buf);
      else if (m.len !== undefined) got.set(m.i, new Uint8Array(shared, (m.i % (2 * window)) * SLICE, m.len));
      else peerDone = m.done;
      poke();
    };
    const until = async (cond) => { while (!cond()) { if (failed) throw failed; await new Promise((r) => waiters.push(r)); } if (failed) throw failed; };
    // Shared slots: read into a pooled buffer and copy to the slot (a BYOB read cannot target shared memory).
    const read = (i) => (split ? readPooled : readSlice)(file, i * SLICE, Math.min(file.size, (i + 1) * SLICE));
    const h = role === 'hash' ? blake3.create({ threads: params.threads }) : null;
    const ch = role === 'chunk' ? newChunker(params) : null;
    try {
      let ahead = null;   // the read of my next slice, started early
      for (let i = 0; i < n; i++) {
        let buf;
        if (mine(i)) {
          await until(() => peerDone >= i - window);
          buf = await (ahead || read(i));
          ahead = null;
          if (split) {
            // slot i % (2 window): its previous slice (i - 2 window) is done on both sides (peerDone >= i - window)
            const slot = new Uint8Array(shared, (i % (2 * window)) * SLICE, buf.length);
            slot.set(buf);
            give(buf.buffer);
            buf = slot;
            port.postMessage({ i, len: buf.length });
          }
          if (i + step < n) { const j = i + step; ahead = until(() => peerDone >= j - window).then(() => read(j)); ahead.catch(() => {}); }
        } else {
          await until(() => got.has(i));
          buf = got.get(i);
          got.delete(i);
        }
        if (h) h.update(buf); else ch.push(buf);
        const end = i * SLICE + buf.length;
        if (!split && mine(i)) port.postMessage({ i, buf }, [buf.buffer]);
        port.postMessage({ done: i });
        if (ch) progress({ bytes: end, ...ch.fresh() });
      }
      if (h) return { blake3: hex.encode(h.digest()) };
      return ch.finish();
    } catch (e) {
      port.postMessage({ error: String(e.message || e) });
      throw e;
    } finally {
      if (h) h.free();
      port.close();
    }
  },

  // Reads the chunks items ([{ h, off, len }], in file order) of `file` — one
  // read of their span when they lie close together — compresses each (zstd
  // at `level`, or raw when that is not smaller, or when a cheap probe says
  // zstd would not help) and POSTs them as one batch (server: one pack).
  async uploadBatch({ file, items, level, probe = true }) {
    const start = items[0].off, end = items[items.length - 1].off + items[items.length - 1].len;
    const dense = end - start <= 2 * items.reduce((a, it) => a + it.len, 0);
    const span = dense ? await readSlice(file, start, end) : null;
    const parts = [];
    let raw = 0, sent = 0, probedRaw = 0;
    for (const it of items) {
      const bytes = span ? span.subarray(it.off - start, it.off - start + it.len) : await readSlice(file, it.off, it.off + it.len);
      let z = null;
      if (probe && await looksIncompressible(bytes)) probedRaw++;
      // No content checksum in the frame: the server checks every chunk's BLAKE3 anyway.
      else z = await compress(bytes, { codec: 'zstd', level, threads: 1, checksum: false });
      const useZ = z !== null && z.length < bytes.length;
      const head = new Uint8Array(37);
      head.set(hex.decode(it.h), 0);
      head[32] = useZ ? 1 : 0;
      new DataView(head.buffer).setUint32(33, useZ ? z.length : bytes.length, true);
      parts.push(head, useZ ? z : bytes);
      raw += bytes.length; sent += 37 + (useZ ? z.length : bytes.length);
    }
    // A Blob body, not one concatenated array: no copy here, and a page driven over the DevTools
    // protocol (the tests, the benchmark) does not ship every request body to the driver.
    const r = await fetch('/api/chunks', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Blob(parts) });
    const answer = await r.json().catch(() => null);
    if (!r.ok) throw new Error(`POST /api/chunks: ${r.status} ${answer ? `${answer.code}: ${answer.error}` : ''}`);
    return { raw, sent, probedRaw, created: answer.created };
  },

  // Only reads the file (the benchmark's floor: what reading a File costs here).
  // part [k, n]: only slices k, k + n, k + 2n, ... (n workers reading one file side by side).
  async read({ blob, method = 'slice', slice = SLICE, part = [0, 1], work = 'none' }) {
    let n = 0;
    if (method === 'stream') {
      const r = blob.stream().getReader();
      for (;;) { const { value, done } = await r.read(); if (done) break; n += value.length; }
    } else if (method === 'byob') {
      // one reused buffer (no fresh ArrayBuffer per read), where Blob.stream() is a byte stream
      const r = blob.stream().getReader({ mode: 'byob' });
      let buf = new ArrayBuffer(slice);
      for (;;) {
        const { value, done } = await r.read(new Uint8Array(buf));
        if (done) break;
        n += value.length;
        buf = value.buffer;
      }
    } else if (method === 'pooled') {
      // The chunk + hash read path (readPooled slices) with `work` on each slice: none, hash, chunk, both.
      const h = work === 'hash' || work === 'both' ? blake3.create() : null;
      const ch = work === 'chunk' || work === 'both' ? newChunker({ min: 16384, avg: 65536, max: 262144, level: 1, seed: 0 }) : null;
      for (let a = 0; a < blob.size; a += slice) {
        const buf = await readPooled(blob, a, Math.min(blob.size, a + slice));
        if (h) h.update(buf);
        if (ch) ch.push(buf);
        n += buf.length;
        give(buf.buffer);
      }
      if (h) h.free();
      if (ch) ch.finish();
    } else if (method === 'sync') {
      const fr = new FileReaderSync();
      for (let a = 0; a < blob.size; a += slice) n += fr.readAsArrayBuffer(blob.slice(a, Math.min(blob.size, a + slice))).byteLength;
    } else {
      for (let a = part[0] * slice; a < blob.size; a += part[1] * slice) n += (await readSlice(blob, a, Math.min(blob.size, a + slice))).length;
    }
    return { size: n };
  },

  async hash({ blob }) {
    const h = blake3.create();
    try {
      for (let a = 0; a < blob.size; a += SLICE) { const buf = await readPooled(blob, a, Math.min(blob.size, a + SLICE)); h.update(buf); give(buf.buffer); }
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
