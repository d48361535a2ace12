// compress()/decompress(): the codecs wasm module (zstd, lz4 frame, xz,
// bzip2) is loaded on the first call, so users who only chunk and hash never
// download it.
import { invalidArg } from './errors.js';
import { check, copyIn, copyOut, getCodecs, toBytes } from './runtime.js';

const DEFAULT_MAX_OUTPUT = 2 ** 30;   // as native: 1 GiB unless raised
const MAX_OUTPUT_CAP = 2 ** 31 - 2 ** 26;  // what a wasm32 heap can hold

function strOpt(v, name) {
  if (v === undefined) return '';
  if (typeof v != 'string') throw invalidArg(`${name}: expected a string, got ${typeof v}`);
  return v;
}

// compress(bytes, { codec: "zstd" | "lz4" | "xz" | "bzip2", level, strategy })
// -> Uint8Array holding one frame in the codec's standard format.
export async function compress(bytes, opts = {}) {
  const b = toBytes(bytes);
  const codec = strOpt(opts.codec, 'codec');
  const strategy = strOpt(opts.strategy, 'strategy');
  const level = opts.level;
  if (level !== undefined && (typeof level != 'number' || !Number.isInteger(level))) {
    throw invalidArg(`level: expected an integer, got ${String(level)}`);
  }
  const M = await getCodecs();
  const p = copyIn(M, b);
  try {
    const n = check(M, M.compress(p, b.length, codec || (strategy ? '' : 'zstd'), strategy, level !== undefined, level || 0));
    const out = copyOut(M, M.outPtr(), n);
    M.releaseOut();
    return out;
  } finally {
    M._free(p);
  }
}

// decompress(bytes, { maxOutput }) -> Uint8Array. Detects zstd / lz4 frame /
// xz / bzip2 by magic, frame by frame; ERR_OUTPUT_LIMIT past maxOutput bytes.
export async function decompress(bytes, opts = {}) {
  const b = toBytes(bytes);
  const max = opts.maxOutput === undefined ? DEFAULT_MAX_OUTPUT : opts.maxOutput;
  if (typeof max != 'number' || !Number.isInteger(max) || max < 0 || max > MAX_OUTPUT_CAP) {
    throw invalidArg(`maxOutput: expected an integer in 0..${MAX_OUTPUT_CAP}, got ${String(opts.maxOutput)}`);
  }
  const M = await getCodecs();
  const p = copyIn(M, b);
  try {
    const n = check(M, M.decompress(p, b.length, max));
    const out = copyOut(M, M.outPtr(), n);
    M.releaseOut();
    return out;
  } finally {
    M._free(p);
  }
}
