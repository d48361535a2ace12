// First-load cost and package size, next to the peers (`node bench/js/firstload.mjs`,
// also the tail of `npm run bench`). Each load runs in a fresh Node process
// (best of RUNS): time from import to usable (`await ready`; the codecs
// module: the first compress() of 1 byte); the bytes a page fetches for each
// (raw and gzip -9: dist/esm/index.browser.js + dist/web/*.mjs + .wasm, and
// the peers' browser files); the package sizes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { pack } from '../../js/pack.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = Number(process.env.BENCH_RUNS || 5);
const ENTRY = JSON.stringify(path.join(ROOT, 'dist/esm/index.node.js'));

const CASES = {
  'chunker-wasm core (ready), threads': [`const C = await import(${ENTRY}); await C.ready;`, {}],
  'chunker-wasm core (ready), single': [`const C = await import(${ENTRY}); await C.ready;`, { CHUNKER_WASM_VARIANT: 'single' }],
  'chunker-wasm core + codecs, threads': [`const C = await import(${ENTRY}); await C.compress(new Uint8Array(1));`, {}],
  'chunker-wasm core + codecs, single': [`const C = await import(${ENTRY}); await C.compress(new Uint8Array(1));`, { CHUNKER_WASM_VARIANT: 'single' }],
  'hash-wasm (blake3 + sha256 ready)': [`const h = await import('hash-wasm'); await h.createBLAKE3(); await h.createSHA256();`, {}],
  '@bokuweb/zstd-wasm (init)': [`const z = (await import('@bokuweb/zstd-wasm')); await (z.init || z.default.init)();`, {}],
};

function timeOnce(code, env) {
  const body = `const t0 = performance.now(); ${code} console.log(performance.now() - t0);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', body], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  return Number(out.trim().split('\n').pop());
}

const dirBytes = (d) => fs.readdirSync(d, { withFileTypes: true })
  .reduce((n, e) => n + (e.isDirectory() ? dirBytes(path.join(d, e.name)) : fs.statSync(path.join(d, e.name)).size), 0);
// Raw and gzip -9 bytes of the files a page fetches (paths relative to ROOT).
function fetched(files) {
  let raw = 0, gz = 0;
  for (const f of files) {
    const b = fs.readFileSync(path.join(ROOT, f));
    raw += b.length;
    gz += zlib.gzipSync(b, { level: 9 }).length;
  }
  return { raw, gzip: gz };
}
const web = (re) => fs.readdirSync(path.join(ROOT, 'dist/web')).filter((f) => re.test(f)).map((f) => `dist/web/${f}`);
const boku = 'node_modules/@bokuweb/zstd-wasm/dist/web';
const bokuFiles = (d = boku) => fs.readdirSync(path.join(ROOT, d), { withFileTypes: true })
  .flatMap((e) => (e.isDirectory() ? bokuFiles(`${d}/${e.name}`) : /\.(js|wasm)$/.test(e.name) ? [`${d}/${e.name}`] : []));

export function firstLoad() {
  const rows = [];
  for (const [name, [code, env]] of Object.entries(CASES)) {
    let best = Infinity;
    for (let i = 0; i < RUNS; i++) best = Math.min(best, timeOnce(code, env));
    rows.push({ name, ms: Number(best.toFixed(1)) });
    console.log(`first load ${name.padEnd(40)} ${best.toFixed(1).padStart(7)} ms`);
  }
  // The JS API (dist/esm/index.browser.js) comes with every variant.
  const api = ['dist/esm/index.browser.js'];
  const bytes = {
    'chunker-wasm core, single (API + core-st .mjs + .wasm)': fetched([...api, ...web(/^core-st\./)]),
    'chunker-wasm core, threads (API + core-mt .mjs + .wasm)': fetched([...api, ...web(/^core-mt\./)]),
    'chunker-wasm codecs, single (codecs-st .mjs + .wasm, on first use)': fetched(web(/^codecs-st\./)),
    'chunker-wasm codecs, threads (codecs-mt .mjs + .wasm, on first use)': fetched(web(/^codecs-mt\./)),
    'hash-wasm BLAKE3 + SHA-256 (blake3/sha256.umd.min.js, wasm inlined)': fetched(['node_modules/hash-wasm/dist/blake3.umd.min.js', 'node_modules/hash-wasm/dist/sha256.umd.min.js']),
    '@bokuweb/zstd-wasm (dist/web .js + zstd.wasm)': fetched(bokuFiles()),
  };
  for (const [k, v] of Object.entries(bytes)) {
    console.log(`bytes fetched ${k.padEnd(70)} ${(v.raw / 1024).toFixed(0).padStart(6)} KiB, gzip -9 ${(v.gzip / 1024).toFixed(0).padStart(5)} KiB`);
  }
  const packed = pack({ dryRun: true });
  const sizes = { 'chunker-wasm (packed)': packed.size, 'chunker-wasm (unpacked)': packed.unpackedSize };
  for (const p of ['hash-wasm', '@bokuweb/zstd-wasm', 'lz4-wasm-nodejs']) sizes[`${p} (installed, unpacked)`] = dirBytes(path.join(ROOT, 'node_modules', p));
  for (const [k, v] of Object.entries(sizes)) console.log(`package size ${k.padEnd(42)} ${(v / 1024).toFixed(0).padStart(6)} KiB`);
  return { firstLoadMs: rows, fetchedBytes: bytes, packageBytes: sizes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(firstLoad()));
