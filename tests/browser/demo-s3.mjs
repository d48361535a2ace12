// End to end in headless Chromium: upload-dedup demo servers (separate
// processes, `node server.mjs` with STORE_URL=s3://…) sharing one store on
// S3 (Ceph RGW from scripts/s3/rgw.sh), each page on its own server:
//   1. a file uploaded through A's page; B's page uploads the same file and
//      sends nothing (B's server counts the chunks it receives: 0), then
//      downloads it verified (BLAKE3 in the page) and byte-exact over HTTP;
//   2. two files with a shared middle uploaded at the same time, one through
//      A's page and one through B's; each downloads through the other server;
//   3. a third server C, whose S3 traffic goes through a fault proxy, is killed
//      (kill -9) while its page uploads a 40 MiB file: C is killed once one of
//      its pack PUTs is held by the proxy and two of its batches are indexed.
//      The store then verifies clean, lists only the earlier files, and B's
//      page uploads the file again, sending only what C had not stored.
// After each step the store is judged by the native CLI on a copy of the
// bucket prefix (`chunker store verify`, then `get` of every listed file).
//
//   eval "$(bash scripts/s3/rgw.sh start)"; node tests/browser/demo-s3.mjs; bash scripts/s3/rgw.sh stop
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch } from './harness.mjs';
import { startProxy } from '../s3/fault-proxy.mjs';
import {
  NO_S3, S3, b3sumFile, cliSupport, haveS3, makeData, requireTools, s3Url, startServerProcess, verifyNative, withEndpoint,
} from '../s3/demo-helpers.mjs';

let passed = 0, failed = 0;
function check(cond, what) {
  if (cond) { passed++; console.log(`  ok   ${what}`); } else { failed++; console.log(`  FAIL ${what}`); }
}
if (!haveS3) {
  console.log(`demo-s3 e2e: ${requireTools ? 'FAIL' : 'skipped'}: ${NO_S3}`);
  process.exit(requireTools ? 1 : 0);
}
const support = cliSupport();
if (!support.local) {
  console.log(`demo-s3 e2e: ${requireTools ? 'FAIL' : 'skipped'}: the store is judged by the native CLI: ${support.why}`);
  process.exit(requireTools ? 1 : 0);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-s3-e2e-'));
const file = (name, data) => { const p = path.join(tmp, name); fs.writeFileSync(p, data); return { name, path: p, data }; };
const sample = file('sample.bin', makeData(6 << 20, 1));
const shared = makeData(6 << 20, 2);
const left = file('left.bin', Buffer.concat([makeData(3 << 20, 3), shared]));
const right = file('right.bin', Buffer.concat([shared, makeData(3 << 20, 4)]));
const big = file('big.bin', makeData(40 << 20, 5));
const stored = {};

const url = s3Url('e2e');
const stats = async (base) => (await fetch(`${base}/api/stats`)).json();
const servers = [];
const browser = await launch();
let proxy;

async function openPage(base, label) {
  const page = await browser.ctx.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${label} console.${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[${label} pageerror] ${e.message}`));
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.__demo && window.__demo.ready, null, { timeout: 60000 });
  let n = 0;
  return {
    page, logs,
    // Starts an upload through the file input; -> a promise of the page's record of it.
    upload(f, states = ['done', 'error']) {
      const i = n++;
      return page.setInputFiles('#files', f.path).then(() => page.waitForFunction(([k, st]) => window.__demo.uploads.length > k && st.includes(window.__demo.uploads[k].state),
        [i, states], { timeout: 300000 })).then(() => page.evaluate((k) => window.__demo.uploads[k], i));
    },
    download: (name) => page.evaluate((nm) => window.__demo.download(nm, { save: false }), name),
  };
}
const httpGet = async (base, name) => Buffer.from(await (await fetch(`${base}/api/files/${encodeURIComponent(name)}`)).arrayBuffer());
async function judged(label) {
  try {
    const v = await verifyNative(url, stored);
    check(/\b0 problems/.test(v.verify) && v.files.join() === Object.keys(stored).sort().join(),
      `${label}: \`chunker store verify\` clean on a copy of the bucket prefix (${v.objects} objects), every listed file restored byte-exact: ${v.files.join(', ')}`);
  } catch (e) {
    check(false, `${label}: ${e.message}`);
  }
}

try {
  const [A, B] = await Promise.all([startServerProcess(url), startServerProcess(url)]);
  servers.push(A, B);
  console.log(`store ${url.replace(/\?.*/, '')}; server A ${A.base}, server B ${B.base} (separate processes)`);
  const pa = await openPage(A.base, 'A'), pb = await openPage(B.base, 'B');

  console.log('1. upload through A, dedup check and download through B:');
  const u1 = await pa.upload(sample);
  check(u1.state === 'done' && u1.blake3 === b3sumFile(sample.path), `A's page stored sample.bin (${u1.state}${u1.error ? `: ${u1.error}` : ''}), page BLAKE3 = b3sum`);
  const sa = await stats(A.base);
  check(sa.chunksReceived === u1.uniqueChunks && u1.chunksSent === u1.uniqueChunks && u1.uniqueChunks > 50,
    `server A received every unique chunk once: ${sa.chunksReceived} of ${u1.uniqueChunks}, in ${sa.batches} batches`);
  stored['sample.bin'] = sample.data;
  const u2 = await pb.upload(sample);
  const sb = await stats(B.base);
  check(u2.state === 'done' && u2.newChunks === 0 && u2.chunksSent === 0 && sb.chunksReceived === 0 && sb.batches === 0,
    `B's page uploading the same file sent nothing: B found all ${u2.uniqueChunks} chunks present (server B received ${sb.chunksReceived} chunks)`);
  const d1 = await pb.download('sample.bin');
  check(d1.ok && d1.blake3 === u1.blake3 && d1.size === sample.data.length, `B's page downloaded sample.bin, BLAKE3 verified in the page`);
  check((await httpGet(B.base, 'sample.bin')).equals(sample.data), 'HTTP download of sample.bin from B equals the file on disk');
  await judged('after step 1');

  console.log('2. concurrent uploads through A and B, overlapping data:');
  const before = (await stats(A.base)).chunksReceived + (await stats(B.base)).chunksReceived;
  const [ul, ur] = await Promise.all([pa.upload(left), pb.upload(right)]);
  check(ul.state === 'done' && ur.state === 'done', `left.bin through A and right.bin through B, at once: ${ul.state}, ${ur.state}${ul.error || ur.error ? ` (${ul.error || ur.error})` : ''}`);
  stored['left.bin'] = left.data; stored['right.bin'] = right.data;
  const got = (await stats(A.base)).chunksReceived + (await stats(B.base)).chunksReceived - before;
  // (whether the shared middle travels once or twice depends on which page asks first: both is fine)
  check(got === ul.chunksSent + ur.chunksSent && got <= ul.uniqueChunks + ur.uniqueChunks && got > 0,
    `the servers received exactly the ${got} chunks the pages sent (the two files have ${ul.uniqueChunks + ur.uniqueChunks} chunks, the shared middle included twice)`);
  const dl = await pb.download('left.bin'), dr = await pa.download('right.bin');
  check(dl.ok && dl.blake3 === b3sumFile(left.path) && dr.ok && dr.blake3 === b3sumFile(right.path), "each file downloaded verified through the other server's page");
  check((await httpGet(B.base, 'left.bin')).equals(left.data) && (await httpGet(A.base, 'right.bin')).equals(right.data), 'and byte-exact over HTTP');
  await judged('after step 2');

  console.log('3. server C killed (kill -9) in the middle of an upload:');
  proxy = await startProxy(S3.endpoint);
  let packPuts = 0;
  proxy.rule = (e) => (e.method === 'PUT' && e.key.includes('/packs/') && ++packPuts === 3 ? 'hold' : 'forward');
  const C = await startServerProcess(withEndpoint(url, proxy.url));
  servers.push(C);
  const pc = await openPage(C.base, 'C');
  const uc = pc.upload(big);
  const indexed = (log) => log.filter((e) => e.method === 'PUT' && e.key.includes('/index/') && e.status === 200).length;
  await proxy.waitFor((log) => log.some((e) => e.status === 'held') && indexed(log) >= 2);
  const heldKey = proxy.log.find((e) => e.status === 'held').key;
  const { signal } = await C.kill9();
  check(signal === 'SIGKILL', `C killed while its 3rd pack PUT (${heldKey.replace(/.*\//, '').slice(0, 16)}…) was held and ${indexed(proxy.log)} batches were indexed`);
  const ucr = await uc;
  check(ucr.state === 'error', `C's page reports the upload failed (${ucr.error})`);
  proxy.rule = () => 'forward';
  await judged('after the kill');
  const sb0 = await stats(B.base);
  const u3 = await pb.upload(big);
  const sb1 = await stats(B.base);
  check(u3.state === 'done' && u3.newChunks > 0 && u3.newChunks < u3.uniqueChunks && sb1.chunksReceived - sb0.chunksReceived === u3.newChunks,
    `B's page uploaded big.bin again, sending only ${u3.newChunks} of ${u3.uniqueChunks} chunks (the batches C indexed before it died are reused)`);
  stored['big.bin'] = big.data;
  const mib = (u3.newChunks / u3.uniqueChunks) * big.data.length / 2 ** 20;
  console.log(`  (B's S3 requests for that upload, ~${mib.toFixed(1)} MiB of new chunks in ${sb1.batches - sb0.batches} batches: ${sb1.storageRequests - sb0.storageRequests}, of which retries ${sb1.storageRetries - sb0.storageRetries})`);
  const d3 = await pb.download('big.bin');
  check(d3.ok && d3.blake3 === b3sumFile(big.path), "big.bin downloaded through B's page, BLAKE3 verified");
  check((await httpGet(A.base, 'big.bin')).equals(big.data), 'and byte-exact over HTTP through A');
  await judged('at the end');

  const errors = [...pa.logs, ...pb.logs].filter((l) => /console\.error|pageerror/.test(l));
  check(errors.length === 0, `no console errors on A's and B's pages (${errors.length ? errors.join(' | ') : 'none'})`);
  if (failed) for (const l of [...pa.logs, ...pb.logs, ...pc.logs]) console.log(`  ${l}`);
} catch (e) {
  failed++;
  console.log(`  FAIL ${e.stack || e}`);
} finally {
  await browser.close();
  for (const s of servers) await s.kill9();
  if (failed) for (const s of servers) if (s.stderr().trim()) console.log(`  server stderr: ${s.stderr().trim()}`);
  await proxy?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`demo-s3 e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
