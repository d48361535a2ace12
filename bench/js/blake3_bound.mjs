// What bounds BLAKE3 on two threads in this JS engine, against hash-wasm
// (`node bench/js/blake3_bound.mjs`; BENCH_MIB, BENCH_RUNS). A JS array must be
// copied into wasm memory before wasm can hash it, and only the calling thread
// can read it, so blake3() on N threads does the whole copy on the caller and
// splits the hashing (Hasher::update_from); the work is the same as on one
// thread, so two threads finish at best in half the one-thread time. Measured
// here, interleaved round by round: the package's blake3() on 1 and on 2
// threads, hash-wasm, and `copy` (the input set() into a shared
// WebAssembly.Memory in 1 MiB pieces through a 6-slot ring: the fill
// callback's part of that work, alone). It prints the scaling that the 3.5x
// hash-wasm target needs given the one-thread ratio.
import os from 'node:os';
import * as C from '../../dist/esm/index.node.js';
import { benchData } from './data.mjs';
import { bestInterleaved } from './interleave.mjs';

const MIB = Number(process.env.BENCH_MIB || 64), N = MIB << 20, RUNS = Number(process.env.BENCH_RUNS || 9);
const U = 1 << 20;
const info = await C.ready;
const hashwasm = await import('hash-wasm');
const { random } = benchData(N);
const mem = new WebAssembly.Memory({ initial: 128, maximum: 65536, shared: true });
const ring = new Uint8Array(mem.buffer, 0, 6 * U);

const cases = {
  copy: () => { for (let o = 0, s = 0; o < N; o += U, s = (s + 1) % 6) ring.set(random.subarray(o, o + U), s * U); },
  'blake3, 1 thread': () => C.blake3(random, { threads: 1 }),
  [`blake3, ${info.threads} threads`]: () => C.blake3(random),
  'hash-wasm': () => hashwasm.blake3(random),
};
const names = Object.keys(cases);
const best = await bestInterleaved(Object.values(cases), RUNS);
const ms = Object.fromEntries(names.map((n, k) => [n, best[k]]));
const rate = (t) => `${(MIB / (t / 1000)).toFixed(0)} MiB/s`;
for (const n of names) console.log(`${n.padEnd(20)} ${ms[n].toFixed(2).padStart(7)} ms  ${rate(ms[n]).padStart(11)}`);
const hw = ms['hash-wasm'], t1 = ms[names[1]], t2 = ms[names[2]];
console.log(`1 thread / hash-wasm ${(hw / t1).toFixed(2)}x, ${info.threads} threads ${(hw / t2).toFixed(2)}x: ` +
  `scaling ${(t1 / t2).toFixed(2)}x; the ideal t1 / 2 = ${(t1 / 2).toFixed(2)} ms would be ${(2 * hw / t1).toFixed(2)}x`);
console.log(`3.5x hash-wasm needs ${(hw / 3.5).toFixed(2)} ms: a scaling of ${(3.5 * t1 / hw).toFixed(2)}x; ` +
  `the copy is ${(100 * ms.copy / t1).toFixed(0)}% of the one-thread work`);
console.log(`load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${MIB} MiB, best of ${RUNS}, Node ${process.versions.node}`);
