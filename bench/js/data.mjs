// Inputs shared by the Node (run.mjs, ab.mjs) and Chromium (page.js)
// benchmarks: `random` bytes for hashing and chunking, and `mixed` (words of
// a JSON-ish vocabulary with 1/16 of 256-byte random runs, about 1.5:1 with
// zstd -3) for compression. Uses Web Crypto, present in both.
export function benchData(n) {
  const random = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(random.subarray(i, i + 65536));
  const mixed = new Uint8Array(n);
  const words = ['chunk', 'store', 'hash', 'nix', '{"path":', '"size":', '12345', '\n', 'derivation', 'output'];
  for (let i = 0, r = 1; i < n;) {
    r = (r * 1103515245 + 12345) >>> 0;
    if ((r >>> 28) === 0) { const k = Math.min(n - i, 256); mixed.set(random.subarray(i, i + k), i); i += k; continue; }
    const w = words[(r >>> 8) % words.length];
    for (let k = 0; k < w.length && i < n; k++) mixed[i++] = w.charCodeAt(k);
    if (i < n) mixed[i++] = 32;
  }
  return { random, mixed };
}
