// Module worker: loads chunker-wasm (its browser build, served under /pkg/)
// and runs the page's CPU work off the main thread. In a cross-origin isolated
// page the worker is isolated too and the package picks its threads variant;
// otherwise the single variant.
//
// Messages in:  { id, op: 'chunk', file, start, end, params, wholeHash }
//               { id, op: 'hash', blob }             whole-blob BLAKE3
//               { id, op: 'compress', file, offset, length }
// Messages out: { type: 'ready', info } once, then { id, type: 'progress', bytes }
//               and { id, type: 'done', result } or { id, type: 'error', error, code }.
import { Chunker, blake3, compress, hex, ready } from '/pkg/esm/index.browser.js';

const info = await ready;
postMessage({ type: 'ready', info });

// Pieces of a Blob in order (the Blob stream gives ~64 KiB..2 MiB pieces).
async function* pieces(blob) {
  const r = blob.stream().getReader();
  for (;;) {
    const { value, done } = await r.read();
    if (done) return;
    yield value;
  }
}

const PROGRESS_EVERY = 4 << 20;

// Chunks file[start, end) with BLAKE3 per chunk; offsets are absolute. With
// wholeHash (only for start = 0, end = size) the same read also hashes the
// whole file. The last chunk is "cut" at `end` even if the file goes on: the
// page drops it when end < size (its boundary is an artefact of the slice).
async function chunkRange(id, { file, start, end, params, wholeHash }) {
  const c = new Chunker({ ...params, hash: 'blake3', threads: 1 });
  const h = wholeHash ? blake3.create() : null;
  const hashes = [], lengths = [];
  const take = (list) => { for (const x of list) { hashes.push(x.hash); lengths.push(x.length); } };
  let read = 0, next = PROGRESS_EVERY;
  try {
    for await (const piece of pieces(file.slice(start, end))) {
      take(c.push(piece));
      if (h) h.update(piece);
      read += piece.length;
      if (read >= next) { postMessage({ id, type: 'progress', bytes: read }); next = read + PROGRESS_EVERY; }
    }
    take(c.finish());
    postMessage({ id, type: 'progress', bytes: read });
    return { start, end, hashes, lengths, blake3: h ? hex.encode(h.digest()) : undefined };
  } finally {
    c.free();
    if (h) h.free();
  }
}

async function hashBlob(id, { blob }) {
  const h = blake3.create();
  let read = 0, next = PROGRESS_EVERY;
  try {
    for await (const piece of pieces(blob)) {
      h.update(piece);
      read += piece.length;
      if (read >= next) { postMessage({ id, type: 'progress', bytes: read }); next = read + PROGRESS_EVERY; }
    }
    return { blake3: hex.encode(h.digest()), size: read };
  } finally {
    h.free();
  }
}

// One chunk, ready to upload: a zstd-3 frame, or the raw bytes when the frame
// would not be smaller (incompressible data).
async function compressChunk(id, { file, offset, length }) {
  const raw = new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
  if (raw.length !== length) throw new Error(`file changed while uploading (read ${raw.length} of ${length} bytes)`);
  const z = await compress(raw, { codec: 'zstd', level: 3 });
  return z.length < raw.length ? { body: z, encoding: 'zstd' } : { body: raw, encoding: 'raw' };
}

const OPS = { chunk: chunkRange, hash: hashBlob, compress: compressChunk };

onmessage = async ({ data }) => {
  const { id, op } = data;
  try {
    const result = await OPS[op](id, data);
    postMessage({ id, type: 'done', result }, result && result.body ? [result.body.buffer] : []);
  } catch (e) {
    postMessage({ id, type: 'error', error: String((e && e.message) || e), code: e && e.code });
  }
};
