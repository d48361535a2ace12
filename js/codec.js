// compress()/decompress(): the codecs wasm module (zstd, lz4 frame, xz,
// bzip2) is loaded on the first call, so users who only chunk and hash never
// download it.
import { invalidArg } from './errors.js';
import {
  check, checkSignal, copyIn, copyOut, getCodecs, heapU8, makeYielder, malloc, progressOpt, signalOpt, threadsOpt,
  toBytes,
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
export async function compress(bytes, opts = {}) {
  const b = toBytes(bytes);
  const args = compressorArgs(opts);
  const threads = threadsOpt(opts.threads);
  const signal = signalOpt(opts.signal), onProgress = progressOpt(opts.onProgress);
  if (signal || onProgress) return sliced(b, signal, onProgress, (M) => new M.Compressor(...args), true);
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
// With a signal or onProgress: decoded in windows (same output), yielding
// to the event loop between them.
export async function decompress(bytes, opts = {}) {
  const b = toBytes(bytes);
  const max = opts.maxOutput === undefined ? DEFAULT_MAX_OUTPUT : opts.maxOutput;
  if (typeof max != 'number' || !Number.isInteger(max) || max < 0 || max > MAX_OUTPUT_CAP) {
    throw invalidArg(`maxOutput: expected an integer in 0..${MAX_OUTPUT_CAP}, got ${String(opts.maxOutput)}`);
  }
  const signal = signalOpt(opts.signal), onProgress = progressOpt(opts.onProgress);
  if (signal || onProgress) return sliced(b, signal, onProgress, (M) => new M.Decompressor(max), false);
  const M = await getCodecs();
  const p = copyIn(M, b);
  try {
    const n = check(M, M.decompress(p, b.length, max));
    const out = copyOut(M, M.outPtr(), n);
    M.releaseOut();
    return out;
  } finally {
    M._free(p);
  }
}

const IO = 1 << 20;   // wasm-side input/output window of the streaming forms
const streamRegistry = typeof FinalizationRegistry != 'undefined'
  ? new FinalizationRegistry(({ M, h, bufs }) => { try { h.delete(); bufs.forEach((p) => M._free(p)); } catch { /* gone */ } })
  : null;

// Shared plumbing: a wasm codec object plus one input and one output window.
async function streamState(make) {
  const M = await getCodecs();
  const h = make(M);
  try {
    check(M, h.status());
  } catch (e) {
    h.delete();
    throw e;
  }
  const st = { M, h, inP: malloc(M, IO), outP: malloc(M, IO), closed: false };
  st.token = {};
  if (streamRegistry) streamRegistry.register(st.token, { M, h, bufs: [st.inP, st.outP] }, st.token);
  st.close = () => {
    if (st.closed) return;
    st.closed = true;
    if (streamRegistry) streamRegistry.unregister(st.token);
    h.delete(); M._free(st.inP); M._free(st.outP);
  };
  return st;
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

// One-shot compress/decompress through the streaming codec objects, one IO
// window at a time: checks `signal`, reports input bytes consumed, yields.
async function sliced(b, signal, onProgress, make, compressing) {
  checkSignal(signal);
  const st = await streamState(make);
  const parts = [];
  let total = 0;
  const ctl = { enqueue: (p) => { parts.push(p); total += p.length; } };
  const yieldNow = makeYielder();
  try {
    for (let off = 0; off < b.length; off += IO) {
      checkSignal(signal);
      const piece = b.subarray(off, off + IO);
      if (compressing) pump(st, piece, ctl, (p, n) => st.h.update(p, n, st.outP, IO, false));
      else pump(st, piece, ctl, (p, n) => st.h.update(p, n, st.outP, IO));
      if (onProgress) onProgress(off + piece.length);
      await yieldNow();
    }
    checkSignal(signal);
    if (compressing) {
      for (;;) {
        check(st.M, st.h.update(st.inP, 0, st.outP, IO, true));
        const out = st.h.outUsed();
        if (out) ctl.enqueue(copyOut(st.M, st.outP, out));
        if (st.h.done()) break;
      }
    } else {
      check(st.M, st.h.finish());
    }
  } finally {
    st.close();
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) { out.set(p, pos); pos += p.length; }
  return out;
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
  const args = compressorArgs(opts);
  let st;
  return new TransformStream({
    async start() {
      st = await streamState((M) => new M.Compressor(...args));
    },
    transform(chunk, ctl) {
      const b = toBytes(chunk, 'stream piece');
      if (b.length) guarded(st, () => pump(st, b, ctl, (p, n) => st.h.update(p, n, st.outP, IO, false)));
    },
    flush(ctl) {
      guarded(st, () => {
        for (;;) {
          check(st.M, st.h.update(st.inP, 0, st.outP, IO, true));
          const out = st.h.outUsed();
          if (out) ctl.enqueue(copyOut(st.M, st.outP, out));
          if (st.h.done()) break;
        }
      });
      st.close();
    },
  });
}

// TransformStream<Uint8Array, Uint8Array> decoding any sequence of frames
// (auto-detected); errors with ERR_OUTPUT_LIMIT past maxOutput total bytes.
export function decompressStream(opts = {}) {
  const max = opts.maxOutput === undefined ? DEFAULT_MAX_OUTPUT : opts.maxOutput;
  if (typeof max != 'number' || !Number.isInteger(max) || max < 0) {
    throw invalidArg(`maxOutput: expected a non-negative integer, got ${String(opts.maxOutput)}`);
  }
  let st;
  return new TransformStream({
    async start() { st = await streamState((M) => new M.Decompressor(max)); },
    transform(chunk, ctl) {
      const b = toBytes(chunk, 'stream piece');
      if (b.length) guarded(st, () => pump(st, b, ctl, (p, n) => st.h.update(p, n, st.outP, IO)));
    },
    flush() {
      guarded(st, () => check(st.M, st.h.finish()));
      st.close();
    },
  });
}
