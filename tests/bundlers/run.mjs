// Bundler tests (`node tests/bundlers/run.mjs [name...]`): the *packed*
// tarball (js/pack.mjs, as `npm run pack` makes it) installed into a fresh project per bundler, built the way the
// docs/npm.md "Bundlers" recipes say (no config for Vite, webpack, Parcel;
// esbuild and Rollup with the worker as a second entry and the .wasm files
// copied next to the bundle), served from 127.0.0.1 with and without
// COOP/COEP and run in headless Chromium (tests/browser/harness.mjs). The
// page (app/index.js) chunks, hashes and round-trips zstd on the main thread
// and in the worker client; this runner checks the results against the
// fastcdc-rs vectors, node:crypto SHA-256, b3sum and the zstd program, and
// fails on any console error.
//
// Bundlers' node_modules are cached in $CHUNKER_CACHE/bundlers/<name>-<versions>
// (pinned below) and hard-linked into each project, so a rerun installs only
// the tarball.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pack } from '../../js/pack.mjs';
import { launch, serve } from '../browser/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const APP = path.join(ROOT, 'tests/bundlers/app');
const CACHE = path.join(process.env.CHUNKER_CACHE || path.join(os.homedir(), '.cache/chunker'), 'bundlers');
const VITE = { vite: '8.4.1' };
const BUNDLERS = {
  'vite-build': { deps: VITE, layout: 'vite', build: [['vite', ['build', '--logLevel', 'warn']]], out: 'dist' },
  'vite-dev': { deps: VITE, layout: 'vite', dev: true },
  webpack: { deps: { webpack: '5.113.0', 'webpack-cli': '7.3.1' }, layout: 'src', build: [['webpack', ['--mode', 'production', '--no-stats']]], out: 'dist', html: 'main.js' },
  parcel: { deps: { parcel: '2.16.4' }, layout: 'src', build: [['parcel', ['build', 'src/index.html', '--no-cache', '--log-level', 'warn']]], out: 'dist' },
  esbuild: {
    deps: { esbuild: '0.28.2' }, layout: 'src', out: 'out', html: 'index.js', copyWasm: true,
    build: [['esbuild', ['src/index.js', 'node_modules/chunker-wasm/dist/esm/worker.browser.js', '--bundle', '--format=esm', '--outdir=out', '--entry-names=[name]', '--log-level=warning']]],
  },
  rollup: {
    deps: { rollup: '4.69.3', '@rollup/plugin-node-resolve': '16.0.3' }, layout: 'src', out: 'out', html: 'index.js', copyWasm: true,
    build: [['rollup', ['-i', 'src/index.js', '-i', 'node_modules/chunker-wasm/dist/esm/worker.browser.js', '-d', 'out', '-f', 'es',
      '-p', 'node-resolve', '--silent']]],
  },
};

const sh = (cmd, args, cwd, env) => execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });

// node_modules with the bundler, installed once per pinned version set.
function bundlerModules(name, deps) {
  const key = Object.entries(deps).map(([k, v]) => `${k.replace(/[@/]/g, '_')}-${v}`).join('+');
  const dir = path.join(CACHE, key);
  if (!fs.existsSync(path.join(dir, 'ok'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, devDependencies: deps }));
    console.log(`${name}: installing ${key} into the cache`);
    sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir);
    fs.writeFileSync(path.join(dir, 'ok'), '');
  }
  return dir;
}

function makeProject(name, cfg, tarball, fixtures) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `chunker-${name}-`));
  const cached = bundlerModules(name, cfg.deps);
  // Hard links: the cached tree costs no copy and no download.
  sh('cp', ['-al', path.join(cached, 'node_modules'), path.join(dir, 'node_modules')]);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: `app-${name}`, private: true, type: 'module', dependencies: { 'chunker-wasm': `file:${tarball}` }, devDependencies: cfg.deps,
  }, null, 2));
  fs.copyFileSync(path.join(cached, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  fs.mkdirSync(path.join(dir, 'src'));
  fs.copyFileSync(path.join(APP, 'index.js'), path.join(dir, 'src/index.js'));
  const html = fs.readFileSync(path.join(APP, 'index.html'), 'utf8');
  if (cfg.layout === 'vite') fs.writeFileSync(path.join(dir, 'index.html'), html.replace('./index.js', '/src/index.js'));
  else fs.writeFileSync(path.join(dir, 'src/index.html'), html);
  // Vite serves public/ as is (dev and build); the other projects get it from the runner's server.
  fs.mkdirSync(path.join(dir, 'public'));
  fs.cpSync(fixtures, path.join(dir, 'public/fixtures'), { recursive: true });
  return dir;
}

function build(dir, cfg) {
  for (const [bin, args] of cfg.build) {
    const r = spawnSync(path.join(dir, 'node_modules/.bin', bin), args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`.slice(0, 4000));
    const warn = `${r.stdout}${r.stderr}`.trim();
    if (warn) console.log(`  ${bin} said: ${warn.split('\n').slice(0, 6).join('\n  ')}`);
  }
  const out = path.join(dir, cfg.out);
  if (cfg.copyWasm) {   // the documented copy step
    const web = path.join(dir, 'node_modules/chunker-wasm/dist/web');
    for (const f of fs.readdirSync(web).filter((x) => x.endsWith('.wasm'))) fs.copyFileSync(path.join(web, f), path.join(out, f));
  }
  if (cfg.html) {
    const worker = cfg.copyWasm ? '<script>window.WORKER_URL = new URL("./worker.browser.js", location.href).href;</script>' : '';
    fs.writeFileSync(path.join(out, 'index.html'), fs.readFileSync(path.join(APP, 'index.html'), 'utf8')
      .replace('<body>', `<body>${worker}`).replace('./index.js', `./${cfg.html}`));
  }
  return out;
}

async function runPage(ctx, url) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(url);
  let result;
  try {
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 90000 });
    result = await page.evaluate(() => window.__result);
  } catch (e) {
    result = { error: `page did not finish: ${e.message}` };
  }
  await page.close();
  return { result, errors };
}

function makeFixtures() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-bundler-fixtures-'));
  const data = fs.readFileSync(path.join(ROOT, 'tests/data/SekienAkashita.jpg'));
  fs.writeFileSync(path.join(dir, 'data.jpg'), data);
  fs.writeFileSync(path.join(dir, 'data.jpg.zst'), execFileSync('zstd', ['-q', '-c', '-19'], { input: data }));
  const vectors = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/data/fastcdc_vectors.json'), 'utf8'));
  const v = vectors.cases.find((c) => c.min === 4096 && c.avg === 16384 && c.max === 65535 && c.level === 1 && c.seed === '0');
  let off = 0;
  const chunks = v.chunks.map(([fp, len]) => {
    const h = crypto.createHash('sha256').update(data.subarray(off, off + len)).digest('hex');
    off += len;
    return [fp, len, h];
  });
  const b3 = execFileSync('b3sum', ['--no-names', path.join(dir, 'data.jpg')], { encoding: 'utf8' }).trim();
  return { dir, data, chunks, b3 };
}

function check(r, ref, isolated) {
  const bad = [];
  if (r.error) return [`page error: ${r.error} (${r.code})`];
  const want = isolated ? 'threads' : 'single';
  if (r.isolated !== isolated) bad.push(`crossOriginIsolated ${r.isolated}`);
  if (r.variant !== want) bad.push(`variant ${r.variant}, want ${want}`);
  if (r.workerVariant !== want) bad.push(`worker variant ${r.workerVariant}, want ${want}`);
  if (JSON.stringify(r.chunks) !== JSON.stringify(ref.chunks)) bad.push('chunks differ from the fastcdc-rs vectors / node:crypto SHA-256');
  if (JSON.stringify(r.wchunks) !== JSON.stringify(ref.chunks)) bad.push('worker chunks differ from the fastcdc-rs vectors');
  if (r.blake3 !== ref.b3) bad.push(`blake3 ${r.blake3} != b3sum ${ref.b3}`);
  for (const k of ['fromCli', 'back', 'workerBack']) if (r[k] !== ref.b3) bad.push(`${k}: decompressed data differs`);
  const z = Buffer.from(r.zstd || '', 'base64');
  const un = spawnSync('zstd', ['-d', '-q', '-c'], { input: z, maxBuffer: 1 << 26 });
  if (un.status !== 0 || Buffer.compare(un.stdout, ref.data) !== 0) bad.push('zstd -d of the page\'s frame differs from the input');
  return bad;
}

async function main() {
  for (const tool of ['zstd', 'b3sum']) {
    if (spawnSync(tool, ['--version']).status !== 0) throw new Error(`${tool} is needed (scripts/apt-packages.txt)`);
  }
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BUNDLERS);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-bundlers-'));
  const packed = pack({ destination: tmp });
  const tarball = path.join(tmp, packed.filename);
  const ref = makeFixtures();
  const browser = await launch();
  let failed = 0;
  try {
    for (const name of names) {
      const cfg = BUNDLERS[name];
      if (!cfg) throw new Error(`unknown bundler ${name} (${Object.keys(BUNDLERS).join(', ')})`);
      const t0 = Date.now();
      let dir;
      try {
        dir = makeProject(name, cfg, tarball, ref.dir);
        let stop, base;
        if (cfg.dev) {
          const { createServer } = await import(pathToFileURL(path.join(dir, 'node_modules/vite/dist/node/index.js')).href);
          stop = async () => {};
          for (const isolated of [false, true]) {
            // No project config: only the headers a host sets for isolation.
            const server = await createServer({
              root: dir, configFile: false, logLevel: 'error', clearScreen: false,
              server: { host: '127.0.0.1', port: 0, headers: isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {} },
            });
            await server.listen();
            base = server.resolvedUrls.local[0].replace(/\/$/, '');
            const { result, errors } = await runPage(browser.ctx, `${base}/index.html`);
            await server.close();
            failed += report(name, isolated, [...check(result, ref, isolated), ...errors]);
          }
        } else {
          const out = build(dir, cfg);
          for (const isolated of [false, true]) {
            const srv = await serve({ '/fixtures/': ref.dir, '/': out }, { isolated });
            const { result, errors } = await runPage(browser.ctx, `${srv.url}/index.html`);
            await srv.close();
            failed += report(name, isolated, [...check(result, ref, isolated), ...errors]);
          }
        }
        void stop;
      } catch (e) {
        console.log(`FAIL ${name}: ${e.message}`);
        failed++;
      } finally {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
      console.log(`  ${name}: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }
  } finally {
    await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(ref.dir, { recursive: true, force: true });
  }
  console.log(`bundlers: ${failed ? `${failed} failed` : 'all passed'}`);
  return failed;
}

function report(name, isolated, bad) {
  const what = `${name}, ${isolated ? 'cross-origin isolated' : 'not isolated'}`;
  if (!bad.length) { console.log(`ok   ${what}`); return 0; }
  console.log(`FAIL ${what}:\n  ${bad.slice(0, 12).join('\n  ')}`);
  return 1;
}

process.exitCode = await main() ? 1 : 0;
