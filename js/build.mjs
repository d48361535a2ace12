// Builds the JS side of the package (`npm run build:js`):
//   dist/esm/index.node.js, dist/esm/index.browser.js   ES modules (bundled)
//   dist/cjs/index.cjs                                  CommonJS for require()
//   dist/index.d.ts, dist/index.d.cts                   types
// The wasm loaders in dist/node and dist/web come from wasm/build.mjs; they
// are loaded at run time with paths relative to these files (../node, ../web).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const js = (f) => path.join(ROOT, 'js', f);

fs.rmSync(path.join(DIST, 'esm'), { recursive: true, force: true });
fs.rmSync(path.join(DIST, 'cjs'), { recursive: true, force: true });

const common = { bundle: true, target: 'es2022', logLevel: 'warning', legalComments: 'none' };
await build({
  ...common, format: 'esm', platform: 'node', entryPoints: [js('index.node.js')],
  outfile: path.join(DIST, 'esm/index.node.js'),
});
await build({
  ...common, format: 'esm', platform: 'browser', entryPoints: [js('index.browser.js')],
  outfile: path.join(DIST, 'esm/index.browser.js'),
});
// Worker scripts for createWorkerClient() (next to the entry points).
await build({
  ...common, format: 'esm', platform: 'browser', entryPoints: [js('worker.browser.js')],
  outfile: path.join(DIST, 'esm/worker.browser.js'),
});
await build({
  ...common, format: 'esm', platform: 'node', entryPoints: [js('worker.node.js')],
  outfile: path.join(DIST, 'esm/worker.node.js'),
});
// CJS: import.meta.url does not exist there; derive it from __filename.
await build({
  ...common, format: 'cjs', platform: 'node', entryPoints: [js('index.node.js')],
  outfile: path.join(DIST, 'cjs/index.cjs'),
  define: { 'import.meta.url': '__chunker_import_meta_url' },
  banner: { js: 'const __chunker_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
});
fs.copyFileSync(js('index.d.ts'), path.join(DIST, 'index.d.ts'));
fs.copyFileSync(js('index.d.ts'), path.join(DIST, 'index.d.cts'));
console.log('js build done: dist/esm, dist/cjs, dist/index.d.ts');
