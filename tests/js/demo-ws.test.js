// The upload-dedup demo's WebSocket batch endpoint (GET /api/chunks/ws,
// examples/upload-dedup/websocket.mjs) over a raw TCP socket: the client side
// of RFC 6455 is written out here (frames masked with random keys, split at
// odd places), the handshake checked against the RFC's own example (§1.3),
// chunk hashes from the `b3sum` program, zstd frames from the `zstd` program.
// Chromium as the client: tests/browser/demo.mjs.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createServer } from '../../examples/upload-dedup/server.mjs';

const b3sum = (input) => execFileSync('b3sum', ['--no-names'], { input }).toString().trim();
const zstdCli = (input) => execFileSync('zstd', ['-q', '-c', '-3'], { input });

let servers = [];
async function start(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-ws-'));
  const server = await createServer({ storeDir: dir, ...opts });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const s = { dir, server, host: `127.0.0.1:${server.address().port}`, base: `http://127.0.0.1:${server.address().port}` };
  servers.push(s);
  return s;
}
afterEach(async () => {
  for (const s of servers) {
    await new Promise((r) => { s.server.close(r); s.server.closeAllConnections(); });
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
  servers = [];
});

// hash[32] | encoding u8 | length u32 LE | body, per chunk (README.md, POST /api/chunks).
function batchBody(items) {
  return Buffer.concat(items.flatMap(({ hash, body, enc = 0 }) => {
    const h = Buffer.alloc(37);
    Buffer.from(hash, 'hex').copy(h);
    h[32] = enc;
    h.writeUInt32LE(body.length, 33);
    return [h, body];
  }));
}
const chunkItem = (bytes, zstd = false) => ({ hash: b3sum(bytes), body: zstd ? zstdCli(bytes) : bytes, enc: zstd ? 1 : 0 });

// A client frame: FIN bit, opcode, masked with a random key; `len` forces the 16- or 64-bit length form.
function clientFrame(fin, op, payload, { len, masked = true } = {}) {
  const n = payload.length;
  const form = len || (n < 126 ? 7 : n < 65536 ? 16 : 64);
  const h = Buffer.alloc(form === 7 ? 2 : form === 16 ? 4 : 10);
  h[0] = (fin ? 0x80 : 0) | op;
  h[1] = (masked ? 0x80 : 0) | (form === 7 ? n : form === 16 ? 126 : 127);
  if (form === 16) h.writeUInt16BE(n, 2);
  if (form === 64) h.writeBigUInt64BE(BigInt(n), 2);
  if (!masked) return Buffer.concat([h, payload]);
  const key = crypto.randomBytes(4);
  const p = Buffer.from(payload);
  for (let i = 0; i < p.length; i++) p[i] ^= key[i % 4];
  return Buffer.concat([h, key, p]);
}

// Opens a TCP connection and sends the upgrade request. -> { status, headers, write(bytes, pieces),
// next() -> { op, payload } (the server's frames, in order; { op: 'eof' } at the end) }.
async function connect(s, { key = 'dGhlIHNhbXBsZSBub25jZQ==', origin = `http://${s.host}`, url = '/api/chunks/ws' } = {}) {
  const sock = net.connect(Number(s.host.split(':')[1]), '127.0.0.1');
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  sock.write(`GET ${url} HTTP/1.1\r\nHost: ${s.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${origin ? `Origin: ${origin}\r\n` : ''}\r\n`);
  let buf = Buffer.alloc(0), head = null, ended = false;
  const frames = [], waiting = [];
  const pump = () => {
    if (!head) {
      const e = buf.indexOf('\r\n\r\n');
      if (e < 0) return;
      head = buf.subarray(0, e).toString('latin1');
      buf = buf.subarray(e + 4);
    }
    for (;;) {
      if (buf.length < 2) break;
      const len7 = buf[1] & 127, hl = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0);
      expect(buf[1] & 128).toBe(0);   // server frames are never masked
      if (buf.length < hl) break;
      const n = len7 === 126 ? buf.readUInt16BE(2) : len7 === 127 ? Number(buf.readBigUInt64BE(2)) : len7;
      if (buf.length < hl + n) break;
      frames.push({ op: buf[0] & 15, fin: (buf[0] & 128) !== 0, payload: buf.subarray(hl, hl + n) });
      buf = buf.subarray(hl + n);
    }
    while (waiting.length && (frames.length || ended)) waiting.shift()(frames.shift() || { op: 'eof' });
  };
  sock.on('data', (d) => { buf = Buffer.concat([buf, d]); pump(); });
  sock.on('close', () => { ended = true; pump(); });
  sock.on('error', () => {});
  for (let i = 0; i < 200 && !head && !ended; i++) await new Promise((r) => setTimeout(r, 10));
  const lines = (head || '').split('\r\n');
  const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return {
    status: Number(lines[0].split(' ')[1]), headers, sock,
    // Writes `bytes` in pieces of 1..`most` bytes, a turn of the event loop apart.
    async write(bytes, most = 0) {
      if (!most) { sock.write(bytes); return; }
      for (let i = 0; i < bytes.length;) {
        const n = 1 + Math.floor(Math.random() * most);
        sock.write(bytes.subarray(i, i + n)); i += n;
        await new Promise((r) => setImmediate(r));
      }
    },
    next: () => new Promise((r) => { waiting.push(r); pump(); }),
    async answer() { const f = await this.next(); expect(f.op).toBe(1); return JSON.parse(f.payload.toString()); },
  };
}
const closeCode = (f) => (f.op === 8 && f.payload.length >= 2 ? f.payload.readUInt16BE(0) : f.op);
const missing = async (s, hashes) => (await (await fetch(`${s.base}/api/missing`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ hashes }) })).json()).missing;

describe('upload-dedup server: batches over a WebSocket', () => {
  test('handshake as RFC 6455 §1.3; batches in one frame and in fragments answered in order; ping answered', async () => {
    const s = await start();
    const c = await connect(s);
    expect(c.status).toBe(101);
    expect(c.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(c.headers.upgrade.toLowerCase()).toBe('websocket');
    expect(c.headers['sec-websocket-extensions']).toBeUndefined();   // permessage-deflate never agreed

    const a = [chunkItem(crypto.randomBytes(70000)), chunkItem(Buffer.from('text '.repeat(20000)), true), chunkItem(crypto.randomBytes(100))];
    const b = [chunkItem(crypto.randomBytes(40000)), a[0]];
    const one = batchBody(a), two = batchBody(b);
    // Batch 1: one frame with a 64-bit length. Batch 2: four fragments (16-bit, 7-bit, 64-bit
    // lengths; an empty one), a ping between them. Batch 3: batch 1 again. Written in odd pieces.
    await c.write(Buffer.concat([
      clientFrame(true, 2, one, { len: 64 }),
      clientFrame(false, 2, two.subarray(0, 1000), { len: 16 }),
      clientFrame(false, 0, two.subarray(1000, 1037)),
      clientFrame(true, 9, Buffer.from('are you there')),
      clientFrame(false, 0, Buffer.alloc(0)),
      clientFrame(true, 0, two.subarray(1037), { len: 64 }),
      clientFrame(true, 2, one),
    ]), 5000);
    // The pong goes out as the ping is read: before or after batch 1's answer.
    const got = [];
    for (let i = 0; i < 4; i++) {
      const f = await c.next();
      got.push(f.op === 10 ? `pong ${f.payload}` : f.op === 1 ? JSON.parse(f.payload.toString()) : `op ${f.op}`);
    }
    expect(got.filter((x) => typeof x === 'string')).toEqual(['pong are you there']);
    expect(got.filter((x) => typeof x !== 'string')).toEqual([
      { status: 201, created: 3, chunks: 3 }, { status: 201, created: 1, chunks: 2 }, { status: 200, created: 0, chunks: 3 }]);
    expect(await missing(s, [...a, ...b].map((x) => x.hash))).toEqual([]);
    expect(s.server.counters.wsBatches).toBe(3);
    expect(s.server.counters.chunksReceived).toBe(8);

    // A close is answered with a close, and the socket ends.
    await c.write(clientFrame(true, 8, Buffer.from([0x03, 0xe8])));
    expect(closeCode(await c.next())).toBe(1000);
    expect((await c.next()).op).toBe('eof');
  });

  test('a refused batch is answered with the POST\'s error and the socket goes on', async () => {
    const s = await start();
    const c = await connect(s);
    const good = chunkItem(crypto.randomBytes(5000));
    const forged = { ...chunkItem(crypto.randomBytes(5000)), hash: good.hash.replace(/^./, (x) => (x === '0' ? '1' : '0')) };
    await c.write(clientFrame(true, 2, batchBody([good, forged])));
    const bad = await c.answer();
    expect(bad).toMatchObject({ status: 422, code: 'HASH_MISMATCH', index: 1 });
    expect(typeof bad.error).toBe('string');
    await c.write(clientFrame(true, 2, Buffer.from([1, 2, 3])));
    expect(await c.answer()).toMatchObject({ status: 400, code: 'BAD_BATCH' });
    expect(await missing(s, [good.hash])).toEqual([good.hash]);   // nothing of a refused batch is kept
    await c.write(clientFrame(true, 2, batchBody([good])));
    expect(await c.answer()).toEqual({ status: 201, created: 1, chunks: 1 });
    expect(s.server.counters.rejected).toBe(2);
  });

  test('a message over the batch limit closes the socket (1009) on its header', async () => {
    const s = await start({ limits: { batchBody: 4096 } });
    const c = await connect(s);
    const body = batchBody([chunkItem(crypto.randomBytes(5000))]);
    await c.write(clientFrame(true, 2, body).subarray(0, 14));   // the header (+ mask) only
    expect(closeCode(await c.next())).toBe(1009);
    // The same over fragments each under the limit.
    const d = await connect(s);
    await d.write(Buffer.concat([clientFrame(false, 2, body.subarray(0, 3000)), clientFrame(true, 0, body.subarray(3000))]));
    expect(closeCode(await d.next())).toBe(1009);
    expect(s.server.counters.batches).toBe(0);
  });

  test('protocol errors close the socket: unmasked frame, text message, continuation without a message', async () => {
    const s = await start();
    for (const [frame, code] of [
      [clientFrame(true, 2, Buffer.from('x'), { masked: false }), 1002],
      [clientFrame(true, 1, Buffer.from('hello')), 1003],
      [clientFrame(true, 0, Buffer.from('x')), 1002],
      [Buffer.concat([clientFrame(false, 2, Buffer.from('x')), clientFrame(true, 2, Buffer.from('y'))]), 1002],
    ]) {
      const c = await connect(s);
      await c.write(frame);
      expect(closeCode(await c.next())).toBe(code);
    }
  });

  test('an idle socket is closed (1001); one that keeps sending is not', async () => {
    const s = await start({ limits: { wsIdleMs: 3000 } });
    const idle = await connect(s), busy = await connect(s);
    let closed = null;
    idle.next().then((f) => { closed = f; });
    // A ping every 100 ms: the busy socket is never idle for 3 s (a margin for a loaded machine).
    for (let i = 0; !closed && i < 300; i++) {
      await busy.write(clientFrame(true, 9, Buffer.from(`p${i}`)));
      expect((await busy.next()).op).toBe(10);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(closed && closeCode(closed)).toBe(1001);
    const it = chunkItem(crypto.randomBytes(3000));
    await busy.write(clientFrame(true, 2, batchBody([it])));
    expect(await busy.answer()).toEqual({ status: 201, created: 1, chunks: 1 });
  });

  test('a client gone mid-message: counted as an abort, nothing stored', async () => {
    const s = await start();
    const c = await connect(s);
    const it = chunkItem(crypto.randomBytes(200000));
    await c.write(clientFrame(true, 2, batchBody([it])).subarray(0, 100000));
    c.sock.destroy();
    for (let i = 0; i < 100 && s.server.counters.clientAborts === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.server.counters.clientAborts).toBe(1);
    expect(await missing(s, [it.hash])).toEqual([it.hash]);
  });

  test('refused upgrades: another origin (403), another path (404), a bad key (400); no Origin (not a browser) is accepted', async () => {
    const s = await start();
    expect((await connect(s, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await connect(s, { origin: 'null' })).status).toBe(403);
    expect((await connect(s, { url: '/api/chunks' })).status).toBe(404);
    expect((await connect(s, { key: 'short' })).status).toBe(400);
    const c = await connect(s, { origin: null });
    expect(c.status).toBe(101);
    expect(c.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});
