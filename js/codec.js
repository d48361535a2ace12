// compress()/decompress(): the codecs wasm module (zstd, lz4 frame, xz,
// bzip2) is loaded on the first call, so users who only chunk and hash never
// download it.
import { OutputLimitError, invalidArg } from './errors.js';
import { Handle } from './handle.js';
import {
  SliceLoop, abortError, check, checkOpts, checkSignal, concat, quote, copyIn, copyOut, getCodecs, heapU8, malloc, progressOpt,
  signalOpt, threadsOpt, toBytes,
} from './runtime.js';

const DEFAULT_MAX_OUTPUT = 2 ** 30;   // as native: 1 GiB unless raised
// One-shot output lives in wasm memory (2 GiB max) while it grows by doubling,
// so cap it where the peak (old + new buffer) still fits; decompressStream()
// has no such cap.
const MAX_OUTPUT_CAP = 2 ** 30;

function strOpt(v, name) {
  if (v === undefined) return '';
  if (typeof v != 'string') throw invalidArg(`${name}: expected a string, got ${typeof v}`);
  return v;
}

// The compressor's constructor arguments from compress()/compressStream()
// options: codec (default zstd unless a strategy is named), strategy, level,
// checksum (the frame's content checksum, default on as in the programs).
function compressorArgs(opts) {
  const codec = strOpt(opts.codec, 'codec');
  const strategy = strOpt(opts.strategy, 'strategy');
  const level = opts.level;
  if (level !== undefined && (typeof level != 'number' || !Number.isInteger(level))) {
    throw invalidArg(`level: expected an integer, got ${String(level)}`);
  }
  if (opts.checksum !== undefined && typeof opts.checksum != 'boolean') {
    throw invalidArg(`checksum: expected a boolean, got ${String(opts.checksum)}`);
  }
  return [codec || (strategy ? '' : 'zstd'), strategy, level !== undefined, level || 0, opts.checksum !== false];
}

// compress(bytes, { codec: "zstd" | "lz4" | "xz" | "bzip2", level, strategy, checksum, threads, signal, onProgress })
// -> Uint8Array holding one frame in the codec's standard format. zstd with
// threads >= 2 (default: the threads variant's count) runs zstd's
// multithreaded mode: the frame `zstd -T N` writes, the same for any N >= 2;
// threads: 1 gives `zstd --single-thread`'s frame. With a signal or
// onProgress the input goes through the streaming compressor (one thread) in
// windows, yielding to the event loop between them (the frame then does not
// record the content size, like the programs' output when reading a pipe).
const COMPRESS_OPTS = ['codec', 'level', 'strategy', 'checksum'];
export async function compress(bytes, opts = {}) {
  checkOpts('compress', opts, [...COMPRESS_OPTS, 'threads', 'signal', 'onProgress']);
  const b = toBytes(bytes, 'compress: input');
  const args = compressorArgs(opts);
  const threads = threadsOpt(opts.threads);
  const signal = signalOpt(opts.signal), onProgress = progressOpt(opts.onProgress);
  if (signal || onProgress) return slicedCompress(b, signal, onProgress, args);
  const M = await getCodecs();
  const p = copyIn(M, b);
  try {
    const n = check(M, M.compress(p, b.length, ...args, threads));
    const out = copyOut(M, M.outPtr(), n);
    M.releaseOut();
    return out;
  } finally {
    M._free(p);
  }
}

// decompress(bytes, { maxOutput }) -> Uint8Array. Detects zstd / lz4 frame /
// xz / bzip2 by magic, frame by frame; ERR_OUTPUT_LIMIT past maxOutput bytes.
//
// Memory stays bounded for any input: a frame that declares its size (zstd,
// LZ4 with content size) of at most ONE_SHOT_MAX decodes in one call into an
// exact buffer; anything else goes through the streaming decoder, one output
// slice at a time, yielding to the event loop between slices (so `signal` is
// honoured). Output of unknown size is collected up to COLLECT_MAX; past that
// the decoder only counts — a bomb fails with ERR_OUTPUT_LIMIT without
// holding its output — and real output is decoded a second time into one
// buffer of the counted size.
const ONE_SHOT_MAX = 64 << 20;
const COLLECT_MAX = 64 << 20;
export async function decompress(bytes, opts = {}) {
  const b = toBytes(bytes, 'decompress: input');
  checkOpts('decompress', opts, ['maxOutput', 'signal', 'onProgress']);
  const max = opts.maxOutput === undefined ? DEFAULT_MAX_OUTPUT : opts.maxOutput;
  if (typeof max != 'number' || !Number.isInteger(max) || max < 0 || max > MAX_OUTPUT_CAP) {
    throw invalidArg(`decompress: maxOutput must be an integer in 0..${MAX_OUTPUT_CAP}, got ${quote(opts.maxOutput)}`);
  }
  const signal = signalOpt(opts.signal), onProgress = progressOpt(opts.onProgress);
  checkSignal(signal);
  const M = await getCodecs();
  const p = copyIn(M, b);
  try {
    const declared = M.declaredSize(p, b.length);
    if (declared >= 0 && declared <= max && declared <= ONE_SHOT_MAX && !signal && !onProgress) {
      const r = M.decompress(p, b.length, declared);
      if (r >= 0) {
        const out = copyOut(M, M.outPtr(), r);
        M.releaseOut();
        return out;
      }
      // A header that under-declares falls through to the streaming decoder.
      if (M.errcName(-r) !== 'ERR_OUTPUT_LIMIT' || declared === max) check(M, r);
    }
    const hint = declared >= 0 && declared <= max ? declared : -1;
    return await decodeSliced(M, p, b.length, max, hint, signal, onProgress);
  } catch (e) {
    throw limitWorded(e, 'decompress', max);
  } finally {
    M._free(p);
  }
}

// frameInfo(): what the header of the first frame says, from the core's
// codec::frame_info() (the one place that parses frame headers). null when
// the bytes do not start with a known frame; malformed or truncated frames
// throw (CorruptInputError / ERR_TRUNCATED_INPUT). -1 fields become null.
export async function frameInfo(bytes) {
  const b = toBytes(bytes, 'frameInfo: input');
  const M = await getCodecs();
  const p = copyIn(M, b);
  try {
    const r = M.frameInfo(p, b.length);
    if (r < 0 && M.errcName(-r) === 'ERR_UNSUPPORTED_FORMAT') return null;
    const c = check(M, r);
    const field = (i) => { const v = M.frameField(i); return v < 0 ? null : v; };
    return { codec: M.codecName(c), length: field(0), windowSize: field(1), contentSize: field(2) };
  } finally {
    M._free(p);
  }
}

// The streaming decoder over input already in wasm memory at `p`. `size`:
// the declared size (a first guess for the output buffer) or -1.
async function decodeSliced(M, p, len, max, size, signal, onProgress) {
  const st = await streamState((M2) => new M2.Decompressor(max));
  const loop = new SliceLoop(signal, onProgress);
  try {
    // Pass 1: decode; keep the output while it fits the collection budget.
    let out = size >= 0 ? new Uint8Array(size) : null;
    let parts = out ? null : [];
    let total = 0, counting = false;
    const run = async (keep) => {
      let used = 0;
      for (;;) {
        loop.check();
        check(st.M, st.h.update(p + used, len - used, st.outP, IO));
        used += st.h.inUsed();
        const n = st.h.outUsed();
        if (n) keep(n);
        loop.at(used);
        if (used >= len && n < IO) break;
        await loop.turn();
      }
      check(st.M, st.h.finish());
    };
    await run((n) => {
      const src = heapU8(st.M).subarray(st.outP, st.outP + n);
      if (out && total + n <= out.length) out.set(src, total);
      else if (!counting) {
        if (out) { parts = [out.subarray(0, total)]; out = null; }
        if (total + n > COLLECT_MAX) { counting = true; parts = null; } else parts.push(src.slice());
      }
      total += n;
    });
    if (out) return total === out.length ? out : out.slice(0, total);
    if (!counting) return concat(parts);
    // Pass 2: the output is real and `total` bytes long; decode it again into one buffer.
    out = new Uint8Array(total);
    st.h.reset();
    let pos = 0;
    await run((n) => { out.set(heapU8(st.M).subarray(st.outP, st.outP + n), pos); pos += n; });
    return out;
  } finally {
    st.close();
  }
}

// The core's message names the CLI flag; JS callers set `maxOutput`.
function limitWorded(e, fn, max) {
  if (!e || e.code !== 'ERR_OUTPUT_LIMIT') return e;
  return new OutputLimitError('ERR_OUTPUT_LIMIT', `${fn}: the output exceeds maxOutput = ${max} bytes (raise maxOutput${fn === 'decompress' ? ', or use decompressStream' : ''})`, { cause: e });
}

const IO = 1 << 20;   // wasm-side input/output window of the streaming forms

// Shared plumbing: a wasm codec object (Compressor or Decompressor) plus one
// input and one output window, released together by close().
class CodecStream extends Handle {
  constructor(M, h) {
    super('codec stream');
    this.M = M;
    this.inP = malloc(M, IO);
    this.outP = malloc(M, IO);
    const { inP, outP } = this;
    this._own(h, () => { h.delete(); M._free(inP); M._free(outP); });
  }
  get h() { return this._live(); }
  close() { this.free(); }
}

async function streamState(make) {
  const M = await getCodecs();
  const h = make(M);
  try {
    check(M, h.status());
  } catch (e) {
    h.delete();
    throw e;
  }
  return new CodecStream(M, h);
}

// Runs update() over `bytes` in IO-sized windows, enqueueing all output.
function pump(st, bytes, ctl, call) {
  const { M, h } = st;
  let off = 0;
  do {
    const n = Math.min(IO, bytes.length - off);
    heapU8(M).set(bytes.subarray(off, off + n), st.inP);
    let used = 0;
    do {
      check(M, call(st.inP + used, n - used));
      used += h.inUsed();
      const out = h.outUsed();
      if (out) ctl.enqueue(copyOut(M, st.outP, out));
      if (used >= n && out < IO) break;
    } while (true);
    off += n;
  } while (off < bytes.length);
}

// The compressor's side of pump(): more input of the frame.
const compressPump = (st, bytes, ctl) => pump(st, bytes, ctl, (p, n) => st.h.update(p, n, st.outP, IO, false));

// Ends the compressor's frame, enqueueing the rest of its output.
function compressFinish(st, ctl) {
  for (;;) {
    check(st.M, st.h.update(st.inP, 0, st.outP, IO, true));
    const out = st.h.outUsed();
    if (out) ctl.enqueue(copyOut(st.M, st.outP, out));
    if (st.h.done()) break;
  }
}

// One-shot compress through the streaming compressor, one IO window at a
// time: checks `signal`, reports input bytes consumed, yields.
async function slicedCompress(b, signal, onProgress, args) {
  const loop = new SliceLoop(signal, onProgress);
  loop.check();
  const st = await streamState((M) => new M.Compressor(...args));
  const parts = [];
  const ctl = { enqueue: (p) => { parts.push(p); } };
  try {
    for (const part of loop.slices(b, IO)) {
      compressPump(st, part, ctl);
      await loop.step(part.length);
    }
    loop.check();
    compressFinish(st, ctl);
  } finally {
    st.close();
  }
  return concat(parts);
}

function guarded(st, fn) {
  try {
    fn();
  } catch (e) {
    st.close();
    throw e;
  }
}

// TransformStream<Uint8Array, Uint8Array> writing one frame (same options as compress()).
export function compressStream(opts = {}) {
  checkOpts('compressStream', opts, COMPRESS_OPTS);
  const args = compressorArgs(opts);
  let st;
  return new TransformStream({
    async start() {
      st = await streamState((M) => new M.Compressor(...args));
    },
    transform(chunk, ctl) {
      const b = toBytes(chunk, 'stream piece');
      if (b.length) guarded(st, () => compressPump(st, b, ctl));
    },
    flush(ctl) {
      guarded(st, () => compressFinish(st, ctl));
      st.close();
    },
  });
}

// { writable, readable } pair (use with pipeThrough) decoding any sequence of
// frames (auto-detected); errors with ERR_OUTPUT_LIMIT past maxOutput total
// bytes. Pull-driven: one output slice is decoded per read, so memory holds
// the decoder's window, one input piece and one slice however far the data
// expands, and a reader that stops reading stops the decoding. `signal` is
// checked between slices.
export function decompressStream(opts = {}) {
  checkOpts('decompressStream', opts, ['maxOutput', 'signal']);
  const max = opts.maxOutput === undefined ? DEFAULT_MAX_OUTPUT : opts.maxOutput;
  if (typeof max != 'number' || !Number.isInteger(max) || max < 0) {
    throw invalidArg(`decompressStream: maxOutput must be a non-negative integer, got ${quote(opts.maxOutput)}`);
  }
  const signal = signalOpt(opts.signal);
  let st = null;
  let piece = null;        // { b, off, done } the input piece being decoded
  let inLen = 0, inPos = 0, full = false;
  let reader = null;       // { resolve, reject } of the pending pull
  let ctl = null, failed = null;

  const fail = (e) => {
    if (failed) return;
    e = limitWorded(e, 'decompressStream', max);
    failed = e;
    if (st) st.close();
    if (piece) piece.reject(e);
    if (reader) reader.reject(e);
    try { ctl.error(e); } catch { /* already closed */ }
  };
  const onAbort = () => fail(abortError(signal));
  if (signal) signal.addEventListener('abort', onAbort, { once: true });

  // Decodes until one slice is out (handing it to the pending read) or the
  // current input piece is used up (letting its write() resolve).
  const step = () => {
    if (failed || !reader || !piece || !st) return;
    try {
      checkSignal(signal);
      for (;;) {
        if (inPos === inLen && !full) {
          if (piece.off === piece.b.length) { const pc = piece; piece = null; pc.resolve(); return; }
          inLen = Math.min(IO, piece.b.length - piece.off);
          heapU8(st.M).set(piece.b.subarray(piece.off, piece.off + inLen), st.inP);
          piece.off += inLen;
          inPos = 0;
        }
        check(st.M, st.h.update(st.inP + inPos, inLen - inPos, st.outP, IO));
        inPos += st.h.inUsed();
        const n = st.h.outUsed();
        full = n === IO;
        if (n) {
          const r = reader; reader = null;
          ctl.enqueue(copyOut(st.M, st.outP, n));
          r.resolve();
          return;
        }
      }
    } catch (e) {
      fail(e);
    }
  };

  const readable = new ReadableStream({
    start(c) { ctl = c; },
    pull() {
      return new Promise((resolve, reject) => { reader = { resolve, reject }; step(); });
    },
    cancel(reason) { fail(reason instanceof Error ? reason : abortError(signal)); },
  }, { highWaterMark: 0 });

  const writable = new WritableStream({
    async write(chunk) {
      const b = toBytes(chunk, 'decompressStream: stream piece');
      if (failed) throw failed;
      if (!st) st = await streamState((M) => new M.Decompressor(max));
      if (!b.length) return;
      await new Promise((resolve, reject) => { piece = { b, off: 0, resolve, reject }; step(); });
    },
    async close() {
      if (failed) throw failed;
      try {
        if (st) check(st.M, st.h.finish());
      } catch (e) {
        fail(e);
        throw failed;
      }
      if (st) st.close();
      if (signal) signal.removeEventListener('abort', onAbort);
      if (reader) { reader.resolve(); reader = null; }
      ctl.close();
    },
    abort(reason) { fail(reason instanceof Error ? reason : abortError(signal)); },
  }, { highWaterMark: 1 });
  return { readable, writable };
}
