// Runs first inside every Emscripten module we build, in the main thread AND
// in every pthread worker (Emscripten 3.1.6, see docs/wasm-toolchain-notes).
// Web loaders get only this file, so it must not name Node modules: bundlers
// would try to resolve them (wasm/js/pre-node.js holds the Node part).

// libsodium's randombytes calls Module.getRandomValue(); sodium_init() only
// defines it in the thread that calls it, so key generation in a pthread
// would crash without this.
Module['getRandomValue'] = Module['getRandomValue'] || function () {
  var b = new Uint32Array(1);
  globalThis.crypto.getRandomValues(b);
  return b[0] >>> 0;
};
