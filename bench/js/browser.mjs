// Chromium benchmarks (`node bench/js/browser.mjs`): the package on an
// isolated page (threads variant) and a non-isolated one (single variant).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, serve } from '../../tests/browser/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mib = process.env.BENCH_MIB || 64, runs = process.env.BENCH_RUNS || 5;
const browser = await launch();
try {
  for (const isolated of [true, false]) {
    const srv = await serve({ '/': ROOT }, { isolated });
    const page = await browser.ctx.newPage();
    await page.goto(`${srv.url}/bench/js/page.html?mib=${mib}&runs=${runs}`);
    await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 600000 });
    const r = await page.evaluate(() => window.__bench);
    await page.close();
    await srv.close();
    if (r.error) { console.log(r.error); process.exitCode = 1; continue; }
    console.log(`Chromium, ${isolated ? 'isolated' : 'not isolated'}: variant=${r.variant} threads=${r.threads}, ${mib} MiB, best of ${runs}`);
    for (const [name, v] of r.rows) console.log(`${name.padEnd(48)} ${v.toFixed(0).padStart(6)} MiB/s`);
  }
} finally {
  await browser.close();
}
