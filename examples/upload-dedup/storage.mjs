// Where the store's objects live. store.mjs speaks only to this interface;
// two backends implement it: LocalDirBackend (below) and S3Backend
// (storage-s3.mjs: PUT with If-None-Match: *, GET with Range, LIST, DELETE).
// Keys are '/'-separated, relative ("packs/ab/ab….pack").
//
// The interface (every method async):
//   read(key, max)            -> Buffer, or null when absent; StorageError TOO_LARGE past `max` bytes
//   readRange(key, off, len, into)  -> Buffer of exactly len bytes, or null when absent; `into`
//                                (optional, at least len bytes) may be used for the result
//   stat(key)                 -> { size, mtimeMs } (storage timestamp) or null
//   list(prefix, {stat})      -> [{ key }] of the objects under prefix/ (any depth); with stat: true
//                                also { size, mtimeMs } (S3's LIST returns them anyway)
//   createMany([{key, data}]) -> [created: boolean] — create-only; "already exists" is false, not an
//                                error (same key, same bytes in this format); durable on return
//   create(key, data)         -> boolean; create-only, not forced durable (leases and markers)
//   createWriter()            -> optional: a create-only object written in pieces whose key is known
//                                only at the end (a pack named by its hash): { write([bufs]) (one at a
//                                time, appends), body(len) -> the bytes written so far, commit(key,
//                                tail) -> created (appends tail, durable like createMany; false: key
//                                taken, the writer stays usable with another tail), abort() }
//   replaceMany([{key,data}]) -> atomic overwrite of each (manifests); durable on return
//   delete(key)               -> removes the object; absent is fine
//   init(dirs)                -> optional: prepare / check the location (start-up errors surface here)
//   describe                  -> the location for messages ("/path/to/store", "s3://bucket/prefix")
// Errors of the storage itself are StorageError with a stable `code`.
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';

export class StorageError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

const rnd = () => crypto.randomBytes(12).toString('hex');

async function fsyncPath(p) {
  const fh = await fsp.open(p, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

// A store location as users write it: a directory path, or
// s3://BUCKET[/PREFIX]?endpoint=http://HOST:PORT[&region=REGION] (credentials
// from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). The S3 client is loaded
// only for s3:// locations. `opts` go to the S3 backend (retry, concurrency).
export async function openBackend(where, opts = {}) {
  if (typeof where != 'string' || where === '') throw new StorageError('BAD_STORE_URL', 'store location: expected a directory or an s3:// URL');
  if (where.startsWith('s3://')) {
    const { S3Backend } = await import('./storage-s3.mjs');
    return S3Backend.fromUrl(where, opts);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where)) {
    throw new StorageError('BAD_STORE_URL', `store location ${where}: unsupported scheme (a directory, or s3://BUCKET[/PREFIX]?endpoint=http://HOST:PORT[&region=REGION])`);
  }
  return new LocalDirBackend(where);
}

// A local directory: temporaries in tmp/ (same file system), create-only by
// link(2), overwrite by rename(2), fsync of each touched directory once per batch.
export class LocalDirBackend {
  constructor(dir) {
    this.dir = path.resolve(dir);
    this.describe = this.dir;
  }

  _path(key) {
    if (typeof key != 'string' || key.split('/').some((c) => c === '' || c === '.' || c === '..')) {
      throw new StorageError('BAD_KEY', `bad storage key ${JSON.stringify(key)}`);
    }
    return path.join(this.dir, ...key.split('/'));
  }

  async init(dirs) {
    for (const d of ['', 'tmp', ...dirs]) await fsp.mkdir(path.join(this.dir, d), { recursive: true });
  }

  async read(key, max) {
    let fh;
    try { fh = await fsp.open(this._path(key), 'r'); } catch (e) { if (e.code === 'ENOENT') return null; throw e; }
    try {
      const { size } = await fh.stat();
      if (size > max) throw new StorageError('TOO_LARGE', `${key}: ${size} bytes, more than the ${max} allowed`);
      return await fh.readFile();
    } finally { await fh.close(); }
  }

  async readRange(key, offset, length, into) {
    let fh;
    try { fh = await fsp.open(this._path(key), 'r'); } catch (e) { if (e.code === 'ENOENT') return null; throw e; }
    try {
      const buf = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (!bytesRead) throw new StorageError('SHORT_READ', `${key}: ends before byte ${offset + length}`);
        got += bytesRead;
      }
      return buf;
    } finally { await fh.close(); }
  }

  async stat(key) {
    try {
      const st = await fsp.stat(this._path(key));
      return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : null;
    } catch (e) { if (e.code === 'ENOENT') return null; throw e; }
  }

  async list(prefix, { stat = false } = {}) {
    const out = [];
    const walk = async (rel) => {
      let ents;
      try { ents = await fsp.readdir(this._path(rel), { withFileTypes: true }); } catch (e) { if (e.code === 'ENOENT') return; throw e; }
      for (const e of ents) {
        const k = `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(k);
        else if (e.isFile() && !stat) out.push({ key: k });
        else if (e.isFile()) {
          try { const st = await fsp.stat(this._path(k)); out.push({ key: k, size: st.size, mtimeMs: st.mtimeMs }); } catch { /* deleted meanwhile */ }
        }
      }
    };
    await walk(prefix);
    return out;
  }

  async _tmp(data, sync) {
    const tmp = path.join(this.dir, 'tmp', `${rnd()}.tmp`);
    const fh = await fsp.open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      if (sync) await fh.datasync();
    } catch (e) {
      await fh.close(); await fsp.rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    return tmp;
  }

  async createMany(items) {
    const dirs = new Set(), out = [];
    for (const { key, data } of items) {
      const dest = this._path(key);
      const tmp = await this._tmp(data, true);
      try {
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        try { await fsp.link(tmp, dest); out.push(true); } catch (e) { if (e.code !== 'EEXIST') throw e; out.push(false); }
      } finally { await fsp.rm(tmp, { force: true }); }
      dirs.add(path.dirname(dest));
    }
    for (const d of dirs) await fsyncPath(d);
    return out;
  }

  // The pieces go to a temporary as they come (no copy into one buffer); commit makes it durable
  // and links it to its key, exactly as createMany does with a whole buffer.
  async createWriter() {
    const tmp = path.join(this.dir, 'tmp', `${rnd()}.tmp`);
    const fh = await fsp.open(tmp, 'wx+', 0o644);   // read too: body() for a re-salted commit
    let pos = 0, open = true;
    const writeAll = async (bufs, at) => {
      let total = 0;
      for (const b of bufs) total += b.length;
      const { bytesWritten } = await fh.writev(bufs, at);
      if (bytesWritten === total) return total;
      // a short write (rare on a regular file): the rest one buffer at a time
      let skip = bytesWritten, o = at + bytesWritten;
      for (const b of bufs) {
        if (skip >= b.length) { skip -= b.length; continue; }
        for (let q = skip; q < b.length;) { const { bytesWritten: w } = await fh.write(b, q, b.length - q, o); q += w; o += w; }
        skip = 0;
      }
      return total;
    };
    const close = async () => { if (open) { open = false; await fh.close(); } await fsp.rm(tmp, { force: true }); };
    return {
      write: async (bufs) => { pos += await writeAll(bufs, pos); },
      body: async (len) => {
        const buf = Buffer.allocUnsafe(len);
        for (let got = 0; got < len;) {
          const { bytesRead } = await fh.read(buf, got, len - got, got);
          if (!bytesRead) throw new StorageError('SHORT_READ', `${tmp}: ends before byte ${len}`);
          got += bytesRead;
        }
        return buf;
      },
      commit: async (key, tail) => {
        const dest = this._path(key);
        await writeAll([tail], pos);
        await fh.truncate(pos + tail.length);   // a second commit (other tail) replaces the first's
        await fh.datasync();
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        try { await fsp.link(tmp, dest); } catch (e) { if (e.code === 'EEXIST') return false; throw e; }
        await close();
        await fsyncPath(path.dirname(dest));
        return true;
      },
      abort: close,
    };
  }

  async create(key, data) {
    const dest = this._path(key);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    try { await fsp.writeFile(dest, data, { flag: 'wx' }); return true; } catch (e) { if (e.code === 'EEXIST') return false; throw e; }
  }

  async replaceMany(items) {
    const dirs = new Set();
    const tmps = [];
    try {
      for (const { data } of items) tmps.push(await this._tmp(data, true));
      for (const [i, { key }] of items.entries()) {
        const dest = this._path(key);
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        await fsp.rename(tmps[i], dest);
        tmps[i] = null;
        dirs.add(path.dirname(dest));
      }
    } finally {
      for (const t of tmps) if (t) await fsp.rm(t, { force: true });
    }
    for (const d of dirs) await fsyncPath(d);
  }

  async delete(key) { await fsp.rm(this._path(key), { force: true }); }
}
