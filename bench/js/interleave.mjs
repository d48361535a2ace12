// Best-of-`runs` time (ms) of each function, the functions run interleaved
// round by round (A B A B ...) after one warm-up call each (JIT, lazy module
// loads), so drift of the machine's speed (large on a shared VM) hits all of
// them alike. Shared by run.mjs and ab.mjs; works in Node and browsers.
export async function bestInterleaved(fns, runs) {
  const best = fns.map(() => Infinity);
  for (const f of fns) await f();
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < fns.length; k++) {
      const t = performance.now();
      await fns[k]();
      best[k] = Math.min(best[k], performance.now() - t);
    }
  }
  return best;
}
