// Module state shared by the API: the platform loader (Node or browser), the
// loaded wasm modules, and helpers to move bytes in and out of wasm memory.
import { AbortError, ChunkerError, OutOfMemoryError, invalidArg, makeError } from './errors.js';

let platform = null;   // { variant, threads, load(group), sha256? }
let core = null;
let codecsPromise = null;
let codecs = null;
let loading = null;

// Loads the core module on first use (await ready, or a codec call), not at
// import: importing the package — say, only createWorkerClient — runs no
// wasm and fetches nothing on this thread ("sideEffects": false holds).
function load() {
  if (!loading) {
    loading = platform.choose().then(() => platform.load('core')).then((m) => { core = m; return info(); });
    loading.catch(() => {});  // surfaced to whoever awaits it
  }
  return loading;
}

// `ready` is a promise that starts the load when first awaited (then/catch/finally).
class LazyReady extends Promise {
  static get [Symbol.species]() { return Promise; }
  then(onOk, onErr) { return load().then(onOk, onErr); }
}
export const ready = new LazyReady(() => {});

// Called once by the entry point (index.node.js / index.browser.js).
export function start(p) {
  platform = p;
}

export function info() {
  return {
    variant: platform.variant,
    threads: platform.threads,
    blake3Backend: core ? core.blake3Backend() : undefined,
    fastcdcBackend: core ? core.fastcdcBackend() : undefined,
    sha256Backend: core ? core.sha256Backend() : undefined,
  };
}

export function getPlatform() { return platform; }

export function getCore() {
  if (!core) throw new ChunkerError('ERR_NOT_READY', 'the wasm module is not loaded yet: await ready first');
  return core;
}

// The codecs module (zstd, lz4, xz, bzip2, Nix) is only fetched on first use.
export function getCodecs() {
  if (!codecsPromise) codecsPromise = ready.then(() => platform.load('codecs')).then((m) => (codecs = m));
  return codecsPromise;
}

// Bytes of wasm memory each loaded module holds (for leak checks and tuning).
export function memoryUsage() {
  const size = (M) => (M ? M.getMemory().buffer.byteLength : 0);
  return { core: size(core), codecs: size(codecs) };
}

export function heapU8(M) { return new Uint8Array(M.getMemory().buffer); }

// Accepts Uint8Array, any ArrayBufferView or ArrayBuffer; returns a Uint8Array view.
export function toBytes(x, what = 'input') {
  const buf = ArrayBuffer.isView(x) ? x.buffer : x;
  if (buf instanceof ArrayBuffer && buf.detached === true) {
    throw invalidArg(`${what}: the ArrayBuffer is detached (it was transferred, e.g. to a Worker)`);
  }
  if (x instanceof Uint8Array) return x;
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (x instanceof ArrayBuffer || (typeof SharedArrayBuffer != 'undefined' && x instanceof SharedArrayBuffer)) {
    try {
      return new Uint8Array(x);
    } catch {   // detached, where ArrayBuffer.prototype.detached does not exist yet (Node 20)
      throw invalidArg(`${what}: the ArrayBuffer is detached (it was transferred, e.g. to a Worker)`);
    }
  }
  throw invalidArg(`${what}: expected a Uint8Array, ArrayBufferView or ArrayBuffer, got ${describe(x)}`);
}

function describe(x) {
  if (x === null) return 'null';
  if (typeof x == 'object') return x.constructor ? x.constructor.name : 'object';
  return typeof x;
}

export function malloc(M, n) {
  const p = M._malloc(n || 1);
  if (!p) throw new OutOfMemoryError('ERR_OUT_OF_MEMORY', `wasm: cannot allocate ${n} bytes`);
  return p;
}

// Copies `bytes` into fresh wasm memory; the caller frees it.
export function copyIn(M, bytes) {
  const p = malloc(M, bytes.length);
  heapU8(M).set(bytes, p);
  return p;
}

// Copies `n` bytes at `p` out of wasm memory into a plain (non-shared) array.
export function copyOut(M, p, n) {
  return heapU8(M).slice(p, p + n);
}

// One array of the bytes of `parts` (the part itself when there is one).
export function concat(parts) {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const x of parts) n += x.length;
  const out = new Uint8Array(n);
  let pos = 0;
  for (const x of parts) { out.set(x, pos); pos += x.length; }
  return out;
}

// Turns a negative status from a binding into the matching Error.
export function check(M, r) {
  if (r >= 0) return r;
  throw makeError(M.errcName(-r), M.lastError());
}

// A value as an error message shows it: strings quoted, objects by kind.
export function quote(v) {
  if (typeof v == 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v == 'bigint') return `${v}n`;
  if (v === null || typeof v != 'object') return String(v);
  return Array.isArray(v) ? 'an array' : `a ${v.constructor ? v.constructor.name : 'object'}`;
}

// Rejects option keys the function does not know (a typo such as `maxOuput`
// would otherwise silently keep the default).
export function checkOpts(fn, opts, known) {
  if (opts === null || typeof opts != 'object') throw invalidArg(`${fn}: options must be an object, got ${quote(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw invalidArg(`${fn}: unknown option ${quote(k)} (known: ${known.join(', ')})`);
  }
}

// A string argument, else ERR_INVALID_ARGUMENT naming it.
export function strArg(v, what) {
  if (typeof v != 'string') throw invalidArg(`${what}: expected a string`);
  return v;
}

// Integer option check: undefined -> dflt; else an integer in [lo, hi].
export function intOpt(v, name, lo, hi, dflt) {
  if (v === undefined) return dflt;
  if (typeof v != 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw invalidArg(`${name}: expected an integer in ${lo}..${hi}, got ${String(v)}`);
  }
  return v;
}

// Thread count for a call: the `threads` option, capped by what the variant has.
export function threadsOpt(v) {
  const max = platform.threads;
  if (v === undefined) return max;
  return Math.min(intOpt(v, 'threads', 1, 1024, max), max);
}

// Cooperative scheduling for the async forms: long work runs in slices and
// gives the event loop a turn once a slice budget (ms) has passed, so a page
// stays responsive and AbortSignals / worker messages are seen mid-operation.
const SLICE_MS = 8;
const macrotask = typeof setImmediate == 'function'
  ? () => new Promise((r) => setImmediate(r))
  : typeof MessageChannel == 'function'
    ? () => new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = () => { c.port1.close(); r(); }; c.port2.postMessage(0); })
    : () => new Promise((r) => setTimeout(r, 0));
export function makeYielder() {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < SLICE_MS) return;
    await macrotask();
    last = performance.now();
  };
}

export function abortError(signal) {
  return new AbortError('ERR_CANCELLED', 'the operation was aborted', { cause: signal && signal.reason });
}
export function checkSignal(signal) {
  if (signal && signal.aborted) throw abortError(signal);
}
export function progressOpt(f) {
  if (f !== undefined && typeof f != 'function') throw invalidArg('onProgress: expected a function');
  return f;
}
export function signalOpt(s) {
  if (s !== undefined && (s === null || typeof s != 'object' || typeof s.aborted != 'boolean')) {
    throw invalidArg('signal: expected an AbortSignal');
  }
  return s;
}

// The loop of every long operation: slices of at most `size` bytes, the
// signal checked before each, progress reported once a slice is done, and a
// turn for the event loop once the slice budget has passed.
//   const loop = new SliceLoop(signal, onProgress);
//   for (const part of loop.slices(bytes, SLICE)) { work(part); await loop.step(part.length); }
//   loop.check();
export class SliceLoop {
  constructor(signal, onProgress) {
    this.signal = signal;
    this.onProgress = onProgress;
    this.done = 0;
    this.turn = makeYielder();
  }
  check() { checkSignal(this.signal); }
  // Subarrays of `bytes`, at most `size` long (none for empty input).
  *slices(bytes, size) {
    for (let off = 0; off < bytes.length; off += size) {
      this.check();
      yield bytes.subarray(off, off + size);
    }
  }
  // Reports n more bytes done.
  progress(n) { this.at(this.done + n); }
  // Reports `total` bytes done (a count the operation keeps itself).
  at(total) {
    this.done = total;
    if (this.onProgress) this.onProgress(total);
  }
  async step(n) {
    this.progress(n);
    await this.turn();
  }
}
