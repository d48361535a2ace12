// CommonJS TypeScript users: require() resolves through the "require"
// condition to dist/index.d.cts.
import cw = require('chunker-wasm');

export async function useCjs(bytes: Uint8Array): Promise<string> {
  await cw.ready;
  const c: cw.HashedChunk[] = cw.chunk(bytes, { avg: 65536 });
  return c[0].hash + cw.hex.encode(cw.blake3(bytes));
}
