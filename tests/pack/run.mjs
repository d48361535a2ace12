// Pack-and-install test (`npm run test:pack`): `npm run pack` (js/pack.mjs: a
// staged copy with the package README), install the tarball into an empty
// directory, then use it the way a consumer would:
//   Node ESM (import), Node CJS (require), and a plain HTML page with
//   <script type="module"> + an import map, no bundler, in Chromium with and
//   without COOP/COEP.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MISSING_REPOSITORY, PACKAGE_README, pack } from '../../js/pack.mjs';
import { launch, runPage, serve } from '../browser/harness.mjs';
import { readmeLinkProblems } from './readme-links.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-pack-'));
const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
let passed = 0, failed = 0;
const report = (name, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  if (ok) passed++; else failed++;
};

try {
  const packed = pack({ destination: tmp });
  const tarball = path.join(tmp, packed.filename);
  const files = packed.files.map((f) => f.path);
  console.log(`packed ${packed.filename}: ${files.length} files, ${packed.size} bytes`);
  // The README npm shows is the package's own, and every link in it works
  // from the tarball: relative targets are files in it, #anchors are its headings.
  const unpacked = path.join(tmp, 'unpacked');
  fs.mkdirSync(unpacked);
  sh('tar', ['-xzf', tarball, '-C', unpacked]);
  const readme = fs.readFileSync(path.join(unpacked, 'package/README.md'), 'utf8');
  report('tarball README is the package README (js/README.md), not the repository one',
    readme === fs.readFileSync(PACKAGE_README, 'utf8') && readme !== fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  const linkProblems = readmeLinkProblems(readme, files);
  report('the link checker catches a missing file, a wrong anchor and plain http',
    readmeLinkProblems('[a](docs/npm.md) [b](#nope) [c](http://example.com)\n# Yes\n[d](#yes) [e](LICENSE)', files).length === 3);
  report('tarball README: relative links resolve inside the tarball, anchors name headings, the rest are absolute',
    linkProblems.length === 0, linkProblems.join('; '));
  report('plain `npm pack` at the root is refused (it would ship the repository README)',
    spawnSync('npm', ['pack', '--dry-run', '--loglevel=silent'], { cwd: ROOT, encoding: 'utf8' }).status !== 0);
  const pkg = JSON.parse(fs.readFileSync(path.join(unpacked, 'package/package.json'), 'utf8'));
  report('packed package.json has no scripts or devDependencies', !pkg.scripts && !pkg.devDependencies);
  report('packed package.json has keywords', Array.isArray(pkg.keywords) && pkg.keywords.includes('fastcdc') && pkg.keywords.includes('wasm'));

  // Repository metadata, as a release packs it: CHUNKER_REPOSITORY_URL (an
  // scp-style remote here, normalised to https) through the CLI.
  const withRepo = path.join(tmp, 'with-repo');
  fs.mkdirSync(withRepo);
  const repoEnv = { ...process.env, CHUNKER_REPOSITORY_URL: 'git@git.example.org:chunker/chunker.git' };
  const rec = JSON.parse(execFileSync('node', [path.join(ROOT, 'js/pack.mjs'), '--json', '--pack-destination', withRepo],
    { cwd: ROOT, encoding: 'utf8', env: repoEnv, stdio: ['ignore', 'pipe', 'inherit'] }));
  sh('tar', ['-xzf', path.join(withRepo, rec.filename), '-C', withRepo]);
  const rpkg = JSON.parse(fs.readFileSync(path.join(withRepo, 'package/package.json'), 'utf8'));
  report('CHUNKER_REPOSITORY_URL set: packed package.json has repository, homepage, bugs (https) and is publishable',
    rpkg.repository?.type === 'git' && rpkg.repository?.url === 'git+https://git.example.org/chunker/chunker.git' &&
    rpkg.homepage === 'https://git.example.org/chunker/chunker#readme' && rpkg.bugs?.url === 'https://git.example.org/chunker/chunker/issues' &&
    !rpkg.private, JSON.stringify({ repository: rpkg.repository, homepage: rpkg.homepage, bugs: rpkg.bugs, private: rpkg.private }));
  // A registry page resolves the README's relative links against the
  // repository (<repo>/blob/HEAD/<path>), not the tarball: with repository
  // set, each must also be a file the repository has at the package root.
  const tracked = sh('git', ['ls-files'], ROOT).split('\n').filter(Boolean);
  const rreadme = fs.readFileSync(path.join(withRepo, 'package/README.md'), 'utf8');
  const repoProblems = [...readmeLinkProblems(rreadme, rec.files.map((f) => f.path)), ...readmeLinkProblems(rreadme, tracked)];
  report('with repository set: README links resolve in the tarball and in the repository', repoProblems.length === 0, repoProblems.join('; '));
  // Without an address: packed for local use, but npm will not publish it,
  // and the release command stops with the reason.
  report('no repository address: packed package.json is marked private (npm refuses to publish it)',
    pkg.private === true || (pkg.repository && pkg.homepage && pkg.bugs), JSON.stringify({ private: pkg.private, repository: pkg.repository }));
  const rel = spawnSync('node', [path.join(ROOT, 'js/pack.mjs'), '--publish', '--dry-run'],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHUNKER_REPOSITORY_URL: '' } });
  report('`npm run release` without a repository address refuses with the reason', rel.status === 1 && rel.stderr.includes(MISSING_REPOSITORY),
    `status ${rel.status}: ${rel.stderr.trim().split('\n')[0]}`);
  report('tarball holds only dist/ and package metadata',
    files.every((f) => /^(dist\/|package\.json$|README|LICENSE)/.test(f)), files.filter((f) => !f.startsWith('dist/')).join(' '));
  report('tarball has both variants of both modules, each .wasm once',
    ['core-mt', 'core-st', 'codecs-mt', 'codecs-st'].every((m) => files.includes(`dist/web/${m}.wasm`) && files.includes(`dist/node/${m}.js`)) &&
    files.filter((f) => f.endsWith('.wasm')).length === 4, files.filter((f) => f.endsWith('.wasm')).join(' '));
  report('tarball has LICENSE, third-party notices, both type files and the worker export',
    ['LICENSE', 'dist/THIRD_PARTY_NOTICES.md', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/esm/worker.browser.js'].every((f) => files.includes(f)));

  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}\n');
  sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app);

  // The same checks from ESM and CJS, against node:crypto and a round-trip.
  const body = (C) => `
    const crypto = require('node:crypto');
    const data = Buffer.alloc(3 << 20); for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const info = await ${C}.ready;
    const chunks = ${C}.chunk(data, { avg: 65536, hash: 'sha256' });
    let off = 0;
    for (const c of chunks) {
      if (c.offset !== off) throw new Error('offsets');
      if (c.hash !== crypto.createHash('sha256').update(data.subarray(off, off + c.length)).digest('hex')) throw new Error('chunk hash');
      off += c.length;
    }
    if (off !== data.length || typeof chunks[0].fingerprint !== 'bigint') throw new Error('chunk cover');
    const b3 = Buffer.from(${C}.blake3(new Uint8Array(0))).toString('hex');
    if (b3 !== 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262') throw new Error('blake3 ' + b3);
    if (Buffer.from(${C}.sha256(data, { backend: 'wasm' })).toString('hex') !== crypto.createHash('sha256').update(data).digest('hex')) throw new Error('sha256');
    if (${C}.nixBase32.encode(crypto.createHash('sha256').update('').digest()) !== '0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73') throw new Error('nix32');
    for (const codec of ['zstd', 'lz4', 'xz', 'bzip2']) {
      const z = await ${C}.compress(data, { codec });
      if (Buffer.compare(Buffer.from(await ${C}.decompress(z)), data) !== 0) throw new Error(codec);
    }
    const w = ${C}.createWorkerClient();
    const wc = await w.chunk(data, { avg: 65536, hash: 'sha256' });
    w.terminate();
    if (wc.length !== chunks.length || wc.some((c, i) => c.hash !== chunks[i].hash)) throw new Error('worker client');
    console.log('OK ' + info.variant);`;
  fs.writeFileSync(path.join(app, 'esm.mjs'),
    `import * as C from 'chunker-wasm';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${body('C')}\n`);
  fs.writeFileSync(path.join(app, 'cjs.cjs'),
    `const C = require('chunker-wasm');\n(async () => {${body('C')}\n})().catch((e) => { console.error(e); process.exit(1); });\n`);
  for (const [name, file] of [['Node ESM import', 'esm.mjs'], ['Node CJS require', 'cjs.cjs']]) {
    for (const variant of ['threads', 'single']) {
      let out = '';
      try {
        out = execFileSync('node', [file], {
          cwd: app, encoding: 'utf8', timeout: 120000, env: { ...process.env, CHUNKER_WASM_VARIANT: variant },
        }).trim();
      } catch (e) { out = String(e.stderr || e.message); }
      report(`${name} (${variant}) runs and exits by itself`, out === `OK ${variant}`, out.split('\n').slice(-3).join(' | '));
    }
  }

  // A plain page, no bundler: an import map names the package.
  fs.writeFileSync(path.join(app, 'index.html'), `<!doctype html><meta charset="utf-8">
<script type="importmap">{"imports":{"chunker-wasm":"./node_modules/chunker-wasm/dist/esm/index.browser.js"}}</script>
<script type="module">
  import { ready, chunk, blake3, sha256, compress, decompress, nixBase32, createWorkerClient } from 'chunker-wasm';
  const r = { passed: 0, failed: 0, failures: [] };
  try {
    const info = await ready;
    const want = new URLSearchParams(location.search).get('expect');
    if (info.variant !== want) throw new Error('variant ' + info.variant);
    const data = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
    const cs = chunk(data, { avg: 16384, hash: 'sha256' });
    const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');
    const sub = async (b) => hex(new Uint8Array(await crypto.subtle.digest('SHA-256', b)));
    if (cs[0].hash !== await sub(data.subarray(0, cs[0].length))) throw new Error('chunk hash');
    if (hex(sha256(data)) !== await sub(data)) throw new Error('sha256');
    if (hex(blake3(new Uint8Array(0))) !== 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262') throw new Error('blake3');
    if (nixBase32.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(0)))) !== '0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73') throw new Error('nix32');
    const back = await decompress(await compress(data, { codec: 'zstd' }));
    if (hex(back) !== hex(data)) throw new Error('zstd round-trip');
    const w = createWorkerClient();
    const wc = await w.chunk(new Blob([data]), { avg: 16384, hash: 'sha256' });
    w.terminate();
    if (wc.length !== cs.length || wc.some((c, i) => c.hash !== cs[i].hash)) throw new Error('worker client');
    r.passed = 1;
  } catch (e) { r.failed = 1; r.failures.push(String(e.stack || e)); }
  window.__result = r;
</script>`);
  const browser = await launch();
  try {
    for (const [isolated, expect] of [[true, 'threads'], [false, 'single']]) {
      const srv = await serve({ '/': app }, { isolated });
      const r = await runPage(browser.ctx, `${srv.url}/index.html?expect=${expect}`);
      await srv.close();
      report(`plain HTML page, ${isolated ? 'COOP/COEP' : 'no isolation'} -> ${expect}`, r.failed === 0,
        [...r.failures, ...(r.logs || [])].join(' | '));
    }
  } finally {
    await browser.close();
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`pack: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
