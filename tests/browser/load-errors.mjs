// Load failures in Chromium: a .wasm 404 and a worker-script 404 reject with
// ChunkerError ERR_LOAD naming the URL within seconds; a cross-origin isolated
// page whose CSP forbids blob: workers gets the single variant instead of
// hanging. Run by tests/browser/run.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LIMIT_MS = 10000;

// Evaluates `body` (an async function body) in a fresh page of `srv`; returns its value or { error }.
async function inPage(ctx, srv, body, { route, csp } = {}) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (route) await page.route(route, (r) => r.fulfill({ status: 404, body: 'not found' }));
  if (csp) {
    await page.route('**/blank.html', (r) => r.fulfill({
      status: 200, contentType: 'text/html', body: '<!doctype html><title>t</title>',
      headers: { 'Content-Security-Policy': csp, 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    }));
  }
  await page.goto(`${srv.url}/${csp ? 'blank.html' : 'tests/browser/page.html?noop'}`.replace('page.html?noop', 'load-blank.html'));
  const t0 = Date.now();
  const value = await page.evaluate(`(async () => { ${body} })()`).catch((e) => ({ error: e.message }));
  const ms = Date.now() - t0;
  await page.close();
  return { value, ms, errors };
}

export async function loadErrorTests(ctx) {
  const results = [];
  const add = (name, ok, detail) => results.push({ name, ok, detail });
  for (const isolated of [false, true]) {
    const srv = await serve({ '/': ROOT }, { isolated });
    const suffix = isolated ? 'mt' : 'st';
    const r = await inPage(ctx, srv, `
      const C = await import('/dist/esm/index.browser.js');
      try { await C.ready; return { ok: 'loaded' }; } catch (e) { return { name: e.name, code: e.code, message: e.message }; }`,
    { route: `**/core-${suffix}.wasm` });
    add(`wasm 404 (${isolated ? 'isolated' : 'not isolated'}): ERR_LOAD naming the URL`,
      r.value.code === 'ERR_LOAD' && r.value.message.includes(`core-${suffix}.wasm`) && r.ms < LIMIT_MS && !r.errors.length,
      JSON.stringify({ ...r.value, ms: r.ms, errors: r.errors }));
    const w = await inPage(ctx, srv, `
      const C = await import('/dist/esm/index.browser.js');
      const w = C.createWorkerClient();
      try { await w.ready; return { ok: 'started' }; } catch (e) { return { code: e.code, message: e.message }; } finally { w.terminate(); }`,
    { route: '**/worker.browser.js' });
    add(`worker 404 (${isolated ? 'isolated' : 'not isolated'}): ERR_LOAD naming the script`,
      w.value.code === 'ERR_LOAD' && /worker\.browser\.js/.test(w.value.message) && w.ms < LIMIT_MS,
      JSON.stringify({ ...w.value, ms: w.ms }));
    await srv.close();
  }
  // Isolated, but CSP allows workers only from 'self' (not blob:): single variant, working.
  const srv = await serve({ '/': ROOT }, { isolated: true });
  const c = await inPage(ctx, srv, `
    const C = await import('/dist/esm/index.browser.js');
    const info = await C.ready;
    const d = C.hex.encode(C.blake3(new Uint8Array(0)));
    return { isolated: crossOriginIsolated, variant: info.variant, d };`,
  { csp: "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval' 'unsafe-inline'; worker-src 'self'" });
  add('isolated page, CSP without blob: workers: falls back to single',
    c.value.isolated === true && c.value.variant === 'single' &&
    c.value.d === 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262' && c.ms < LIMIT_MS,
    JSON.stringify({ ...c.value, ms: c.ms, errors: c.errors }));
  await srv.close();
  return results;
}
