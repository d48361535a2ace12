// Nix support (codecs module, loaded on first use): Ed25519 in raw RFC 8032
// form and in Nix's "name:base64" text form, and narinfo fingerprint / sign /
// verify. All async because the module holding libsodium loads lazily.
import { invalidArg } from './errors.js';
import { bytesOf } from './chunk.js';
import {
  check, checkSignal, copyIn, copyOut, getCodecs, makeYielder, malloc, progressOpt, signalOpt, toBytes,
} from './runtime.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const msgBytes = (m, what = 'message') => (typeof m == 'string' ? enc.encode(m) : toBytes(m, what));
const str = (v, what) => {
  if (typeof v != 'string') throw invalidArg(`${what}: expected a string`);
  return v;
};

// Runs fn(M, alloc) with wasm copies of byte arguments freed afterwards.
async function withModule(fn) {
  const M = await getCodecs();
  const ptrs = [];
  const put = (bytes) => { const p = copyIn(M, bytes); ptrs.push(p); return p; };
  const out = (n) => { const p = malloc(M, n); ptrs.push(p); return p; };
  try {
    return fn(M, put, out);
  } finally {
    for (const p of ptrs) M._free(p);
  }
}

// Text result of a binding (keys, signatures, narinfo), then wiped in wasm.
function text(M, n) {
  const s = dec.decode(copyOut(M, M.textPtr(), n));
  M.wipeText();
  return s;
}

export const ed25519 = {
  // secretKey: 32-byte seed (RFC 8032 "SECRET KEY") or 64-byte seed||public.
  async sign(secretKey, message) {
    const k = toBytes(secretKey, 'secretKey');
    const m = msgBytes(message);
    return withModule((M, put, out) => {
      const sig = out(64);
      check(M, M.ed25519Sign(put(k), k.length, put(m), m.length, sig));
      return copyOut(M, sig, 64);
    });
  },
  async publicKey(secretKey) {
    const k = toBytes(secretKey, 'secretKey');
    return withModule((M, put, out) => {
      const pub = out(32);
      check(M, M.ed25519PublicKey(put(k), k.length, pub));
      return copyOut(M, pub, 32);
    });
  },
  // false for a wrong signature or message; throws only for a malformed key.
  async verify(publicKey, message, signature) {
    const k = toBytes(publicKey, 'publicKey');
    const m = msgBytes(message);
    const s = toBytes(signature, 'signature');
    return withModule((M, put) => check(M, M.ed25519Verify(put(k), k.length, put(m), m.length, put(s), s.length)) === 1);
  },
};

export const nix = {
  // -> { secretKey: "name:base64(64 bytes)", publicKey: "name:base64(32 bytes)" }
  async generateKey(name) {
    str(name, 'key name');
    return withModule((M, put) => {
      const secretKey = text(M, check(M, M.nixGenerateKey(name)));
      const sk = enc.encode(secretKey);
      const publicKey = text(M, check(M, M.nixPublicKey(put(sk), sk.length)));
      sk.fill(0);
      return { secretKey, publicKey };
    });
  },
  async publicKey(secretKey) {
    const sk = enc.encode(str(secretKey, 'secretKey'));
    return withModule((M, put) => text(M, check(M, M.nixPublicKey(put(sk), sk.length))));
  },
  // -> "name:base64(signature)", the form of a narinfo Sig: line.
  async sign(secretKey, message) {
    const sk = enc.encode(str(secretKey, 'secretKey'));
    const m = msgBytes(message);
    return withModule((M, put) => text(M, check(M, M.nixSign(put(sk), sk.length, put(m), m.length))));
  },
  async verify(publicKey, message, signature) {
    const m = msgBytes(message);
    return withModule((M, put) =>
      check(M, M.nixVerify(str(publicKey, 'publicKey'), put(m), m.length, str(signature, 'signature'))) === 1);
  },
};

export const narinfo = {
  // Nix's signed message: "1;<StorePath>;<NarHash>;<NarSize>;<References,...>".
  async fingerprint(text_) {
    const t = str(text_, 'narinfo');
    return withModule((M) => text(M, check(M, M.narinfoFingerprint(t))));
  },
  // Returns the narinfo with this key's Sig: line added (Nix's field order).
  async sign(text_, secretKey) {
    const t = str(text_, 'narinfo');
    const sk = enc.encode(str(secretKey, 'secretKey'));
    return withModule((M, put) => text(M, check(M, M.narinfoSign(t, put(sk), sk.length))));
  },
  // trusted: array of "name:base64" public keys. true when a trusted key signed it.
  async verify(text_, trusted) {
    const t = str(text_, 'narinfo');
    if (!Array.isArray(trusted) || !trusted.every((k) => typeof k == 'string')) {
      throw invalidArg('trusted: expected an array of "name:base64" public keys');
    }
    return withModule((M) => check(M, M.narinfoVerify(t, trusted.join(' '))) === 1);
  },
  // narinfo text -> { StorePath, URL, Compression?, FileHash?, FileSize?, NarHash,
  // NarSize, References: [], Deriver?, System?, Sig: [], CA?, extra: [[key, value]] }
  // (Nix's field names; optional fields absent when the file has none).
  async parse(text_) {
    const t = str(text_, 'narinfo');
    return withModule((M) => {
      const r = M.narinfoParse(t);
      if (typeof r == 'number') check(M, r);
      return r;
    });
  },
  // The object form (as parse() returns) -> narinfo text in Nix's layout,
  // validated as parse() validates. format(await parse(t)) === t for files
  // Nix wrote.
  async format(info) {
    const t = narinfoText(info);
    return withModule((M) => {
      const r = M.narinfoFormat(t);
      if (r < 0) throw invalidArg(`narinfo.format: ${M.lastError()}`);
      return text(M, r);
    });
  },
};

const NARINFO_FIELDS = ['StorePath', 'URL', 'Compression', 'FileHash', 'FileSize', 'NarHash', 'NarSize',
  'References', 'Deriver', 'System', 'Sig', 'CA', 'extra'];

// Object form -> "Key: value" lines (any order; the core re-validates and lays it out).
function narinfoText(info) {
  if (info === null || typeof info != 'object') throw invalidArg('narinfo.format: expected an object');
  for (const k of Object.keys(info)) {
    if (!NARINFO_FIELDS.includes(k)) throw invalidArg(`narinfo.format: unknown field ${k} (put extra fields in "extra")`);
  }
  const line = (k, v) => {
    const s = typeof v == 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : v;
    if (typeof s != 'string' || /[\n\r]/.test(s)) throw invalidArg(`narinfo.format: ${k}: expected a one-line string`);
    return `${k}: ${s}\n`;
  };
  const list = (k) => {
    const v = info[k] === undefined ? [] : info[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x == 'string')) throw invalidArg(`narinfo.format: ${k}: expected an array of strings`);
    return v;
  };
  let out = '';
  for (const k of ['StorePath', 'URL', 'Compression', 'FileHash', 'FileSize', 'NarHash', 'NarSize', 'Deriver', 'System', 'CA']) {
    if (info[k] !== undefined && info[k] !== '') out += line(k, info[k]);
  }
  out += `References: ${list('References').join(' ')}\n`;
  for (const s of list('Sig')) out += line('Sig', s);
  const extra = info.extra === undefined ? [] : info.extra;
  if (!Array.isArray(extra) || !extra.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] == 'string')) {
    throw invalidArg('narinfo.format: extra: expected an array of [key, value] pairs');
  }
  for (const [k, v] of extra) {
    if (NARINFO_FIELDS.includes(k) || !/^[^:\s][^:\n\r]*$/.test(k)) throw invalidArg(`narinfo.format: extra: bad key ${k}`);
    out += line(k, v);
  }
  return out;
}

const NAR_SLICE = 1 << 20;

// Reads a NAR (Nix archive) from any byte source (ReadableStream, Blob, Node
// stream, (async) iterable) and yields its events in order:
//   { kind: "node", path, type: "regular" | "symlink" | "directory", executable?, size?, target? }
//   { kind: "data", bytes }   contents of the current regular file, in pieces
//   { kind: "end", path }
// Malformed archives fail with ERR_CORRUPT_INPUT / ERR_TRUNCATED_INPUT naming the offset.
export async function* narEntries(source, opts = {}) {
  const signal = signalOpt(opts.signal), onProgress = progressOpt(opts.onProgress);
  checkSignal(signal);
  const M = await getCodecs();
  const r = new M.NarReader();
  let read = 0;
  try {
    for await (const piece of bytesOf(source)) {
      for (let off = 0; off < piece.length; off += NAR_SLICE) {
        checkSignal(signal);
        const part = piece.subarray(off, off + NAR_SLICE);
        const p = copyIn(M, part);
        let events;
        try {
          check(M, r.push(p, part.length));
          events = r.events();
        } finally {
          M._free(p);
        }
        read += part.length;
        if (onProgress) onProgress(read);
        yield* events;
      }
    }
    check(M, r.finish());
  } finally {
    r.delete();
  }
}

// ---- Writing NARs --------------------------------------------------------------

const writerRegistry = typeof FinalizationRegistry != 'undefined'
  ? new FinalizationRegistry((h) => { try { h.delete(); } catch { /* gone */ } })
  : null;

// Low-level NAR writer over the core's nar::Writer (canonical bytes, as
// `nix-store --dump`): every call returns the archive bytes it produced and
// checks the calls form a valid archive (sorted unique names, exact sizes).
// Create with `await NarWriter.create()`; free() releases it early.
export class NarWriter {
  static async create() {
    const M = await getCodecs();
    return new NarWriter(M);
  }
  constructor(M) {
    if (!M || typeof M.NarWriter != 'function') throw invalidArg('NarWriter: use await NarWriter.create()');
    this._M = M;
    this._h = new M.NarWriter();
    if (writerRegistry) writerRegistry.register(this, this._h, this);
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
    return parts.length === 1 ? parts[0] : concat(parts);
  }
  endRegular() { return this._call((h) => h.endRegular()); }
  symlink(target) { str(target, 'symlink target'); return this._call((h) => h.symlink(target)); }
  finish() { return this._call((h) => h.finish()); }
  free() {
    if (!this._h) return;
    if (writerRegistry) writerRegistry.unregister(this);
    this._h.delete();
    this._h = null;
  }
  _call(fn) {
    if (!this._h) throw invalidArg('NarWriter: already freed');
    const M = this._M, h = this._h;
    try {
      check(M, fn(h));
      const n = h.outLen();
      return n ? copyOut(M, h.outPtr(), n) : new Uint8Array(0);
    } finally {
      h.clearOut();
    }
  }
}

function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let pos = 0;
  for (const p of parts) { out.set(p, pos); pos += p.length; }
  return out;
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
  const signal = signalOpt(opts.signal), onProgress = progressOpt(opts.onProgress);
  checkSignal(signal);
  const w = await NarWriter.create();
  const yieldNow = makeYielder();
  let written = 0;
  const out = (b) => { written += b.length; if (onProgress && b.length) onProgress(written); return b; };
  async function* node(n, path) {
    checkSignal(signal);
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
        checkSignal(signal);
        yield out(w.write(piece));
        await yieldNow();
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
