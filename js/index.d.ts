// Types for chunker-wasm (same API from the Node and browser entry points).

export type Bytes = Uint8Array | ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

export interface Info {
  /** "threads" (pthreads on shared memory) or "single". */
  variant: 'threads' | 'single';
  /** Threads available to one call (1 in the single variant). */
  threads: number;
  /** BLAKE3 kernel in use, e.g. "simd128". */
  blake3Backend: string;
}
/** Resolves once the core module (chunking, hashing, encodings) is loaded. */
export const ready: Promise<Info>;
export function info(): Info;

export type HashName = 'sha256' | 'blake3' | 'none';

export interface ChunkOptions {
  /** Minimum chunk size (64..1048576). Default: 256 KiB, or avg/4 when only avg is given. */
  min?: number;
  /** Average chunk size (256..4194304). Default 1 MiB. */
  avg?: number;
  /** Maximum chunk size (1024..16777216). Default: 4 MiB, or avg*4 when only avg is given. */
  max?: number;
  /** Normalisation level 0..3 (default 1). */
  level?: number;
  /** Gear table seed, 0 = the published table (fastcdc-rs v2020 compatible). */
  seed?: number | bigint;
  /** Per-chunk digest (default "sha256", like the native library and the reference). */
  hash?: HashName;
  /** Threads for per-chunk hashing (threads variant only; default: all). */
  threads?: number;
}

export interface Chunk {
  offset: number;
  length: number;
  /** The gear hash at the cut point, as fastcdc-rs reports it. */
  fingerprint: bigint;
  /** Lower-case hex digest of the chunk; absent with hash: "none". */
  hash?: string;
}

export function chunk(bytes: Bytes, options?: ChunkOptions): Chunk[];
/** Chunks many buffers in one call into wasm; offsets are per buffer. */
export function chunkBatch(buffers: Bytes[], options?: ChunkOptions): Chunk[][];

/** Incremental chunker: push() slices, then finish(). Same chunks as chunk(). */
export class Chunker {
  constructor(options?: ChunkOptions);
  push(bytes: Bytes): Chunk[];
  /** Emits the remaining chunk(s) and resets for a new stream. */
  finish(): Chunk[];
  /** Releases the wasm state now (otherwise the garbage collector does). */
  free(): void;
}

export type ByteSource =
  | ReadableStream<Uint8Array>
  | Blob
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

export interface StreamOptions extends ChunkOptions {
  signal?: AbortSignal;
  onProgress?: (bytesRead: number) => void;
}
export function chunkStream(source: ByteSource, options?: StreamOptions): AsyncGenerator<Chunk, void, undefined>;

export interface Blake3Options {
  /** Output bytes (default 32; any length: BLAKE3 is an XOF). */
  outputLength?: number;
  /** 32-byte key: keyed_hash mode. */
  key?: Bytes;
  /** derive_key mode: the input is the key material. */
  context?: string;
  threads?: number;
}
export class Blake3Hasher {
  constructor(options?: Omit<Blake3Options, 'outputLength'>);
  update(bytes: Bytes): this;
  digest(options?: { outputLength?: number; seek?: number }): Uint8Array;
  reset(): this;
  free(): void;
}
export const blake3: ((bytes: Bytes, options?: Blake3Options) => Uint8Array) & {
  create(options?: Omit<Blake3Options, 'outputLength'>): Blake3Hasher;
};

export interface Sha256Options {
  /** "auto" (default: node:crypto in Node, wasm elsewhere) or "wasm". */
  backend?: 'auto' | 'wasm';
}
export class Sha256Hasher {
  constructor(options?: Sha256Options);
  update(bytes: Bytes): this;
  /** Digest of everything so far; the hasher then starts a new message. */
  digest(): Uint8Array;
  reset(): this;
  free(): void;
}
export const sha256: ((bytes: Bytes, options?: Sha256Options) => Uint8Array) & {
  create(options?: Sha256Options): Sha256Hasher;
};

export const hex: { encode(bytes: Bytes): string; decode(text: string): Uint8Array };
/** Nix's base32 (as `nix-hash --to-base32`). */
export const nixBase32: { encode(bytes: Bytes): string; decode(text: string): Uint8Array };

export type CodecName = 'zstd' | 'lz4' | 'xz' | 'bzip2';
export interface CompressOptions {
  codec?: CodecName;
  /** Codec level; default: the codec's default (zstd 3, lz4 1, xz 6, bzip2 9). */
  level?: number;
  /** "fastest" | "balanced" | "smallest" instead of a codec. */
  strategy?: 'fastest' | 'balanced' | 'smallest' | 'adaptive';
}
export function compress(bytes: Bytes, options?: CompressOptions): Promise<Uint8Array>;
/** Auto-detects zstd / lz4 frame / xz / bzip2. maxOutput: default and maximum 1 GiB (use decompressStream beyond). */
export function decompress(bytes: Bytes, options?: { maxOutput?: number }): Promise<Uint8Array>;

/** Every error thrown has a stable `code`, e.g. "ERR_INVALID_ARGUMENT". */
export class ChunkerError extends Error {
  code: string;
}
export class InvalidArgumentError extends ChunkerError {}
export class CorruptInputError extends ChunkerError {}
export class OutputLimitError extends ChunkerError {}
export class UnsupportedFormatError extends ChunkerError {}
export class VerificationError extends ChunkerError {}
export class AbortError extends ChunkerError {}
export class OutOfMemoryError extends ChunkerError {}

/** Bytes of wasm memory held by each loaded module (0 = not loaded). */
export function memoryUsage(): { core: number; codecs: number };

// ---- Nix (codecs module, loaded on first use) ----
/** Raw Ed25519 (RFC 8032). secretKey: 32-byte seed or 64-byte seed||public key. */
export const ed25519: {
  sign(secretKey: Bytes, message: Bytes | string): Promise<Uint8Array>;
  publicKey(secretKey: Bytes): Promise<Uint8Array>;
  /** false for a bad signature; throws only for a malformed key. */
  verify(publicKey: Bytes, message: Bytes | string, signature: Bytes): Promise<boolean>;
};
/** Nix's key text form "name:base64". */
export const nix: {
  generateKey(name: string): Promise<{ secretKey: string; publicKey: string }>;
  publicKey(secretKey: string): Promise<string>;
  /** -> "name:base64(signature)", as in a narinfo Sig: line. */
  sign(secretKey: string, message: Bytes | string): Promise<string>;
  verify(publicKey: string, message: Bytes | string, signature: string): Promise<boolean>;
};
export const narinfo: {
  /** "1;<StorePath>;<NarHash>;<NarSize>;<references>" — the message Nix signs. */
  fingerprint(text: string): Promise<string>;
  /** The narinfo with this key's Sig: line added. */
  sign(text: string, secretKey: string): Promise<string>;
  /** true when a Sig: line verifies with one of the trusted "name:base64" keys. */
  verify(text: string, trusted: string[]): Promise<boolean>;
};

/** TransformStream writing one frame (same options as compress()). */
export function compressStream(options?: CompressOptions): TransformStream<Uint8Array, Uint8Array>;
/** TransformStream decoding concatenated frames (auto-detected); ERR_OUTPUT_LIMIT past maxOutput. */
export function decompressStream(options?: { maxOutput?: number }): TransformStream<Uint8Array, Uint8Array>;

export type NarEvent =
  | { kind: 'node'; path: string; type: 'regular' | 'symlink' | 'directory'; executable?: boolean; size?: number; target?: string }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'end'; path: string };
/** Streams the entries of a NAR (Nix archive); contents arrive as "data" events after their node. */
export function narEntries(source: ByteSource, options?: { signal?: AbortSignal }): AsyncGenerator<NarEvent, void, undefined>;
