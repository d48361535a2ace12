// Node loaders only (dist/node/*.js). Node >= 18 has fetch(), and the 3.1.6
// loader then fetch()es the .wasm path, which fails ("Failed to parse URL").
// Read the file ourselves instead — from dist/web, where the package ships
// each .wasm once.
if (!Module['ENVIRONMENT_IS_PTHREAD'] && !Module['wasmBinary'] && !Module['instantiateWasm']) {
  Module['wasmUrl'] = require('path').join(__dirname, '..', 'web', require('path').basename(__filename).replace(/\.c?js$/, '.wasm'));
  Module['wasmBinary'] = require('fs').readFileSync(Module['wasmUrl']);
}
