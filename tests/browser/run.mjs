// Browser tests (`npm run test:browser`): the package's browser entry in
// headless Chromium, on a page served from 127.0.0.1
//   1. with COOP/COEP (cross-origin isolated)  -> threads variant must load
//   2. without them                            -> single variant must load
// Fixtures for decompression are made here with the zstd/lz4/xz/bzip2 programs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, runPage, serve } from './harness.mjs';
import { loadErrorTests } from './load-errors.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function makeFixtures() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-fixtures-'));
  const words = 'chunk hash blake3 nix store fastcdc zstd archive frame\n'.split(' ');
  let s = '';
  for (let i = 0; s.length < 300000; i++) s += words[(i * 7919) % words.length] + (i % 13 ? ' ' : '\n');
  const data = Buffer.from(s);
  fs.writeFileSync(path.join(dir, 'data.bin'), data);
  const progs = { zst: ['zstd', ['-q', '-c', '-3']], lz4: ['lz4', ['-q', '-c']], xz: ['xz', ['-q', '-c']], bz2: ['bzip2', ['-q', '-c']] };
  for (const [ext, [cmd, args]] of Object.entries(progs)) {
    fs.writeFileSync(path.join(dir, `data.${ext}`), execFileSync(cmd, args, { input: data }));
  }
  // > 1 MiB, so BLAKE3 takes the fill-callback path (copies overlapped with hashing).
  const big = Buffer.alloc((5 << 20) + 1025);
  for (let i = 0, x = 7; i < big.length; i++) { x = (x * 1103515245 + 12345) >>> 0; big[i] = x >>> 24; }
  fs.writeFileSync(path.join(dir, 'big.bin'), big);
  fs.writeFileSync(path.join(dir, 'big.b3'), execFileSync('b3sum', ['--no-names'], { input: big }).toString().trim());
  return dir;
}

const fixtures = makeFixtures();
const roots = { '/fixtures/': fixtures, '/': ROOT };
const browser = await launch();
let passed = 0, failed = 0;
try {
  for (const [isolated, expect] of [[true, 'threads'], [false, 'single']]) {
    const srv = await serve(roots, { isolated });
    const r = await runPage(browser.ctx, `${srv.url}/tests/browser/page.html?expect=${expect}`);
    await srv.close();
    console.log(`${isolated ? 'isolated' : 'not isolated'} (${expect}): ${r.passed} passed, ${r.failed} failed`);
    for (const f of r.failures) console.log(`  FAIL ${f}`);
    for (const l of r.logs || []) console.log(`  ${l}`);
    passed += r.passed; failed += r.failed;
  }
  for (const r of await loadErrorTests(browser.ctx)) {
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ok ? '' : `: ${r.detail}`}`);
    if (r.ok) passed++; else failed++;
  }
} finally {
  await browser.close();
  fs.rmSync(fixtures, { recursive: true, force: true });
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
