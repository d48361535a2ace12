// Node: loads the CommonJS Emscripten builds from dist/node. Node always has
// SharedArrayBuffer and worker_threads, so the threads variant is the default;
// CHUNKER_WASM_VARIANT=single forces the single-thread build.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadModule } from './load.js';

const require = createRequire(import.meta.url);

export function nodePlatform() {
  const forced = process.env.CHUNKER_WASM_VARIANT;
  const variant = forced === 'single' ? 'single' : 'threads';
  const cores = typeof os.availableParallelism == 'function' ? os.availableParallelism() : os.cpus().length;
  const threads = variant === 'threads' ? Math.max(1, Math.min(cores, 16)) : 1;
  const suffix = variant === 'threads' ? 'mt' : 'st';
  return {
    variant,
    threads,
    async choose() {},
    async load(group) {
      const name = `${group}-${suffix}`;
      const file = fileURLToPath(new URL(`../node/${name}.js`, import.meta.url));
      // Pool: enough pthreads for `threads`-way work plus codec helper threads.
      const M = await loadModule(name, async () => ({ default: require(file) }),
        { poolSize: Math.max(1, threads + (group === 'codecs' ? 1 : 0)) });
      M.unrefThreads();   // idle pool workers must not keep the process alive
      return M;
    },
    // worker_threads running dist/esm/worker.node.js (createWorkerClient);
    // unref'd while no call is pending, so scripts exit on their own.
    spawnWorker(opts) {
      const file = opts.url || fileURLToPath(new URL('../esm/worker.node.js', import.meta.url));
      const w = new Worker(file, { env: process.env });
      return {
        url: String(file),
        post: (m, transfer) => w.postMessage(m, transfer || []),
        onMessage: (fn) => w.on('message', fn),
        onError: (fn) => {
          w.on('error', fn);
          w.on('exit', (code) => fn(new Error(`worker exited (code ${code})`)));
        },
        idle: (yes) => (yes ? w.unref() : w.ref()),
        terminate: () => w.terminate(),
      };
    },
    // node:crypto's SHA-256 beats wasm in Node (SHA-NI / OpenSSL asm).
    sha256: {
      hash: (b) => new Uint8Array(crypto.createHash('sha256').update(b).digest()),
      create: () => crypto.createHash('sha256'),
    },
  };
}
