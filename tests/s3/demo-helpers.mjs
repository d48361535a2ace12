// Shared by the demo-on-S3 tests (tests/s3/demo-s3.test.js, tests/browser/demo-s3.mjs):
// the RGW from scripts/s3/rgw.sh (its exported variables), fresh store
// prefixes, demo servers as separate processes, the native CLI, and a
// verification of an S3 store that does not depend on the JS code under test
// for its judgement: the objects are copied to a directory and checked by
// `chunker store verify` / `get` (the native implementation of the format).
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Backend } from '../../examples/upload-dedup/storage-s3.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER = path.join(ROOT, 'examples/upload-dedup/server.mjs');
export const CLI = process.env.CHUNKER_CLI || path.join(ROOT, 'build/native/chunker');
export const requireTools = process.env.CI === 'true' || process.env.CHUNKER_REQUIRE_TOOLS === '1';

export const S3 = {
  endpoint: process.env.CHUNKER_S3_ENDPOINT,
  bucket: process.env.CHUNKER_S3_BUCKET,
  accessKeyId: process.env.AWS_ACCESS_KEY_ID,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
};
export const haveS3 = Boolean(S3.endpoint && S3.bucket && S3.accessKeyId && S3.secretAccessKey);
export const NO_S3 = 'no S3 endpoint: run under `eval "$(bash scripts/s3/rgw.sh start)"` (CHUNKER_S3_ENDPOINT, CHUNKER_S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)';

// A store URL under a prefix of its own (one per test), optionally through another endpoint (a proxy).
export function s3Url(label, { endpoint = S3.endpoint, prefix } = {}) {
  const p = prefix || `${label}-${crypto.randomBytes(4).toString('hex')}`;
  return `s3://${S3.bucket}/${p}?endpoint=${endpoint}&region=us-east-1`;
}
export const withEndpoint = (url, endpoint) => url.replace(/endpoint=[^&]*/, `endpoint=${endpoint}`);

export const b3sum = (input) => execFileSync('b3sum', ['--no-names'], { input, maxBuffer: 1 << 30 }).toString().trim();
export const b3sumFile = (file) => execFileSync('b3sum', ['--no-names', file]).toString().trim();

// Deterministic test data: xorshift bytes with text runs (zstd has something to do).
export function makeData(n, seed = 1) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = (i >> 10) % 3 === 0 ? 'chunk store demo on S3 '.charCodeAt(i % 23) : x & 255;
  }
  return out;
}

// A demo server as its own process (`node server.mjs`, as a user runs it) on a free port.
// -> { base, proc, stdout(), stderr(), kill9(), stop() }
function spawnServer(storeUrl, env) {
  const proc = spawn(process.execPath, [SERVER], {
    env: { ...process.env, STORE_URL: storeUrl, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const io = { proc, out: '', err: '' };
  proc.stdout.on('data', (d) => { io.out += d; });
  proc.stderr.on('data', (d) => { io.err += d; });
  return io;
}

export async function startServerProcess(storeUrl, env = {}) {
  const io = spawnServer(storeUrl, env), { proc } = io;
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const base = await new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /open (http:\/\/127\.0\.0\.1:\d+)\//.exec(io.out);
      if (m) { clearInterval(poll); resolve(m[1]); }
    }, 20);
    exited.then(({ code, signal }) => { clearInterval(poll); reject(new Error(`server exited (${code ?? signal}) before listening: ${io.err.trim()}`)); });
  });
  return {
    base, proc, exited,
    stdout: () => io.out,
    stderr: () => io.err,
    async kill9() { proc.kill('SIGKILL'); return exited; },
    async stop() { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); return exited; },
  };
}

// Runs the server with a STORE_URL it must refuse: -> { code, stderr } (the process must exit by itself).
export function serverStartError(storeUrl, env = {}) {
  const io = spawnServer(storeUrl, env);
  return new Promise((resolve) => io.proc.on('exit', (code) => resolve({ code, stdout: io.out, stderr: io.err })));
}

export const backendFor = (url, opts) => S3Backend.fromUrl(url, opts);

// Copies every object of the store at `url` into `dir` (the local layout is the same keys).
export async function mirror(url, dir) {
  const b = backendFor(url);
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  const keys = ['store.json'];
  for (const top of ['packs', 'index', 'manifests', 'leases', 'gc']) {
    fs.mkdirSync(path.join(dir, top), { recursive: true });
    for (const { key } of await b.list(top)) keys.push(key);
  }
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  for (const key of keys) {
    const data = await b.read(key, 2 ** 31);
    if (data === null) throw new Error(`mirror: ${key} listed but gone`);
    fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    fs.writeFileSync(path.join(dir, key), data);
    n++;
  }
  return n;
}

export const cli = (args, opts = {}) => execFileSync(CLI, args, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
export function cliResult(args) {
  try { return { code: 0, stdout: cli(args).toString(), stderr: '' }; } catch (e) {
    return { code: e.status ?? -1, stdout: String(e.stdout || ''), stderr: String(e.stderr || e.message) };
  }
}

// Does the native CLI have a v2 `store` (local)? And does it take s3:// URLs? -> { local, s3, why }
export function cliSupport() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-probe-'));
  const out = { local: false, s3: false, why: '' };
  try {
    if (!fs.existsSync(CLI)) { out.why = `no native CLI at ${CLI} (build it: cmake --build --preset release --target chunker_cli, or set CHUNKER_CLI)`; return out; }
    const r = cliResult(['store', 'init', path.join(d, 's')]);
    out.local = r.code === 0 && JSON.parse(fs.readFileSync(path.join(d, 's', 'store.json'), 'utf8')).version === 2;
    if (!out.local) { out.why = `${CLI} has no 'store' writing format v2`; return out; }
    if (!haveS3) { out.why = NO_S3; return out; }
    const r3 = cliResult(['store', 'init', s3Url('cli-probe')]);
    out.s3 = r3.code === 0;
    if (!out.s3) out.why = `\`${path.basename(CLI)} store init s3://…\` failed (exit ${r3.code}): ${r3.stderr.trim().split('\n')[0]} — the native CLI does not support S3 stores yet`;
    return out;
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}

// The store at `url` judged by the native implementation: its objects copied
// to a directory, `chunker store verify` there, and every listed file restored
// by `chunker store get` and compared with `expect[name]` (a listed file not
// in `expect` is an error). With s3: true the CLI also verifies the URL itself.
// -> { objects, files: [names], verify: output }
export async function verifyNative(url, expect = {}, { s3 = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-mirror-'));
  try {
    const objects = await mirror(url, dir);
    const v = cliResult(['store', 'verify', dir]);
    if (v.code !== 0) throw new Error(`chunker store verify (copy of ${url}) exit ${v.code}: ${v.stdout}${v.stderr}`);
    if (s3) {
      const sv = cliResult(['store', 'verify', url]);
      if (sv.code !== 0) throw new Error(`chunker store verify ${url} exit ${sv.code}: ${sv.stdout}${sv.stderr}`);
    }
    const files = JSON.parse(cli(['store', 'ls', '--json', dir]).toString()).map((f) => f.name).sort();
    for (const name of files) {
      if (!(name in expect)) throw new Error(`${url}: lists '${name}', which no test stored`);
      if (!cli(['store', 'get', dir, name]).equals(expect[name])) throw new Error(`${url}: '${name}' restores to other bytes`);
    }
    return { objects, files, verify: v.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
