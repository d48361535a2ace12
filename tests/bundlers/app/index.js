// The page every bundler test project builds: chunk + BLAKE3 + zstd through
// the package as an app imports it, plus the worker client. Results go to
// window.__result; the runner checks them against its own references.
import { ready, chunk, blake3, compress, decompress, hex, createWorkerClient } from 'chunker-wasm';

const fetchBytes = async (u) => {
  const r = await fetch(u);
  if (!r.ok) throw new Error(`${u}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};
const b64 = (u8) => { let s = ''; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000)); return btoa(s); };

async function main() {
  const info = await ready;
  const data = await fetchBytes('/fixtures/data.jpg');
  const opts = { min: 4096, avg: 16384, max: 65535, hash: 'sha256' };
  const chunks = chunk(data, opts).map((c) => [String(c.fingerprint), c.length, c.hash]);
  const z = await compress(data, { codec: 'zstd' });
  const fromCli = await decompress(await fetchBytes('/fixtures/data.jpg.zst'));
  const back = await decompress(z);
  // Worker URL: zero-config bundlers rewrite the package's own; the copy-step
  // recipes (esbuild, Rollup) emit it as a second entry next to the bundle.
  const w = createWorkerClient(window.WORKER_URL ? { url: window.WORKER_URL } : {});
  const winfo = await w.ready;
  const wchunks = (await w.chunk(data, opts)).map((c) => [String(c.fingerprint), c.length, c.hash]);
  const wz = await w.decompress(await w.compress(data, { codec: 'zstd' }));
  w.terminate();
  return {
    variant: info.variant, isolated: globalThis.crossOriginIsolated === true, workerVariant: winfo.variant,
    chunks, wchunks, blake3: hex.encode(blake3(data)),
    zstd: b64(z), fromCli: hex.encode(blake3(fromCli)), back: hex.encode(blake3(back)), workerBack: hex.encode(blake3(wz)),
  };
}
main().then((r) => { window.__result = r; }, (e) => { window.__result = { error: String((e && e.stack) || e), code: e && e.code }; });
