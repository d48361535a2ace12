// Compile-only check of dist/index.d.ts (`npx tsc -p tests/types`): the API as
// a TypeScript user writes it must type-check under --strict.
import {
  ready, info, chunk, chunkBatch, chunkStream, Chunker, blake3, sha256, hex, nixBase32,
  compress, decompress, compressStream, decompressStream, ed25519, nix, narinfo,
  ChunkerError, InvalidArgumentError, memoryUsage, type Chunk,
} from 'chunker-wasm';

export async function use(bytes: Uint8Array, file: Blob): Promise<void> {
  const i = await ready;
  const v: 'threads' | 'single' = i.variant;
  const chunks: Chunk[] = chunk(bytes, { min: 4096, avg: 16384, max: 65536, level: 1, seed: 0n, hash: 'blake3' });
  const fp: bigint = chunks[0].fingerprint;
  const h: string | undefined = chunks[0].hash;
  const many: Chunk[][] = chunkBatch([bytes, bytes.buffer], { avg: 16384 });
  const c = new Chunker({ avg: 65536 });
  c.push(bytes).concat(c.finish());
  c.free();
  for await (const x of chunkStream(file, { signal: AbortSignal.timeout(1000), onProgress: (n: number) => n })) x.offset.toFixed();
  const d: Uint8Array = blake3(bytes, { outputLength: 64, key: new Uint8Array(32) });
  const hs = blake3.create({ context: 'ctx' }).update(bytes).digest({ outputLength: 16, seek: 8 });
  const s: Uint8Array = sha256(bytes, { backend: 'wasm' });
  const s2 = sha256.create().update(bytes).digest();
  const t: string = nixBase32.encode(s) + hex.encode(d) + hex.encode(hs) + hex.encode(s2);
  nixBase32.decode(t);
  const z: Uint8Array = await compress(bytes, { codec: 'zstd', level: 3 });
  await decompress(z, { maxOutput: 1 << 20 });
  await compress(bytes, { strategy: 'smallest' });
  file.stream().pipeThrough(compressStream({ codec: 'xz' })).pipeThrough(decompressStream());
  const sig: Uint8Array = await ed25519.sign(new Uint8Array(32), 'msg');
  const ok: boolean = await ed25519.verify(await ed25519.publicKey(new Uint8Array(32)), 'msg', sig);
  const keys = await nix.generateKey('cache-1');
  const signed: string = await narinfo.sign('StorePath: x', keys.secretKey);
  await narinfo.verify(signed, [keys.publicKey]);
  await nix.verify(keys.publicKey, 'm', await nix.sign(keys.secretKey, 'm'));
  const fpr: string = await narinfo.fingerprint(signed);
  const mem: number = memoryUsage().core + info().threads;
  try { chunk(bytes); } catch (e) {
    if (e instanceof InvalidArgumentError || e instanceof ChunkerError) e.code.toUpperCase();
  }
  // @ts-expect-error: not a supported hash
  chunk(bytes, { hash: 'md5' });
  // @ts-expect-error: compress is async
  const notSync: Uint8Array = compress(bytes);
  void [v, fp, h, many, ok, fpr, mem, notSync];
}
