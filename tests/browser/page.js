// In-browser checks of the package against the shared vectors (tests/data),
// WebCrypto, and fixtures made by the zstd/lz4/xz/bzip2 programs (/fixtures).
// ?expect=threads|single names the variant this page must get.
const q = new URLSearchParams(location.search);
const PKG = q.get('pkg') || '/dist/esm/index.browser.js';
const C = await import(PKG);
const expected = q.get('expect');
const results = [];
const check = (cond, what) => { if (!cond) throw new Error(what); };
const eq = (a, b, what) => check(a === b, `${what}: got ${a}, want ${b}`);
const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
const bytesEq = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const get = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
const json = async (p) => (await fetch(p)).json();
const subtle = async (b) => hex(new Uint8Array(await crypto.subtle.digest('SHA-256', b)));
async function test(name, fn) {
  try { await fn(); results.push({ name }); } catch (e) { results.push({ name, error: String((e && e.stack) || e) }); }
}
const codecsLoaded = () => performance.getEntriesByType('resource').some((e) => /\/codecs-(mt|st)\.(mjs|wasm)/.test(e.name));

await test('ready and variant', async () => {
  const info = await C.ready;
  eq(info.variant, expected, 'variant');
  eq(globalThis.crossOriginIsolated, expected === 'threads', 'crossOriginIsolated');
  eq(info.blake3Backend, 'simd128', 'blake3 backend');
  eq(info.fastcdcBackend, 'simd128', 'fastcdc backend');
  eq(info.sha256Backend, 'simd128', 'sha256 backend');
  if (expected === 'single') eq(info.threads, 1, 'threads');
  check(!codecsLoaded(), 'codecs module must not load before compress/decompress is used');
});

await test('fastcdc-rs v2020 vectors', async () => {
  const v = await json('/tests/data/fastcdc_vectors.json');
  const img = await get(`/tests/data/${v.file}`);
  for (const c of v.cases) {
    const got = C.chunk(img, { min: c.min, avg: c.avg, max: c.max, level: c.level, seed: BigInt(c.seed), hash: 'none' });
    eq(JSON.stringify(got.map((x) => [x.fingerprint.toString(), x.length])), JSON.stringify(c.chunks), `case ${c.avg}/${c.seed}`);
  }
  const withHash = C.chunk(img, { min: 4096, avg: 16384, max: 65535, hash: 'sha256' });
  for (const x of withHash) eq(x.hash, await subtle(img.subarray(x.offset, x.offset + x.length)), 'chunk sha256');
});

await test('chunking forms agree, threads on and off', async () => {
  const data = crypto.getRandomValues(new Uint8Array(4 << 20).fill(0).subarray(0, 65536));
  const big = new Uint8Array(6 << 20);
  for (let i = 0; i < big.length; i += 65536) big.set(data, i);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 255;   // break the repetition
  const o = { avg: 65536, hash: 'blake3' };
  const a = C.chunk(big, o);
  eq(JSON.stringify(a, (k, v) => (typeof v == 'bigint' ? v.toString() : v)),
    JSON.stringify(C.chunk(big, { ...o, threads: 1 }), (k, v) => (typeof v == 'bigint' ? v.toString() : v)), 'threads');
  const s = [];
  for await (const c of C.chunkStream(new Blob([big.subarray(0, 1000001), big.subarray(1000001)]), o)) s.push(c);
  eq(s.length, a.length, 'stream count');
  check(s.every((c, i) => c.hash === a[i].hash && c.offset === a[i].offset && c.fingerprint === a[i].fingerprint), 'stream chunks');
});

await test('BLAKE3 official vectors', async () => {
  const v = await json('/tests/data/blake3_test_vectors.json');
  const key = new TextEncoder().encode(v.key);
  for (const c of v.cases) {
    const data = Uint8Array.from({ length: c.input_len }, (_, i) => i % 251);
    const n = c.hash.length / 2;
    eq(hex(C.blake3(data, { outputLength: n })), c.hash, `hash ${c.input_len}`);
    eq(hex(C.blake3(data, { key, outputLength: n })), c.keyed_hash, `keyed ${c.input_len}`);
    eq(hex(C.blake3(data, { context: v.context_string, outputLength: n })), c.derive_key, `derive ${c.input_len}`);
  }
});

await test('BLAKE3 of 5 MiB vs b3sum, threads on and off, incremental', async () => {
  const big = new Uint8Array(await (await fetch('/fixtures/big.bin')).arrayBuffer());
  const want = (await (await fetch('/fixtures/big.b3')).text()).trim();
  eq(want.length, 64, 'reference present');
  eq(hex(C.blake3(big)), want, 'default threads');
  eq(hex(C.blake3(big, { threads: 1 })), want, 'one thread');
  const h = C.blake3.create();
  h.update(big.subarray(0, 3000)).update(big.subarray(3000, (2 << 20) + 7)).update(big.subarray((2 << 20) + 7));
  eq(hex(h.digest()), want, 'incremental');
  h.free();
});

await test('SHA-256 vs WebCrypto', async () => {
  const d = new Uint8Array(3 << 20);
  for (let i = 0; i < d.length; i += 65536) crypto.getRandomValues(d.subarray(i, i + 65536));
  for (const n of [0, 1, 55, 56, 64, 1000, d.length]) eq(hex(C.sha256(d.subarray(0, n))), await subtle(d.subarray(0, n)), `len ${n}`);
});

await test('Nix base32 fixtures', async () => {
  const lines = (await (await fetch('/tests/data/nix-base32-vectors.txt')).text())
    .split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.trim().split(/\s+/));
  check(lines.length > 3, 'fixtures present');
  for (const [h, b] of lines) {
    eq(C.nixBase32.encode(C.hex.decode(h)), b, 'encode');
    eq(hex(C.nixBase32.decode(b)), h, 'decode');
  }
  let err;
  try { C.nixBase32.decode('e'.repeat(52)); } catch (e) { err = e; }
  eq(err && err.code, 'ERR_INVALID_ARGUMENT', 'error code');
  check(err instanceof C.InvalidArgumentError, 'error class');
});

await test('decompress files made by the reference programs; round-trips', async () => {
  const data = await get('/fixtures/data.bin');
  for (const ext of ['zst', 'lz4', 'xz', 'bz2']) {
    check(bytesEq(await C.decompress(await get(`/fixtures/data.${ext}`)), data), `decompress .${ext}`);
  }
  check(codecsLoaded(), 'codecs module loaded on first use');
  for (const codec of ['zstd', 'lz4', 'xz', 'bzip2']) {
    const z = await C.compress(data, { codec });
    check(z.length < data.length, `${codec} compresses`);
    check(bytesEq(await C.decompress(z), data), `${codec} round-trip`);
  }
  let err;
  try { await C.decompress(await get('/fixtures/data.zst'), { maxOutput: 100 }); } catch (e) { err = e; }
  eq(err && err.code, 'ERR_OUTPUT_LIMIT', 'output limit');
});

await test('Nix: narinfo signature from cache.nixos.org, Ed25519 RFC 8032, key generation', async () => {
  const text = await (await fetch('/tests/data/narinfo/cache-nixos-hello-2.10.narinfo')).text();
  const key = 'cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=';
  eq(await C.narinfo.verify(text, [key]), true, 'real signature verifies');
  eq(await C.narinfo.verify(text.replace('NarSize: 205968', 'NarSize: 205969'), [key]), false, 'altered narinfo');
  const v = (await json('/tests/data/ed25519_rfc8032.json')).vectors[1];
  const fromHex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
  eq(hex(await C.ed25519.sign(fromHex(v.secret_key), fromHex(v.message))), v.signature, 'RFC 8032 signature');
  const { secretKey, publicKey } = await C.nix.generateKey('browser-1');
  const signed = await C.narinfo.sign(text, secretKey);
  eq(await C.narinfo.verify(signed, [publicKey]), true, 'own signature verifies');
});

await test('worker client (module Worker): same chunks, hashes vs WebCrypto, abort, codes', async () => {
  const w = C.createWorkerClient();
  try {
    eq((await w.ready).variant, expected, 'variant inside the worker');
    const d = new Uint8Array(6 << 20);
    for (let i = 0; i < d.length; i += 65536) crypto.getRandomValues(d.subarray(i, i + 65536));
    const o = { avg: 65536, hash: 'sha256' };
    const ref = C.chunk(d, o);
    const viaBlob = await w.chunk(new Blob([d]), o);
    const viaBytes = await w.chunk(d, o);
    const str = (x) => JSON.stringify(x, (k, v) => (typeof v == 'bigint' ? v.toString() : v));
    eq(str(viaBlob), str(ref), 'chunks via Blob');
    eq(str(viaBytes), str(ref), 'chunks via bytes');
    for (const c of ref.slice(0, 20)) eq(c.hash, await subtle(d.subarray(c.offset, c.offset + c.length)), 'chunk sha256');
    eq(hex(await w.sha256(new Blob([d]))), await subtle(d), 'sha256 of a Blob');
    const data = await get('/fixtures/data.bin');
    check(bytesEq(await w.decompress(await get('/fixtures/data.zst')), data), 'decompress .zst in the worker');
    const ac = new AbortController();
    let err;
    try { await w.chunk(new Blob([d, d, d]), { ...o, signal: ac.signal, onProgress: () => ac.abort() }); } catch (e) { err = e; }
    eq(err && err.code, 'ERR_CANCELLED', 'abort code');
    check(err instanceof C.AbortError, 'abort class');
    err = undefined;
    try { await w.chunk(d, { min: 1 }); } catch (e) { err = e; }
    eq(err && err.code, 'ERR_INVALID_ARGUMENT', 'error code from the worker');
  } finally {
    w.terminate();
  }
});

await test('narinfo parse/format round-trip; NAR writer', async () => {
  const text = await (await fetch('/tests/data/narinfo/cache-nixos-hello-2.10.narinfo')).text();
  const o = await C.narinfo.parse(text);
  eq(o.NarSize, 205968, 'NarSize');
  eq(await C.narinfo.format(o), text, 'format(parse(t))');
  const a = await C.nar({ type: 'directory', entries: { b: { type: 'symlink', target: 'x' }, a: { type: 'regular', contents: new Blob(['hi']) } } });
  let n = 0;
  for await (const ev of C.narEntries([a])) if (ev.kind === 'node') n++;
  eq(n, 3, 'nodes read back');
});

const failures = results.filter((r) => r.error).map((r) => `${r.name}: ${r.error}`);
window.__result = { passed: results.length - failures.length, failed: failures.length, failures };
