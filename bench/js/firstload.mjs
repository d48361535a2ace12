// First-load cost and package size, next to the peers (`node bench/js/firstload.mjs`,
// also the tail of `npm run bench`). Each load runs in a fresh Node process
// (best of RUNS): time from import to usable (`await ready`; the codecs
// module: the first compress() of 1 byte) and the bytes its files take. The
// browser fetches the same files (dist/web/*.mjs + .wasm).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
const files = (re) => fs.readdirSync(path.join(ROOT, 'dist/web')).filter((f) => re.test(f))
  .reduce((n, f) => n + fs.statSync(path.join(ROOT, 'dist/web', f)).size, 0);

export function firstLoad() {
  const rows = [];
  for (const [name, [code, env]] of Object.entries(CASES)) {
    let best = Infinity;
    for (let i = 0; i < RUNS; i++) best = Math.min(best, timeOnce(code, env));
    rows.push({ name, ms: Number(best.toFixed(1)) });
    console.log(`first load ${name.padEnd(40)} ${best.toFixed(1).padStart(7)} ms`);
  }
  const fetched = {
    'web core-st (.mjs + .wasm)': files(/^core-st\./), 'web core-mt (.mjs + .wasm)': files(/^core-mt\./),
    'web codecs-st (.mjs + .wasm)': files(/^codecs-st\./), 'web codecs-mt (.mjs + .wasm)': files(/^codecs-mt\./),
  };
  for (const [k, v] of Object.entries(fetched)) console.log(`bytes fetched ${k.padEnd(36)} ${(v / 1024).toFixed(0).padStart(6)} KiB`);
  const packed = pack({ dryRun: true });
  const sizes = { 'chunker-wasm (packed)': packed.size, 'chunker-wasm (unpacked)': packed.unpackedSize };
  for (const p of ['hash-wasm', '@bokuweb/zstd-wasm', 'lz4-wasm-nodejs']) sizes[`${p} (installed, unpacked)`] = dirBytes(path.join(ROOT, 'node_modules', p));
  for (const [k, v] of Object.entries(sizes)) console.log(`package size ${k.padEnd(42)} ${(v / 1024).toFixed(0).padStart(6)} KiB`);
  return { firstLoadMs: rows, fetchedBytes: fetched, packageBytes: sizes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(firstLoad()));
