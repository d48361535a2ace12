// Browsers (and Deno/bundlers): loads the ES-module Emscripten builds from
// dist/web. The threads build needs SharedArrayBuffer, i.e. a cross-origin
// isolated page (COOP: same-origin + COEP: require-corp); otherwise the
// single-thread build is used.
export function browserPlatform() {
  const isolated = typeof SharedArrayBuffer != 'undefined' && globalThis.crossOriginIsolated === true;
  const variant = isolated ? 'threads' : 'single';
  const cores = (globalThis.navigator && navigator.hardwareConcurrency) || 2;
  const threads = isolated ? Math.max(1, Math.min(cores, 16)) : 1;
  const suffix = isolated ? 'mt' : 'st';
  return {
    variant,
    threads,
    async load(group) {
      const url = new URL(`../web/${group}-${suffix}.mjs`, import.meta.url);
      const mod = await import(/* @vite-ignore */ url.href);
      const M = await mod.default({ poolSize: Math.max(1, threads + (group === 'codecs' ? 1 : 0)) });
      return M;
    },
    // A module Worker running dist/esm/worker.browser.js (createWorkerClient).
    spawnWorker(opts) {
      const url = opts.url || new URL('./worker.browser.js', import.meta.url);
      const w = new Worker(url, { type: 'module', name: 'chunker-wasm' });
      return {
        post: (m, transfer) => w.postMessage(m, transfer || []),
        onMessage: (fn) => w.addEventListener('message', (e) => fn(e.data)),
        onError: (fn) => w.addEventListener('error', (e) => { e.preventDefault(); fn(e); }),
        idle: () => {},
        terminate: () => w.terminate(),
      };
    },
  };
}
