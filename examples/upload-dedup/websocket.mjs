// The server side of a WebSocket (RFC 6455) for the batch upload: the page's
// workers send each batch body as one binary message on one socket per worker
// instead of a fetch POST each, which in Chromium costs ~1/3 of the CPU
// (no Blob registry, no browser-process copy: bench/js/ws_transport.mjs,
// docs/benchmarks.md "Upload demo"). Only what that needs: binary messages in,
// text messages out, no extensions (Chromium's offer of permessage-deflate is
// declined: the batches are compressed already), ping answered, close echoed.
//
// accept(req, socket, head, { maxMessage }) answers the upgrade and returns
// the connection: { nextMessage() -> a body (null once the socket is done),
// send(text), close(code, reason) }. A body is what server.mjs's bodyReader
// returns for a request: next() -> the next piece (a Buffer), or null at the
// message's end; throws ClientGone-like errors from `gone()` if the socket
// ends mid-message. The socket is paused while more than `queueBytes` wait,
// so a message is never buffered whole. A message over maxMessage bytes
// closes the socket (1009) when its frame header says so, before its bytes
// are read.
import crypto from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

// XORs b in place with the 4-byte client mask, mask[k & 3] applying to b[0]:
// bytewise up to a 4-byte boundary, then 32-bit words in the platform's byte
// order (the mask word is built in it), then the tail.
const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
export function unmask(b, mask, k) {
  const n = b.length;
  let i = 0;
  for (; i < n && ((b.byteOffset + i) & 3); i++) b[i] ^= mask[(k + i) & 3];
  const words = (n - i) >>> 2;
  if (words) {
    const m = (k + i) & 3, x = [mask[m], mask[(m + 1) & 3], mask[(m + 2) & 3], mask[(m + 3) & 3]];
    const w = LITTLE ? x[0] | (x[1] << 8) | (x[2] << 16) | (x[3] << 24) : (x[0] << 24) | (x[1] << 16) | (x[2] << 8) | x[3];
    const u = new Int32Array(b.buffer, b.byteOffset + i, words);
    for (let j = 0; j < words; j++) u[j] ^= w;
    i += words * 4;
  }
  for (; i < n; i++) b[i] ^= mask[(k + i) & 3];
}

// A server frame (never masked, never fragmented).
export function frame(opcode, payload) {
  const n = payload.length;
  let h;
  if (n < 126) h = Buffer.from([0x80 | opcode, n]);
  else if (n < 65536) { h = Buffer.alloc(4); h[0] = 0x80 | opcode; h[1] = 126; h.writeUInt16BE(n, 2); }
  else { h = Buffer.alloc(10); h[0] = 0x80 | opcode; h[1] = 127; h.writeBigUInt64BE(BigInt(n), 2); }
  return Buffer.concat([h, payload]);
}

// The handshake's checks -> null, or why the upgrade is refused.
export function refusal(req) {
  if (req.method !== 'GET') return 'not a GET';
  if (!/(^|,)\s*websocket\s*(,|$)/i.test(req.headers.upgrade || '')) return 'Upgrade: websocket expected';
  if (req.headers['sec-websocket-version'] !== '13') return 'Sec-WebSocket-Version: 13 expected';
  const key = req.headers['sec-websocket-key'] || '';
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) return 'bad Sec-WebSocket-Key';
  return null;
}

export function accept(req, socket, head, { maxMessage, queueBytes = 4 << 20, gone = (why) => new Error(why) }) {
  const key = req.headers['sec-websocket-key'];
  const acceptKey = crypto.createHash('sha1').update(key + GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey}\r\n\r\n`);
  socket.setNoDelay(true);

  // What arrived, in order: Buffers of message bytes, END after each message's
  // last byte. Messages are read one after the other (nextMessage after the
  // previous body returned null).
  const END = Symbol('end');
  const q = [];
  let queued = 0, closed = false, wake = null;
  const poke = () => { const w = wake; wake = null; if (w) w(); };
  const push = (x) => {
    q.push(x);
    if (x !== END) { queued += x.length; if (queued > queueBytes && !socket.isPaused()) socket.pause(); }
    poke();
  };

  const hdr = Buffer.alloc(14);
  let have = 0;                          // header bytes of the frame being read
  let left = -1, op = 0, fin = false, off = 0;   // the frame's payload: bytes left (-1: reading a header), ...
  const mask = Buffer.alloc(4);
  let inMessage = false, msgBytes = 0, ctl = [];
  const send = (opcode, payload) => { if (!socket.destroyed && socket.writable) socket.write(frame(opcode, payload)); };
  const close = (code, reason = '') => {
    if (closed) return;
    closed = true;
    const r = Buffer.from(reason).subarray(0, 123);
    if (!socket.destroyed && socket.writable) socket.end(frame(8, Buffer.concat([Buffer.from([code >> 8, code & 255]), r])));
    // A client that never answers the close: the socket goes anyway.
    setTimeout(() => socket.destroy(), 1000).unref();
    poke();
  };
  const frameDone = () => {
    if (op >= 8) {
      const p = Buffer.concat(ctl);
      ctl = [];
      if (op === 9) send(10, p);
      else if (op === 8) close(1000);   // the client's close, answered
    } else if (fin) { inMessage = false; msgBytes = 0; push(END); }
    left = -1; have = 0;
  };
  const onData = (d) => {
    let i = 0;
    while (i < d.length && !closed) {
      if (left < 0) {
        hdr[have++] = d[i++];
        if (have < 2) continue;
        if (hdr[0] & 0x70) return close(1002, 'no extension was agreed (RSV bits set)');
        if (!(hdr[1] & 128)) return close(1002, 'client frames must be masked');
        const len7 = hdr[1] & 127, need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + 4;
        if (have < need) continue;
        fin = (hdr[0] & 128) !== 0; op = hdr[0] & 15;
        const len = len7 === 126 ? hdr.readUInt16BE(2) : len7 === 127 ? hdr.readBigUInt64BE(2) : len7;
        if (len > BigInt(maxMessage)) return close(1009, `message larger than ${maxMessage} bytes`);
        left = Number(len);
        hdr.copy(mask, 0, need - 4, need); off = 0;
        if (op >= 8) {
          if (op > 10) return close(1002, 'unknown opcode');
          if (!fin || left > 125) return close(1002, 'bad control frame');
        } else if (op === 0) {
          if (!inMessage) return close(1002, 'continuation without a message');
        } else if (op === 2) {
          if (inMessage) return close(1002, 'a new message inside a fragmented one');
          inMessage = true;
        } else return close(1003, op === 1 ? 'text messages are not accepted: send batches as binary' : 'unknown opcode');
        if (op < 8 && (msgBytes += left) > maxMessage) return close(1009, `message larger than ${maxMessage} bytes`);
        if (left === 0) frameDone();
        continue;
      }
      const n = Math.min(left, d.length - i);
      const piece = d.subarray(i, i + n);
      unmask(piece, mask, off & 3);
      if (op >= 8) ctl.push(Buffer.from(piece)); else push(piece);
      i += n; off += n; left -= n;
      if (left === 0) frameDone();
    }
  };
  socket.on('data', onData);
  socket.on('end', () => { closed = true; poke(); });
  socket.on('close', () => { closed = true; poke(); });
  socket.on('error', () => { closed = true; poke(); });
  if (head && head.length) onData(head);

  let n = 0, ended = false;   // bytes of the current message handed out, its end handed out
  const body = {
    get bytes() { return n; },
    async next() {
      if (ended) return null;
      for (;;) {
        if (q.length) {
          const x = q.shift();
          if (x === END) { ended = true; return null; }
          queued -= x.length;
          if (queued <= queueBytes >> 2 && socket.isPaused() && !closed) socket.resume();
          n += x.length;
          return x;
        }
        if (closed) throw gone('the WebSocket closed mid-message');
        await new Promise((r) => { wake = r; });
      }
    },
  };
  return {
    // Reads what is left of the current message (a body its reader gave up on).
    async skipMessage() { if (!ended) while (await body.next() !== null); },
    // The next message's body, once its first byte (or its end) is here; null if the socket is done.
    async nextMessage() {
      for (;;) {
        if (q.length) { n = 0; ended = false; return body; }
        if (closed) return null;
        await new Promise((r) => { wake = r; });
      }
    },
    send: (text) => send(1, Buffer.from(text)),
    close,
    get closed() { return closed; },
  };
}
