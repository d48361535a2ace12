// Upload-dedup demo server: built-in `http`, the chunk store in store.mjs, the
// page in public/ and the package's browser build (dist/esm, dist/web) under
// /pkg/. Run: `npm run demo` (PORT, default 8080; STORE_URL: a directory or
// s3://BUCKET/PREFIX?endpoint=http://HOST:PORT&region=REGION; ISOLATED=0 to
// drop COOP/COEP and get the single variant in the browser). With an s3://
// store the server keeps nothing on its own disk: any number of them can
// serve one store (README.md "Several servers on one S3 bucket").
//
// API (JSON errors: { "error": message, "code": STABLE_CODE }):
//   GET  /api/config                 chunking params + limits (the page chunks with these)
//   POST /api/missing {hashes:[...]} -> {missing:[...]}
//   PUT  /api/chunks/<64 hex>        body = the chunk (X-Chunk-Encoding: raw) or one zstd frame (zstd)
//   POST /api/chunks                 a batch (application/octet-stream): records of
//                                    hash[32] | encoding u8 (0 raw, 1 zstd) | length u32 LE | body;
//                                    the new chunks of one batch become one pack (raw records
//                                    are stored raw: send raw only when zstd does not help)
//   GET  /api/chunks/ws              WebSocket: the same batches as binary messages, each answered
//                                    in order by a JSON text message (the page's default transport)
//   POST /api/files  <manifest>      commit; 409 MISSING_CHUNKS if a chunk is not stored
//   GET  /api/files                  list
//   GET  /api/files/<name, URI-encoded>  the reassembled file, every chunk verified (X-Blake3 header)
//   GET  /api/stats                  chunk count, packs, bytes on disk, what this process received
import './single-variant.mjs';   // first: before anything loads the package
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError, openBackend } from './storage.mjs';
import { info as packageInfo } from 'chunker-wasm';
import { HASH_RE, Store, StoreError, checkName } from './store.mjs';
import { accept as acceptWebSocket, refusal } from './websocket.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
  '.svg': 'image/svg+xml',
};
const BATCH_HEAD = 37;
const LINGER_MS = 1000;   // hash[32] | encoding u8 | length u32

export function defaultLimits(max) {
  return {
    missingBody: 1 << 20,        // POST /api/missing body
    missingHashes: 8192,          // hashes per /api/missing call
    chunkBody: max + (max >> 7) + 1024,   // > zstd's compressBound(max), so an honest frame always fits
    manifestBody: 16 << 20,       // POST /api/files body
    manifestChunks: 1 << 17,      // chunks per manifest (8 GiB of 64 KiB chunks)
    batchBody: 64 << 20,          // POST /api/chunks body (one pack)
    batchChunks: 4096,            // chunks per batch
    verifyBytes: 4 * 2 ** 30,     // bytes hashed to check one commit's whole-file BLAKE3
    wsIdleMs: 120000,             // a WebSocket with nothing sent or received this long is closed (1001)
  };
}

const err = (status, code, message) => new StoreError(status, code, message);

// The client went away (reset, abort) before its request was read: nobody to answer, nothing to log.
class ClientGone extends Error {}

// Reads a request body whole (bodyReader's limits: 413 past `cap`, Content-Length checked
// before anything is read).
async function readBody(req, cap) {
  const body = bodyReader(req, cap);
  const parts = [];
  for (let d; (d = await body.next()) !== null;) parts.push(d);
  return Buffer.concat(parts);
}

// UTF-8 is checked, not repaired: a name with invalid bytes is refused rather
// than stored under a different name (U+FFFD in place of the bytes).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

async function readJson(req, cap) {
  const type = (req.headers['content-type'] || '').split(';')[0].trim();
  if (type !== 'application/json') throw err(415, 'BAD_CONTENT_TYPE', 'expected Content-Type: application/json');
  const body = await readBody(req, cap);
  let text;
  try { text = utf8.decode(body); } catch { throw err(400, 'BAD_UTF8', 'request body is not valid UTF-8 (names are stored as sent, never rewritten)'); }
  try {
    return JSON.parse(text);
  } catch {
    throw err(400, 'BAD_JSON', 'request body is not valid JSON');
  }
}

// A request body as a sequence of pieces, pulled one at a time: next() -> Buffer, or null at
// the end. At most `cap` bytes: Content-Length is checked first, so an oversized upload is
// refused before any of it is read; without one (chunked) reading stops at the cap with 413.
// The caller then answers and closes the connection (see `answerError`) instead of reading the
// rest. The request is paused while more than QUEUE_BYTES wait, so a body is never buffered
// here whole.
const QUEUE_BYTES = 4 << 20;
function bodyReader(req, cap) {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > cap) throw err(413, 'BODY_TOO_LARGE', `request body larger than ${cap} bytes`);
  const q = [];
  let queued = 0, n = 0, ended = false, gone = false, wake = null;
  const poke = () => { const w = wake; wake = null; if (w) w(); };
  const onData = (d) => { q.push(d); queued += d.length; if (queued > QUEUE_BYTES) req.pause(); poke(); };
  req.on('data', onData);
  req.on('end', () => { ended = true; poke(); });
  req.on('error', () => { gone = true; poke(); });
  req.on('close', () => { if (!req.complete) gone = true; poke(); });
  return {
    get bytes() { return n; },
    async next() {
      for (;;) {
        if (q.length) {
          const d = q.shift();
          queued -= d.length;
          if (queued <= QUEUE_BYTES >> 2 && req.isPaused()) req.resume();
          n += d.length;
          if (n > cap) {
            req.off('data', onData);
            req.pause();
            q.length = 0;
            throw err(413, 'BODY_TOO_LARGE', `request body larger than ${cap} bytes`);
          }
          return d;
        }
        if (ended) return null;
        if (gone) throw new ClientGone('client went away');
        await new Promise((r) => { wake = r; });
      }
    },
  };
}

// Streams a batch body (records of hash[32] | encoding u8 | length u32 LE | body) into
// store.ingest: each record is checked as it arrives and the new ones go straight into the
// batch's pack. A bad record stops the work but the body is still read to its end (at most the
// cap) before the error answer, as when batches were read whole: the client gets the answer
// instead of a reset. -> { results, bytes }
// `body`: bodyReader's interface (a request's body, or a WebSocket message: websocket.mjs).
async function ingestBatch(store, body, limits) {
  const head = Buffer.allocUnsafe(BATCH_HEAD);
  const results = await store.ingest(async (ing) => {
    let hfill = 0, count = 0, cur = null, failed = null;
    const bad = (why) => err(400, 'BAD_BATCH', why);
    const inRecord = async (e) => {
      if (e instanceof StoreError && cur) { e.message = `chunk ${cur.i} (${cur.hash}): ${e.message}`; e.index = cur.i; }
      throw e;
    };
    for (let d; (d = await body.next()) !== null;) {
      if (failed) continue;   // draining
      try {
        for (let p = 0; p < d.length;) {
          if (!cur) {
            const k = Math.min(BATCH_HEAD - hfill, d.length - p);
            d.copy(head, hfill, p, p + k);
            hfill += k; p += k;
            if (hfill < BATCH_HEAD) break;
            hfill = 0;
            if (count >= limits.batchChunks) throw err(413, 'TOO_MANY_CHUNKS', `at most ${limits.batchChunks} chunks per batch`);
            const enc = head[32], len = head.readUInt32LE(33);
            if (enc > 1) throw err(415, 'BAD_ENCODING', `record ${count}: encoding ${enc} (0 raw, 1 zstd)`);
            if (len > limits.chunkBody) throw err(413, 'CHUNK_TOO_LARGE', `record ${count}: ${len} bytes, more than ${limits.chunkBody}`);
            cur = { i: count++, hash: head.toString('hex', 0, 32), left: len };
            await ing.begin(cur.hash, enc ? 'zstd' : 'raw', len).catch(inRecord);
          } else {
            const k = Math.min(cur.left, d.length - p);
            ing.data(d.subarray(p, p + k));
            p += k; cur.left -= k;
          }
          if (cur && cur.left === 0) { await ing.end().catch(inRecord); cur = null; }
        }
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
        failed = e;
      }
    }
    if (failed) throw failed;
    if (hfill) throw bad(`record ${count}: truncated header`);
    if (cur) throw bad(`record ${cur.i}: truncated body`);
    if (!count) throw bad('empty batch');
  });
  return { results, bytes: body.bytes };
}

// storeUrl: a directory or an s3:// URL (storage.mjs openBackend); storeDir: a directory;
// backend: any storage.mjs backend. `storage` options go to the S3 backend (retry, ...).
// webSockets: false leaves out GET /api/chunks/ws (the page then POSTs its batches).
export async function createServer({ storeUrl, storeDir, backend, storage = {}, preset = '64k', isolated = true, webSockets = true, limits: over = {} } = {}) {
  if (!backend && storeUrl !== undefined) backend = await openBackend(storeUrl, storage);
  const store = await Store.open(backend || storeDir, { preset });
  const limits = { ...defaultLimits(store.max), ...over };
  const counters = { chunkPuts: 0, batches: 0, chunksReceived: 0, chunksCreated: 0, bytesReceived: 0, rawBytesReceived: 0, rejected: 0, clientAborts: 0, wsBatches: 0 };

  // A batch received (POST or WebSocket message) -> chunks created.
  const countBatch = (results, bytes) => {
    counters.batches++;
    counters.chunksReceived += results.length;
    counters.bytesReceived += bytes;
    let created = 0;
    for (const r of results) { counters.rawBytesReceived += r.size; if (r.created) created++; }
    counters.chunksCreated += created;
    return created;
  };

  const baseHeaders = () => (isolated
    ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' }
    : {});
  const sendJson = (res, status, obj) => {
    const body = Buffer.from(JSON.stringify(obj));
    res.writeHead(status, { ...baseHeaders(), 'Content-Type': 'application/json', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    res.end(body);
  };

  // Static files: a URL prefix maps to one directory; anything resolving outside it is 404.
  const statics = [['/pkg/esm/', path.join(ROOT, 'dist/esm')], ['/pkg/web/', path.join(ROOT, 'dist/web')], ['/', path.join(HERE, 'public')]];
  function serveStatic(req, res, pathname) {
    if (pathname === '/') pathname = '/index.html';
    for (const [prefix, dir] of statics) {
      if (!pathname.startsWith(prefix)) continue;
      let rel;
      try { rel = decodeURIComponent(pathname.slice(prefix.length)); } catch { break; }
      const file = path.resolve(dir, rel);
      if (!file.startsWith(dir + path.sep) || rel.includes('\0')) break;
      let st;
      try { st = fs.statSync(file); } catch { break; }
      if (!st.isFile()) break;
      res.writeHead(200, { ...baseHeaders(), 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Content-Length': st.size, 'Cache-Control': 'no-cache' });
      if (req.method === 'HEAD') { res.end(); return; }
      fs.createReadStream(file).pipe(res);
      return;
    }
    sendJson(res, 404, { error: 'not found', code: 'NOT_FOUND' });
  }

  async function handle(req, res) {
    const u = new URL(req.url, 'http://localhost');
    const p = u.pathname;
    const m = req.method;
    if (!p.startsWith('/api/')) {
      if (m !== 'GET' && m !== 'HEAD') throw err(405, 'METHOD_NOT_ALLOWED', `${m} not allowed here`);
      serveStatic(req, res, p);
      return;
    }
    if (p === '/api/config' && m === 'GET') {
      sendJson(res, 200, { hash: store.config.hash, chunking: store.config.chunking, limits });
    } else if (p === '/api/missing' && m === 'POST') {
      const body = await readJson(req, limits.missingBody);
      if (!body || !Array.isArray(body.hashes)) throw err(400, 'BAD_REQUEST', 'expected {"hashes": [...]}');
      if (body.hashes.length > limits.missingHashes) throw err(413, 'TOO_MANY_HASHES', `at most ${limits.missingHashes} hashes per request`);
      sendJson(res, 200, { missing: await store.missing(body.hashes) });
    } else if (p.startsWith('/api/chunks/') && m === 'PUT') {
      const h = p.slice('/api/chunks/'.length);
      if (!HASH_RE.test(h)) throw err(400, 'BAD_HASH', 'chunk URL must end in 64 lower-case hex digits');
      const enc = String(req.headers['x-chunk-encoding'] || 'raw');
      if (enc !== 'raw' && enc !== 'zstd') throw err(415, 'BAD_ENCODING', 'X-Chunk-Encoding must be raw or zstd');
      const body = await readBody(req, limits.chunkBody);
      counters.chunkPuts++;
      counters.chunksReceived++;
      counters.bytesReceived += body.length;
      const r = await store.putChunk(h, body, enc);
      counters.rawBytesReceived += r.size;
      if (r.created) counters.chunksCreated++;
      sendJson(res, r.created ? 201 : 200, { hash: h, ...r });
    } else if (p === '/api/chunks' && m === 'POST') {
      const type = (req.headers['content-type'] || '').split(';')[0].trim();
      if (type !== 'application/octet-stream') throw err(415, 'BAD_CONTENT_TYPE', 'expected Content-Type: application/octet-stream');
      const { results, bytes } = await ingestBatch(store, bodyReader(req, limits.batchBody), limits);
      const created = countBatch(results, bytes);
      sendJson(res, created ? 201 : 200, { created, results });
    } else if (p === '/api/files' && m === 'POST') {
      const body = await readJson(req, limits.manifestBody);
      const stored = await store.putManifest(body, { maxChunks: limits.manifestChunks, verifyBytes: limits.verifyBytes });
      sendJson(res, 201, { name: stored.name, size: stored.size, blake3: stored.blake3, chunks: stored.chunks.length });
    } else if (p === '/api/files' && m === 'GET') {
      sendJson(res, 200, { files: await store.listFiles() });
    } else if (p.startsWith('/api/files/') && (m === 'GET' || m === 'HEAD')) {
      let name;
      try { name = decodeURIComponent(p.slice('/api/files/'.length)); } catch { throw err(400, 'BAD_NAME', 'file name is not valid URI encoding'); }
      checkName(name);
      const man = await store.getManifest(name);
      const it = store.readFile(man);
      // Read the first chunk before sending headers: a missing or corrupt first chunk is still a clean error.
      const first = await it.next();
      const base = name.split('/').pop().replace(/[^\x20-\x7e]|["\\]/g, '_');
      res.writeHead(200, {
        ...baseHeaders(), 'Content-Type': 'application/octet-stream', 'Content-Length': man.size,
        'X-Blake3': man.blake3, 'Content-Disposition': `attachment; filename="${base}"`, 'Cache-Control': 'no-store',
      });
      // A client that goes away ends the loop (the generator's finally frees its hasher).
      let closed = false;
      res.on('close', () => { closed = true; });
      const drained = () => new Promise((r) => {
        if (closed) { r(); return; }
        const done = () => { res.off('drain', done); res.off('close', done); r(); };
        res.on('drain', done); res.on('close', done);
      });
      try {
        if (m !== 'HEAD' && !first.done) {
          if (!res.write(first.value)) await drained();
          for await (const piece of it) {
            if (closed) break;
            if (!res.write(piece)) await drained();
          }
        }
        if (!closed) res.end();
      } catch (e) {
        console.error(`download ${JSON.stringify(name)} cut short: ${e.code || ''} ${e.message}`);
        res.destroy();   // the client sees a truncated body, never wrong bytes with a 200 ending
      } finally {
        await it.return();
      }
    } else if (p === '/api/stats' && m === 'GET') {
      sendJson(res, 200, { ...(await store.stats()), ...counters });
    } else {
      throw err(404, 'NOT_FOUND', `no API route ${m} ${p}`);
    }
  }

  // An error answer. If the request body was not read to its end (refused on
  // its Content-Length, or at the cap), reading stops: the answer goes out with
  // `Connection: close`, and the socket is closed once the client has had a
  // moment to read it (lingering close: an immediate close while the client is
  // still sending would reset the connection and lose the answer).
  function answerError(req, res, status, body) {
    const unread = !req.complete;
    if (unread) res.setHeader('Connection', 'close');
    sendJson(res, status, body);
    if (unread) {
      res.on('finish', () => {
        req.resume();   // discard what is already on the way, for at most LINGER_MS
        setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
      });
    }
  }

  const gone = (req, res, e) => e instanceof ClientGone || req.socket.destroyed
    || (e && (e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'ERR_STREAM_PREMATURE_CLOSE'));

  // A thrown error as the API's answer, for a request and a WebSocket batch alike -> { status,
  // body }: a StoreError is the client's (counted as rejected), a StorageError the storage's
  // (503 when it cannot be reached after its retries; the message names the object), anything
  // else internal. `where` names the request in the log.
  function errorAnswer(e, where) {
    if (e instanceof StoreError) {
      counters.rejected++;
      const body = { error: e.message, code: e.code };
      if (e.missing) body.missing = e.missing;
      if (e.index !== undefined) body.index = e.index;
      return { status: e.status, body };
    }
    if (e instanceof StorageError) {
      const down = e.code.startsWith('S3_');
      console.error(`${where}: storage: ${e.code} ${e.message}`);
      return { status: down ? 503 : 500, body: { error: `storage: ${e.message}`, code: down ? 'STORAGE_UNAVAILABLE' : 'STORAGE_ERROR' } };
    }
    console.error(`${where}: internal error:`, e);
    return { status: 500, body: { error: 'internal error', code: 'INTERNAL' } };
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (res.headersSent) { res.destroy(); return; }
      if (!(e instanceof StoreError || e instanceof StorageError) && gone(req, res, e)) {
        counters.clientAborts++;   // an aborted upload is the client's choice, not a server fault
        res.destroy();
        return;
      }
      const { status, body } = errorAnswer(e, `${req.method} ${req.url}`);
      answerError(req, res, status, body);
    });
  });
  // GET /api/chunks/ws (WebSocket): the batches of POST /api/chunks as binary messages, one
  // socket per page worker, read one at a time through the same ingest and limits (a message
  // over limits.batchBody closes the socket, 1009). Each message is answered, in order, with a
  // text message: {"status": 201|200, "created": n, "chunks": n} or, for a refused batch,
  // {"status": 4xx|5xx, "code", "error"[, "index"]} as the POST's error answer; the socket stays
  // open for the next batch, until it idles for limits.wsIdleMs (closed, 1001). Browsers send
  // no CORS preflight for a WebSocket, so a page of another origin is refused (its Origin must
  // name this host).
  // closeAllConnections() closes the WebSockets too (server.close() waits for them otherwise),
  // and server.close()'s callback runs once every socket's batch in progress has finished (an
  // upgraded socket is not the HTTP server's to wait for: its ingest may still be writing).
  const wsSockets = new Set(), wsTasks = new Set();
  const closeHttp = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => { closeHttp(); for (const s of wsSockets) s.destroy(); };
  const closeServer = server.close.bind(server);
  server.close = (cb) => closeServer((e) => { Promise.allSettled([...wsTasks]).then(() => cb?.(e)); });
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url, 'http://localhost');
    let why = u.pathname !== '/api/chunks/ws' || !webSockets ? 'no WebSocket here' : refusal(req);
    const origin = req.headers.origin;
    if (!why && origin !== undefined) {
      let host = null;
      try { host = new URL(origin).host; } catch { /* not a URL */ }
      if (host !== req.headers.host) why = 'cross-origin WebSocket refused';
    }
    if (why) {
      const body = JSON.stringify({ error: why, code: why === 'no WebSocket here' ? 'NOT_FOUND' : 'BAD_UPGRADE' });
      socket.on('error', () => {});
      socket.end(`HTTP/1.1 ${why === 'no WebSocket here' ? '404 Not Found' : why.startsWith('cross') ? '403 Forbidden' : '400 Bad Request'}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    wsSockets.add(socket);
    socket.on('close', () => wsSockets.delete(socket));
    const ws = acceptWebSocket(req, socket, head, { maxMessage: limits.batchBody, queueBytes: QUEUE_BYTES, gone: (m) => new ClientGone(m) });
    // An idle socket holds a connection and its buffers: it goes (a page opens one per upload).
    socket.setTimeout(limits.wsIdleMs, () => ws.close(1001, 'idle'));
    const task = (async () => {
      for (let body; (body = await ws.nextMessage()) !== null;) {
        let answer;
        try {
          const { results, bytes } = await ingestBatch(store, body, limits);
          const created = countBatch(results, bytes);
          counters.wsBatches++;
          answer = { status: created ? 201 : 200, created, chunks: results.length };
        } catch (e) {
          if (e instanceof ClientGone || ws.closed) { counters.clientAborts++; break; }
          const { status, body: error } = errorAnswer(e, 'WebSocket batch');
          answer = { status, ...error };
          // (the ingest reads a refused batch to its end; a failure of the storage may not have)
          try { await ws.skipMessage(); } catch { break; }
        }
        ws.send(JSON.stringify(answer));
      }
    })().catch((e) => { console.error('WebSocket:', e); ws.close(1011, 'internal error'); });
    wsTasks.add(task);
    task.finally(() => wsTasks.delete(task));
  });
  server.store = store;
  server.counters = counters;
  server.limits = limits;
  return server;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const port = Number(process.env.PORT || 8080);
  const host = process.env.HOST || '127.0.0.1';
  // STORE_URL (or STORE_DIR): a directory, or s3://BUCKET/PREFIX?endpoint=…&region=….
  const storeUrl = process.env.STORE_URL || process.env.STORE_DIR || path.join(HERE, '.store');
  const isolated = process.env.ISOLATED !== '0';
  if (!fs.existsSync(path.join(ROOT, 'dist/esm/index.browser.js'))) {
    console.error('dist/ is not built: run `npm run build` (or bash scripts/main.sh, which builds it)');
    process.exit(1);
  }
  let server;
  try {
    server = await createServer({ storeUrl, preset: process.env.PRESET || '64k', isolated });
  } catch (e) {
    // Bad URL, missing credentials, wrong credentials, missing bucket, not a store: say which, exit 1.
    console.error(`upload-dedup: cannot open the store ${storeUrl.replace(/[?].*/, '')}: ${e.message}`);
    process.exit(1);
  }
  const where = server.store.backend.describe;
  server.listen(port, host, () => {
    const c = server.store.config.chunking;
    console.log(`upload-dedup demo: store ${where} (chunking ${c.min}/${c.avg}/${c.max}), ` +
      `${isolated ? 'COOP/COEP on (threads variant)' : 'COOP/COEP off (single variant)'} in the browser, ${packageInfo().variant} variant in this server`);
    console.log(`open http://${host === '0.0.0.0' ? 'localhost' : host}:${server.address().port}/`);
  });
}
