// FastCDC 2020 chunking: one-shot, batch (many buffers, one wasm crossing),
// incremental (push/finish) and streaming over any byte source.
import { invalidArg } from './errors.js';
import { hexAt } from './encoding.js';
import { Handle } from './handle.js';
import {
  SliceLoop, check, checkOpts, copyIn, quote, getCore, heapU8, malloc, progressOpt, signalOpt, threadsOpt, toBytes,
} from './runtime.js';

const HASH_ALGOS = { none: 0, sha256: 1, blake3: 2 };   // chunker::HashAlgo
const RECORD = 56;                                     // sizeof(ChunkRecord), bind_core.cpp
const PUSH_SLICE = 8 * 1024 * 1024;
const STREAM_SLICE = 1024 * 1024;   // chunkStream: wasm work between two chances to yield

function u32(v, name) {
  if (v === undefined) return 0;   // 0 = the core's default
  if (typeof v != 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw invalidArg(`${name}: expected a non-negative integer, got ${quote(v)}`);
  }
  return v;
}

const CHUNK_KEYS = ['min', 'avg', 'max', 'level', 'seed', 'hash', 'threads'];

// -> { args: [min, avg, max, level, seedLo, seedHi], algo }. `fn` names the
// function called in error messages; `more`: its other option keys.
function params(opts, fn, more = []) {
  checkOpts(fn, opts, [...CHUNK_KEYS, ...more]);
  let { min, avg, max } = opts;
  // Only avg given: the usual FastCDC spread (avg/4 .. avg*4).
  if (avg !== undefined && min === undefined && typeof avg == 'number') min = Math.max(64, Math.floor(avg / 4));
  if (avg !== undefined && max === undefined && typeof avg == 'number') max = avg * 4;
  const level = opts.level === undefined ? 1 : u32(opts.level, 'level');
  let seed = opts.seed === undefined ? 0n : opts.seed;
  if (typeof seed == 'number' && Number.isSafeInteger(seed) && seed >= 0) seed = BigInt(seed);
  if (typeof seed != 'bigint' || seed < 0n || seed >= 1n << 64n) {
    throw invalidArg(`${fn}: seed must be an integer or bigint in 0..2^64-1, got ${quote(opts.seed)}`);
  }
  const hash = opts.hash === undefined ? 'sha256' : opts.hash;
  if (!Object.hasOwn(HASH_ALGOS, hash)) {
    throw invalidArg(`${fn}: hash must be "sha256", "blake3" or "none", got ${quote(hash)}`);
  }
  const args = [u32(min, 'min'), u32(avg, 'avg'), u32(max, 'max'), level,
    Number(seed & 0xffffffffn), Number(seed >> 32n)];
  // The core names its parameters min_size/avg_size/max_size; say the JS option names.
  const M = getCore();
  if (M.fastcdcValidate(...args) < 0) throw invalidArg(`${fn}: ${M.lastError().replace(/\b(min|avg|max)_size\b/g, '$1')}`);
  return { args, algo: HASH_ALGOS[hash] };
}

function readRecords(M, ptr, n, withHash, out) {
  const buf = M.getMemory().buffer;
  const dv = new DataView(buf);
  const u8 = new Uint8Array(buf);
  for (let i = 0, p = ptr; i < n; i++, p += RECORD) {
    const c = {
      offset: dv.getUint32(p, true) + dv.getUint32(p + 4, true) * 4294967296,
      length: dv.getUint32(p + 16, true),
      fingerprint: dv.getBigUint64(p + 8, true),
    };
    if (withHash) c.hash = hexAt(u8, p + 24, 32);
    out.push(c);
  }
  return out;
}

// Chunks many buffers in one call into wasm; returns one chunk list per buffer.
export function chunkBatch(buffers, opts = {}, fn = 'chunkBatch') {
  if (!Array.isArray(buffers)) throw invalidArg('chunkBatch: expected an array of byte arrays');
  const list = buffers.map((b, i) => toBytes(b, `chunkBatch[${i}]`));
  const { args, algo } = params(opts, fn);
  const threads = threadsOpt(opts.threads);
  const M = getCore();
  let total = 0;
  for (const b of list) total += b.length;
  const n = list.length;
  const data = malloc(M, total);
  const meta = malloc(M, 8 * n);   // lens (u32 x n), then counts (u32 x n)
  try {
    const u8 = heapU8(M);
    let pos = data;
    const lens = new Uint32Array(M.getMemory().buffer, meta, n);
    list.forEach((b, i) => { u8.set(b, pos); pos += b.length; lens[i] = b.length; });
    const count = check(M, M.chunkBatch(data, meta, meta + 4 * n, n, ...args, algo, threads));
    const counts = new Uint32Array(M.getMemory().buffer, meta + 4 * n, n).slice();
    const all = readRecords(M, M.recordsPtr(), count, algo !== 0, []);
    const result = [];
    let k = 0;
    for (let i = 0; i < n; i++) { result.push(all.slice(k, k + counts[i])); k += counts[i]; }
    return result;
  } finally {
    M._free(data);
    M._free(meta);
  }
}

// One-shot: all chunks of `bytes` -> [{ offset, length, fingerprint, hash }].
export function chunk(bytes, opts = {}) {
  return chunkBatch([toBytes(bytes, 'chunk: input')], opts, 'chunk')[0];
}

// Incremental chunker: push() slices of any size, then finish(); the chunks
// are exactly those of chunk() over the concatenation.
export class Chunker extends Handle {
  constructor(opts = {}, fn = 'Chunker') {
    super('chunker');
    const { args, algo } = params(opts, fn, fn === 'chunkStream' ? ['signal', 'onProgress', '_sliceBytes'] : []);
    const threads = threadsOpt(opts.threads);
    const M = getCore();
    check(M, M.fastcdcValidate(...args));
    this._M = M;
    this._hash = algo !== 0;
    // Threads variant: the chunks of one push() are hashed on up to `threads` pthreads.
    this._own(new M.StreamChunker(...args, algo)).setThreads(threads);
  }
  push(bytes) {
    const b = toBytes(bytes);
    const out = [];
    for (let off = 0; off < b.length; off += PUSH_SLICE) this._run(b.subarray(off, off + PUSH_SLICE), out);
    return out;
  }
  // Emits the last chunk(s); the chunker can then be reused for a new stream.
  finish() {
    const M = this._M, h = this._live();
    const n = check(M, h.finish());   // before recordsPtr(): the vector may move
    return readRecords(M, h.recordsPtr(), n, this._hash, []);
  }
  _run(piece, out) {
    const M = this._M, h = this._live();
    const p = copyIn(M, piece);
    try {
      const n = check(M, h.push(p, piece.length));   // before recordsPtr(): the vector may move
      readRecords(M, h.recordsPtr(), n, this._hash, out);
    } finally {
      M._free(p);
    }
  }
}

// Byte pieces of a ReadableStream, Blob/File, Node stream or (async) iterable.
export async function* bytesOf(source) {
  if (typeof Blob != 'undefined' && source instanceof Blob) source = source.stream();
  if (source && typeof source.getReader == 'function') {
    const reader = source.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        yield toBytes(value, 'stream piece');
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (source && (typeof source[Symbol.asyncIterator] == 'function' || typeof source[Symbol.iterator] == 'function')) {
    if (source instanceof Uint8Array || typeof source == 'string') {
      throw invalidArg('chunkStream: expected a stream, Blob or iterable of byte arrays (use chunk() for one buffer)');
    }
    for await (const piece of source) yield toBytes(piece, 'stream piece');
    return;
  }
  throw invalidArg('chunkStream: expected a ReadableStream, Blob, Node stream or (async) iterable of Uint8Array');
}

// Streams chunks of any byte source. Options: chunk() options plus `signal`
// (AbortSignal) and `onProgress(bytesRead)`. Large pieces are pushed in 1 MiB
// slices with a turn for the event loop every few ms, so no call blocks long.
export async function* chunkStream(source, opts = {}) {
  const loop = new SliceLoop(signalOpt(opts.signal), progressOpt(opts.onProgress));
  loop.check();
  const c = new Chunker(opts, 'chunkStream');
  // The worker host asks for large pushes (many chunks per push, so their
  // hashing spreads over threads): small pieces are gathered first.
  const slice = opts._sliceBytes > STREAM_SLICE ? opts._sliceBytes : STREAM_SLICE;
  let stage = null, fill = 0;
  async function* pushPart(part) {
    const chunks = c.push(part);
    loop.progress(part.length);
    yield* chunks;
    await loop.turn();
  }
  try {
    for await (const piece of bytesOf(source)) {
      if (slice === STREAM_SLICE) {
        for (const part of loop.slices(piece, slice)) yield* pushPart(part);
        continue;
      }
      for (let off = 0; off < piece.length;) {
        if (!stage) stage = new Uint8Array(slice);
        const n = Math.min(slice - fill, piece.length - off);
        stage.set(piece.subarray(off, off + n), fill);
        fill += n; off += n;
        if (fill === slice) { fill = 0; loop.check(); yield* pushPart(stage); }
      }
    }
    if (fill) { loop.check(); yield* pushPart(stage.subarray(0, fill)); }
    loop.check();
    yield* c.finish();
  } finally {
    c.free();
  }
}
