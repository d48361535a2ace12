// Emscripten build of our C++ for the npm package (`npm run build:wasm`).
//
// Two modules x two variants x two loaders:
//   core   = fastcdc + hash + encoding (+ pipeline)        -> small, loaded by `ready`
//   codecs = codec + nix + the wasm deps (zstd, lz4, ...)   -> loaded on first use
//   mt = -pthread (threads variant), st = no threads (single variant)
//   dist/node/*.js   CommonJS, ENVIRONMENT=node (nested package.json marks it commonjs)
//   dist/web/*.mjs   EXPORT_ES6, ENVIRONMENT=web,worker
// Each .wasm is shipped once, in dist/web: the Node loaders read it from there
// (wasm/js/pre-node.js), so the node link's own .wasm is dropped.
// The threads variant's web loader is rewritten so bundlers can carry it
// (webPthreadLoader below).
// Objects are compiled once per variant (incrementally) and linked 8 times.
//
// Env: CHUNKER_WASM_DEPS=<dir> skips wasm/deps/build-deps.sh; JOBS (default 2).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JOBS = Number(process.env.JOBS || 2);
const BUILD = path.join(ROOT, 'build', 'wasm');
const DIST = path.join(ROOT, 'dist');
const env = { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' };

const rel = (p) => path.relative(ROOT, p);
const glob = (dir, re) => {
  const d = path.join(ROOT, dir);
  if (!fs.existsSync(d)) return [];
  return fs.readdirSync(d).filter((f) => re.test(f)).sort().map((f) => path.join(d, f));
};
// ISA files: only *_simd128 (and files without an ISA suffix) are for wasm.
const isaOk = (f) => !/_(sse41|avx2|avx512|shani|neon|armv8)\.cpp$/.test(f);

function sources(group) {
  const dirs = group === 'core'
    ? ['core/src/common', 'core/src/fastcdc', 'core/src/hash', 'core/src/encoding', 'core/src/pipeline']
    : ['core/src/codec', 'core/src/nix'];
  return dirs.flatMap((d) => glob(d, /\.cpp$/)).filter(isaOk);
}

function depsDir() {
  if (process.env.CHUNKER_WASM_DEPS) return process.env.CHUNKER_WASM_DEPS;
  const out = execFileSync('bash', [path.join(ROOT, 'wasm/deps/build-deps.sh')], {
    env, stdio: ['ignore', 'pipe', 'inherit'],
  }).toString().trim().split('\n');
  return out[out.length - 1];
}

// Up to date when the object is newer than its source and every header its
// last compile read (the -MMD dependency file next to it).
function upToDate(src, obj) {
  const dep = obj.replace(/\.o$/, '.d');
  if (!fs.existsSync(obj) || !fs.existsSync(dep)) return false;
  const t = fs.statSync(obj).mtimeMs;
  const files = fs.readFileSync(dep, 'utf8').replace(/\\\n/g, ' ').split(/:\s/).slice(1).join(' ')
    .split(/\s+/).filter(Boolean);
  return [src, ...files].every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs < t);
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: 'inherit' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (${code}): ${args.join(' ')}`))));
  });
}

async function pool(tasks, n) {
  let i = 0;
  const worker = async () => { while (i < tasks.length) await tasks[i++](); };
  await Promise.all(Array.from({ length: n }, worker));
}

const VARIANTS = {
  mt: ['-O3', '-msimd128', '-pthread'],
  st: ['-O3', '-msimd128'],
};

// libsodium's JS randombytes falls back to require("crypto") when Web Crypto
// is missing; in a web loader that makes webpack 5 fail to resolve "crypto".
// Browsers and workers always have Web Crypto, so the fallback just fails.
function webNoNode(file) {
  const s = fs.readFileSync(file, 'utf8').replace(/require\((["'])crypto\1\)/g,
    '(function(){throw new Error("no Web Crypto")})()');
  if (/\brequire\(/.test(s)) throw new Error(`${rel(file)}: a web loader still calls require()`);
  fs.writeFileSync(file, s);
}

// Bundlers cannot carry Emscripten 3.1.6's pthread worker: it is a classic
// script that import()s the loader again by a computed path. So the threads
// web loader gets its pthread worker as source text instead: worker.js with
// a classic-script copy of the loader in front (no import.meta, no export),
// started from a blob: URL. The worker never fetches anything (the main
// thread posts it the compiled module and the memory), so bundlers only have
// to handle the main loader's literal `new URL('x.wasm', import.meta.url)`.
function webPthreadLoader(file, name) {
  const workerFile = file.replace(/\.mjs$/, '.worker.js');
  let loader = fs.readFileSync(file, 'utf8');
  let worker = fs.readFileSync(workerFile, 'utf8');
  const factory = `create_${name.replace('-', '_')}`;
  const importLoader = /\(e\.data\.urlOrBlob\s*\?\s*import\(e\.data\.urlOrBlob\)\s*:\s*import\([^)]*\)\)\.then\(function\s*\((\w+)\)\s*\{\s*return\s+\1\.default\(Module\)/;
  if (!importLoader.test(worker)) throw new Error(`${rel(workerFile)}: unexpected pthread worker shape`);
  worker = worker.replace(importLoader, `Promise.resolve().then(function(){return ${factory}(Module)`);
  const classic = loader.replace(/export default \w+;\s*$/, '')
    // The copy only runs as a pthread (wasm module and memory come by message);
    // the URL just has to parse.
    .replace(/import\.meta\.url/g, '"https://chunker-wasm.invalid/"');
  if (/import\.meta|^\s*export\s/m.test(classic)) throw new Error(`${rel(file)}: loader copy still has module syntax`);
  const spawn = /new Worker\(new URL\((["'])[^"']*\.worker\.js\1,\s*import\.meta\.url\)\)/;
  if (!spawn.test(loader)) throw new Error(`${rel(file)}: pthread worker creation not found`);
  loader = loader.replace(spawn, 'new Worker(chunkerPthreadUrl())')
    .replace(/new Worker\(pthreadMainJs\)/g, 'new Worker(chunkerPthreadUrl())') +
    `\n// The pthread worker script (see wasm/build.mjs webPthreadLoader).\n` +
    `var chunkerPthreadSrc = ${JSON.stringify(`${classic}\n${worker}`)};\n` +
    `var chunkerPthreadBlobUrl;\n` +
    `function chunkerPthreadUrl() {\n` +
    `  if (!chunkerPthreadBlobUrl) chunkerPthreadBlobUrl = URL.createObjectURL(new Blob([chunkerPthreadSrc], { type: 'text/javascript' }));\n` +
    `  return chunkerPthreadBlobUrl;\n}\n`;
  fs.writeFileSync(file, loader);
  fs.rmSync(workerFile);
}

async function main() {
  const deps = depsDir();
  console.log(`wasm deps: ${deps}`);
  const t0 = Date.now();
  const objs = { mt: { core: [], codecs: [] }, st: { core: [], codecs: [] } };
  const compiles = [];
  for (const [v, vflags] of Object.entries(VARIANTS)) {
    for (const group of ['core', 'codecs']) {
      const binds = group === 'core' ? /^bind_core.*\.cpp$/ : /^bind_(codecs|nix|nar).*\.cpp$/;
      const srcs = [...sources(group), ...glob('wasm', binds)];
      for (const src of srcs) {
        const obj = path.join(BUILD, v, 'obj', rel(src).replace(/[\\/]/g, '_').replace(/\.cpp$/, '.o'));
        objs[v][group].push(obj);
        if (upToDate(src, obj)) continue;
        const flags = [...vflags, '-std=c++20', '-Wall', '-Wextra',
          `-I${ROOT}/core/include`, `-I${ROOT}/core/src`, `-I${deps}/${v}/include`];
        if (group === 'codecs') flags.push('-DCHUNKER_HAVE_CODECS=1', '-DCHUNKER_HAVE_NIX=1');
        compiles.push(async () => {
          fs.mkdirSync(path.dirname(obj), { recursive: true });
          console.log(`em++ [${v}] ${rel(src)}`);
          await run('em++', [...flags, '-MMD', '-MF', obj.replace(/\.o$/, '.d'), '-c', src, '-o', obj]);
        });
      }
    }
  }
  await pool(compiles, JOBS);
  console.log(`compiled ${compiles.length} objects in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  fs.mkdirSync(path.join(DIST, 'node'), { recursive: true });
  fs.mkdirSync(path.join(DIST, 'web'), { recursive: true });
  // Our package is "type": "module"; the Emscripten loaders and their
  // .worker.js are CommonJS, so mark that folder as such for Node.
  fs.writeFileSync(path.join(DIST, 'node', 'package.json'), '{"type":"commonjs"}\n');

  const links = [];
  for (const [v, vflags] of Object.entries(VARIANTS)) {
    for (const group of ['core', 'codecs']) {
      if (group === 'codecs' && objs[v].codecs.length === 0) continue;
      // The codecs module also needs the core code it calls (sha256, encodings).
      const inputs = group === 'core' ? objs[v].core
        : [...objs[v].codecs, ...objs[v].core.filter((o) => !/wasm_bind_core/.test(o))];
      const libs = group === 'core' ? []
        : [`-L${deps}/${v}/lib`, '-lzstd', '-llz4', '-llzma', '-lbz2', '-lsodium'];
      const name = `${group}-${v}`;
      const common = [...vflags, ...inputs, ...libs, '--bind',
        '-sMODULARIZE=1', `-sEXPORT_NAME=create_${group}_${v}`,
        '-sALLOW_MEMORY_GROWTH=1', '-sMAXIMUM_MEMORY=2GB',
        `-sINITIAL_MEMORY=${group === 'core' ? '32MB' : '64MB'}`,
        '-sEXPORTED_FUNCTIONS=_malloc,_free', '-sFILESYSTEM=0', '-sASSERTIONS=0',
        // A library must not install process-wide handlers that rethrow (the
        // Node defaults): the host application owns those.
        '-sNODEJS_CATCH_EXIT=0', '-sNODEJS_CATCH_REJECTION=0',
        '--pre-js', path.join(ROOT, 'wasm/js/pre.js'), '--post-js', path.join(ROOT, 'wasm/js/post.js')];
      if (v === 'mt') {
        // Pool size chosen by our glue (cores); STRICT=2: an exhausted pool makes
        // thread creation fail (core falls back to one thread) instead of hanging.
        common.push("-sPTHREAD_POOL_SIZE=Module['poolSize']||4", '-sPTHREAD_POOL_SIZE_STRICT=2');
      }
      // Up to date: both outputs newer than every input (objects, every dep library, pre/post.js, this script).
      const outs = [path.join(DIST, 'node', `${name}.js`), path.join(DIST, 'web', `${name}.wasm`)];
      const ins = [...inputs, fileURLToPath(import.meta.url), ...['pre.js', 'pre-node.js', 'post.js'].map((f) => path.join(ROOT, 'wasm/js', f)),
        ...(group === 'core' ? [] : ['zstd', 'lz4', 'lzma', 'bz2', 'sodium'].map((l) => path.join(deps, v, 'lib', `lib${l}.a`)))];
      const newestIn = Math.max(...ins.map((f) => fs.statSync(f).mtimeMs));
      if (outs.every((o) => fs.existsSync(o) && fs.statSync(o).mtimeMs > newestIn)) continue;
      links.push(async () => {
        console.log(`link ${name} (node, web)`);
        await run('em++', [...common, v === 'mt' ? '-sENVIRONMENT=node,worker' : '-sENVIRONMENT=node',
          '--pre-js', path.join(ROOT, 'wasm/js/pre-node.js'), '-o', path.join(DIST, 'node', `${name}.js`)]);
        fs.rmSync(path.join(DIST, 'node', `${name}.wasm`), { force: true });
        const web = path.join(DIST, 'web', `${name}.mjs`);
        await run('em++', [...common, '-sENVIRONMENT=web,worker', '-sEXPORT_ES6=1', '-o', web]);
        webNoNode(web);
        if (v === 'mt') webPthreadLoader(web, name);
      });
    }
  }
  await pool(links, JOBS);
  console.log(`wasm build done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  for (const d of ['node', 'web']) {
    for (const f of fs.readdirSync(path.join(DIST, d)).sort()) {
      console.log(`  dist/${d}/${f} ${fs.statSync(path.join(DIST, d, f)).size} B`);
    }
  }
}

main().catch((e) => { console.error(e.message); process.exit(1); });
void os;
