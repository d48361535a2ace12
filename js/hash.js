// BLAKE3 (hash, keyed, derive_key, any output length, incremental) and
// SHA-256. Large inputs go through wasm in slices so wasm memory stays small.
import { invalidArg } from './errors.js';
import { Handle } from './handle.js';
import {
  SliceLoop, check, copyIn, copyOut, getCore, getPlatform, heapU8, intOpt, malloc, progressOpt, signalOpt, threadsOpt,
  toBytes,
} from './runtime.js';
import { bytesOf } from './chunk.js';

const SLICE = 16 * 1024 * 1024;
// BLAKE3 inputs over 1 MiB go through Hasher::update_from: wasm asks for the
// input 1 MiB at a time (fillFrom below), so each copy is still in cache when
// it is hashed (+8-10% on one thread against 16 MiB slices), and with threads
// the copies overlap the hashing of earlier MiBs on the other threads.
const B3_DIRECT = 1024 * 1024;
const MAX_OUT = 1 << 30;

function blake3Mode(opts) {
  const { key, context } = opts;
  if (key !== undefined && context !== undefined) throw invalidArg('blake3: pass either key or context, not both');
  if (key !== undefined) {
    const k = toBytes(key, 'blake3 key');
    if (k.length !== 32) throw invalidArg(`blake3 key: expected 32 bytes, got ${k.length}`);
    return { mode: 1, key: k, context: '' };
  }
  if (context !== undefined) {
    if (typeof context != 'string') throw invalidArg('blake3 context: expected a string');
    return { mode: 2, key: null, context };
  }
  return { mode: 0, key: null, context: '' };
}

// The fill(ptr, n) callback for update_from: copies the next n bytes of `bytes`.
function fillFrom(M, bytes) {
  let off = 0;
  return (p, n) => {
    heapU8(M).set(bytes.subarray(off, off + n), p);
    off += n;
    return true;
  };
}

// Feeds `bytes` to update(ptr, len) through a wasm scratch buffer of at most SLICE bytes.
function feed(M, bytes, update) {
  const n = Math.min(bytes.length, SLICE);
  const p = malloc(M, n);
  try {
    for (let off = 0; off < bytes.length || off === 0; off += SLICE) {
      const piece = bytes.subarray(off, off + SLICE);
      heapU8(M).set(piece, p);
      update(p, piece.length);
      if (bytes.length === 0) break;
    }
  } finally {
    M._free(p);
  }
}

export function blake3(bytes, opts = {}) {
  const b = toBytes(bytes);
  const outLen = intOpt(opts.outputLength, 'outputLength', 0, MAX_OUT, 32);
  const { mode, key, context } = blake3Mode(opts);
  const threads = threadsOpt(opts.threads);
  const M = getCore();
  const out = malloc(M, outLen);
  const kp = key ? copyIn(M, key) : 0;
  try {
    if (b.length <= B3_DIRECT) {
      const p = copyIn(M, b);
      try {
        M.blake3(p, b.length, mode, kp, context, out, outLen, threads);
      } finally {
        M._free(p);
      }
    } else {
      check(M, M.blake3From(b.length, fillFrom(M, b), mode, kp, context, out, outLen, threads));
    }
    return copyOut(M, out, outLen);
  } finally {
    M._free(out);
    if (kp) M._free(kp);
  }
}

// Incremental BLAKE3: update() any number of times, digest() any time.
export class Blake3Hasher extends Handle {
  constructor(opts = {}) {
    super('blake3 hasher');
    const { mode, key, context } = blake3Mode(opts);
    this._threads = threadsOpt(opts.threads);
    const M = getCore();
    const kp = key ? copyIn(M, key) : 0;
    try {
      this._own(new M.Blake3(mode, kp, context));
    } finally {
      if (kp) M._free(kp);
    }
    this._M = M;
  }
  update(bytes) {
    const b = toBytes(bytes);
    const h = this._live();
    if (b.length <= B3_DIRECT) feed(this._M, b, (p, n) => h.update(p, n, this._threads));
    else check(this._M, h.updateFrom(b.length, fillFrom(this._M, b), this._threads));
    return this;
  }
  // Output bytes [seek, seek + outputLength) of the extendable output.
  digest(opts = {}) {
    const outLen = intOpt(opts.outputLength, 'outputLength', 0, MAX_OUT, 32);
    const seek = intOpt(opts.seek, 'seek', 0, Number.MAX_SAFE_INTEGER, 0);
    const M = this._M;
    const out = malloc(M, outLen);
    try {
      this._live().finalizeSeek(seek, out, outLen);
      return copyOut(M, out, outLen);
    } finally {
      M._free(out);
    }
  }
  reset() { this._live().reset(); return this; }
}

blake3.create = (opts) => new Blake3Hasher(opts);

function useNode(opts) {
  const backend = opts.backend === undefined ? 'auto' : opts.backend;
  if (backend !== 'auto' && backend !== 'wasm') throw invalidArg(`sha256 backend: expected "auto" or "wasm", got ${String(backend)}`);
  const p = getPlatform();
  return backend === 'auto' && p && p.sha256 ? p.sha256 : null;
}

// SHA-256. In Node, `backend: "auto"` (default) uses node:crypto, which is
// faster than wasm there; `backend: "wasm"` forces the core's code.
export function sha256(bytes, opts = {}) {
  const b = toBytes(bytes);
  const node = useNode(opts);
  if (node) return node.hash(b);
  const M = getCore();
  const out = malloc(M, 32);
  try {
    if (b.length <= SLICE) {
      const p = copyIn(M, b);
      try { M.sha256(p, b.length, out); } finally { M._free(p); }
    } else {
      const h = new M.Sha256();
      try {
        feed(M, b, (p, n) => h.update(p, n));
        h.finalize(out);
      } finally {
        h.delete();
      }
    }
    return copyOut(M, out, 32);
  } finally {
    M._free(out);
  }
}

// With the node:crypto backend the handle is a node:crypto Hash (nothing to
// release), freed like the wasm one: later calls fail.
export class Sha256Hasher extends Handle {
  constructor(opts = {}) {
    super('sha256 hasher');
    const node = useNode(opts);
    if (node) {
      this._nodeFactory = node;
      this._own(node.create(), null);
      return;
    }
    this._M = getCore();
    this._own(new this._M.Sha256());
  }
  update(bytes) {
    const b = toBytes(bytes, 'sha256 hasher update');
    if (this._nodeFactory) this._live().update(b);
    else feed(this._M, b, (p, n) => this._live().update(p, n));
    return this;
  }
  // The digest of everything so far; the hasher then starts a new message.
  digest() {
    if (this._nodeFactory) {
      const d = new Uint8Array(this._live().digest());
      this._h = this._nodeFactory.create();
      return d;
    }
    const M = this._M;
    const out = malloc(M, 32);
    try {
      this._live().finalize(out);
      return copyOut(M, out, 32);
    } finally {
      M._free(out);
    }
  }
  reset() {
    if (this._nodeFactory) { this._live(); this._h = this._nodeFactory.create(); } else this._live().reset();
    return this;
  }
}

sha256.create = (opts) => new Sha256Hasher(opts);

const STREAM_SLICE = 4 * 1024 * 1024;

// Digest of a whole byte source (ReadableStream, Blob/File, Node stream,
// (async) iterable of Uint8Array): { hash: "sha256" (default) | "blake3",
// blake3's outputLength/key/context/threads, sha256's backend, signal,
// onProgress(bytesRead) }. Hashes in slices and yields to the event loop
// every few ms, so a page stays responsive.
export async function hashStream(source, opts = {}) {
  if (opts === null || typeof opts != 'object') throw invalidArg('hashStream options: expected an object');
  const algo = opts.hash === undefined ? 'sha256' : opts.hash;
  if (algo !== 'sha256' && algo !== 'blake3') throw invalidArg(`hash: expected "sha256" or "blake3", got ${String(algo)}`);
  const signal = signalOpt(opts.signal), onProgress = progressOpt(opts.onProgress);
  const outputLength = algo === 'blake3' ? intOpt(opts.outputLength, 'outputLength', 0, MAX_OUT, 32) : 32;
  const loop = new SliceLoop(signal, onProgress);
  loop.check();
  const h = algo === 'blake3' ? new Blake3Hasher(opts) : new Sha256Hasher(opts);
  try {
    for await (const piece of bytesOf(source)) {
      for (const part of loop.slices(piece, STREAM_SLICE)) {
        h.update(part);
        await loop.step(part.length);
      }
    }
    loop.check();
    return algo === 'blake3' ? h.digest({ outputLength }) : h.digest();
  } finally {
    h.free();
  }
}
