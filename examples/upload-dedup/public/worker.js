// The page's worker: chunk + hash a File reading each byte once, and pack
// new chunks into upload batches. Runs the package (chunker-wasm) in this
// module Worker; the page's main thread only posts messages.
//
// With two workers, chunk + hash runs as two stages on two cores: one worker
// reads the File through ONE byte stream (a BYOB reader over Blob.stream(),
// filling a few reused buffers) and computes the whole-file BLAKE3; it then
// transfers each filled buffer (no copy) to the other worker, which runs
// FastCDC + BLAKE3 per chunk over it and transfers it back for the next read.
// Transfers need no shared memory, so cross-origin isolated pages and plain
// ones take the same path. With one worker, each buffer goes through both
// passes in turn.
import { Chunker, blake3, compress, hex, ready } from '/pkg/esm/index.browser.js';

// Bytes per fallback read (slice().arrayBuffer()): browsers whose Blob.stream()
// is not a byte stream, and the read benchmark. Chromium's cost of such
// reads falls with the read size (1 GiB: 8 MiB reads 140 MiB per CPU-second,
// 32 MiB 194; bench/js/demo_read_floor.mjs).
const SLICE = 32 << 20;
// Chunk + hash buffers: BUF bytes each, at most IN_FLIGHT per file in all
// (bounded memory: the reader waits for one to come back). 2 MiB is what one
// read brings at most (Chromium's pipe); 2 MiB x 8 measured no slower than
// 8 MiB x 4 with two workers (a few % faster in noisy A/B runs) with half the
// memory.
const BUF = 2 << 20;
const IN_FLIGHT = 8;

const readSlice = async (file, a, b) => {
  const buf = new Uint8Array(await file.slice(a, b).arrayBuffer());
  if (buf.length !== b - a) throw new Error(`file changed while reading (got ${buf.length} of ${b - a} bytes at ${a})`);
  return buf;
};

// Reading a File in Chromium: each fresh ArrayBuffer a read returns
// (slice().arrayBuffer(), a default stream reader's chunks, FileReaderSync)
// costs the renderer far more than the read itself — 1 GiB takes ~6.5 CPU-s
// that way and ~1.7 CPU-s through one BYOB reader of Blob.stream() filling a
// reused buffer. A BYOB stream per slice costs ~1–2 CPU-s per GiB more than one
// stream read through (bench/js/demo_read_floor.mjs), so the whole file is one
// stream.
//
// wholeReader(file).fill(buf, onRead) fills the ArrayBuffer `buf` with the
// file's next bytes (several reads; the stream transfers buf and hands it back)
// and returns a Uint8Array over them — shorter than buf only at the end (.ended
// then). The byte count is checked against file.size: a File that shrinks,
// grows or changes while read fails loudly, naming the file, never a short hash.
//
// onRead(bytes, at) (optional) sees each read's bytes as they arrive (`at`: their
// offset in the file), for work done between reads. That work is what makes the
// reads cheap: the browser fills the stream's pipe (2 MiB in Chromium) while the
// worker works, so the next read brings more. Reads back to back bring ~100 KiB
// each, and every read costs the worker, the renderer's IO thread and the
// browser process alike: reading a 1 GiB File and hashing each filled buffer
// took 6 000–10 000 reads and 2.8–3.4 CPU-s (all Chromium processes), hashing
// each read's bytes before the next read ~2 500 reads and 2.4–2.9 CPU-s, about
// what reading alone costs (bench/js/demo_read_floor.mjs, "hash per read").
//
// Chromium's Blob streams sometimes stop: a read never resolves and nothing
// runs (seen with a stream per slice, and with one stream over a 1 GiB File in
// bench/js/demo_read_floor.mjs). A read that brings nothing for STALL_MS is
// given up: the stream is cancelled and a new one opened at the first byte of
// the buffer being filled (file.slice(at).stream()), at most RESTARTS times per
// file. `stallReads` (tests) treats those read numbers as stalled at once.
const STALL_MS = 15000, RESTARTS = 3;
function wholeReader(file, { stallReads = [] } = {}) {
  let r = null, got = 0, reads = 0, restarts = 0;
  const open = () => { r = (got ? file.slice(got) : file).stream().getReader({ mode: 'byob' }); };
  try { open(); } catch { r = null; /* not a byte stream here: slice reads */ }
  const fail = (why) => new Error(`${file.name || 'file'}: ${why}`);
  const stalled = {};
  const read = (view) => {
    const p = r.read(view);
    if (stallReads.includes(reads++)) { p.catch(() => {}); return Promise.resolve(stalled); }
    let timer;
    return Promise.race([p, new Promise((res) => { timer = setTimeout(res, STALL_MS, stalled); })]).finally(() => clearTimeout(timer));
  };
  const self = {
    ended: false,
    reads: () => reads,   // stream reads so far (the read benchmark prints them)
    async fill(buf, onRead) {
      let off = 0;
      if (!r) {
        const n = Math.min(buf.byteLength, file.size - got);
        if (n > 0) {
          let part;
          try { part = await readSlice(file, got, got + n); } catch (e) { throw fail(`reading failed at byte ${got} of ${file.size}: ${e.message || e}`); }
          new Uint8Array(buf).set(part);
          if (onRead) onRead(part, got);
          off = n;
        }
        if (got + off >= file.size) self.ended = true;
      }
      const size = buf.byteLength;
      while (r && off < size) {
        let res;
        try { res = await read(new Uint8Array(buf, off)); } catch (e) {
          throw fail(`reading failed at byte ${got + off} of ${file.size} (did it change?): ${(e && e.message) || e}`);
        }
        if (res === stalled) {
          // buf is inside the stuck read: refill a new one from its first byte.
          if (++restarts > RESTARTS) throw fail(`reading stopped at byte ${got + off} of ${file.size} (no data for ${STALL_MS / 1000} s, ${RESTARTS} restarts)`);
          console.warn(`${file.name || 'file'}: read stalled at byte ${got + off}; reopening the stream at byte ${got}`);
          r.cancel().catch(() => {});
          open();
          buf = new ArrayBuffer(size);
          off = 0;
          continue;
        }
        if (res.value) buf = res.value.buffer;
        else buf = new ArrayBuffer(size);   // cancelled stream: the buffer stays detached
        if (res.done) { self.ended = true; break; }
        if (onRead && res.value.length) onRead(res.value, got + off);
        off += res.value.length;
        if (got + off > file.size) break;
      }
      got += off;
      if (got > file.size || (self.ended && got !== file.size)) {
        self.cancel();
        throw fail(`changed while being read (${got} bytes read, File.size ${file.size})`);
      }
      return new Uint8Array(buf, 0, off);
    },
    cancel() { if (r) { r.cancel().catch(() => {}); r = null; } },
  };
  return self;
}

// fn(bytes) for each byte of the file once, in order, from onRead(bytes, at)
// calls: after a stalled read the stream is reopened at the start of its
// buffer, so bytes already seen come again and are skipped.
function inOrder(fn) {
  let next = 0;
  return (bytes, at) => {
    const skip = next - at;
    if (skip >= bytes.length) return;
    if (skip < 0) throw new Error(`internal: a gap in the file's bytes at ${next}`);
    fn(skip ? bytes.subarray(skip) : bytes);
    next = at + bytes.length;
  };
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

// POSTs one batch body (records of hash[32] | encoding u8 | length u32 LE | body). -> chunks created
async function postBatch(body) {
  const r = await fetch('/api/chunks', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body });
  const answer = await r.json().catch(() => null);
  if (!r.ok) throw new Error(`POST /api/chunks: ${r.status} ${answer ? `${answer.code}: ${answer.error}` : ''}`);
  return answer.created;
}

// One WebSocket to GET /api/chunks/ws for a run of batches (the page's default): each batch
// body is one binary message, answered in order by a JSON text message. In Chromium a message
// goes from this worker to the network service over a data pipe, where a fetch body goes
// through the renderer's and the browser process's Blob machinery (a Blob body) or the
// request's IPC message (bytes): ~1/3 of the CPU, docs/benchmarks.md "Upload demo". ->
// { send(bytes) -> chunks created, close() }, or null if the socket does not open (no such
// endpoint, a proxy without WebSockets): the caller then POSTs.
async function openBatchSocket() {
  const url = new URL('/api/chunks/ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let ws;
  try { ws = new WebSocket(url); } catch { return null; }
  ws.binaryType = 'arraybuffer';
  if (!await new Promise((res) => { ws.onopen = () => res(true); ws.onerror = ws.onclose = () => res(false); })) return null;
  const waiting = [];
  let dead = null;
  ws.onerror = null;
  ws.onmessage = (e) => {
    const w = waiting.shift();
    let a = null;
    try { a = JSON.parse(e.data); } catch { /* below */ }
    if (!w) return;
    if (!a || typeof a.status !== 'number') w.reject(new Error('WebSocket /api/chunks/ws: unreadable answer'));
    else if (a.status >= 400) w.reject(new Error(`WebSocket /api/chunks/ws: ${a.status} ${a.code}: ${a.error}`));
    else w.resolve(a.created);
  };
  ws.onclose = (e) => {
    dead = new Error(`WebSocket /api/chunks/ws closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`);
    for (const w of waiting.splice(0)) w.reject(dead);
  };
  return {
    send(bytes) {
      if (dead) return Promise.reject(dead);
      const p = new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      ws.send(bytes);   // copies the bytes when called, as fetch does: the body buffer is refilled next
      return p;
    },
    close() { ws.close(1000); },
  };
}

// The bytes of `items` ([{ off, len }], in file order) read in one pass: regions
// of items less than SKIP apart are each read through one wholeReader (one BYOB
// stream over that slice of the file, BUF-sized reused buffer; the bytes between
// items are read and dropped), a larger gap opens a new stream at the next item.
// take(off, len) -> the item's bytes: a view into the read buffer, valid until
// the next take(), or a fresh array for an item across two fills. A File that
// changed fails loudly, naming it (wholeReader's checks, on a File over the
// slice with the same name).
const SKIP = 1 << 20;
function rangeReader(file, items, { stallReads } = {}) {
  // regionEnd[i]: the end of the region item i starts in.
  const regionEnd = new Array(items.length);
  for (let i = items.length - 1; i >= 0; i--) {
    const end = items[i].off + items[i].len;
    regionEnd[i] = i + 1 < items.length && items[i + 1].off - end < SKIP ? regionEnd[i + 1] : end;
  }
  const span = items.length ? items[items.length - 1].off + items[items.length - 1].len - items[0].off : 1;
  let k = 0, rd = null, view = new Uint8Array(0), vStart = 0, vEnd = 0, buf = new ArrayBuffer(Math.min(BUF, span)), regionFrom = 0, regionTo = 0;
  const self = {
    async take(off, len) {
      const i = k++;
      if (!items[i] || items[i].off !== off || items[i].len !== len) throw new Error('rangeReader: items taken out of order');
      if (!rd || off >= regionTo) {
        // A new region: a stream over its slice of the file.
        if (rd) rd.cancel();
        regionFrom = off;
        regionTo = regionEnd[i];
        const slice = new File([file.slice(off, regionTo)], file.name || 'file');
        rd = wholeReader(slice, { stallReads });
        vStart = vEnd = off;
        view = new Uint8Array(0);
      }
      if (off + len <= vEnd) return view.subarray(off - vStart, off - vStart + len);
      let out = null, got = 0;
      if (off < vEnd) { out = new Uint8Array(len); out.set(view.subarray(off - vStart)); got = vEnd - off; }
      for (;;) {
        if (rd.ended) throw new Error(`${file.name || 'file'}: changed while being read (ended at byte ${vEnd}, File.size ${file.size})`);
        try { view = await rd.fill(buf); } catch (e) {
          // (its byte numbers count from the region's first byte)
          throw new Error(`${e.message} [upload read of bytes ${regionFrom}..${regionTo} of ${file.size}]`);
        }
        buf = view.buffer;
        vStart = vEnd; vEnd += view.length;
        if (!out && off + len <= vEnd) return view.subarray(off - vStart, off - vStart + len);
        if (!out && off >= vEnd) continue;   // the bytes between two items of a region
        if (!out) out = new Uint8Array(len);
        const a = off + got - vStart, n = Math.min(len - got, view.length - a);
        out.set(view.subarray(a, a + n), got);
        got += n;
        if (got === len) return out;
      }
    },
    cancel() { if (rd) { rd.cancel(); rd = null; } },
  };
  return self;
}

function newChunker(params) {
  const c = new Chunker({ min: params.min, avg: params.avg, max: params.max, level: params.level, seed: params.seed, hash: 'blake3', threads: params.threads });
  const hashes = [], lengths = [];
  let posted = 0, freed = false;
  const free = () => { if (!freed) { freed = true; c.free(); } };
  return {
    push(buf) { for (const x of c.push(buf)) { hashes.push(x.hash); lengths.push(x.length); } },
    finish() { for (const x of c.finish()) { hashes.push(x.hash); lengths.push(x.length); } free(); return { hashes, lengths }; },
    // (also on the error path: the wasm-side chunker is freed exactly once)
    free,
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
    const rd = wholeReader(file, params);
    // Both passes on each read's bytes while they are in cache (and between reads: see wholeReader).
    const work = inOrder((b) => { h.update(b); ch.push(b); });
    try {
      let buf = new ArrayBuffer(Math.min(BUF, Math.max(1, file.size))), bytes = 0;
      while (!rd.ended) {
        const v = await rd.fill(buf, work);
        buf = v.buffer;
        if (!v.length) continue;
        bytes += v.length;
        progress({ bytes, ...ch.fresh() });
      }
      const r = ch.finish();
      return { ...r, blake3: hex.encode(h.digest()) };
    } finally { rd.cancel(); h.free(); ch.free(); }
  },

  // One of the two stages, run on two workers connected by `port`:
  // role "read" reads the File (once, one stream) and computes the whole-file
  // BLAKE3; role "chunk" runs FastCDC + BLAKE3 per chunk. The reader transfers
  // each filled buffer to the chunk worker, which transfers it back when done:
  // at most IN_FLIGHT buffers of BUF bytes exist, whichever side is slower.
  // The reader also does the cheaper pass (whole-file BLAKE3 ~0.7 CPU-s per
  // GiB, its side of the reads ~0.5) so the two workers' loads are close to
  // even against chunking's ~1.15 (docs/benchmarks.md, "Upload demo"); it
  // hashes each read's bytes before the next read (see wholeReader). Having
  // the reader chunk instead (the heavier pass between reads: fewer reads)
  // measured slower: the hash worker then waits while the reader is the
  // bottleneck.
  async stage({ file, port, params, role }, progress) {
    let failed = null, waiters = [];
    const poke = () => { const w = waiters; waiters = []; w.forEach((f) => f()); };
    const until = async (cond) => { while (!cond()) { if (failed) throw failed; await new Promise((r) => waiters.push(r)); } if (failed) throw failed; };
    const free = [], queue = [];
    let ended = false;
    port.onmessage = (e) => {
      const m = e.data;
      if (m.error) failed = new Error(`other worker: ${m.error}`);
      else if (m.back) free.push(m.back);
      else if (m.buf) queue.push(new Uint8Array(m.buf, 0, m.len));
      else if (m.end) ended = true;
      poke();
    };
    const h = role === 'read' ? blake3.create({ threads: params.threads }) : null;
    const ch = role === 'chunk' ? newChunker(params) : null;
    const rd = role === 'read' ? wholeReader(file, params) : null;
    try {
      if (rd) {
        let made = 0;
        const size = Math.min(BUF, Math.max(1, file.size));
        const hash = inOrder((b) => h.update(b));
        while (!rd.ended) {
          if (!free.length && made < IN_FLIGHT) { free.push(new ArrayBuffer(size)); made++; }
          await until(() => free.length > 0);
          const v = await rd.fill(free.pop(), hash);
          if (!v.length) { free.push(v.buffer); continue; }
          port.postMessage({ buf: v.buffer, len: v.length }, [v.buffer]);
        }
        port.postMessage({ end: true });
        return { blake3: hex.encode(h.digest()) };
      }
      let bytes = 0;
      for (;;) {
        await until(() => queue.length > 0 || ended);
        if (!queue.length) break;
        const v = queue.shift();
        ch.push(v);
        bytes += v.length;
        port.postMessage({ back: v.buffer }, [v.buffer]);
        progress({ bytes, ...ch.fresh() });
      }
      // The reader checked the count against file.size; a second check costs nothing.
      if (bytes !== file.size) throw new Error(`${file.name || 'file'}: changed while being read (${bytes} bytes chunked, File.size ${file.size})`);
      return ch.finish();
    } catch (e) {
      port.postMessage({ error: String(e.message || e) });
      throw e;
    } finally {
      if (rd) rd.cancel();
      if (h) h.free();
      if (ch) ch.free();
      port.close();
    }
  },

  // Uploads `batches` (lists of { h, off, len }, all in file order) of `file`:
  // reads their bytes in one sequential pass (rangeReader: BYOB streams into a
  // reused buffer, never an ArrayBuffer per chunk or span), compresses each
  // chunk (zstd at `level`, or raw when that is not smaller, or when a cheap
  // probe says zstd would not help) and POSTs each batch as one request
  // (server: one pack), up to `inFlight` requests at a time while the next
  // batch is read and compressed. progress({ batch, result }) per batch done.
  // transport 'ws': the batches go over one WebSocket (openBatchSocket; POSTs if it does not open).
  async uploadRange({ file, batches, level, probe = true, inFlight = 2, stallReads, bodyType = 'blob', transport = 'post' }, progress) {
    const rr = rangeReader(file, batches.flat(), { stallReads });
    const posts = [];
    const sock = transport === 'ws' && batches.length ? await openBatchSocket() : null;
    // The body is built in place: each record is written once, right after its chunk is read
    // (a view into the read buffer) and compressed; it is at most every chunk raw. The request
    // body made of it is a copy (below), so one buffer serves every batch.
    let body = new Uint8Array(0), dv = null;
    try {
      for (const [b, items] of batches.entries()) {
        let cap = 0;
        for (const it of items) cap += 37 + it.len;
        if (body.length < cap) { body = new Uint8Array(cap); dv = new DataView(body.buffer); }
        let raw = 0, sent = 0, probedRaw = 0;
        for (const it of items) {
          const bytes = await rr.take(it.off, it.len);
          let z = null;
          if (probe && await looksIncompressible(bytes)) probedRaw++;
          // No content checksum in the frame: the server checks every chunk's BLAKE3 anyway.
          else z = await compress(bytes, { codec: 'zstd', level, threads: 1, checksum: false });
          const useZ = z !== null && z.length < bytes.length;
          body.set(hex.decode(it.h), sent);
          body[sent + 32] = useZ ? 1 : 0;
          dv.setUint32(sent + 33, useZ ? z.length : bytes.length, true);
          body.set(useZ ? z : bytes, sent + 37);
          raw += bytes.length; sent += 37 + (useZ ? z.length : bytes.length);
        }
        while (posts.length >= inFlight) await posts.shift();
        // new Blob() and fetch() both copy a typed array when called, so the one body buffer
        // is refilled at once. A Blob body: in Chromium it goes to the browser process's blob
        // store and the network service reads it from there. The bytes as the body (bodyType
        // 'bytes') go from the page to the network service in the request's IPC message: the
        // browser process's work moves to the page's worker and the network service, for about
        // the same CPU in all (~0.2 CPU-s more per 128 MiB on average, within the noise); a
        // Blob with each raw chunk as a slice of the File (read from disk by the browser
        // process) cost ~1.3 more. docs/benchmarks.md "Upload demo". A DevTools client that
        // enables the Network domain (Playwright: the tests) is also sent a copy of byte
        // bodies, not of Blobs.
        const part = body.subarray(0, sent);
        const p = (sock ? sock.send(part) : postBatch(bodyType === 'bytes' ? part : new Blob([part]))).then((created) => progress({ batch: b, result: { raw, sent, probedRaw, created } }));
        p.catch(() => {});   // seen when awaited
        posts.push(p);
      }
      for (const p of posts) await p;
    } finally { rr.cancel(); if (sock) sock.close(); }
    return { batches: batches.length, transport: sock ? 'ws' : 'post' };
  },

  // Only reads the file (the benchmark's floor: what reading a File costs here).
  // part [k, n]: only slices k, k + n, k + 2n, ... (n workers reading one file side by side).
  async read({ blob, method = 'slice', slice = SLICE, part = [0, 1], work = 'none', perRead = false }) {
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
    } else if (method === 'whole') {
      // The chunk + hash read path (wholeReader, BUF-sized buffers) with `work` on each buffer
      // (none, hash, chunk, both), or with perRead on each read's bytes before the next read.
      const h = work === 'hash' || work === 'both' ? blake3.create() : null;
      const ch = work === 'chunk' || work === 'both' ? newChunker({ min: 16384, avg: 65536, max: 262144, level: 1, seed: 0 }) : null;
      const doWork = (v) => { if (h) h.update(v); if (ch) ch.push(v); };
      const rd = wholeReader(blob);
      let buf = new ArrayBuffer(slice);
      while (!rd.ended) {
        const v = await rd.fill(buf, perRead ? doWork : undefined);
        buf = v.buffer;
        if (!perRead) doWork(v);
        n += v.length;
      }
      if (h) h.free();
      if (ch) ch.finish();
      return { size: n, reads: rd.reads() };
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
    const rd = wholeReader(blob);
    try {
      const hash = inOrder((b) => h.update(b));
      let buf = new ArrayBuffer(Math.min(BUF, Math.max(1, blob.size)));
      while (!rd.ended) { const v = await rd.fill(buf, hash); buf = v.buffer; }
      return { blake3: hex.encode(h.digest()), size: blob.size };
    } finally { rd.cancel(); h.free(); }
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
