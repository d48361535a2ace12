// Chunk store (docs/store-format.md, version 2: packs, index files, manifests
// with a canonical checksum, the lease / gc-plan writer protocol) on top of
// the npm package `chunker-wasm` (imported by its own name: Node resolves the
// package's "exports" from inside the repository). No HTTP here: server.mjs
// calls this; no file system either: objects go through a storage backend
// (storage.mjs), so the same logic can run on object storage.
//
// Every function that takes untrusted input throws a StoreError with an HTTP
// status and a stable `code`; nothing in here trusts a hash, a name, a length
// or a compressed frame it did not check itself.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { blake3, compress, decompress, frameInfo, hex, ready } from 'chunker-wasm';
import {
  FormatError, MANIFEST_MAX_BYTES, INDEX_MAX_BYTES, PACK_MAGIC, b3hex, buildIndex, buildPack, indexKey, manifestChecksum, packFooter, packKey, parseIndex,
} from './format.mjs';
import { LocalDirBackend } from './storage.mjs';

export { b3hex };
export const TAG = { stored: 0, zstd: 1, lz4: 2, xz: 3, bzip2: 4 };
const TAG_BYTE = [0, 1].map((t) => Buffer.of(t));
const TAG_NAMES = ['stored', 'zstd', 'lz4', 'xz', 'bzip2'];
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

export const nameKey = (name) => b3hex(Buffer.from(name, 'utf8'));

// The header of the frame at the start of `b` (frameInfo() of the package:
// codec, exact length of the first frame, window, declared content size), or
// null when `b` does not start with a well-formed frame. Used to make sure an
// uploaded body is exactly ONE frame (the format stores "one compressed
// frame"), and to refuse frames whose declared window would make the decoder
// allocate far more than a chunk needs (a 14-byte frame may ask for 128 MiB).
async function frameOf(b) {
  try {
    return await frameInfo(b);
  } catch (e) {
    if (e.code === 'ERR_CORRUPT_INPUT' || e.code === 'ERR_TRUNCATED_INPUT') return null;
    throw e;
  }
}

const STORE_JSON_MAX = 64 << 10;
const PLAN_MAX = 64 << 20;
const DEFAULT_PACK_SIZE = 16 << 20;
const REPEAT_CACHE_BYTES = 64 << 20;   // decoded chunks kept per commit for repeated references
const HASH_STAGE = 4 << 20;            // whole-file hashing in 4 MiB pieces (the threads variant hashes those in parallel)
// Chunks whose blobs lie back to back in one pack (a pack holds an upload's chunks in file
// order) are read with one ranged read of up to this many bytes: one S3 GET per span instead
// of one per chunk (a 64 KiB-chunk file: ~16 000 GETs per GiB otherwise).
const SPAN_BYTES = 8 << 20;

const bootId = (() => { try { return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { return ''; } })();
const rndHex = (n) => crypto.randomBytes(n).toString('hex');

function parseStoreJson(text, where) {
  let cfg;
  try { cfg = JSON.parse(text); } catch { throw new Error(`${where}: not JSON`); }
  if (!cfg || cfg.format !== 'chunker-store') throw new Error(`${where}: not a chunker store (format ${cfg && cfg.format})`);
  if (cfg.version === 1) throw new Error(`${where}: a version 1 store; convert it with \`chunker store migrate DIR\` (this server writes version 2)`);
  if (cfg.version !== 2) throw new Error(`${where}: unsupported store version ${cfg.version}`);
  if (cfg.hash !== 'blake3') throw new Error(`${where}: unsupported hash ${cfg.hash}`);
  if (typeof cfg.id != 'string' || !/^[0-9a-f]{32}$/.test(cfg.id)) throw new Error(`${where}: id must be 32 lower-case hex digits`);
  const c = cfg.chunking || {};
  for (const k of ['min', 'avg', 'max']) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new Error(`${where}: chunking.${k} must be a positive integer`);
  }
  if (!(c.min <= c.avg && c.avg <= c.max)) throw new Error(`${where}: chunking needs min <= avg <= max`);
  if (c.max >= 2 ** 32) throw new Error(`${where}: chunking.max must fit 32 bits`);
  if (c.level !== undefined && ![0, 1, 2, 3].includes(c.level)) throw new Error(`${where}: chunking.level must be 0..3`);
  if (c.seed !== undefined && !Number.isSafeInteger(c.seed)) throw new Error(`${where}: chunking.seed must be an integer`);
  const ps = cfg.pack_size ?? DEFAULT_PACK_SIZE;
  if (!Number.isInteger(ps) || ps < (1 << 20) || ps > 2 ** 30) throw new Error(`${where}: pack_size must be 1 MiB .. 1 GiB`);
  return { ...cfg, pack_size: ps, chunking: { min: c.min, avg: c.avg, max: c.max, level: c.level ?? 1, seed: c.seed ?? 0 } };
}

export class Store {
  // Opens a store: `where` is a directory (local backend) or a backend object
  // (storage.mjs interface). A missing store.json is created with `preset`.
  static async open(where, { preset = '64k' } = {}) {
    await ready;
    const backend = typeof where == 'string' ? new LocalDirBackend(where) : where;
    const s = new Store(backend);
    await s._init(preset);
    return s;
  }

  constructor(backend) {
    this.backend = backend;
    this.dir = backend.dir;
    this.config = null;
    this.idx = new Map();          // chunk hex -> [{ pack, offset, length, raw }] (union of the index files)
    this.loadedIdx = new Set();    // index file names already in this.idx
    this.gone = new Set();         // packs found missing (a gc deleted them)
    this.plans = new Map();        // gc/<id>.plan key -> condemned packs (plans are immutable)
    this.counters = { chunkDecodes: 0, packsWritten: 0, indexWritten: 0 };
  }

  async _init(preset) {
    const b = this.backend;
    if (b.init) await b.init(['packs', 'index', 'manifests', 'leases', 'gc']);
    const where = `${b.describe}/store.json`;
    let text = await b.read('store.json', STORE_JSON_MAX);
    if (text === null) {
      const p = PRESETS[preset];
      if (!p) throw new Error(`unknown chunking preset ${preset} (${Object.keys(PRESETS).join(', ')})`);
      const cfg = { format: 'chunker-store', version: 2, hash: 'blake3', id: rndHex(16), chunking: { ...p, level: 1, seed: 0 }, pack_size: DEFAULT_PACK_SIZE };
      await b.createMany([{ key: 'store.json', data: Buffer.from(JSON.stringify(cfg) + '\n') }]);
      text = await b.read('store.json', STORE_JSON_MAX);
    }
    this.config = parseStoreJson(text.toString('utf8'), where);
    this.max = this.config.chunking.max;
    // zstd frames written without the content size (e.g. `zstd` reading a pipe) declare the level's
    // window (2 MiB at level 3, 8 MiB at 19); allow those, refuse the 128 MiB kind.
    this.maxWindow = Math.max(8 << 20, this.max);
    await this.refreshIndex();
  }

  manifestKey(name) { return `manifests/${nameKey(name)}.json`; }

  // ---- index, gc plans, leases ----

  // Loads index files not seen yet (the union grows as other writers commit).
  // A file that vanishes between list and read was compacted by a gc: list again.
  async refreshIndex() {
    for (let round = 0; round < 3; round++) {
      let vanished = false;
      for (const { key } of await this.backend.list('index')) {
        const m = /^index\/([0-9a-f]{64})\.idx$/.exec(key);
        if (!m || this.loadedIdx.has(m[1])) continue;
        const buf = await this.backend.read(key, INDEX_MAX_BYTES);
        if (buf === null) { vanished = true; continue; }
        let entries;
        try { entries = parseIndex(buf, m[1], this.max); } catch (e) {
          throw new StoreError(500, 'CORRUPT_INDEX', `${key}: ${e instanceof FormatError ? e.message : e}`);
        }
        this._addEntries(entries);
        this.loadedIdx.add(m[1]);
      }
      if (!vanished) return;
    }
  }

  _addEntries(entries) {
    for (const e of entries) {
      const list = this.idx.get(e.hash);
      const v = { pack: e.pack, offset: e.offset, length: e.length, raw: e.raw };
      if (!list) this.idx.set(e.hash, [v]);
      else if (!list.some((x) => x.pack === v.pack && x.offset === v.offset)) list.push(v);
    }
  }

  // The writer's avoid set: the union of the condemned packs of every gc plan listed now.
  async avoidSet() {
    const avoid = new Set(), seen = new Set();
    for (const { key } of await this.backend.list('gc')) {
      if (!key.endsWith('.plan')) continue;
      seen.add(key);
      let packs = this.plans.get(key);
      if (!packs) {
        const buf = await this.backend.read(key, PLAN_MAX);
        if (buf === null) continue;   // finished meanwhile
        try {
          packs = JSON.parse(buf.toString('utf8')).condemned;
          if (!Array.isArray(packs)) throw new Error('no condemned list');
        } catch (e) {
          // A plan we cannot read may condemn anything: commit nothing while it exists.
          throw new StoreError(503, 'GC_PLAN_UNREADABLE', `${key}: ${e.message}; retry when that gc has finished`);
        }
        this.plans.set(key, packs);
      }
      for (const p of packs) avoid.add(p);
    }
    for (const k of this.plans.keys()) if (!seen.has(k)) this.plans.delete(k);
    return avoid;
  }

  // Runs fn() under a writer lease (docs/store-format.md "Writer"), deleted afterwards whatever happens.
  async withLease(fn) {
    const key = `leases/${rndHex(16)}.json`;
    const lease = { kind: 'put', host: os.hostname(), boot_id: bootId, pid: process.pid, start: new Date().toISOString() };
    if (!(await this.backend.create(key, Buffer.from(JSON.stringify(lease) + '\n')))) throw new Error(`lease ${key} exists`);
    try { return await fn(); } finally { await this.backend.delete(key); }
  }

  // An indexed copy of chunk h outside `avoid` and not known to be gone, or null.
  _copy(h, avoid) {
    const list = this.idx.get(h);
    if (!list) return null;
    return list.find((e) => !avoid.has(e.pack) && !this.gone.has(e.pack)) || null;
  }

  // Does pack p exist right now? (stat / HEAD; `cache` holds this request's answers)
  async _packExists(p, cache) {
    if (cache.has(p)) return cache.get(p);
    const ok = (await this.backend.stat(packKey(p))) !== null;
    if (!ok) this.gone.add(p);
    cache.set(p, ok);
    return ok;
  }

  // Copies of the given chunks that are safe to reference now: outside the
  // avoid set and in a pack that exists. -> Map(hash -> copy); absent = missing.
  async _safeCopies(hashes, avoid) {
    if (hashes.some((h) => !this._copy(h, avoid))) await this.refreshIndex();
    const out = new Map(), exists = new Map();
    for (const h of hashes) {
      for (;;) {
        const c = this._copy(h, avoid);
        if (!c) break;
        if (await this._packExists(c.pack, exists)) { out.set(h, c); break; }
      }
    }
    return out;
  }

  async missing(hashes) {
    hashes.forEach((h) => checkHash(h));
    const uniq = [...new Set(hashes)];
    const have = await this._safeCopies(uniq, await this.avoidSet());
    return uniq.filter((h) => !have.has(h));
  }

  // ---- chunks ----

  // Checks one uploaded chunk: `body` is the chunk itself (encoding "raw") or
  // one zstd frame of it ("zstd"); the frame is decoded with an output limit
  // of chunking.max and the result must hash to `h`. -> { raw, frame }
  async decodeUpload(h, body, encoding = 'raw') {
    checkHash(h);
    let raw, frame = null;
    if (encoding === 'zstd') {
      const f = await frameOf(body);
      // A skippable frame has no window: it is not a data frame.
      if (!f || f.codec !== 'zstd' || f.windowSize === null) throw new StoreError(400, 'BAD_FRAME', 'body is not a well-formed zstd frame');
      if (f.length !== body.length) throw new StoreError(400, 'BAD_FRAME', `body has ${body.length - f.length} bytes after the zstd frame`);
      if (f.contentSize > this.max) throw new StoreError(413, 'CHUNK_TOO_LARGE', `frame declares ${f.contentSize} bytes, more than chunking.max = ${this.max}`);
      if (f.windowSize > this.maxWindow) {
        throw new StoreError(400, 'BAD_FRAME', `frame declares a ${f.windowSize}-byte window; at most ${this.maxWindow} is accepted (compress with the content size known, or a smaller window)`);
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
    return { raw, frame };
  }

  // Stores uploaded chunks [{ hash, body, encoding }]: each is checked first
  // (any failure rejects the whole batch, nothing stored); the ones the store
  // lacks become ONE pack and one index file, written under a lease.
  // -> [{ hash, created, size, stored, tag }]. compressRaw: false stores raw
  // uploads as they are (tag 0) — for clients that send raw only when zstd
  // did not make a chunk smaller, as the page does; trying again here would
  // cost the server a zstd pass over incompressible data.
  async putChunks(items, { compressRaw = true } = {}) {
    const checked = [];
    for (const [i, it] of items.entries()) {
      try {
        checked.push({ hash: it.hash, ...(await this.decodeUpload(it.hash, it.body, it.encoding)) });
      } catch (e) {
        if (e instanceof StoreError && items.length > 1) { e.message = `chunk ${i} (${it.hash}): ${e.message}`; e.index = i; }
        throw e;
      }
    }
    return this.withLease(async () => {
      const avoid = await this.avoidSet();
      const hashes = [...new Set(checked.map((c) => c.hash))];
      if (hashes.some((h) => !this._copy(h, avoid))) await this.refreshIndex();
      const blobs = [], taken = new Set(), results = [];
      for (const c of checked) {
        if (this._copy(c.hash, avoid) || taken.has(c.hash)) {
          results.push({ hash: c.hash, created: false, size: c.raw.length, stored: 0, tag: null });
          continue;
        }
        taken.add(c.hash);
        let frame = c.frame;
        if (!frame && compressRaw) frame = await compress(c.raw, { codec: 'zstd', level: 3 });
        const useFrame = frame !== null && frame.length < c.raw.length;
        const blob = Buffer.concat([Buffer.of(useFrame ? TAG.zstd : TAG.stored), useFrame ? frame : c.raw]);
        blobs.push({ hash: c.hash, blob, raw: c.raw.length });
        results.push({ hash: c.hash, created: true, size: c.raw.length, stored: blob.length, tag: TAG_NAMES[blob[0]] });
      }
      if (blobs.length) {
        // Commit order: the pack durable, then the index file naming it. The pack's create-only
        // write must create it: a name already taken (a random salt colliding, or someone else's
        // pack, perhaps condemned) is never taken for ours — re-salt and write again.
        let pack;
        for (let k = 0; ; k++) {
          if (k === 4) throw new Error('pack name taken four times with fresh salts');
          pack = buildPack(blobs);
          if (avoid.has(pack.hash)) continue;
          if ((await this.backend.createMany([{ key: packKey(pack.hash), data: pack.bytes }]))[0]) break;
        }
        const entries = pack.entries.map((e) => ({ ...e, pack: pack.hash }));
        const index = buildIndex([pack.hash], entries);
        await this.backend.createMany([{ key: indexKey(index.hash), data: index.bytes }]);
        this.gone.delete(pack.hash);
        this._addEntries(entries);
        this.loadedIdx.add(index.hash);
        this.counters.packsWritten++;
        this.counters.indexWritten++;
      }
      return results;
    });
  }

  async putChunk(h, body, encoding = 'raw') {
    return (await this.putChunks([{ hash: h, body, encoding }]))[0];
  }

  // Streams uploaded chunks into ONE new pack as they arrive, under a lease:
  // fn(ingest) feeds records (ingest.begin / data / end, see PackIngest), then
  // the pack is committed as in putChunks — pack durable, then its index file.
  // Any throw (a bad record, the client gone) discards the pack: nothing the
  // index names is left half-written. -> [{ hash, created, size, stored, tag }]
  async ingest(fn) {
    return this.withLease(async () => {
      const ing = new PackIngest(this, await this.avoidSet(), this.backend.createWriter ? await this.backend.createWriter() : memoryWriter(this.backend));
      try {
        await fn(ing);
        return await ing.commit();
      } finally {
        await ing.close();
      }
    });
  }

  // The span of blobs to read for seq[i..] ([[hash, length], ...]): seq[i]'s copy `first` and
  // the chunks after it whose copies (copyOf(hash) -> copy or null) continue it in the same
  // pack, up to SPAN_BYTES. -> { pack, start, length, items: [{ h, c }] }
  _span(seq, i, first, copyOf) {
    const items = [{ h: seq[i][0], c: first }];
    let end = first.offset + first.length;
    for (let j = i + 1; j < seq.length; j++) {
      const c = copyOf(seq[j][0]);
      if (!c || c.pack !== first.pack || c.offset !== end || end + c.length - first.offset > SPAN_BYTES) break;
      items.push({ h: seq[j][0], c });
      end += c.length;
    }
    return { pack: first.pack, start: first.offset, length: end - first.offset, items };
  }

  // check: false skips the chunk's own BLAKE3 (the length is still checked) — for
  // callers that verify a hash over the decoded bytes anyway.
  async _decodeBlob(h, c, data, { check = true } = {}) {
    this.counters.chunkDecodes++;
    const where = `chunk ${h} (pack ${c.pack.slice(0, 16)}…)`;
    const tag = data[0];
    let raw;
    if (tag === TAG.stored) raw = data.subarray(1);
    else if (tag >= 1 && tag <= 4) {
      const f = await frameOf(data.subarray(1));
      if (!f || f.codec !== TAG_NAMES[tag] || (tag === TAG.zstd && f.windowSize === null)) {
        throw new StoreError(500, 'CORRUPT_CHUNK', `${where}: tag ${tag} (${TAG_NAMES[tag]}) but no ${TAG_NAMES[tag]} frame`);
      }
      try {
        raw = await decompress(data.subarray(1), { maxOutput: this.max });
      } catch (e) {
        throw new StoreError(500, 'CORRUPT_CHUNK', `${where}: ${e.code || ''} ${e.message}`);
      }
    } else throw new StoreError(500, 'CORRUPT_CHUNK', `${where}: unknown codec tag ${tag}`);
    if (raw.length !== c.raw || (check && b3hex(raw) !== h)) throw new StoreError(500, 'CORRUPT_CHUNK', `${where}: content does not match its hash or indexed length`);
    return raw;
  }

  // ---- manifests ----

  // Shape and caps of a manifest (uploaded or read back). -> [[hash, length]]
  _checkManifestShape(m, maxChunks, bad) {
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
    return chunks;
  }

  // Validates a manifest, then commits it by the writer protocol: lease, gc
  // plans -> avoid set, every chunk in an existing pack outside it with the
  // indexed length, the whole-file BLAKE3 over the decoded chunks, plans
  // re-read, manifest written, lease deleted. Work is bounded per request:
  // each distinct chunk is decoded once (repeats come from a cache of
  // REPEAT_CACHE_BYTES or are decoded again only when it overflows), and at
  // most `verifyBytes` are hashed (413 FILE_TOO_LARGE above).
  async putManifest(m, { maxChunks = 1 << 17, verifyBytes = 4 * 2 ** 30 } = {}) {
    const chunks = this._checkManifestShape(m, maxChunks, (why) => new StoreError(400, 'BAD_MANIFEST', why));
    if (m.size > verifyBytes) {
      throw new StoreError(413, 'FILE_TOO_LARGE', `file of ${m.size} bytes: this server checks at most ${verifyBytes} bytes per commit`);
    }
    return this.withLease(async () => {
      let avoid = await this.avoidSet();
      const uniq = [...new Set(chunks.map((c) => c[0]))];
      const copies = await this._safeCopies(uniq, avoid);
      const missing = uniq.filter((h) => !copies.has(h));
      if (missing.length) {
        const e = new StoreError(409, 'MISSING_CHUNKS', `${missing.length} referenced chunk(s) are not in the store`);
        e.missing = missing.slice(0, 1000);
        throw e;
      }
      for (const [h, len] of chunks) {
        const c = copies.get(h);
        if (c.raw !== len) throw new StoreError(400, 'BAD_MANIFEST', `chunk ${h} has ${c.raw} bytes, the manifest says ${len}`);
      }
      await this._checkFileHash(chunks, copies, m.blake3);
      // Re-check (writer step 5): a gc that planned meanwhile may condemn a pack we use.
      avoid = await this.avoidSet();
      const condemned = uniq.filter((h) => avoid.has(copies.get(h).pack));
      if (condemned.length) {
        const e = new StoreError(409, 'MISSING_CHUNKS', `${condemned.length} chunk(s) are in packs a running gc condemned; upload them again`);
        e.missing = condemned.slice(0, 1000);
        throw e;
      }
      const checksum = manifestChecksum(m.name, m.size, m.blake3, chunks);
      const out = { format: 'chunker-manifest', version: 2, name: m.name, size: m.size, blake3: m.blake3, chunks, checksum };
      await this.backend.replaceMany([{ key: this.manifestKey(m.name), data: Buffer.from(JSON.stringify(out) + '\n') }]);
      return out;
    });
  }

  // The whole-file BLAKE3 over the stored chunks, in file order. Every chunk was
  // verified against its hash when it was stored, so this pass hashes each byte
  // once (the whole-file hash); only if that does not match are the chunks
  // checked one by one, to tell a damaged chunk in the store (500
  // CORRUPT_CHUNK, naming it) from a wrong manifest (422 FILE_HASH_MISMATCH).
  async _checkFileHash(chunks, copies, expected) {
    const got = await this._fileHash(chunks, copies, false);
    if (got === expected) return;
    await this._fileHash(chunks, copies, true);   // throws CORRUPT_CHUNK if a stored chunk is damaged
    throw new StoreError(422, 'FILE_HASH_MISMATCH', `the chunks hash to ${got}, not ${expected}`);
  }

  async _fileHash(chunks, copies, checkChunks) {
    const refs = new Map();
    for (const [h] of chunks) refs.set(h, (refs.get(h) || 0) + 1);
    const cache = new Map();
    let cached = 0;
    // One thread, as b3hex (format.mjs): less CPU per byte than the wasm pthreads on a small
    // machine, and no thread pool to start on the first commit.
    const hasher = blake3.create({ threads: 1 });
    const stage = Buffer.allocUnsafe(HASH_STAGE);
    // One buffer for every span read (local backend): a fresh 8 MiB buffer per span is a fresh
    // mmap + page faults each time once the process has no large free memory (its batches no
    // longer allocate whole bodies): ~0.3 CPU-s of system time per 256 MiB committed.
    const spanBuf = Buffer.allocUnsafe(SPAN_BYTES);
    let fill = 0;
    const feed = (raw) => {
      for (let o = 0; o < raw.length;) {
        const n = Math.min(raw.length - o, HASH_STAGE - fill);
        stage.set(raw.subarray(o, o + n), fill);
        fill += n; o += n;
        if (fill === HASH_STAGE) { hasher.update(stage); fill = 0; }
      }
    };
    try {
      for (let i = 0; i < chunks.length;) {
        const h = chunks[i][0];
        if (cache.has(h)) { feed(cache.get(h)); i++; continue; }
        const span = this._span(chunks, i, copies.get(h), (x) => (cache.has(x) ? null : copies.get(x)));
        const data = await this.backend.readRange(packKey(span.pack), span.start, span.length, spanBuf);
        if (data === null) {
          const e = new StoreError(409, 'MISSING_CHUNKS', `pack of chunk ${h} vanished during the commit; upload it again`);
          e.missing = span.items.map((x) => x.h);
          throw e;
        }
        for (const { h: x, c } of span.items) {
          const raw = await this._decodeBlob(x, c, data.subarray(c.offset - span.start, c.offset - span.start + c.length), { check: checkChunks });
          // (a stored blob's bytes are a view of spanBuf, which the next span overwrites: copy)
          if (refs.get(x) > 1 && !cache.has(x) && cached + raw.length <= REPEAT_CACHE_BYTES) { cache.set(x, raw.buffer === spanBuf.buffer ? Buffer.from(raw) : raw); cached += raw.length; }
          feed(raw);
        }
        i += span.items.length;
      }
      if (fill) hasher.update(stage.subarray(0, fill));
      return hex.encode(hasher.digest());
    } finally {
      hasher.free();
    }
  }

  // A stored manifest, its checksum checked before anything else is used.
  async _readManifest(key, name) {
    const buf = await this.backend.read(key, MANIFEST_MAX_BYTES);
    if (buf === null) return null;
    const corrupt = (why) => new StoreError(500, 'CORRUPT_MANIFEST', `${key}: ${why}`);
    let m;
    try { m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf)); } catch { throw corrupt('not UTF-8 JSON'); }
    if (!m || m.format !== 'chunker-manifest' || m.version !== 2) throw corrupt('not a version 2 manifest');
    let chunks;
    try { chunks = this._checkManifestShape(m, Infinity, (why) => corrupt(why)); } catch (e) { throw e.code === 'CORRUPT_MANIFEST' ? e : corrupt(e.message); }
    if (typeof m.checksum != 'string' || manifestChecksum(m.name, m.size, m.blake3, chunks) !== m.checksum) throw corrupt('checksum mismatch');
    if (key !== this.manifestKey(m.name) || (name !== undefined && m.name !== name)) throw corrupt('stored under another name');
    return { ...m, chunks };
  }

  async getManifest(name) {
    checkName(name);
    const m = await this._readManifest(this.manifestKey(name), name);
    if (!m) throw new StoreError(404, 'NOT_FOUND', 'no such file');
    return m;
  }

  async listFiles() {
    const out = [];
    for (const { key } of await this.backend.list('manifests')) {
      if (!/^manifests\/[0-9a-f]{64}\.json$/.test(key)) continue;
      try {
        const m = await this._readManifest(key);
        if (m) out.push({ name: m.name, size: m.size, blake3: m.blake3, chunks: m.chunks.length });
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
      const none = new Set();
      for (let i = 0; i < m.chunks.length;) {
        const ch = m.chunks[i][0];
        const c = this._copy(ch, none) || (await this.refreshIndex(), this._copy(ch, none));
        if (!c) throw new StoreError(409, 'MISSING_CHUNK', `chunk ${ch} is not in the store`);
        const span = this._span(m.chunks, i, c, (x) => this._copy(x, none));
        const data = await this.backend.readRange(packKey(span.pack), span.start, span.length);
        if (data === null) { this.gone.add(span.pack); continue; }   // swept by a gc: another copy, or refreshed index
        for (const [k, { h: x, c: cx }] of span.items.entries()) {
          const raw = await this._decodeBlob(x, cx, data.subarray(cx.offset - span.start, cx.offset - span.start + cx.length));
          const len = m.chunks[i + k][1];
          if (raw.length !== len) throw new StoreError(500, 'CORRUPT_CHUNK', `chunk ${x}: ${raw.length} bytes, manifest says ${len}`);
          h.update(raw);
          if (pending) yield pending;
          pending = raw;
        }
        i += span.items.length;
      }
      if (hex.encode(h.digest()) !== m.blake3) throw new StoreError(500, 'CORRUPT_FILE', 'reassembled file does not match its BLAKE3');
      if (pending) yield pending;
    } finally {
      h.free();
    }
  }

  async stats() {
    await this.refreshIndex();   // other servers may have added index files: count the store, not this process's view
    let packs = 0, bytes = 0;
    for (const { key, size } of await this.backend.list('packs', { stat: true })) {
      if (!key.endsWith('.pack')) continue;
      packs++; bytes += size;
    }
    const indexFiles = (await this.backend.list('index')).length;
    const out = { chunks: this.idx.size, packs, indexFiles, bytesOnDisk: bytes, ...this.counters };
    if (this.backend.requests !== undefined) Object.assign(out, { storageRequests: this.backend.requests, storageRetries: this.backend.retries });
    return out;
  }
}

// A pack writer for backends without createWriter (S3): the pieces in memory, one createMany at the end.
function memoryWriter(backend) {
  let parts = [];
  return {
    write: async (bufs) => { parts.push(...bufs); },
    body: async (len) => Buffer.concat(parts).subarray(0, len),
    commit: async (key, tail) => (await backend.createMany([{ key, data: Buffer.concat([...parts, tail]) }]))[0],
    abort: async () => { parts = []; },
  };
}

const FLUSH_BYTES = 1 << 20;   // pack bytes queued before they are hashed and written

// One upload batch on its way into a pack. For each record: begin(hash,
// encoding, length), data(piece) for its body in order, end(). A raw body is
// hashed piece by piece and, when the store lacks the chunk, queued for the
// pack as it comes (tag 0 + the bytes: no copy); a zstd frame (at most a
// chunk's bound) is collected and checked as in decodeUpload. The pack's own
// BLAKE3 is computed on the pieces as they are queued. Bytes of a
// record that then fails its check are in the temporary only: the caller's
// throw discards it.
export class PackIngest {
  constructor(store, avoid, writer) {
    this.store = store;
    this.avoid = avoid;
    this.writer = writer;
    this.packH = blake3.create({ threads: 1 });
    this.chunkH = blake3.create({ threads: 1 });
    this.queue = [];
    this.queued = 0;
    this.size = 0;   // pack bytes so far (queued included)
    this._push(PACK_MAGIC);
    this.writing = Promise.resolve();
    this.entries = [];
    this.results = [];
    this.taken = new Set();
    this.refreshed = false;
    this.cur = null;
    this.committed = false;
  }

  // The pack's BLAKE3 takes each piece as it is queued, while its bytes are still in cache
  // (a raw chunk's piece was just hashed for its own check, a frame just decoded); hashing
  // the queue at flush time read them back from memory.
  _push(b) { this.packH.update(b); this.queue.push(b); this.queued += b.length; this.size += b.length; }

  async begin(hash, encoding, length) {
    const st = this.store;
    if (encoding === 'raw') {
      if (length > st.max) throw new StoreError(413, 'CHUNK_TOO_LARGE', `chunk is larger than chunking.max = ${st.max} bytes`);
      if (length === 0) throw new StoreError(400, 'EMPTY_CHUNK', 'empty chunk');
    } else if (encoding !== 'zstd') throw new StoreError(415, 'BAD_ENCODING', `unsupported chunk encoding "${encoding}" (raw or zstd)`);
    if (!this.refreshed && !st._copy(hash, this.avoid)) { await st.refreshIndex(); this.refreshed = true; }
    const keep = !st._copy(hash, this.avoid) && !this.taken.has(hash);
    if (keep) this.taken.add(hash);
    this.cur = { hash, encoding, length, keep, parts: encoding === 'zstd' ? [] : null, offset: this.size };
    if (encoding === 'raw') {
      this.chunkH.reset();
      if (keep) this._push(TAG_BYTE[TAG.stored]);
    }
  }

  data(piece) {
    const c = this.cur;
    if (c.parts) { c.parts.push(piece); return; }
    this.chunkH.update(piece);
    if (c.keep) this._push(piece);
  }

  async end() {
    const c = this.cur;
    this.cur = null;
    let size, blob = 0, tag = null;
    if (c.parts) {
      const frame = c.parts.length === 1 ? c.parts[0] : Buffer.concat(c.parts);
      const { raw } = await this.store.decodeUpload(c.hash, frame, 'zstd');
      size = raw.length;
      if (c.keep) {
        const useFrame = frame.length < raw.length;
        this._push(TAG_BYTE[useFrame ? TAG.zstd : TAG.stored]);
        this._push(useFrame ? frame : raw);
        blob = 1 + (useFrame ? frame.length : raw.length);
        tag = useFrame ? 'zstd' : 'stored';
      }
    } else {
      const got = hex.encode(this.chunkH.digest());
      if (got !== c.hash) throw new StoreError(422, 'HASH_MISMATCH', `chunk bytes hash to ${got}, not ${c.hash}`);
      size = c.length;
      if (c.keep) { blob = 1 + c.length; tag = 'stored'; }
    }
    if (c.keep) this.entries.push({ hash: c.hash, offset: c.offset, length: blob, raw: size });
    this.results.push({ hash: c.hash, created: c.keep, size, stored: blob, tag });
    if (this.queued >= FLUSH_BYTES) await this.flush();
  }

  // Writes what is queued; one write in flight at a time (bounded memory).
  async flush() {
    const bufs = this.queue;
    this.queue = [];
    this.queued = 0;
    await this.writing;
    this.writing = this.writer.write(bufs);
    this.writing.catch(() => {});   // seen by the next await
  }

  async commit() {
    const st = this.store;
    if (!this.entries.length) return this.results;
    await this.flush();
    await this.writing;
    // As putChunks: a pack name already taken (or condemned) is never ours — re-salt (the salt is
    // in the footer: the body is read back to hash it with the new one) and commit again.
    let pack;
    for (let k = 0; ; k++) {
      if (k === 4) throw new Error('pack name taken four times with fresh salts');
      const footer = packFooter(this.entries, crypto.randomBytes(4).readUInt32LE(0));
      if (k === 0) { this.packH.update(footer); pack = hex.encode(this.packH.digest()); } else pack = b3hex(Buffer.concat([await this.writer.body(this.size), footer]));
      if (this.avoid.has(pack)) continue;
      if (await this.writer.commit(packKey(pack), footer)) break;
    }
    this.committed = true;
    const entries = this.entries.map((e) => ({ ...e, pack }));
    const index = buildIndex([pack], entries);
    await this.backend().createMany([{ key: indexKey(index.hash), data: index.bytes }]);
    st.gone.delete(pack);
    st._addEntries(entries);
    st.loadedIdx.add(index.hash);
    st.counters.packsWritten++;
    st.counters.indexWritten++;
    return this.results;
  }

  backend() { return this.store.backend; }

  async close() {
    this.packH.free();
    this.chunkH.free();
    await this.writing.catch(() => {});
    if (!this.committed) await this.writer.abort();
  }
}
