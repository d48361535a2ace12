// Chunk store (docs/store-format.md, version 1) on top of the npm package
// `chunker-wasm` (imported by its own name: Node resolves the package's
// "exports" from inside the repository). No HTTP here: server.mjs calls this.
//
// Every function that takes untrusted input throws a StoreError with an HTTP
// status and a stable `code`; nothing in here trusts a hash, a name, a length
// or a compressed frame it did not check itself.
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { blake3, compress, decompress, hex, ready } from 'chunker-wasm';

export const TAG = { stored: 0, zstd: 1, lz4: 2, xz: 3, bzip2: 4 };
const TAG_NAMES = ['stored', 'zstd', 'lz4', 'xz', 'bzip2'];
// Frame magic per tag: a tag must match the frame it claims (decompress() alone would accept any codec).
const MAGIC = [null, [0x28, 0xb5, 0x2f, 0xfd], [0x04, 0x22, 0x4d, 0x18], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x42, 0x5a, 0x68]];
export const PRESETS = {
  '4k': { min: 1024, avg: 4096, max: 16384 },
  '16k': { min: 4096, avg: 16384, max: 65536 },
  '64k': { min: 16384, avg: 65536, max: 262144 },
  '256k': { min: 65536, avg: 262144, max: 1048576 },
  '1m': { min: 262144, avg: 1048576, max: 4194304 },
};
export const HASH_RE = /^[0-9a-f]{64}$/;
export const MAX_NAME_BYTES = 4096;

export class StoreError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function checkHash(h, what = 'hash') {
  if (typeof h != 'string' || !HASH_RE.test(h)) {
    throw new StoreError(400, 'BAD_HASH', `${what}: expected 64 lower-case hex digits (BLAKE3-256)`);
  }
  return h;
}

// A stored file's name as the format allows it: UTF-8, '/'-separated, relative,
// no '.'/'..'/empty component, no NUL, at most 4096 bytes.
export function checkName(name) {
  const bad = (why) => new StoreError(400, 'BAD_NAME', `file name ${why}`);
  if (typeof name != 'string') throw bad('must be a string');
  if (!name.isWellFormed()) throw bad('is not valid UTF-8 (lone surrogate)');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0) throw bad('is empty');
  if (bytes > MAX_NAME_BYTES) throw bad(`is longer than ${MAX_NAME_BYTES} bytes`);
  if (name.includes('\0')) throw bad('contains NUL');
  if (name.startsWith('/')) throw bad('must be relative (leading /)');
  for (const c of name.split('/')) {
    if (c === '') throw bad('has an empty component');
    if (c === '.' || c === '..') throw bad(`has a "${c}" component`);
  }
  return name;
}

export const b3hex = (bytes) => hex.encode(blake3(bytes));
export const nameKey = (name) => b3hex(Buffer.from(name, 'utf8'));

// Walks one zstd frame (RFC 8878 §3.1.1): returns { length, window, contentSize }
// (contentSize -1 when the header does not say), or null if `b` does not start
// with a well-formed frame header and block chain. Used to make sure an
// uploaded body is exactly ONE frame (the format stores "one compressed
// frame"), and to refuse frames whose declared window would make the decoder
// allocate far more than a chunk needs (a 14-byte frame may ask for 128 MiB).
export function zstdFrameInfo(b) {
  if (b.length < 6 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) return null;
  const fhd = b[4];
  if (fhd & 0x08) return null;                    // reserved bit
  const single = (fhd >> 5) & 1, fcsFlag = fhd >> 6, dictFlag = fhd & 3;
  let p = 5, window = 0;
  if (!single) {
    const wd = b[p++], log = 10 + (wd >> 3);
    window = 2 ** log + (2 ** log / 8) * (wd & 7);
  }
  p += [0, 1, 2, 4][dictFlag];
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag];
  if (p + fcsBytes > b.length) return null;
  let contentSize = -1;
  if (fcsBytes) {
    contentSize = 0;
    for (let i = fcsBytes - 1; i >= 0; i--) contentSize = contentSize * 256 + b[p + i];
    if (fcsBytes === 2) contentSize += 256;
  }
  p += fcsBytes;
  if (single) window = contentSize;
  for (;;) {
    if (p + 3 > b.length) return null;
    const h = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
    const last = h & 1, type = (h >> 1) & 3, size = h >>> 3;
    if (type === 3) return null;                  // reserved block type
    p += 3 + (type === 1 ? 1 : size);             // RLE blocks carry one byte
    if (p > b.length) return null;
    if (last) break;
  }
  if (fhd & 0x04) p += 4;                         // content checksum
  return p > b.length ? null : { length: p, window, contentSize };
}

async function fsyncDir(dir) {
  const fh = await fsp.open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

export class Store {
  // Opens DIR (creating it and store.json with `preset` if absent).
  static async open(dir, { preset = '64k' } = {}) {
    await ready;
    const s = new Store(path.resolve(dir));
    await s._init(preset);
    return s;
  }

  constructor(dir) {
    this.dir = dir;
    this.config = null;
  }

  async _init(preset) {
    for (const d of ['', 'chunks', 'manifests', 'tmp']) await fsp.mkdir(path.join(this.dir, d), { recursive: true });
    const file = path.join(this.dir, 'store.json');
    let text;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
      const p = PRESETS[preset];
      if (!p) throw new Error(`unknown chunking preset ${preset} (${Object.keys(PRESETS).join(', ')})`);
      const cfg = { format: 'chunker-store', version: 1, hash: 'blake3', chunking: { ...p, level: 1, seed: 0 } };
      await this._writeAtomic(file, Buffer.from(JSON.stringify(cfg) + '\n'), { exclusive: true });
      text = await fsp.readFile(file, 'utf8');
    }
    const cfg = JSON.parse(text);
    if (cfg.format !== 'chunker-store') throw new Error(`${file}: not a chunker store (format ${cfg.format})`);
    if (cfg.version !== 1) throw new Error(`${file}: unsupported store version ${cfg.version}`);
    if (cfg.hash !== 'blake3') throw new Error(`${file}: unsupported hash ${cfg.hash}`);
    const c = cfg.chunking || {};
    for (const k of ['min', 'avg', 'max']) {
      if (!Number.isInteger(c[k]) || c[k] <= 0) throw new Error(`${file}: chunking.${k} must be a positive integer`);
    }
    if (!(c.min <= c.avg && c.avg <= c.max)) throw new Error(`${file}: chunking needs min <= avg <= max`);
    if (c.level !== undefined && ![0, 1, 2, 3].includes(c.level)) throw new Error(`${file}: chunking.level must be 0..3`);
    if (c.seed !== undefined && !Number.isSafeInteger(c.seed)) throw new Error(`${file}: chunking.seed must be an integer`);
    this.config = { ...cfg, chunking: { min: c.min, avg: c.avg, max: c.max, level: c.level ?? 1, seed: c.seed ?? 0 } };
    this.max = this.config.chunking.max;
    // zstd frames written without the content size (e.g. `zstd` reading a pipe) declare the level's
    // window (2 MiB at level 3, 8 MiB at 19); allow those, refuse the 128 MiB kind.
    this.maxWindow = Math.max(8 << 20, this.max);
  }

  chunkPath(h) { return path.join(this.dir, 'chunks', h.slice(0, 2), h); }
  manifestPath(name) { return path.join(this.dir, 'manifests', `${nameKey(name)}.json`); }

  // tmp/<random> -> write -> fsync -> rename -> fsync(dir). With `exclusive`, an
  // existing destination is kept (link() fails with EEXIST instead of replacing).
  async _writeAtomic(dest, data, { exclusive = false } = {}) {
    const tmp = path.join(this.dir, 'tmp', `${crypto.randomBytes(12).toString('hex')}.tmp`);
    const fh = await fsp.open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const dir = path.dirname(dest);
    await fsp.mkdir(dir, { recursive: true });
    try {
      if (exclusive) {
        try { await fsp.link(tmp, dest); } catch (e) { if (e.code !== 'EEXIST') throw e; }
        await fsp.unlink(tmp);
      } else {
        await fsp.rename(tmp, dest);
      }
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    await fsyncDir(dir);
  }

  async hasChunk(h) {
    try { return (await fsp.stat(this.chunkPath(h))).isFile(); } catch { return false; }
  }

  async missing(hashes) {
    const out = [];
    for (const h of hashes) if (!(await this.hasChunk(checkHash(h)))) out.push(h);
    return out;
  }

  // Stores one uploaded chunk. `body` is the chunk itself (encoding "raw") or
  // one zstd frame of it ("zstd"). The frame is decoded with an output limit
  // of chunking.max and the result must hash to `h`. Returns
  // { created, size, stored: bytes on disk, tag }.
  async putChunk(h, body, encoding = 'raw') {
    checkHash(h);
    let raw, frame = null;
    if (encoding === 'zstd') {
      const f = zstdFrameInfo(body);
      if (!f) throw new StoreError(400, 'BAD_FRAME', 'body is not a well-formed zstd frame');
      if (f.length !== body.length) throw new StoreError(400, 'BAD_FRAME', `body has ${body.length - f.length} bytes after the zstd frame`);
      if (f.contentSize > this.max) throw new StoreError(413, 'CHUNK_TOO_LARGE', `frame declares ${f.contentSize} bytes, more than chunking.max = ${this.max}`);
      if (f.window > this.maxWindow) {
        throw new StoreError(400, 'BAD_FRAME', `frame declares a ${f.window}-byte window; at most ${this.maxWindow} is accepted (compress with the content size known, or a smaller window)`);
      }
      try {
        raw = await decompress(body, { maxOutput: this.max });
      } catch (e) {
        if (e.code === 'ERR_OUTPUT_LIMIT') {
          throw new StoreError(413, 'CHUNK_TOO_LARGE', `chunk decompresses to more than chunking.max = ${this.max} bytes`);
        }
        if (['ERR_CORRUPT_INPUT', 'ERR_TRUNCATED_INPUT', 'ERR_UNSUPPORTED_FORMAT', 'ERR_INVALID_ARGUMENT'].includes(e.code)) {
          throw new StoreError(400, 'BAD_FRAME', `zstd frame does not decode: ${e.code} ${e.message}`);
        }
        throw e;   // not the client's fault (e.g. the codecs module failed to load): 500
      }
      frame = body;
    } else if (encoding === 'raw') {
      if (body.length > this.max) throw new StoreError(413, 'CHUNK_TOO_LARGE', `chunk is larger than chunking.max = ${this.max} bytes`);
      raw = body;
    } else {
      throw new StoreError(415, 'BAD_ENCODING', `unsupported chunk encoding "${encoding}" (raw or zstd)`);
    }
    if (raw.length === 0) throw new StoreError(400, 'EMPTY_CHUNK', 'empty chunk');
    const got = b3hex(raw);
    if (got !== h) throw new StoreError(422, 'HASH_MISMATCH', `chunk bytes hash to ${got}, not ${h}`);
    if (await this.hasChunk(h)) return { created: false, size: raw.length, stored: 0, tag: null };
    if (!frame) frame = await compress(raw, { codec: 'zstd', level: 3 });
    const useFrame = frame.length < raw.length;
    const data = Buffer.concat([Buffer.of(useFrame ? TAG.zstd : TAG.stored), useFrame ? frame : raw]);
    await this._writeAtomic(this.chunkPath(h), data, { exclusive: true });
    return { created: true, size: raw.length, stored: data.length, tag: TAG_NAMES[data[0]] };
  }

  // Reads, decodes (limit chunking.max) and verifies one chunk.
  async readChunk(h) {
    checkHash(h);
    let data;
    try {
      data = await fsp.readFile(this.chunkPath(h));
    } catch (e) {
      if (e.code === 'ENOENT') throw new StoreError(409, 'MISSING_CHUNK', `chunk ${h} is not in the store`);
      throw e;
    }
    if (data.length < 1) throw new StoreError(500, 'CORRUPT_CHUNK', `chunk ${h}: empty file`);
    const tag = data[0];
    let raw;
    if (tag === TAG.stored) raw = data.subarray(1);
    else if (tag >= 1 && tag <= 4) {
      const magic = MAGIC[tag];
      if (data.length < 1 + magic.length || magic.some((b, i) => data[1 + i] !== b)) {
        throw new StoreError(500, 'CORRUPT_CHUNK', `chunk ${h}: tag ${tag} (${TAG_NAMES[tag]}) but no ${TAG_NAMES[tag]} frame`);
      }
      try {
        raw = await decompress(data.subarray(1), { maxOutput: this.max });
      } catch (e) {
        throw new StoreError(500, 'CORRUPT_CHUNK', `chunk ${h}: ${e.code || ''} ${e.message}`);
      }
    } else throw new StoreError(500, 'CORRUPT_CHUNK', `chunk ${h}: unknown codec tag ${tag}`);
    if (raw.length > this.max || b3hex(raw) !== h) throw new StoreError(500, 'CORRUPT_CHUNK', `chunk ${h}: content does not match its hash`);
    return raw;
  }

  // Validates a manifest (shape, caps, names, lengths), checks that every chunk
  // is present, re-reads the chunks to check the whole-file BLAKE3, then writes
  // manifests/<BLAKE3(name)>.json atomically. Returns the stored manifest.
  async putManifest(m, { maxChunks = 1 << 17, verifyContent = true } = {}) {
    const bad = (why) => new StoreError(400, 'BAD_MANIFEST', why);
    if (!m || typeof m != 'object' || Array.isArray(m)) throw bad('manifest must be a JSON object');
    checkName(m.name);
    if (!Number.isSafeInteger(m.size) || m.size < 0) throw bad('size must be a non-negative integer');
    checkHash(m.blake3, 'blake3');
    if (!Array.isArray(m.chunks)) throw bad('chunks must be an array of [hash, length]');
    if (m.chunks.length > maxChunks) throw new StoreError(413, 'TOO_MANY_CHUNKS', `manifest has more than ${maxChunks} chunks`);
    let sum = 0;
    const chunks = m.chunks.map((c, i) => {
      if (!Array.isArray(c) || c.length !== 2) throw bad(`chunks[${i}] must be [hash, length]`);
      checkHash(c[0], `chunks[${i}] hash`);
      if (!Number.isInteger(c[1]) || c[1] < 1 || c[1] > this.max) throw bad(`chunks[${i}] length must be 1..${this.max}`);
      sum += c[1];
      return [c[0], c[1]];
    });
    if (sum !== m.size) throw bad(`chunk lengths sum to ${sum}, not size ${m.size}`);
    const missing = await this.missing([...new Set(chunks.map((c) => c[0]))]);
    if (missing.length) {
      const e = new StoreError(409, 'MISSING_CHUNKS', `${missing.length} referenced chunk(s) are not in the store`);
      e.missing = missing.slice(0, 1000);
      throw e;
    }
    if (verifyContent) {
      const h = blake3.create();
      try {
        for (const [ch, len] of chunks) {
          const raw = await this.readChunk(ch);
          if (raw.length !== len) throw bad(`chunk ${ch} has ${raw.length} bytes, the manifest says ${len}`);
          h.update(raw);
        }
        const got = hex.encode(h.digest());
        if (got !== m.blake3) throw new StoreError(422, 'FILE_HASH_MISMATCH', `the chunks hash to ${got}, not ${m.blake3}`);
      } finally {
        h.free();
      }
    }
    const out = { format: 'chunker-manifest', version: 1, name: m.name, size: m.size, blake3: m.blake3, chunks };
    await this._writeAtomic(this.manifestPath(m.name), Buffer.from(JSON.stringify(out) + '\n'));
    return out;
  }

  async getManifest(name) {
    checkName(name);
    let text;
    try {
      text = await fsp.readFile(this.manifestPath(name), 'utf8');
    } catch (e) {
      if (e.code === 'ENOENT') throw new StoreError(404, 'NOT_FOUND', 'no such file');
      throw e;
    }
    const m = JSON.parse(text);
    if (m.format !== 'chunker-manifest' || m.version !== 1 || m.name !== name) {
      throw new StoreError(500, 'CORRUPT_MANIFEST', `manifest for ${JSON.stringify(name)} is not a v1 manifest of that name`);
    }
    return m;
  }

  async listFiles() {
    const out = [];
    for (const f of await fsp.readdir(path.join(this.dir, 'manifests'))) {
      if (!/^[0-9a-f]{64}\.json$/.test(f)) continue;
      try {
        const m = JSON.parse(await fsp.readFile(path.join(this.dir, 'manifests', f), 'utf8'));
        out.push({ name: m.name, size: m.size, blake3: m.blake3, chunks: m.chunks.length });
      } catch { /* a corrupt manifest is reported by verify, not listed */ }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // Async generator of the file's bytes, chunk by chunk; each chunk is
  // verified, and so is the whole-file BLAKE3 before the last piece is
  // yielded (a mismatch throws instead, so a streamed response is cut short).
  async *readFile(m) {
    const h = blake3.create();
    try {
      let pending = null;
      for (const [ch, len] of m.chunks) {
        const raw = await this.readChunk(ch);
        if (raw.length !== len) throw new StoreError(500, 'CORRUPT_CHUNK', `chunk ${ch}: ${raw.length} bytes, manifest says ${len}`);
        h.update(raw);
        if (pending) yield pending;
        pending = raw;
      }
      if (hex.encode(h.digest()) !== m.blake3) throw new StoreError(500, 'CORRUPT_FILE', 'reassembled file does not match its BLAKE3');
      if (pending) yield pending;
    } finally {
      h.free();
    }
  }

  async stats() {
    let chunks = 0, bytes = 0;
    const root = path.join(this.dir, 'chunks');
    for (const d of await fsp.readdir(root)) {
      if (!/^[0-9a-f]{2}$/.test(d)) continue;
      for (const f of await fsp.readdir(path.join(root, d))) {
        try {
          bytes += (await fsp.stat(path.join(root, d, f))).size;
          chunks++;
        } catch { /* removed meanwhile (gc) */ }
      }
    }
    return { chunks, bytesOnDisk: bytes };
  }
}
