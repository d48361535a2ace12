// The public API, shared by the Node and browser entry points.
export { ready, info, memoryUsage } from './runtime.js';
export { chunk, chunkBatch, chunkStream, Chunker } from './chunk.js';
export { blake3, sha256, hashStream, Blake3Hasher, Sha256Hasher } from './hash.js';
export { hex, nixBase32 } from './encoding.js';
export { compress, decompress, compressStream, decompressStream, frameInfo } from './codec.js';
export {
  ChunkerError, InvalidArgumentError, CorruptInputError, OutputLimitError, UnsupportedFormatError,
  VerificationError, AbortError, OutOfMemoryError,
} from './errors.js';
export { ed25519, nix, narinfo } from './nix.js';
export { narEntries, NarWriter, nar, narStream, narPieces } from './nar.js';
export { createWorkerClient } from './worker-client.js';
