// Longest main-thread task while chunk+hashing a large input in headless
// Chromium (`node bench/js/longtask.mjs`, LONGTASK_MIB=256): the worker
// client vs the sliced main-thread stream vs a blocking sync call.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, serve } from '../../tests/browser/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mib = Number(process.env.LONGTASK_MIB || 256);
const browser = await launch();
try {
  for (const isolated of [true, false]) {
    const srv = await serve({ '/': ROOT }, { isolated });
    const page = await browser.ctx.newPage();
    await page.goto(`${srv.url}/bench/js/longtask.html?mib=${mib}`);
    await page.waitForFunction(() => window.__longtask !== undefined, null, { timeout: 900000 });
    const r = await page.evaluate(() => window.__longtask);
    await page.close();
    await srv.close();
    if (r.error) { console.log(r.error); process.exitCode = 1; continue; }
    console.log(`Chromium, ${isolated ? 'isolated' : 'not isolated'}: variant=${r.variant} threads=${r.threads}, ${r.mib} MiB`);
    for (const x of r.rows) {
      console.log(`  ${x.name.padEnd(64)} ${String(x.ms).padStart(6)} ms ${String(x.mibs).padStart(5)} MiB/s  long tasks ${x.longTasks}, longest ${x.longestTaskMs} ms, max frame gap ${x.maxFrameGapMs} ms (${x.frames} frames)`);
    }
  }
} finally {
  await browser.close();
}
