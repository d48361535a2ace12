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
// Repository metadata: the staged package.json gets `repository`, `homepage`
// and `bugs` from CHUNKER_REPOSITORY_URL, else from `git remote get-url
// origin` (scp-style and ssh:// remotes become https://host/path, credentials
// and a trailing .git dropped). With neither (or CHUNKER_REPOSITORY_URL set to
// the empty string) the tarball is still packed, for tests and local installs,
// but marked "private": npm refuses to publish it. `--publish` (`npm run
// release`) refuses with a message before packing when the address is
// missing, then runs `npm publish` on the tarball.
//
//   node js/pack.mjs [--dry-run] [--json] [--pack-destination DIR]
//   node js/pack.mjs --publish [npm publish options...]
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

// An https URL of the repository's web page, from a git remote URL or an
// address given by hand; null when it has no host and path.
export function normaliseRepositoryUrl(url) {
  let u = String(url || '').trim();
  if (!u) return null;
  u = u.replace(/^git\+/, '');
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(u);   // git@host:owner/repo.git
  if (scp) u = `https://${scp[1]}/${scp[2]}`;
  let parsed;
  try { parsed = new URL(u); } catch { return null; }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol)) return null;
  const p = parsed.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  if (!parsed.hostname || p === '' || p === '/') return null;
  return `https://${parsed.hostname}${p}`;   // port, credentials, query dropped: a web page address
}

// The repository address: CHUNKER_REPOSITORY_URL if set (empty = none), else
// the origin remote's URL; null when there is none.
export function repositoryUrl(env = process.env) {
  if (env.CHUNKER_REPOSITORY_URL !== undefined) return normaliseRepositoryUrl(env.CHUNKER_REPOSITORY_URL);
  try {
    const origin = execFileSync('git', ['-C', ROOT, 'remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return normaliseRepositoryUrl(origin);
  } catch {
    return null;   // not a git checkout, or no origin remote
  }
}

// The package.json fields a registry page links from (npm's formats). Issues
// at <repo>/issues: the layout of GitHub, GitLab, Gitea and Forgejo.
export function repositoryFields(url) {
  return {
    repository: { type: 'git', url: `git+${url}.git` },
    homepage: `${url}#readme`,
    bugs: { url: `${url}/issues` },
  };
}

export const MISSING_REPOSITORY = 'chunker-wasm: no repository address for package.json (repository, homepage, bugs).\n' +
  'Set CHUNKER_REPOSITORY_URL=https://host/owner/repo, or add an origin remote (`git remote add origin URL`), then run again.\n' +
  'A package without them links nowhere from its registry page, so it is not published.';

// Copies the package into `dir`: npm's file list, the package README instead
// of the repository one, package.json without scripts and devDependencies.
export function stage(dir, { url = repositoryUrl() } = {}) {
  for (const f of npmFileList()) {
    if (f === 'package.json' || /^readme(\.[^/]*)?$/i.test(f)) continue;
    fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  fs.copyFileSync(PACKAGE_README, path.join(dir, 'README.md'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  delete pkg.scripts;
  delete pkg.devDependencies;
  if (url) Object.assign(pkg, repositoryFields(url));
  else pkg.private = true;   // `npm publish` of this tarball stops
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}

// Packs the staged copy; returns npm's JSON record of the tarball
// ({ filename, size, unpackedSize, files: [{ path, size }], … }). With
// dryRun nothing is written; otherwise the tarball goes to `destination`.
export function pack({ destination = ROOT, dryRun = false, url = repositoryUrl() } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-wasm-pack-'));
  try {
    stage(dir, { url });
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
      'To publish: `npm run release` (packs the same way, checks the repository metadata, publishes).');
    process.exit(1);
  }
  if (argv[0] === '--publish') {
    const url = repositoryUrl();
    if (!url) { console.error(MISSING_REPOSITORY); process.exit(1); }
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-wasm-release-'));
    try {
      const r = pack({ destination: dest, url });
      console.error(`chunker-wasm: publishing ${r.filename} (repository ${url})`);
      execFileSync('npm', ['publish', path.join(dest, r.filename), ...argv.slice(1)], { cwd: dest, stdio: 'inherit' });
    } catch (e) {
      process.exit(e.status || 1);
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
    process.exit(0);
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
  if (!repositoryUrl()) console.error(`${MISSING_REPOSITORY}\n(The tarball is marked "private" for that reason; it installs as usual.)`);
}
