// Runs first inside every Emscripten module we build, in the main thread AND
// in every pthread worker (Emscripten 3.1.6, see docs/wasm-toolchain-notes).

// libsodium's randombytes calls Module.getRandomValue(); sodium_init() only
// defines it in the thread that calls it, so key generation in a pthread
// would crash without this.
Module['getRandomValue'] = Module['getRandomValue'] || function () {
  var b = new Uint32Array(1);
  globalThis.crypto.getRandomValues(b);
  return b[0] >>> 0;
};

// Node >= 18 has fetch(), and the 3.1.6 loader then fetch()es the .wasm path,
// which fails ("Failed to parse URL"). Read the file ourselves instead.
if (typeof process == 'object' && process.versions && process.versions.node &&
    !Module['ENVIRONMENT_IS_PTHREAD'] && !Module['wasmBinary'] && !Module['instantiateWasm'] &&
    typeof require == 'function' && typeof __filename == 'string') {
  Module['wasmBinary'] = require('fs').readFileSync(__filename.replace(/\.c?js$/, '.wasm'));
}
