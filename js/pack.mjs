// Packs the npm tarball from a staged copy of the package (`npm run pack`;
// tests and benchmarks call pack() below).
//
// `npm pack` always puts the root README.md into the tarball, and the root
// README is the repository's. The package has its own (js/README.md). So the
// files npm would pack (its own selection: package.json "files" + the files
// it always adds) are copied into a temporary directory, README.md there is
// the package one, and `npm pack` runs in that directory. Nothing in the work
// tree is swapped, so an interrupted pack cannot leave the repository README
// replaced. The root package.json's prepack runs `node js/pack.mjs --refuse`,
// which stops a plain `npm pack` / `npm publish` at the root (they would ship
// the repository README); the staged package.json has no scripts.
//
//   node js/pack.mjs [--dry-run] [--json] [--pack-destination DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGE_README = path.join(ROOT, 'js/README.md');

const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

// The paths npm packs from the root (README.md among them), scripts off.
function npmFileList() {
  const [r] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], ROOT));
  return r.files.map((f) => f.path);
}

// Copies the package into `dir`: npm's file list, the package README instead
// of the repository one, package.json without scripts and devDependencies.
export function stage(dir) {
  for (const f of npmFileList()) {
    if (f === 'package.json' || /^readme(\.[^/]*)?$/i.test(f)) continue;
    fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  fs.copyFileSync(PACKAGE_README, path.join(dir, 'README.md'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  delete pkg.scripts;
  delete pkg.devDependencies;
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}

// Packs the staged copy; returns npm's JSON record of the tarball
// ({ filename, size, unpackedSize, files: [{ path, size }], … }). With
// dryRun nothing is written; otherwise the tarball goes to `destination`.
export function pack({ destination = ROOT, dryRun = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-wasm-pack-'));
  try {
    stage(dir);
    const args = ['pack', '--json', '--loglevel=error', ...(dryRun ? ['--dry-run'] : ['--pack-destination', path.resolve(destination)])];
    return JSON.parse(npm(args, dir))[0];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv.includes('--refuse')) {
    // npm sets npm_command for lifecycle scripts: say which command was stopped.
    console.error(`chunker-wasm: \`npm ${process.env.npm_command || 'pack'}\` at the repository root would ship the repository README.\n` +
      'Run `npm run pack` instead: it packs a staged copy with the package README (js/README.md).\n' +
      'To publish, publish that tarball: `npm publish chunker-wasm-<version>.tgz`.');
    process.exit(1);
  }
  const known = ['--dry-run', '--json', '--pack-destination'];
  const at = argv.indexOf('--pack-destination');
  const bad = argv.filter((a, i) => !known.includes(a) && i !== at + 1);
  if (bad.length || (at >= 0 && !argv[at + 1])) {
    console.error('usage: node js/pack.mjs [--dry-run] [--json] [--pack-destination DIR]');
    process.exit(2);
  }
  const r = pack({ dryRun: argv.includes('--dry-run'), destination: at >= 0 ? argv[at + 1] : ROOT });
  if (argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else {
    for (const f of r.files) console.log(`${String(f.size).padStart(9)}  ${f.path}`);
    console.log(`${r.filename}: ${r.files.length} files, ${r.size} bytes packed, ${r.unpackedSize} unpacked${argv.includes('--dry-run') ? ' (dry run)' : ''}`);
  }
}
