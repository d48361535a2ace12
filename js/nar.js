// NAR (Nix archive) reading and writing over the core's nar::Parser and
// nar::Writer (codecs module, loaded on first use): the same canonical bytes
// as `nix-store --dump` and native `chunker nar dump`.
import { invalidArg } from './errors.js';
import { bytesOf } from './chunk.js';
import { Handle } from './handle.js';
import {
  SliceLoop, check, concat, copyIn, copyOut, getCodecs, progressOpt, signalOpt, strArg as str, toBytes,
} from './runtime.js';

const enc = new TextEncoder();
const NAR_SLICE = 1 << 20;

// Reads a NAR (Nix archive) from any byte source (ReadableStream, Blob, Node
// stream, (async) iterable) and yields its events in order:
//   { kind: "node", path, type: "regular" | "symlink" | "directory", executable?, size?, target? }
//   { kind: "data", bytes }   contents of the current regular file, in pieces
//   { kind: "end", path }
// Malformed archives fail with ERR_CORRUPT_INPUT / ERR_TRUNCATED_INPUT naming the offset.
export async function* narEntries(source, opts = {}) {
  const loop = new SliceLoop(signalOpt(opts.signal), progressOpt(opts.onProgress));
  loop.check();
  const M = await getCodecs();
  const reader = new Handle('NAR reader');
  const r = reader._own(new M.NarReader());
  try {
    for await (const piece of bytesOf(source)) {
      for (const part of loop.slices(piece, NAR_SLICE)) {
        const p = copyIn(M, part);
        let events;
        try {
          check(M, r.push(p, part.length));
          events = r.events();
        } finally {
          M._free(p);
        }
        loop.progress(part.length);
        yield* events;
        await loop.turn();
      }
    }
    check(M, r.finish());
  } finally {
    reader.free();
  }
}

// ---- Writing NARs --------------------------------------------------------------

// Low-level NAR writer over the core's nar::Writer (canonical bytes, as
// `nix-store --dump`): every call returns the archive bytes it produced and
// checks the calls form a valid archive (sorted unique names, exact sizes).
// Create with `await NarWriter.create()`; free() releases it early.
export class NarWriter extends Handle {
  static async create() {
    const M = await getCodecs();
    return new NarWriter(M);
  }
  constructor(M) {
    super('NarWriter');
    if (!M || typeof M.NarWriter != 'function') throw invalidArg('NarWriter: use await NarWriter.create()');
    this._M = M;
    this._own(new M.NarWriter());
  }
  beginDirectory() { return this._call((h) => h.beginDirectory()); }
  beginEntry(name) { str(name, 'entry name'); return this._call((h) => h.beginEntry(name)); }
  endEntry() { return this._call((h) => h.endEntry()); }
  endDirectory() { return this._call((h) => h.endDirectory()); }
  beginRegular(executable, size) {
    if (typeof size != 'number' || !Number.isSafeInteger(size) || size < 0) throw invalidArg('size: expected a non-negative integer');
    return this._call((h) => h.beginRegular(!!executable, size));
  }
  write(bytes) {
    const b = toBytes(bytes);
    const M = this._M;
    const parts = [];
    for (let off = 0; off < b.length || off === 0; off += NAR_SLICE) {
      const part = b.subarray(off, off + NAR_SLICE);
      const p = copyIn(M, part);
      try {
        parts.push(this._call((h) => h.write(p, part.length)));
      } finally {
        M._free(p);
      }
      if (b.length === 0) break;
    }
    return concat(parts);
  }
  endRegular() { return this._call((h) => h.endRegular()); }
  symlink(target) { str(target, 'symlink target'); return this._call((h) => h.symlink(target)); }
  finish() { return this._call((h) => h.finish()); }
  _call(fn) {
    const M = this._M, h = this._live();
    try {
      check(M, fn(h));
      const n = h.outLen();
      return n ? copyOut(M, h.outPtr(), n) : new Uint8Array(0);
    } finally {
      h.clearOut();
    }
  }
}

const utf8Compare = (a, b) => {
  const x = enc.encode(a), y = enc.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

function entriesOf(node, path) {
  const e = node.entries;
  let list;
  if (e instanceof Map) list = [...e];
  else if (Array.isArray(e)) list = e;
  else if (e && typeof e == 'object') list = Object.entries(e);
  else throw invalidArg(`nar: ${path || '/'}: a directory needs entries (object, Map or [name, node] array)`);
  return list.slice().sort((a, b) => utf8Compare(a[0], b[0]));
}

async function contentsOf(node, path) {
  let c = node.contents;
  if (typeof c == 'function') c = await c();
  if (c === undefined) c = new Uint8Array(0);
  if (typeof Blob != 'undefined' && c instanceof Blob) return { size: c.size, source: c };
  if (c instanceof ArrayBuffer || ArrayBuffer.isView(c)) { const b = toBytes(c); return { size: b.length, source: [b] }; }
  if (typeof c == 'string') { const b = enc.encode(c); return { size: b.length, source: [b] }; }
  if (typeof node.size != 'number') throw invalidArg(`nar: ${path}: streamed contents need a size`);
  return { size: node.size, source: c };
}

// Writes the NAR of a tree description, yielding archive pieces:
//   { type: "directory", entries: { name: node, ... } | Map | [[name, node], ...] }
//   { type: "regular", executable?, contents?: Uint8Array | string | Blob | ReadableStream
//     | (async) iterable (then `size` is required) | () => any of these (opened lazily) }
//   { type: "symlink", target }
// Entries are sorted by name as Nix does; output is byte-identical to
// `nix-store --dump` of the same tree. Options: signal, onProgress(bytesWritten).
export async function* narPieces(tree, opts = {}) {
  const loop = new SliceLoop(signalOpt(opts.signal), progressOpt(opts.onProgress));
  loop.check();
  const w = await NarWriter.create();
  const out = (b) => { if (b.length) loop.progress(b.length); return b; };
  async function* node(n, path) {
    loop.check();
    if (n === null || typeof n != 'object') throw invalidArg(`nar: ${path || '/'}: expected a node object`);
    if (n.type === 'directory') {
      yield out(w.beginDirectory());
      for (const [name, child] of entriesOf(n, path)) {
        yield out(w.beginEntry(str(name, 'entry name')));
        yield* node(child, path ? `${path}/${name}` : name);
        yield out(w.endEntry());
      }
      yield out(w.endDirectory());
    } else if (n.type === 'regular') {
      const { size, source } = await contentsOf(n, path);
      yield out(w.beginRegular(!!n.executable, size));
      for await (const piece of bytesOf(source)) {
        loop.check();
        yield out(w.write(piece));
        await loop.turn();
      }
      yield out(w.endRegular());
    } else if (n.type === 'symlink') {
      yield out(w.symlink(str(n.target, `nar: ${path}: symlink target`)));
    } else {
      throw invalidArg(`nar: ${path || '/'}: type must be "regular", "symlink" or "directory"`);
    }
  }
  try {
    yield* node(tree, '');
    yield out(w.finish());
  } finally {
    w.free();
  }
}

// ReadableStream<Uint8Array> of the NAR of `tree` (see narPieces).
export function narStream(tree, opts = {}) {
  let it;
  return new ReadableStream({
    start() { it = narPieces(tree, opts); },
    async pull(ctl) {
      for (;;) {
        const { value, done } = await it.next();
        if (done) { ctl.close(); return; }
        if (value.length) { ctl.enqueue(value); return; }
      }
    },
    async cancel() { await it.return(); },
  });
}

// The whole NAR of `tree` as one Uint8Array.
export async function nar(tree, opts = {}) {
  const parts = [];
  for await (const p of narPieces(tree, opts)) if (p.length) parts.push(p);
  return concat(parts);
}
