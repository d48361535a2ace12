// createWorkerClient(): the package running in a dedicated Worker (a module
// Worker in browsers, worker_threads in Node), driven from this thread by
// async calls. The calling thread only posts messages: a page's main thread
// never runs wasm, whatever the input size. Inputs: Blob/File (handed over
// as is), ReadableStream / (async) iterable (read here, posted piece by
// piece with backpressure) or bytes (posted in 4 MiB copies, or transferred
// whole with { transfer: true }). AbortSignal rejects at once and stops the
// worker's work at its next slice.
import { AbortError, ChunkerError, invalidArg, makeError } from './errors.js';
import { abortError, checkSignal, getPlatform, progressOpt, signalOpt, toBytes } from './runtime.js';
import { bytesOf } from './chunk.js';

const POST_SLICE = 4 << 20;
const MAX_IN_FLIGHT = 16 << 20;

class WorkerClient {
  constructor(port) {
    this._port = port;
    this._next = 1;
    this._calls = new Map();
    this._closed = false;
    this._heard = false;
    port.onMessage((m) => { this._heard = true; this._message(m); });
    port.onError((e) => {
      // A dead worker fails what is pending and every later call. One that
      // never answered did not load (404, CSP, wrong MIME type): ERR_LOAD.
      const why = (e && e.message) || (e && e.type) || String(e);
      const err = this._heard
        ? new ChunkerError('ERR_INTERNAL', `chunker-wasm worker failed: ${why}`)
        : new ChunkerError('ERR_LOAD', `chunker-wasm: cannot start the worker ${port.url}: ${why}`);
      this._dead = err;
      for (const c of this._calls.values()) c.fail(err);
      this._calls.clear();
      this._port.idle(true);
    });
    port.idle(true);
    this.ready = this._call('ready', {});
  }

  // Chunks of a whole input: Promise<Chunk[]>. Options: chunk() options,
  // signal, onProgress(bytesRead), transfer.
  async chunk(input, opts = {}) {
    const out = [];
    for await (const c of this.chunkStream(input, opts)) out.push(c);
    return out;
  }

  // Async generator of chunks, computed in the worker.
  async* chunkStream(input, opts = {}) {
    const queue = [];
    let wake = null, finished = false, failure = null;
    const kick = () => { if (wake) { wake(); wake = null; } };
    const ref = {};
    const done = this._call('chunk', opts, input, (chunks) => { queue.push(...chunks); kick(); }, false, ref);
    done.then(() => { finished = true; kick(); }, (e) => { failure = e; kick(); });
    try {
      for (;;) {
        if (queue.length) { yield queue.shift(); continue; }
        if (failure) throw failure;
        if (finished) return;
        await new Promise((r) => { wake = r; });
      }
    } finally {
      if (!finished && !failure && this._calls.has(ref.id)) {   // the consumer stopped early
        this._port.post({ t: 'cancel', id: ref.id });
        this._calls.get(ref.id).ok();
        this._calls.delete(ref.id);
        this._idle();
      }
    }
  }

  // Digest of a whole input: { hash: "sha256" | "blake3", outputLength, key, context, signal, onProgress }.
  hash(input, opts = {}) { return this._call('hash', opts, input); }
  blake3(input, opts = {}) { return this._call('hash', { ...opts, hash: 'blake3' }, input); }
  sha256(input, opts = {}) { return this._call('hash', { ...opts, hash: 'sha256', backend: 'wasm' }, input); }
  compress(bytes, opts = {}) { return this._call('compress', opts, bytes, null, true); }
  decompress(bytes, opts = {}) { return this._call('decompress', opts, bytes, null, true); }
  memoryUsage() { return this._call('memoryUsage', {}); }

  // Stops the worker; pending calls reject with ERR_CANCELLED.
  terminate() {
    if (this._closed) return;
    this._closed = true;
    for (const c of this._calls.values()) c.fail(new AbortError('ERR_CANCELLED', 'worker client terminated'));
    this._calls.clear();
    this._port.terminate();
  }

  _call(op, opts, input, onChunks, wholeBytes, ref = {}) {
    return new Promise((resolve, reject) => {
      if (this._dead) throw this._dead;
      if (this._closed) throw new ChunkerError('ERR_INVALID_ARGUMENT', 'worker client: terminated');
      if (opts === null || typeof opts != 'object') throw invalidArg(`${op} options: expected an object`);
      const { signal, onProgress, transfer, ...rest } = opts;
      signalOpt(signal); progressOpt(onProgress);
      checkSignal(signal);
      // Validate the input before anything is registered or posted.
      const isBlob = typeof Blob != 'undefined' && input instanceof Blob;
      const isBytes = input instanceof ArrayBuffer || ArrayBuffer.isView(input);
      if (wholeBytes) toBytes(input);
      else if (input !== undefined && !isBlob && !isBytes && !(input && (typeof input.getReader == 'function'
        || typeof input[Symbol.asyncIterator] == 'function' || typeof input[Symbol.iterator] == 'function'))) {
        throw invalidArg(`${op}: expected bytes, a Blob, a ReadableStream or an (async) iterable of Uint8Array`);
      }
      const id = this._next++;
      ref.id = id;
      const call = {
        onChunks, onProgress, inFlight: 0, waiters: [],
        fail: (e) => { cleanup(); reject(e); },
        ok: (v) => { cleanup(); resolve(v); },
      };
      const onAbort = () => {
        this._port.post({ t: 'cancel', id });
        this._calls.delete(id);
        this._idle();
        call.fail(abortError(signal));
      };
      const cleanup = () => {
        if (signal) signal.removeEventListener('abort', onAbort);
        call.waiters.forEach((w) => w());
      };
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
      this._calls.set(id, call);
      this._port.idle(false);
      const msg = { t: 'call', id, op, opts: rest, abortable: !!signal, progress: !!onProgress };
      if (input === undefined) { this._port.post(msg); return; }
      let src = input;
      if (!wholeBytes && isBlob) {
        msg.input = { kind: 'blob', blob: input };
        this._port.post(msg);
        return;
      }
      if (wholeBytes || isBytes) {
        const b = toBytes(input);
        if (wholeBytes || transfer || b.length <= POST_SLICE) {
          msg.input = { kind: 'bytes', bytes: b };
          const whole = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
          this._port.post(msg, transfer && whole && !(typeof SharedArrayBuffer != 'undefined' && b.buffer instanceof SharedArrayBuffer) ? [b.buffer] : []);
          return;
        }
        src = (function* () { for (let o = 0; o < b.length; o += POST_SLICE) yield b.subarray(o, o + POST_SLICE); })();
      }
      msg.input = { kind: 'stream' };
      this._port.post(msg);
      this._pump(id, call, src).catch((e) => {
        this._port.post({ t: 'cancel', id });
        this._calls.delete(id);
        this._idle();
        call.fail(e);
      });
    });
  }

  // Posts the pieces of `src` with at most MAX_IN_FLIGHT unacknowledged bytes.
  async _pump(id, call, src) {
    for await (const piece of bytesOf(src)) {
      if (!this._calls.has(id)) return;
      while (call.inFlight > MAX_IN_FLIGHT && this._calls.has(id)) await new Promise((r) => call.waiters.push(r));
      if (!this._calls.has(id)) return;
      const copy = piece.slice();   // structured clone would copy anyway; slice lets us transfer
      call.inFlight += copy.length;
      this._port.post({ t: 'piece', id, bytes: copy }, [copy.buffer]);
    }
    if (this._calls.has(id)) this._port.post({ t: 'end', id });
  }

  _message(m) {
    const call = this._calls.get(m.id);
    if (!call) return;
    switch (m.t) {
      case 'ack': {
        call.inFlight -= m.n;
        const w = call.waiters; call.waiters = []; w.forEach((f) => f());
        break;
      }
      case 'progress': if (call.onProgress) call.onProgress(m.n); break;
      case 'chunks': if (call.onChunks) call.onChunks(m.chunks); break;
      case 'done': this._calls.delete(m.id); this._idle(); call.ok(m.value); break;
      case 'error': {
        this._calls.delete(m.id); this._idle();
        const e = makeError(m.error.code, m.error.message);
        call.fail(e);
        break;
      }
      default: break;
    }
  }

  _idle() { if (this._calls.size === 0) this._port.idle(true); }
}

// Several workers behind the same interface: each call goes to the worker
// with the fewest calls pending, so independent calls (compressing or hashing
// many chunks) run in parallel.
class WorkerPool {
  constructor(clients) {
    this._clients = clients;
    this.ready = Promise.all(clients.map((c) => c.ready)).then((infos) => infos[0]);
  }
  _pick() {
    let best = this._clients[0];
    for (const c of this._clients) if (c._calls.size < best._calls.size) best = c;
    return best;
  }
  chunk(input, opts) { return this._pick().chunk(input, opts); }
  chunkStream(input, opts) { return this._pick().chunkStream(input, opts); }
  hash(input, opts) { return this._pick().hash(input, opts); }
  blake3(input, opts) { return this._pick().blake3(input, opts); }
  sha256(input, opts) { return this._pick().sha256(input, opts); }
  compress(bytes, opts) { return this._pick().compress(bytes, opts); }
  decompress(bytes, opts) { return this._pick().decompress(bytes, opts); }
  async memoryUsage() {
    const all = await Promise.all(this._clients.map((c) => c.memoryUsage()));
    return all.reduce((a, m) => ({ core: a.core + m.core, codecs: a.codecs + m.codecs }), { core: 0, codecs: 0 });
  }
  terminate() { this._clients.forEach((c) => c.terminate()); }
}

// Starts a worker running the package. options.url: the worker script (for
// bundlers that relocate files; default: the one next to this module);
// options.workers: how many workers (default 1) to spread calls over.
export function createWorkerClient(options = {}) {
  const p = getPlatform();
  if (!p || typeof p.spawnWorker != 'function') throw new ChunkerError('ERR_INVALID_ARGUMENT', 'createWorkerClient: no Worker support here');
  if (options === null || typeof options != 'object') throw invalidArg('createWorkerClient: options must be an object');
  const n = options.workers === undefined ? 1 : options.workers;
  if (!Number.isInteger(n) || n < 1 || n > 64) throw invalidArg(`workers: expected an integer in 1..64, got ${String(options.workers)}`);
  if (n === 1) return new WorkerClient(p.spawnWorker(options));
  return new WorkerPool(Array.from({ length: n }, () => new WorkerClient(p.spawnWorker(options))));
}
