// End-to-end test of the upload-dedup demo (examples/upload-dedup) in headless
// Chromium, against the real server on 127.0.0.1:
//   1. with COOP/COEP -> the page's workers get the threads variant
//   2. without        -> single variant, same flow
// Each run: upload a file through the page's file input; upload a copy with
// bytes inserted in the middle and count the chunks the browser actually sent
// in its batch POSTs (counted by the server as it parses them, not taken from
// the page's own report); download both through the page (BLAKE3-verified there) and over
// plain HTTP (compared with the files on disk); a forged chunk from the page
// is rejected with 4xx; no console errors (favicon included); a picked File
// that changes on disk fails chunk + hash and the upload's read loudly,
// naming it; the upload's read pass picks the right bytes out of a sparse
// selection of a big file's chunks (the server checks each). The isolated
// run also uploads a 140 MiB file (many batches, one pack each) and downloads
// it byte-exact.
// The isolated run saves a screenshot (build/artifacts/upload-dedup.png, or
// docs/upload-dedup.png with UPDATE_SCREENSHOT=1).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkStream } from '../../dist/esm/index.node.js';
import { createServer } from '../../examples/upload-dedup/server.mjs';
import { launch } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const b3sum = (file) => execFileSync('b3sum', ['--no-names', file]).toString().trim();
const b3sumBuf = (input) => execFileSync('b3sum', ['--no-names'], { input }).toString().trim();

// ~6 MiB: pseudo-random runs and text runs (so zstd has something to do).
function makeFile(n) {
  const out = Buffer.alloc(n);
  let x = 0x9e3779b9;
  const text = Buffer.from('Upload dedup demo: content-defined chunks, BLAKE3 and zstd. ');
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = ((i >> 15) & 3) === 0 ? text[i % text.length] : x & 255;
  }
  return out;
}

let passed = 0, failed = 0;
function check(cond, what) {
  if (cond) { passed++; console.log(`  ok   ${what}`); } else { failed++; console.log(`  FAIL ${what}`); }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-e2e-'));
const original = makeFile(6 << 20);
const edited = Buffer.concat([original.subarray(0, 3 << 20), Buffer.from('*** 1000 inserted bytes ***'.repeat(37).slice(0, 1000)), original.subarray(3 << 20)]);
const origPath = path.join(tmp, 'sample.bin');
const editPath = path.join(tmp, 'sample-edited.bin');
fs.writeFileSync(origPath, original);
fs.writeFileSync(editPath, edited);

const browser = await launch();
try {
  for (const isolated of [true, false]) {
    const expect = isolated ? 'threads' : 'single';
    console.log(`${isolated ? 'isolated' : 'not isolated'} (${expect} variant expected):`);
    const storeDir = path.join(tmp, `store-${expect}`);
    // (the not-isolated run's server has no WebSocket endpoint: the page's fallback to POSTs)
    const server = await createServer({ storeDir, isolated, webSockets: isolated });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${server.address().port}`;
    const page = await browser.ctx.newPage();
    await page.setViewportSize({ width: 1100, height: 820 });
    const logs = [];
    page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
    // Batches (POSTs and WebSocket messages) and the chunks in them, as the server parsed them (the page's request bodies are
    // Blobs, which the DevTools protocol does not report).
    const posts = { get length() { return server.counters.batches; } };
    const sent = () => server.counters.chunksReceived;
    // Chunks in the store = the blob counts in the packs' trailers; packs = files under packs/.
    const packs = () => fs.readdirSync(path.join(storeDir, 'packs')).flatMap((d) => fs.readdirSync(path.join(storeDir, 'packs', d)).map((f) => path.join(storeDir, 'packs', d, f)));
    const chunkFiles = () => ({ length: packs().reduce((a, f) => { const b = fs.readFileSync(f); return a + b.readUInt32LE(b.length - 16); }, 0) });
    try {
      await page.goto(`${base}/`);
      await page.waitForFunction(() => window.__demo && window.__demo.ready, null, { timeout: 60000 });
      const env = await page.evaluate(() => ({ info: window.__demo.info, isolated: globalThis.crossOriginIsolated, workers: window.__demo.workers }));
      check(env.info.variant === expect && env.isolated === isolated, `page workers run the ${expect} variant (got ${env.info.variant}, crossOriginIsolated=${env.isolated}, ${env.workers} workers)`);

      const upload = async (file, i) => {
        await page.setInputFiles('#files', file);
        await page.waitForFunction((n) => window.__demo.uploads.length > n && ['done', 'error'].includes(window.__demo.uploads[n].state), i, { timeout: 120000 });
        return page.evaluate((n) => window.__demo.uploads[n], i);
      };

      const u1 = await upload(origPath, 0);
      check(u1.state === 'done', `first upload finished (${u1.state}${u1.error ? `: ${u1.error}` : ''})`);
      check(u1.blake3 === b3sum(origPath), 'page BLAKE3 of the file = b3sum');
      const after1 = chunkFiles().length;
      check(sent() === u1.uniqueChunks && after1 === u1.uniqueChunks && u1.chunks > 50,
        `first upload sent every unique chunk once: ${sent()} chunks in the POSTs, ${after1} chunks in the packs, ${u1.chunks} chunks`);
      check(posts.length === u1.batches && packs().length === posts.length && posts.length < u1.uniqueChunks / 10,
        `batched: ${posts.length} batches for ${u1.uniqueChunks} chunks, ${packs().length} packs`);
      // The page's default transport: a WebSocket per worker where the server has the endpoint
      // (the isolated run's), POSTs where it does not (the other run's server).
      check(server.counters.wsBatches === (isolated ? posts.length : 0),
        `first upload's batches went ${isolated ? 'over WebSockets' : 'as POSTs (no WebSocket endpoint)'}: ${server.counters.wsBatches} of ${posts.length} over a WebSocket`);

      const before2 = sent();
      const u2 = await upload(editPath, 1);
      const sent2 = sent() - before2;
      check(u2.state === 'done', `edited copy finished (${u2.state}${u2.error ? `: ${u2.error}` : ''})`);
      check(sent2 >= 1 && sent2 <= 3, `edited copy (1000 bytes inserted mid-file) sent only ${sent2} of ${u2.chunks} chunks`);
      check(chunkFiles().length === after1 + sent2 && u2.chunksSent === sent2, `store grew by exactly those ${sent2} chunks; page counted ${u2.chunksSent}`);
      check(u2.bytesSent < edited.length / 20, `edited copy: ${u2.bytesSent} bytes on the wire for ${edited.length} bytes`);

      for (const [name, file, buf] of [['sample.bin', origPath, original], ['sample-edited.bin', editPath, edited]]) {
        const v = await page.evaluate((n) => window.__demo.download(n, { save: false }), name);
        check(v.ok && v.blake3 === b3sum(file) && v.size === buf.length, `page download of ${name} verified (BLAKE3 ${v.blake3.slice(0, 12)}…)`);
        const got = Buffer.from(await (await fetch(`${base}/api/files/${encodeURIComponent(name)}`)).arrayBuffer());
        check(got.equals(buf), `HTTP download of ${name} equals the file on disk`);
      }

      const errors = logs.filter((l) => l.startsWith('[console.error]') || l.startsWith('[pageerror]'));
      check(errors.length === 0, `no console errors so far (${errors.length ? errors.join(' | ') : 'favicon found'})`);

      // A forged chunk sent by the page: the bytes of one chunk under the hash of another.
      const forged = await page.evaluate(async () => {
        const hashes = (await (await fetch('/api/files/sample.bin')).headers.get('x-blake3'));
        const body = new TextEncoder().encode('these bytes do not hash to the URL');
        const r = await fetch(`/api/chunks/${hashes}`, { method: 'PUT', headers: { 'X-Chunk-Encoding': 'raw' }, body });
        return { status: r.status, body: await r.json() };
      });
      check(forged.status >= 400 && forged.status < 500 && forged.body.code === 'HASH_MISMATCH', `forged chunk rejected: ${forged.status} ${forged.body.code}`);

      // The UI shows the result: two cards, chunk strips drawn, stored files listed with download buttons.
      const ui = await page.evaluate(() => ({
        cards: document.querySelectorAll('#uploads .file').length,
        strips: [...document.querySelectorAll('#uploads canvas')].map((c) => c.width),
        rows: document.querySelectorAll('#stored tbody tr').length,
        saved: document.querySelector('#uploads .file .stats').textContent,
      }));
      check(ui.cards === 2 && ui.strips.every((w) => w > 100) && ui.rows === 2 && /saved/.test(ui.saved), `page shows 2 upload cards with chunk strips and 2 stored files ("${ui.saved.slice(0, 60)}…")`);

      if (!isolated) {
        // A folder through the folder picker (names keep the relative path), and a drop.
        const folder = path.join(tmp, 'photos');
        fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
        fs.writeFileSync(path.join(folder, 'a.txt'), 'alpha\n'.repeat(5000));
        fs.writeFileSync(path.join(folder, 'sub', 'b.txt'), 'beta\n'.repeat(7000));
        const n0 = await page.evaluate(() => window.__demo.uploads.length);
        await page.setInputFiles('#folder', folder);
        await page.waitForFunction((n) => window.__demo.uploads.length >= n + 2 && window.__demo.uploads.slice(n).every((u) => u.state === 'done'), n0, { timeout: 60000 });
        await page.evaluate(() => {
          const dt = new DataTransfer();
          dt.items.add(new File(['dropped bytes '.repeat(1000)], 'dropped.txt'));
          dt.items.add(new File([], 'empty.txt'));
          document.querySelector('#drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        });
        await page.waitForFunction((n) => window.__demo.uploads.length >= n + 4 && window.__demo.uploads.slice(n + 2).every((u) => u.state === 'done'), n0, { timeout: 60000 });
        const names = (await (await fetch(`${base}/api/files`)).json()).files.map((f) => f.name).sort();
        check(JSON.stringify(names) === JSON.stringify(['dropped.txt', 'empty.txt', 'photos/a.txt', 'photos/sub/b.txt', 'sample-edited.bin', 'sample.bin']),
          `folder pick and drop stored as ${names.filter((n) => !n.startsWith('sample')).join(', ')}`);
        const b = Buffer.from(await (await fetch(`${base}/api/files/${encodeURIComponent('photos/sub/b.txt')}`)).arrayBuffer());
        check(b.equals(fs.readFileSync(path.join(folder, 'sub', 'b.txt'))), 'photos/sub/b.txt downloads equal to the file');
        const empty = await fetch(`${base}/api/files/empty.txt`);
        check(empty.status === 200 && (await empty.arrayBuffer()).byteLength === 0 && empty.headers.get('x-blake3') === b3sumBuf(Buffer.alloc(0)), 'an empty file round-trips');
      }

      {
        // Big file: with 2 workers the whole-file hash and the chunking run in
        // two workers that share the reads (isolated: copies through shared
        // memory; not isolated: slices transferred). 2 workers must give
        // exactly the chunks of 1 worker and of the package in Node.
        const bigPath = path.join(tmp, 'big.bin');
        const fd = fs.openSync(bigPath, 'w');
        for (let i = 0; i < 35; i++) fs.writeSync(fd, makeFile(4 << 20).map((b, j) => b ^ ((i * 131 + (j >> 12)) & 255)));
        fs.closeSync(fd);
        const ref = [], refItems = [];
        for await (const c of chunkStream(fs.createReadStream(bigPath), { ...server.store.config.chunking, hash: 'blake3' })) { ref.push(c.hash); refItems.push({ h: c.hash, off: c.offset, len: c.length }); }
        await page.evaluate(() => { const i = document.createElement('input'); i.type = 'file'; i.id = 'bigfile'; i.hidden = true; document.body.append(i); });
        await page.setInputFiles('#bigfile', bigPath);
        const lists = await page.evaluate(async () => {
          const f = document.querySelector('#bigfile').files[0];
          const one = await window.__demo.benchChunk(f, 1), two = await window.__demo.benchChunk(f, 2);
          // Reads declared stalled: the reader reopens the stream where its buffer began.
          const opts = { stallReads: [0, 7, 40] };
          const oneS = await window.__demo.benchChunk(f, 1, opts), twoS = await window.__demo.benchChunk(f, 2, opts);
          return { one: one.hashes, two: two.hashes, b1: one.blake3, b2: two.blake3, oneS: oneS.hashes, twoS: twoS.hashes, b1S: oneS.blake3, b2S: twoS.blake3 };
        });
        const same = (a, b) => a.length === b.length && a.every((h, i) => h === b[i]);
        check(same(lists.oneS, ref) && same(lists.twoS, ref) && lists.b1S === b3sum(bigPath) && lists.b2S === lists.b1S,
          '140 MiB file with reads stalled (stream reopened): same chunks and whole-file BLAKE3, 1 and 2 workers');
        check(same(lists.two, ref) && same(lists.one, ref) && ref.length > 1000,
          `140 MiB file: 2 workers (hash + chunk stages) = 1 worker = Node chunkStream (${ref.length} chunks)`);
        check(lists.b1 === b3sum(bigPath) && lists.b2 === lists.b1, 'whole-file BLAKE3 with 1 and 2 workers = b3sum');

        // The upload's read pass (worker.js, rangeReader) on a sparse selection: runs of 3
        // adjacent chunks ~3 MiB apart (a stream per run), then a dense stretch read through
        // across buffer refills, in small batches on both workers, with stalled reads. The
        // server checks each record's BLAKE3, so a chunk read from the wrong bytes fails it.
        const pick = refItems.filter((_, i) => i % 50 < 3 || (i >= 1200 && i < 1500));
        const picked = pick.reduce((a, x) => a + x.len, 0);
        // (bodyType 'bytes': batch bodies as the bytes rather than Blobs, the page's other body type;
        // transport 'ws': the batches over one WebSocket per worker, the page's default. The not-isolated
        // run's server has no WebSocket endpoint: the page must fall back to POSTs.)
        for (const [stallReads, bodyType, transport] of [[[], 'blob', 'ws'], [[0, 2], 'blob', 'post'], [[], 'bytes', 'post'], [[0, 2], 'blob', 'ws']]) {
          const chunks0 = sent(), ws0 = server.counters.wsBatches, posts0 = posts.length;
          const r = await page.evaluate(async ([items, stallReads, bodyType, transport]) => {
            try { return await window.__demo.sendChunks(document.querySelector('#bigfile').files[0], items, { batchBytes: 1 << 20, stallReads, bodyType, transport }); } catch (e) { return { error: String(e.message || e) }; }
          }, [pick, stallReads, bodyType, transport]);
          const first = stallReads.length === 0 && transport === 'ws';
          const used = transport === 'ws' && isolated ? 'ws' : 'post';
          check(!r.error && r.chunks === pick.length && sent() - chunks0 === pick.length && r.created === (first ? new Set(pick.map((x) => x.h)).size : 0) && r.batches > 4 &&
            r.transports.every((t) => t === used) && server.counters.wsBatches - ws0 === (used === 'ws' ? r.batches : 0) && posts.length - posts0 === r.batches,
            `upload read pass, ${pick.length} chunks (${(picked / 2 ** 20).toFixed(1)} MiB) picked out of 140 MiB${stallReads.length ? ', reads stalled' : ''}, ${bodyType} bodies, ` +
            `${transport === 'ws' ? `WebSocket asked, ${used === 'ws' ? 'used' : 'no endpoint: POSTs'}` : 'POSTs'} (${r.transports ? r.transports.join(', ') : ''}): ` +
            `${r.error || `${r.batches} batches, all accepted by the server (${r.created} created)`}`);
        }
      }
      {
        // A File that changes on disk after it was picked (cut short, or rewritten with other
        // bytes of the same size) must fail loudly with 1 and 2 workers, naming the file —
        // never a chunk list or hash of partial data.
        const chPath = path.join(tmp, 'changing.bin');
        for (const [how, change] of [['cut short', () => fs.truncateSync(chPath, 5 << 20)],
          ['rewritten', () => { const b = makeFile(20 << 20); b[0] ^= 1; fs.writeFileSync(chPath, b); }]]) {
          fs.writeFileSync(chPath, makeFile(20 << 20));
          await page.evaluate(() => { document.querySelector('#chfile')?.remove(); const i = document.createElement('input'); i.type = 'file'; i.id = 'chfile'; i.hidden = true; document.body.append(i); });
          await page.setInputFiles('#chfile', chPath);
          // Chromium takes the File's snapshot (size, modification time) when the page first asks for it.
          const seen = await page.evaluate(() => document.querySelector('#chfile').files[0].size);
          await new Promise((r) => setTimeout(r, 20));   // a later modification time
          change();
          const errs = await page.evaluate(async () => {
            const f = document.querySelector('#chfile').files[0], out = [];
            for (const n of [1, 2]) {
              try { const r = await window.__demo.benchChunk(f, n); out.push(`no error: ${r.chunks} chunks, ${r.blake3}`); } catch (e) { out.push(String(e.message || e)); }
            }
            return out;
          });
          check(seen === 20 << 20 && errs.every((m) => /^(?!no error).*changing\.bin/.test(m)), `a File ${how} on disk after it was picked fails with 1 and 2 workers, naming it (${errs.join(' | ')})`);
          // The upload's read pass too (the bytes are read again after chunk + hash), with either body type.
          for (const [bodyType, transport] of [['blob', 'post'], ['bytes', 'post'], ['blob', 'ws']]) {
            const chunks0 = sent();
            const upErr = await page.evaluate(async ([bodyType, transport]) => {
              const f = document.querySelector('#chfile').files[0];
              const items = [{ h: '0'.repeat(64), off: 0, len: 65536 }, { h: '1'.repeat(64), off: 8 << 20, len: 65536 }];
              try { await window.__demo.sendChunks(f, items, { bodyType, transport }); return 'no error'; } catch (e) { return String(e.message || e); }
            }, [bodyType, transport]);
            check(/^(?!no error).*changing\.bin/.test(upErr) && sent() === chunks0, `the upload of a File ${how} on disk fails before sending anything, naming it, ${bodyType} bodies, ${transport === 'ws' ? 'WebSocket' : 'POSTs'} (${upErr})`);
          }
        }
      }
      if (isolated) {
        // Batch upload of the big file through the page, then byte-exact downloads.
        const posts0 = posts.length, packs0 = packs().length;
        const nUp = await page.evaluate(() => window.__demo.uploads.length);
        const ub = await upload(path.join(tmp, 'big.bin'), nUp);
        check(ub.state === 'done' && ub.batches === posts.length - posts0 && ub.batches >= 10 && packs().length - packs0 === ub.batches,
          `140 MiB upload: ${ub.state}${ub.error ? `: ${ub.error}` : ''}, ${ub.newChunks} new chunks in ${ub.batches} batch POSTs = ${packs().length - packs0} new packs`);
        const big = await fetch(`${base}/api/files/big.bin`);
        const bigBytes = Buffer.from(await big.arrayBuffer());
        check(big.status === 200 && bigBytes.equals(fs.readFileSync(path.join(tmp, 'big.bin'))), `HTTP download of big.bin (${bigBytes.length} bytes) equals the file on disk`);
        const vb = await page.evaluate(() => window.__demo.download('big.bin', { save: false }));
        check(vb.ok && vb.blake3 === b3sum(path.join(tmp, 'big.bin')), 'page download of big.bin verified');

        // Click the verified download button of the first stored file for the picture.
        await page.click('#stored tbody tr:first-child button');
        await page.waitForFunction(() => /verified/.test(document.querySelector('#stored tbody tr:first-child span').textContent), null, { timeout: 30000 });
        const out = process.env.UPDATE_SCREENSHOT ? path.join(ROOT, 'docs/upload-dedup.png') : path.join(ROOT, 'build/artifacts/upload-dedup.png');
        fs.mkdirSync(path.dirname(out), { recursive: true });
        await page.screenshot({ path: out, fullPage: true });
        const png = fs.readFileSync(out);
        check(png.subarray(1, 4).toString() === 'PNG' && png.readUInt32BE(16) >= 1000, `screenshot ${path.relative(ROOT, out)} (${png.length} bytes, ${png.readUInt32BE(16)}x${png.readUInt32BE(20)})`);
      }
    } catch (e) {
      failed++;
      console.log(`  FAIL ${e.stack || e}`);
    } finally {
      if (failed) for (const l of logs) console.log(`  ${l}`);
      await page.close();
      await new Promise((r) => { server.close(r); server.closeAllConnections(); });
    }
  }
} finally {
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`demo e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
