// Compile-only check of dist/index.d.ts (`npx tsc -p tests/types`): the API as
// a TypeScript user writes it must type-check under --strict.
import {
  ready, info, chunk, chunkBatch, chunkStream, Chunker, blake3, sha256, hex, nixBase32,
  compress, decompress, compressStream, decompressStream, frameInfo, type FrameInfo, ed25519, nix, narinfo,
  ChunkerError, InvalidArgumentError, memoryUsage, type Chunk, type HashedChunk,
  hashStream, createWorkerClient, nar, narStream, NarWriter, AbortError, type NarInfo, type WorkerClient,
} from 'chunker-wasm';

export async function useMore(bytes: Uint8Array, file: Blob): Promise<void> {
  const ac = new AbortController();
  const d: Uint8Array = await hashStream(file, { hash: 'blake3', outputLength: 64, signal: ac.signal, onProgress: (n: number) => n });
  const z: Uint8Array = await compress(bytes, { codec: 'zstd', signal: ac.signal, onProgress: (n) => n });
  await decompress(z, { maxOutput: 1 << 20, signal: ac.signal });
  const fi: FrameInfo | null = await frameInfo(z);
  if (fi && fi.codec === 'zstd' && fi.length === z.length) (fi.windowSize ?? 0).toFixed((fi.contentSize ?? 0) && 0);
  const w: WorkerClient = createWorkerClient();
  const cs: Chunk[] = await w.chunk(file, { avg: 65536, hash: 'sha256', signal: ac.signal, onProgress: (n) => n });
  for await (const c of w.chunkStream(bytes, { transfer: true })) c.length.toFixed();
  const h: Uint8Array = await w.blake3(file);
  await w.compress(bytes, { codec: 'lz4' });
  w.terminate();
  const info: NarInfo = await narinfo.parse('StorePath: x');
  const text: string = await narinfo.format({ ...info, References: [...info.References], Sig: [] });
  const n: Uint8Array = await nar({ type: 'directory', entries: { a: { type: 'regular', contents: file }, b: { type: 'symlink', target: 'a' } } });
  const rs: ReadableStream<Uint8Array> = narStream({ type: 'regular', executable: true, contents: () => file.stream(), size: file.size });
  const nw = await NarWriter.create();
  const piece: Uint8Array = nw.beginRegular(false, 1);
  nw.free();
  // @ts-expect-error: the constructor is private (use NarWriter.create())
  new NarWriter();
  try { await w.sha256(file); } catch (e) { if (e instanceof AbortError) e.code.toUpperCase(); }
  void [d, cs, h, text, n, rs, piece, info.NarSize.toFixed()];
}

export async function use(bytes: Uint8Array, file: Blob): Promise<void> {
  const i = await ready;
  const v: 'threads' | 'single' = i.variant;
  const chunks: HashedChunk[] = chunk(bytes, { min: 4096, avg: 16384, max: 65536, level: 1, seed: 0n, hash: 'blake3' });
  const fp: bigint = chunks[0].fingerprint;
  const h: string = chunks[0].hash;
  const bare = chunk(bytes, { hash: 'none' });
  // @ts-expect-error: no digest with hash: "none"
  const hb: string = bare[0].hash;
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
  void [v, fp, h, hb, many, ok, fpr, mem, notSync];
}
