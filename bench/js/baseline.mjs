// A baseline commit's upload-dedup demo beside this tree's, for same-run
// comparisons (BENCH_BASELINE=<ref>): its examples/upload-dedup is extracted
// to build/bench-baseline/<ref>/, and dist/ there is a symlink to this tree's
// build (the demo's server finds the package two levels up).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// -> the baseline's examples/upload-dedup directory.
export function extractBaselineDemo(root, ref) {
  const base = path.join(root, 'build/bench-baseline', ref.replace(/[^\w.-]/g, '_'));
  fs.rmSync(base, { recursive: true, force: true });
  fs.mkdirSync(base, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${root}" archive "${ref}" examples/upload-dedup | tar -x -C "${base}"`]);
  fs.symlinkSync(path.join(root, 'dist'), path.join(base, 'dist'));
  return path.join(base, 'examples/upload-dedup');
}
