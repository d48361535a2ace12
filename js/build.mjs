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

// The web loaders stay separate files, imported by literal relative paths
// that resolve from dist/esm/ (see platform-browser.js).
const webLoaders = {
  name: 'web-loaders',
  setup(b) { b.onResolve({ filter: /^\.\.\/web\// }, (a) => ({ path: a.path, external: true })); },
};
const common = { bundle: true, target: 'es2022', logLevel: 'warning', legalComments: 'none', plugins: [webLoaders] };
// The ES modules: the entry points, and next to them the worker scripts for createWorkerClient().
for (const [platform, entry] of [['node', 'index.node.js'], ['browser', 'index.browser.js'],
  ['browser', 'worker.browser.js'], ['node', 'worker.node.js']]) {
  await build({ ...common, format: 'esm', platform, entryPoints: [js(entry)], outfile: path.join(DIST, 'esm', entry) });
}
// CJS: import.meta.url does not exist there; derive it from __filename.
await build({
  ...common, format: 'cjs', platform: 'node', entryPoints: [js('index.node.js')],
  outfile: path.join(DIST, 'cjs/index.cjs'),
  define: { 'import.meta.url': '__chunker_import_meta_url' },
  banner: { js: 'const __chunker_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
});
fs.copyFileSync(js('index.d.ts'), path.join(DIST, 'index.d.ts'));
// The same declarations for CommonJS TypeScript users ("require" condition).
fs.copyFileSync(js('index.d.ts'), path.join(DIST, 'index.d.cts'));
// Notices for the libraries linked into the codecs .wasm, from the Debian
// packages whose sources wasm/deps/build-deps.sh compiles (their copyright
// files carry the license texts).
const NOTICE_PKGS = [['zstd', 'libzstd1'], ['lz4', 'liblz4-1'], ['xz (liblzma)', 'liblzma5'], ['bzip2', 'libbz2-1.0'],
  ['libsodium', 'libsodium23']];
const notices = ['# Third-party notices', '',
  'The .wasm files of chunker-wasm contain code from the libraries below (compiled from their Debian',
  'source packages). BLAKE3 is our own implementation of the BLAKE3 specification',
  '(https://github.com/BLAKE3-team/BLAKE3-specs, CC0-1.0 / Apache-2.0); SHA-256 follows FIPS 180-4.', ''];
for (const [lib, pkg] of NOTICE_PKGS) {
  const f = `/usr/share/doc/${pkg}/copyright`;
  if (!fs.existsSync(f)) throw new Error(`${f} missing: install the Debian package ${pkg} (scripts/apt-packages.txt)`);
  notices.push(`## ${lib}`, '', '```', fs.readFileSync(f, 'utf8').trimEnd(), '```', '');
}
fs.writeFileSync(path.join(DIST, 'THIRD_PARTY_NOTICES.md'), notices.join('\n'));
console.log('js build done: dist/esm, dist/cjs, dist/index.d.ts');
