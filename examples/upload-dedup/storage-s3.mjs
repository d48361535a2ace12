// The storage interface of storage.mjs on S3-compatible object storage (AWS
// S3, Ceph RGW): every key lives at s3://BUCKET/PREFIX/<key>. Requests are
// signed by `aws4fetch`'s SigV4 signer and sent with node:http(s) (a
// keep-alive agent; not fetch(), which refuses "bad ports" such as 10080 and
// has no idle timeout); listings are parsed by `sax`. Nothing here signs or
// parses by hand. Nothing is kept on local disk, so any number of servers can
// share one store (docs/s3.md).
//
// Mapping of the interface (docs/store-format.md "On S3"):
//   createMany / create  PUT with If-None-Match: * (412 = already there)
//   replaceMany          plain PUT (an object is replaced atomically)
//   read / readRange     GET / GET with Range
//   stat                 HEAD (LastModified is the storage timestamp)
//   list                 ListObjectsV2, page by page with continuation tokens
//   delete               DELETE
// Every PUT carries the body's real SHA-256 in x-amz-content-sha256, which the
// server checks: a body damaged on the way is refused, never stored.
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { AwsV4Signer } from 'aws4fetch';
import sax from 'sax';
import { StorageError } from './storage.mjs';

const URL_HELP = 'expected s3://BUCKET[/PREFIX]?endpoint=http://HOST:PORT[&region=REGION]';

// ---- s3:// URLs (the same rules as the native CLI's: native/src/s3/s3_url.cpp) ----

const lowerAlnum = (c) => /^[a-z0-9]$/.test(c);
const validBucket = (b) => b.length >= 3 && b.length <= 63 && lowerAlnum(b[0]) && lowerAlnum(b[b.length - 1])
  && /^[a-z0-9.-]+$/.test(b) && !b.includes('..');

function checkEndpoint(ep, bad) {
  const m = /^(https?):\/\/(.*)$/.exec(ep);
  if (!m) throw bad(`endpoint '${ep}' must start with http:// or https://`);
  let hostport = m[2];
  if (hostport.endsWith('/')) { hostport = hostport.slice(0, -1); ep = ep.slice(0, -1); }
  if (!hostport || /[/?#@ ]/.test(hostport)) throw bad(`endpoint '${ep}' must be scheme://HOST[:PORT] with no path, query or user`);
  const colon = hostport.lastIndexOf(':');
  if (colon >= 0 && (hostport[0] !== '[' || colon > hostport.indexOf(']'))) {
    const port = hostport.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) === 0 || Number(port) > 65535) throw bad(`endpoint '${ep}' has an invalid port '${port}'`);
    if (colon === 0) throw bad(`endpoint '${ep}' has no host`);
  }
  return ep;
}

function percentDecode(s) {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return null;
  try { return decodeURIComponent(s); } catch { return null; }
}

export const isS3Url = (s) => typeof s == 'string' && s.startsWith('s3://');

// -> { bucket, prefix ('' or ending in '/'), endpoint, region }; StorageError BAD_STORE_URL saying what is wrong.
export function parseS3Url(url) {
  const bad = (why) => new StorageError('BAD_STORE_URL', `invalid S3 URL '${url}': ${why} (${URL_HELP})`);
  if (!isS3Url(url)) throw bad('does not start with s3://');
  if (/[\x00-\x1f\x7f]/.test(url)) throw bad('contains a control character');
  if (url.includes('#')) throw bad("contains '#'");
  const rest = url.slice(5);
  const q = rest.indexOf('?');
  const pathPart = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const slash = pathPart.indexOf('/');
  const bucket = slash < 0 ? pathPart : pathPart.slice(0, slash);
  if (!bucket) throw bad('no bucket name');
  if (!validBucket(bucket)) throw bad(`bucket name '${bucket}' is not valid (3-63 characters of a-z 0-9 . -)`);
  let prefix = '';
  if (slash >= 0) {
    const p = pathPart.slice(slash + 1);
    // '//', '.' and '..' mean different keys to different tools.
    const segs = p.endsWith('/') ? p.slice(0, -1).split('/') : p.split('/');
    if (p && segs.some((s) => s === '' || s === '.' || s === '..')) throw bad(`prefix '${p}' has an empty, '.' or '..' segment`);
    prefix = p && !p.endsWith('/') ? `${p}/` : p;
  }
  const seen = new Set();
  let endpoint = null, region = 'us-east-1';
  for (const param of query.split('&')) {
    if (!param) continue;
    const eq = param.indexOf('=');
    const name = eq < 0 ? param : param.slice(0, eq);
    if (eq < 0) throw bad(`parameter '${name}' has no value`);
    const value = percentDecode(param.slice(eq + 1));
    if (value === null) throw bad(`parameter '${name}' has a bad %-escape`);
    if (seen.has(name)) throw bad(`parameter '${name}' given twice`);
    seen.add(name);
    if (name === 'endpoint') endpoint = checkEndpoint(value, bad);
    else if (name === 'region') {
      if (!/^[a-z0-9-]+$/.test(value)) throw bad(`region '${value}' is not valid (a-z 0-9 -)`);
      region = value;
    } else throw bad(`unknown parameter '${name}' (known: endpoint, region)`);
  }
  if (!endpoint) throw bad('no endpoint= parameter');
  return { bucket, prefix, endpoint, region };
}

export function credentialsFromEnv(env = process.env) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID, secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId) throw new StorageError('NO_CREDENTIALS', 'S3 credentials: AWS_ACCESS_KEY_ID is not set');
  if (!secretAccessKey) throw new StorageError('NO_CREDENTIALS', 'S3 credentials: AWS_SECRET_ACCESS_KEY is not set');
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

// ---- XML (S3 listings and error bodies) ----

// -> the root element as { name, text, children: [...] } (sax in strict mode: malformed XML throws).
export function parseXml(text) {
  const p = sax.parser(true, { trim: false });
  const root = { name: '#document', text: '', children: [] };
  const stack = [root];
  p.onopentag = (n) => { const el = { name: n.name, text: '', children: [] }; stack[stack.length - 1].children.push(el); stack.push(el); };
  p.onclosetag = () => { stack.pop(); };
  p.ontext = (t) => { stack[stack.length - 1].text += t; };
  p.oncdata = (t) => { stack[stack.length - 1].text += t; };
  let err = null;
  p.onerror = (e) => { err = e; };
  p.write(text).close();
  if (err || !root.children.length) throw new Error(`malformed XML: ${err ? err.message.split('\n')[0] : 'no element'}`);
  return root.children[0];
}
const kids = (el, name) => el.children.filter((c) => c.name === name);
const kidText = (el, name) => { const c = el.children.find((x) => x.name === name); return c ? c.text : undefined; };

// An S3 error body's Code and Message ('' when there is none, e.g. HEAD).
function errorOf(text) {
  if (!text) return { code: '', message: '' };
  try {
    const e = parseXml(text);
    return { code: kidText(e, 'Code') || '', message: kidText(e, 'Message') || '' };
  } catch { return { code: '', message: '' }; }
}

// ---- the backend ----

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256hex = (b) => crypto.createHash('sha256').update(b).digest('hex');
// RFC 3986 per path segment: what SigV4 canonicalises and S3 decodes.
const encodePath = (k) => k.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');

export const DEFAULT_RETRY = { attempts: 5, baseMs: 100, maxMs: 5000 };
const STALL_MS = 60000;   // a transfer that moves nothing this long fails (and is retried)

class Retryable extends Error {}
class StallError extends Error { constructor(m) { super(m); this.code = 'STALLED'; } }

export class S3Backend {
  // loc: parseS3Url's result; creds: { accessKeyId, secretAccessKey }; retry: attempts in
  // total, backoff min(maxMs, baseMs·2^(n-1)) with equal jitter; concurrency: PUTs in flight
  // per createMany; stallMs: a connection that moves nothing this long is dropped (and the
  // request retried); pageSize: keys per LIST request (S3's maximum is 1000).
  constructor(loc, creds, { retry = {}, concurrency = 4, stallMs = STALL_MS, pageSize = 1000 } = {}) {
    this.loc = loc;
    this.base = loc.prefix;
    this.describe = `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix.slice(0, -1)}` : ''}`;
    this.retry = { ...DEFAULT_RETRY, ...retry };
    this.concurrency = concurrency;
    this.stallMs = stallMs;
    this.pageSize = pageSize;
    this.creds = creds;
    this.http = loc.endpoint.startsWith('https:') ? https : http;
    this.agent = new this.http.Agent({ keepAlive: true, maxSockets: 32 });
    this.requests = 0;     // every attempt, for "requests per GiB" figures
    this.retries = 0;
  }

  static fromUrl(url, { env = process.env, ...opts } = {}) {
    return new S3Backend(parseS3Url(url), credentialsFromEnv(env), opts);
  }

  _name(key) { return `s3://${this.loc.bucket}/${this.base}${key}`; }

  _key(key) {
    if (typeof key != 'string' || key.split('/').some((c) => c === '' || c === '.' || c === '..')) {
      throw new StorageError('BAD_KEY', `bad storage key ${JSON.stringify(key)}`);
    }
    return this.base + key;
  }

  // One signed request, one attempt -> the response (IncomingMessage). The socket's idle
  // timeout is the stall timeout: for the upload, the wait and the download alike.
  async _send(url, method, headers, body) {
    const signed = await new AwsV4Signer({
      url, method, headers, body, service: 's3', region: this.loc.region,
      accessKeyId: this.creds.accessKeyId, secretAccessKey: this.creds.secretAccessKey, sessionToken: this.creds.sessionToken,
    }).sign();
    const h = Object.fromEntries(signed.headers);
    if (body) h['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const req = this.http.request(signed.url, { method, headers: h, agent: this.agent }, resolve);
      req.setTimeout(this.stallMs, () => req.destroy(new StallError(`nothing moved for ${this.stallMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  // One S3 call with bounded retries. `handle(r)` takes the answer and may read its body
  // (r.body(cap)), so a connection cut mid-body is retried too; a status it does not take
  // (it returns undefined) is an error. what: the object or bucket named in errors.
  async _call(what, method, pathAndQuery, { headers = {}, body, handle }) {
    const url = `${this.loc.endpoint}/${this.loc.bucket}${pathAndQuery}`;
    const { attempts, baseMs, maxMs } = this.retry;
    for (let attempt = 1; ; attempt++) {
      let why, res;
      try {
        this.requests++;
        res = await this._send(url, method, headers, body);
        const status = res.statusCode;
        if (status >= 300) {
          // The code is in the body (none for HEAD). SlowDown and RequestTimeout come as 503 / 400;
          // AWS answers 409 ConditionalRequestConflict to a create-only PUT racing another one.
          const { code, message } = errorOf((await readAll(res, 1 << 20)).toString('utf8'));
          if (status >= 500 || status === 429 || ['SlowDown', 'RequestTimeout', 'ConditionalRequestConflict'].includes(code)) {
            why = `${status}${code ? ` ${code}` : ''}`;
            throw new Retryable(why);
          }
          const out = await handle({ status, code, headers: res.headers, attempt });
          if (out !== undefined) return out;
          throw this._fail(what, method, status, code, message);
        }
        const out = await handle({ status, headers: res.headers, attempt, body: (cap) => readAll(res, cap), discard: () => res.resume() });
        if (out !== undefined) return out;
        res.resume();
        throw this._fail(what, method, status, '', '');
      } catch (e) {
        if (e instanceof StorageError) { res?.destroy(); throw e; }
        why ??= networkWhy(e);
        res?.destroy();
      }
      if (attempt >= attempts) {
        throw new StorageError('S3_UNAVAILABLE', `${what}: ${method} failed: ${why} after ${attempt} attempt${attempt > 1 ? 's' : ''} (${this.loc.endpoint})`);
      }
      this.retries++;
      const d = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      await sleep(d / 2 + Math.random() * d / 2);
    }
  }

  _fail(what, method, status, code, message) {
    const tail = `(${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''})`;
    if (status === 403) {
      const hint = code === 'InvalidAccessKeyId' ? 'the access key is not known here: check AWS_ACCESS_KEY_ID'
        : code === 'SignatureDoesNotMatch' ? 'the signature does not match: check AWS_SECRET_ACCESS_KEY and the region'
          : 'access denied: check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and their permissions';
      return new StorageError('S3_ACCESS_DENIED', `${what}: ${hint} ${tail}`);
    }
    if (status === 404 && (code === 'NoSuchBucket' || code === '')) {
      return new StorageError('S3_NO_BUCKET', `s3://${this.loc.bucket}: no such bucket at ${this.loc.endpoint} ${tail}`);
    }
    return new StorageError('S3_ERROR', `${what}: ${method} answered ${tail}`);
  }

  // Checks the bucket and the credentials (one LIST): a clear error at start-up, not at the first upload.
  async init() {
    const q = new URLSearchParams({ 'list-type': '2', 'max-keys': '1', prefix: this.base });
    await this._call(`s3://${this.loc.bucket}`, 'GET', `?${q}`, { handle: (r) => (r.status === 200 ? r.body(16 << 20).then(() => true) : undefined) });
  }

  async _get(key, { range, max }) {
    const k = this._key(key);
    return this._call(this._name(key), 'GET', `/${encodePath(k)}`, {
      headers: range ? { Range: `bytes=${range[0]}-${range[0] + range[1] - 1}` } : {},
      handle: async (r) => {
        if (r.status === 404 && r.code === 'NoSuchKey') return null;
        if (r.status === 416) throw new StorageError('SHORT_READ', `${this._name(key)}: ends before byte ${range[0] + range[1]}`);
        if (r.status !== 200 && r.status !== 206) return undefined;
        const len = Number(r.headers['content-length']);
        if (max !== undefined && len > max) { throw new StorageError('TOO_LARGE', `${this._name(key)}: ${len} bytes, more than the ${max} allowed`); }
        if (range && r.status === 200) {   // the server ignored Range: take the part (objects read whole are small)
          const all = await r.body(range[0] + range[1] + 1);
          if (all.length < range[0] + range[1]) throw new StorageError('SHORT_READ', `${this._name(key)}: ends before byte ${range[0] + range[1]}`);
          return all.subarray(range[0], range[0] + range[1]);
        }
        const buf = await r.body(range ? range[1] : max);
        if (range && buf.length !== range[1]) throw new StorageError('SHORT_READ', `${this._name(key)}: ends before byte ${range[0] + range[1]}`);
        return buf;
      },
    });
  }

  read(key, max) { return this._get(key, { max }); }

  readRange(key, offset, length) { return this._get(key, { range: [offset, length] }); }

  async stat(key) {
    return this._call(this._name(key), 'HEAD', `/${encodePath(this._key(key))}`, {
      handle: async (r) => {
        if (r.status === 404) return null;   // HEAD has no body: a missing bucket shows at init or on the next GET
        if (r.status !== 200) return undefined;
        r.discard();
        return { size: Number(r.headers['content-length']), mtimeMs: Date.parse(r.headers['last-modified']) };
      },
    });
  }

  async list(prefix, { stat = false } = {}) {
    const base = `${this._key(prefix)}/`;
    const out = [];
    let token = '';
    for (;;) {
      const q = new URLSearchParams({ 'list-type': '2', 'max-keys': String(this.pageSize), prefix: base });
      if (token) q.set('continuation-token', token);
      const xml = await this._call(`${this._name(prefix)}/`, 'GET', `?${q}`, {
        handle: (r) => (r.status === 200 ? r.body(64 << 20).then((b) => b.toString('utf8')) : undefined),
      });
      let doc;
      try { doc = parseXml(xml); } catch (e) { throw new StorageError('S3_ERROR', `${this._name(prefix)}/: listing: ${e.message}`); }
      for (const c of kids(doc, 'Contents')) {
        const key = kidText(c, 'Key');
        if (!key || !key.startsWith(base)) throw new StorageError('S3_ERROR', `${this._name(prefix)}/: listing returned key ${JSON.stringify(key)} outside the prefix`);
        const e = { key: key.slice(this.base.length) };
        if (stat) { e.size = Number(kidText(c, 'Size')); e.mtimeMs = Date.parse(kidText(c, 'LastModified')); }
        out.push(e);
      }
      if (kidText(doc, 'IsTruncated') !== 'true') return out;
      token = kidText(doc, 'NextContinuationToken');
      if (!token) throw new StorageError('S3_ERROR', `${this._name(prefix)}/: listing truncated without a continuation token`);
    }
  }

  // PUT; createOnly: If-None-Match: * -> true created, false the key existed. A 412 after a
  // retry may mean that an earlier attempt stored it (its answer was lost): the object is then
  // read back, and the same bytes count as ours (keys of packs and index files name their bytes;
  // leases carry a random id).
  async _put(key, data, createOnly) {
    const headers = { 'x-amz-content-sha256': sha256hex(data), 'Content-Type': 'application/octet-stream' };
    if (createOnly) headers['If-None-Match'] = '*';
    const r = await this._call(this._name(key), 'PUT', `/${encodePath(this._key(key))}`, {
      headers, body: data,
      handle: (r) => {
        if (r.status === 200) { r.discard(); return { created: true }; }
        if (createOnly && r.status === 412) return { created: false, retried: r.attempt > 1 };
        return undefined;
      },
    });
    if (r.created || !r.retried) return r.created;
    const got = await this.read(key, data.length);
    return got !== null && got.equals(data);
  }

  async createMany(items) {
    const out = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await this._put(items[i].key, items[i].data, true);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
    return out;
  }

  create(key, data) { return this._put(key, data, true); }

  async replaceMany(items) {
    for (const { key, data } of items) await this._put(key, data, false);
  }

  async delete(key) {
    await this._call(this._name(key), 'DELETE', `/${encodePath(this._key(key))}`, {
      handle: (r) => (r.status === 204 || r.status === 200 || (r.status === 404 && r.code === 'NoSuchKey') ? true : undefined),
    });
  }
}

// Reads a response body up to `cap` bytes (more: TOO_LARGE); a connection that
// ends before the body does (reset, stall, short body) rejects -> retried by _call.
function readAll(res, cap) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let n = 0, settled = false;
    const fail = (e) => { if (!settled) { settled = true; reject(e); } };
    res.on('data', (d) => {
      if (settled) return;
      n += d.length;
      if (cap !== undefined && n > cap) { fail(new StorageError('TOO_LARGE', `answer larger than ${cap} bytes`)); res.destroy(); return; }
      parts.push(d);
    });
    res.on('end', () => { if (!settled) { settled = true; resolve(Buffer.concat(parts, n)); } });
    res.on('error', fail);
    res.on('close', () => { if (!res.complete) fail(Object.assign(new Error('connection closed before the end of the answer'), { code: 'ECONNRESET' })); });
  });
}

function networkWhy(e) {
  if (e instanceof StallError) return `timed out (${e.message})`;
  return `connection failed (${e.code ? `${e.code}: ` : ''}${e.message})`;
}
