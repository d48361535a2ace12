// Emscripten build of our C++ for the npm package (`npm run build:wasm`).
//
// Two modules x two variants x two loaders:
//   core   = fastcdc + hash + encoding (+ pipeline)        -> small, loaded by `ready`
//   codecs = codec + nix + the wasm deps (zstd, lz4, ...)   -> loaded on first use
//   mt = -pthread (threads variant), st = no threads (single variant)
//   dist/node/*.js   CommonJS, ENVIRONMENT=node (nested package.json marks it commonjs)
//   dist/web/*.mjs   EXPORT_ES6, ENVIRONMENT=web,worker
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
        '--pre-js', path.join(ROOT, 'wasm/js/pre.js'), '--post-js', path.join(ROOT, 'wasm/js/post.js')];
      if (v === 'mt') {
        // Pool size chosen by our glue (cores); STRICT=2: an exhausted pool makes
        // thread creation fail (core falls back to one thread) instead of hanging.
        common.push("-sPTHREAD_POOL_SIZE=Module['poolSize']||4", '-sPTHREAD_POOL_SIZE_STRICT=2');
      }
      // Up to date: both outputs newer than every input (objects, libs, pre/post.js, this script).
      const outs = [path.join(DIST, 'node', `${name}.wasm`), path.join(DIST, 'web', `${name}.wasm`)];
      const ins = [...inputs, fileURLToPath(import.meta.url), path.join(ROOT, 'wasm/js/pre.js'),
        path.join(ROOT, 'wasm/js/post.js'), ...(group === 'core' ? [] : [path.join(deps, v, 'lib', 'libzstd.a')])];
      const newestIn = Math.max(...ins.map((f) => fs.statSync(f).mtimeMs));
      if (outs.every((o) => fs.existsSync(o) && fs.statSync(o).mtimeMs > newestIn)) continue;
      links.push(async () => {
        console.log(`link ${name} (node, web)`);
        await run('em++', [...common, v === 'mt' ? '-sENVIRONMENT=node,worker' : '-sENVIRONMENT=node', '-o', path.join(DIST, 'node', `${name}.js`)]);
        await run('em++', [...common, '-sENVIRONMENT=web,worker', '-sEXPORT_ES6=1',
          '-o', path.join(DIST, 'web', `${name}.mjs`)]);
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
