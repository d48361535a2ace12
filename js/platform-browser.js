// Browsers (and Deno/bundlers): loads the ES-module Emscripten builds from
// dist/web. The threads build needs SharedArrayBuffer, i.e. a cross-origin
// isolated page (COOP: same-origin + COEP: require-corp); otherwise the
// single-thread build is used.
//
// Every file is reached through a literal specifier — `import('../web/x.mjs')`
// here, `new URL('x.wasm', import.meta.url)` in the loaders,
// `new URL('./worker.browser.js', import.meta.url)` for the worker — the
// forms Vite, webpack, Parcel, Rollup and esbuild can follow and copy.
import { ChunkerError } from './errors.js';
import { loadModule } from './load.js';

const LOADERS = {
  'core-st': () => import('../web/core-st.mjs'),
  'core-mt': () => import('../web/core-mt.mjs'),
  'codecs-st': () => import('../web/codecs-st.mjs'),
  'codecs-mt': () => import('../web/codecs-mt.mjs'),
};

// Vite's dev server pre-bundles dependencies into node_modules/.vite/deps
// without the files they reference by URL (vitejs/vite#8427); there, take
// them from the installed package instead.
const VITE_DEPS = /\/node_modules\/\.vite\/deps\/[^?#]*/;
function fromPackage(file) {
  return VITE_DEPS.test(import.meta.url) ? import.meta.url.replace(VITE_DEPS, `/node_modules/chunker-wasm/dist/${file}`).replace(/\?.*$/, '') : null;
}

// Whether this context can start the threads variant's pthread workers (a
// blob: URL classic Worker, what the loader uses): a CSP without `blob:` in
// worker-src, or no Worker at all, means the single variant.
let canSpawn = null;
function pthreadWorkersStart() {
  if (canSpawn) return canSpawn;
  canSpawn = new Promise((resolve) => {
    let w, url, timer;
    const done = (ok) => {
      clearTimeout(timer);
      if (w) w.terminate();
      if (url) URL.revokeObjectURL(url);
      resolve(ok);
    };
    try {
      url = URL.createObjectURL(new Blob(['postMessage(1)'], { type: 'text/javascript' }));
      w = new Worker(url);
      w.onmessage = () => done(true);
      w.onerror = (e) => { e.preventDefault(); done(false); };
      timer = setTimeout(() => done(false), 5000);
    } catch {
      done(false);
    }
  });
  return canSpawn;
}

export function browserPlatform() {
  const isolated = typeof SharedArrayBuffer != 'undefined' && globalThis.crossOriginIsolated === true &&
    typeof Worker == 'function';
  const cores = (globalThis.navigator && navigator.hardwareConcurrency) || 2;
  const p = {
    variant: isolated ? 'threads' : 'single',
    threads: isolated ? Math.max(1, Math.min(cores, 16)) : 1,
    // Settles which variant this context runs before the first module loads.
    async choose() {
      if (p.variant === 'threads' && !(await pthreadWorkersStart())) {
        p.variant = 'single';
        p.threads = 1;
      }
    },
    async load(group) {
      const suffix = p.variant === 'threads' ? 'mt' : 'st';
      const name = `${group}-${suffix}`;
      const opts = { poolSize: Math.max(1, p.threads + (group === 'codecs' ? 1 : 0)) };
      const local = fromPackage(`web/${name}.wasm`);
      if (local) opts.locateFile = () => local;
      return loadModule(name, LOADERS[name], opts);
    },
    // A module Worker running dist/esm/worker.browser.js (createWorkerClient).
    spawnWorker(opts) {
      let url = opts.url || fromPackage('esm/worker.browser.js');
      let w;
      try {
        if (url) w = new Worker(url, { type: 'module', name: 'chunker-wasm' });
        else {
          // Literally `new Worker(new URL(...), { type: 'module' })`: the form bundlers rewrite.
          w = new Worker(new URL('./worker.browser.js', import.meta.url), { type: 'module', name: 'chunker-wasm' });
          url = 'chunker-wasm/worker.browser.js';
        }
      } catch (e) {
        throw new ChunkerError('ERR_LOAD', `chunker-wasm: cannot start the worker ${String(url)}: ${e.message}`, { cause: e });
      }
      return {
        url: String(url),
        post: (m, transfer) => w.postMessage(m, transfer || []),
        onMessage: (fn) => w.addEventListener('message', (e) => fn(e.data)),
        onError: (fn) => w.addEventListener('error', (e) => { e.preventDefault(); fn(e); }),
        idle: () => {},
        terminate: () => w.terminate(),
      };
    },
  };
  return p;
}
