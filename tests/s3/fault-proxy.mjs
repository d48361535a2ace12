// A fault-injecting HTTP proxy for S3 tests: clients talk to it as if it were
// the S3 endpoint (SigV4 signs the Host header, which is passed through
// unchanged, so RGW accepts the forwarded requests). Per request, `rule`
// decides what happens:
//   'forward'        pass to the upstream and back (the default)
//   'slowdown'       answer 503 SlowDown without forwarding
//   'reset'          destroy the client connection without forwarding
//   'lose-answer'    forward, let the upstream complete it, then reset the client (the answer is lost)
//   'hold'           never answer (the request stays open until close())
//   'half'           forward the headers and half of the body upstream, then stall both sides
//   'corrupt'        forward with one body byte flipped (the signed SHA-256 no longer matches)
// rule({ method, url, key, n }) -> action; n counts requests (from 1); key is the
// object key after the bucket, decoded ('' for bucket-level requests).
// Events: proxy.log is [{ method, key, action, status }] in arrival order;
// proxy.waitFor(pred) resolves once pred(log) is true (checked after each change).
import http from 'node:http';

export async function startProxy(upstream, rule = () => 'forward') {
  const up = new URL(upstream);
  const open = new Set();
  const log = [];
  const waiters = [];
  const changed = () => {
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i].pred(log)) { waiters[i].resolve(); waiters.splice(i, 1); }
  };
  let n = 0;
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const parts = u.pathname.split('/').slice(2);   // drop '' and the bucket
    const entry = { method: req.method, key: decodeURIComponent(parts.join('/')), action: null, status: null };
    entry.action = proxy.rule({ method: req.method, url: req.url, key: entry.key, n: ++n });
    log.push(entry);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const done = (status) => { entry.status = status; changed(); };
      if (entry.action === 'slowdown') {
        const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
        res.writeHead(503, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
        res.end(xml);
        done(503);
        return;
      }
      if (entry.action === 'reset') { req.socket.destroy(); done('reset'); return; }
      if (entry.action === 'hold') { done('held'); return; }
      const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        if (entry.action === 'lose-answer') {
          r.resume();
          r.on('end', () => { req.socket.destroy(); done(`lost ${r.statusCode}`); });
          return;
        }
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
        r.on('end', () => done(r.statusCode));
      });
      open.add(fwd);
      fwd.on('close', () => open.delete(fwd));
      fwd.on('error', () => { if (!res.headersSent) req.socket.destroy(); });
      if (entry.action === 'half') {
        fwd.flushHeaders();
        fwd.write(body.subarray(0, body.length >> 1));
        done('half');
        return;
      }
      if (entry.action === 'corrupt' && body.length) body[body.length >> 1] ^= 1;
      fwd.end(body);
    });
  });
  server.on('connection', (s) => { open.add(s); s.on('close', () => open.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const proxy = {
    rule,
    log,
    url: `http://127.0.0.1:${server.address().port}`,
    waitFor(pred) { return pred(log) ? Promise.resolve() : new Promise((resolve) => { waiters.push({ pred, resolve }); }); },
    async close() {
      for (const s of open) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
  return proxy;
}
