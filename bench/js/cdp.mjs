// Headless Chromium driven over a raw DevTools-protocol pipe, using only the
// Target, Page, DOM and Runtime domains: what a user's browser does, without
// the driver's own costs. Playwright enables the Network domain on every page,
// and Chromium then copies every request body to the driver
// (Network.requestWillBeSent carries postData): an upload of byte bodies
// then measures the driver, not the page (figures: docs/benchmarks.md,
// "Upload demo"; Blob bodies are not copied, so the two look alike there). demo_upload_bench.mjs uses this
// by default; the tests keep Playwright.
//
// The flags are the tests' (tests/browser/harness.mjs) plus --headless and a
// fresh profile. The API is the small part of Playwright's the benchmarks use:
//   const b = await launchRaw(); const page = await b.newPage();
//   await page.goto(url); await page.waitForFunction(fn, arg, { timeout, polling });
//   await page.evaluate(fn, arg); await page.setInputFiles(selector, file);
//   await page.close(); await b.close();
// fn is sent as source text (fn.toString()) and called with the JSON of arg.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS } from '../../tests/browser/harness.mjs';


export async function launchRaw() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-chromium-'));
  const child = spawn(process.env.CHROMIUM || '/usr/bin/chromium',
    ['--headless', ...CHROMIUM_ARGS, '--remote-debugging-pipe', `--user-data-dir=${dir}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const toBrowser = child.stdio[3], fromBrowser = child.stdio[4];
  const pending = new Map();
  let next = 1, rest = '', exited = null;
  fromBrowser.setEncoding('utf8');
  // Messages are JSON, each ended by a NUL byte.
  fromBrowser.on('data', (s) => {
    const parts = (rest + s).split('\0');
    rest = parts.pop();
    for (const p of parts) {
      const m = JSON.parse(p);
      const c = m.id !== undefined && pending.get(m.id);
      if (!c) continue;   // events: none are enabled that matter here
      pending.delete(m.id);
      if (m.error) c.reject(new Error(`${c.method}: ${m.error.message}${m.error.data ? ` (${m.error.data})` : ''}`));
      else c.resolve(m.result);
    }
  });
  const gone = new Promise((r) => child.on('exit', (code, sig) => {
    exited = new Error(`chromium exited (${code ?? sig}): ${stderr.slice(-1000)}`);
    for (const c of pending.values()) c.reject(exited);
    pending.clear();
    r();
  }));
  const send = (method, params = {}, sessionId) => {
    if (exited) return Promise.reject(exited);
    return new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject, method });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  };
  await send('Browser.getVersion');

  async function newPage() {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    const s = (method, params) => send(method, params, sessionId);
    const run = async (fn, arg) => {
      const expression = `(${typeof fn === 'function' ? fn.toString() : `() => (${fn})`})(${arg === undefined ? '' : JSON.stringify(arg)})`;
      const r = await s('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
      return r.result.value;
    };
    return {
      async goto(url) {
        const r = await s('Page.navigate', { url });
        if (r.errorText) throw new Error(`goto ${url}: ${r.errorText}`);
      },
      evaluate: run,
      // Polls from here every `polling` ms; a poll that throws (the page still loading) counts as false.
      async waitForFunction(fn, arg, { timeout = 30000, polling = 100 } = {}) {
        const end = Date.now() + timeout;
        let last = null;
        for (;;) {
          try { const v = await run(fn, arg ?? undefined); if (v) return v; } catch (e) { last = e; }
          if (Date.now() > end) throw new Error(`waitForFunction timed out after ${timeout} ms${last ? ` (${last.message})` : ''}`);
          await new Promise((r) => setTimeout(r, typeof polling === 'number' ? polling : 16));
        }
      },
      // DOM.setFileInputFiles fires the input's input and change events, as a user's pick does.
      async setInputFiles(selector, file) {
        const { root } = await s('DOM.getDocument', { depth: 0 });
        const { nodeId } = await s('DOM.querySelector', { nodeId: root.nodeId, selector });
        if (!nodeId) throw new Error(`setInputFiles: no element ${selector}`);
        await s('DOM.setFileInputFiles', { nodeId, files: [path.resolve(file)] });
      },
      async close() { await send('Target.closeTarget', { targetId }); },
    };
  }

  return {
    newPage,
    ctx: { newPage },   // the shape of tests/browser/harness.mjs's launch()
    async close() {
      await send('Browser.close').catch(() => {});
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (!exited) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
