// Browser test plumbing: a static file server on 127.0.0.1 (optionally with
// the COOP/COEP headers that make a page cross-origin isolated) and headless
// Debian Chromium via playwright-core (flags: docs/wasm-toolchain-notes §4).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.cjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.jpg': 'image/jpeg', '.txt': 'text/plain',
};

// Serves `roots` (url prefix -> directory). Returns { url, close }.
export async function serve(roots, { isolated }) {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const prefix = Object.keys(roots).sort((a, b) => b.length - a.length).find((p) => u.pathname.startsWith(p));
    const headers = {};
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    const file = prefix && path.join(roots[prefix], decodeURIComponent(u.pathname.slice(prefix.length)));
    if (!file || !file.startsWith(roots[prefix]) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, headers); res.end('not found'); return;
    }
    headers['Content-Type'] = TYPES[path.extname(file)] || 'application/octet-stream';
    headers['Cache-Control'] = 'no-store';
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) };  // keep-alive sockets would hold close() open
}

// Chromium's flags for the tests and the benchmarks (bench/js/cdp.mjs launches it the same way).
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

export async function launch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    ctx,
    async close() { await ctx.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

// Opens `url`, waits for the page to set window.__result = { passed, failed, failures }.
export async function runPage(ctx, url, timeoutMs = 120000) {
  const page = await ctx.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  await page.goto(url);
  let result;
  try {
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: timeoutMs });
    result = await page.evaluate(() => window.__result);
  } catch (e) {
    result = { passed: 0, failed: 1, failures: [`page did not finish: ${e.message}`] };
  }
  await page.close();
  if (result.failed) result.logs = logs;
  return result;
}
