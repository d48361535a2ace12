// Types for chunker-wasm (same API from the Node and browser entry points).

export type Bytes = Uint8Array | ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

export interface Info {
  /** "threads" (pthreads on shared memory) or "single". */
  variant: 'threads' | 'single';
  /** Threads available to one call (1 in the single variant). */
  threads: number;
  /** BLAKE3 kernel in use, e.g. "simd128". */
  blake3Backend: string;
  /** FastCDC search kernel in use ("simd128"; "scalar" or "ilp4" when forced for testing). */
  fastcdcBackend: string;
  /** SHA-256 block function of the wasm backend ("simd128"). */
  sha256Backend: string;
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

/** A chunk with its digest: what every chunking call returns unless `hash: "none"`. */
export interface HashedChunk extends Chunk {
  hash: string;
}
/** Options that turn per-chunk digests off (chunks then have no `hash`). */
export type UnhashedOptions = ChunkOptions & { hash: 'none' };

export function chunk(bytes: Bytes, options: UnhashedOptions): Chunk[];
export function chunk(bytes: Bytes, options?: ChunkOptions): HashedChunk[];
/** Chunks many buffers in one call into wasm; offsets are per buffer. */
export function chunkBatch(buffers: Bytes[], options: UnhashedOptions): Chunk[][];
export function chunkBatch(buffers: Bytes[], options?: ChunkOptions): HashedChunk[][];

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
export function chunkStream(source: ByteSource, options: StreamOptions & { hash: 'none' }): AsyncGenerator<Chunk, void, undefined>;
export function chunkStream(source: ByteSource, options?: StreamOptions): AsyncGenerator<HashedChunk, void, undefined>;

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

/** Cancellation and progress of the long async operations. */
export interface ProgressOptions {
  /** Aborting rejects with an AbortError (code "ERR_CANCELLED"). */
  signal?: AbortSignal;
  /** Called with the input bytes processed so far. */
  onProgress?: (bytesRead: number) => void;
}

export interface HashStreamOptions extends ProgressOptions {
  /** Default "sha256". */
  hash?: 'sha256' | 'blake3';
  /** blake3 only. */
  outputLength?: number;
  key?: Bytes;
  context?: string;
  threads?: number;
  /** sha256 only. */
  backend?: 'auto' | 'wasm';
}
/** Digest of a whole byte source, hashed in slices that yield to the event loop. */
export function hashStream(source: ByteSource, options?: HashStreamOptions): Promise<Uint8Array>;

export type CodecName = 'zstd' | 'lz4' | 'xz' | 'bzip2';
export interface CompressOptions {
  codec?: CodecName;
  /** Codec level; default: the codec's default (zstd 3, lz4 1, xz 6, bzip2 9). */
  level?: number;
  /** "fastest" | "balanced" | "smallest" instead of a codec. */
  strategy?: 'fastest' | 'balanced' | 'smallest' | 'adaptive';
  /**
   * The frame's content checksum (zstd XXH64, lz4 XXH32, xz CRC64); default true, as the zstd,
   * lz4 and xz programs write it. bzip2 always has its CRCs.
   */
  checksum?: boolean;
}
/**
 * One frame. With signal/onProgress the input is compressed in 1 MiB windows that yield to the
 * event loop (the frame then does not record the content size).
 */
export function compress(
  bytes: Bytes,
  options?: CompressOptions &
    ProgressOptions & {
      /**
       * zstd only. 2 or more (default: the threads variant's thread count) runs zstd's
       * multithreaded mode on the pthread pool: the frame `zstd -T N` writes, the same for every
       * N >= 2. 1 (and always in the single variant, or with signal/onProgress) writes the frame
       * of `zstd --single-thread`. Inputs up to 512 KiB always use one thread.
       */
      threads?: number;
    },
): Promise<Uint8Array>;
export interface DecompressOptions extends ProgressOptions {
  /** Default and maximum 1 GiB (use decompressStream beyond). */
  maxOutput?: number;
}
/** Auto-detects zstd / lz4 frame / xz / bzip2. */
export function decompress(bytes: Bytes, options?: DecompressOptions): Promise<Uint8Array>;

/** What the header of the first frame in some bytes says (frameInfo()). */
export interface FrameInfo {
  codec: 'zstd' | 'lz4' | 'xz' | 'bzip2';
  /**
   * Exact compressed length of the first frame (zstd, LZ4 frame): equal to the input's length
   * when it is exactly one frame. null for xz, bzip2 and LZ4 legacy frames.
   */
  length: number | null;
  /** History a decoder keeps: zstd window size, LZ4 block maximum size; null otherwise. */
  windowSize: number | null;
  /** Decompressed size the header declares (0 for a skippable frame); null if it does not. */
  contentSize: number | null;
}
/**
 * Reads the first frame's header (and, for zstd / LZ4 frames, its block headers) without
 * decoding. null when the bytes do not start with a known frame; throws for a malformed or
 * truncated one.
 */
export function frameInfo(bytes: Bytes): Promise<FrameInfo | null>;

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
/** A narinfo as an object (Nix's field names); optional fields are absent when the file has none. */
export interface NarInfo {
  StorePath: string;
  URL: string;
  Compression?: string;
  FileHash?: string;
  FileSize?: number;
  NarHash: string;
  NarSize: number;
  /** Base names (<hash>-<name>), as in the file. */
  References: string[];
  Deriver?: string;
  System?: string;
  /** "keyname:base64" signatures, in file order. */
  Sig: string[];
  CA?: string;
  /** Unknown fields, in file order. */
  extra?: [string, string][];
}
export const narinfo: {
  /** Parses (strictly, as the native library) into an object. */
  parse(text: string): Promise<NarInfo>;
  /** Object -> text in Nix's layout; format(await parse(t)) === t for files Nix wrote. */
  format(info: NarInfo): Promise<string>;
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
/** Pull-driven: holds one window + one output slice; `signal` is checked between slices. */
export function decompressStream(options?: { maxOutput?: number; signal?: AbortSignal }): ReadableWritablePair<Uint8Array, Uint8Array>;

export type NarEvent =
  | { kind: 'node'; path: string; type: 'regular' | 'symlink' | 'directory'; executable?: boolean; size?: number; target?: string }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'end'; path: string };
/** Streams the entries of a NAR (Nix archive); contents arrive as "data" events after their node. */
export function narEntries(source: ByteSource, options?: ProgressOptions): AsyncGenerator<NarEvent, void, undefined>;

/** Contents of a regular file in a NarTree. Streams and iterables need `size`. */
export type NarContents = Bytes | string | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
export type NarTree =
  | { type: 'regular'; executable?: boolean; contents?: NarContents | (() => NarContents | Promise<NarContents>); size?: number }
  | { type: 'symlink'; target: string }
  | { type: 'directory'; entries: Record<string, NarTree> | Map<string, NarTree> | [string, NarTree][] };
export interface NarWriteOptions {
  signal?: AbortSignal;
  /** Called with the archive bytes written so far. */
  onProgress?: (bytesWritten: number) => void;
}
/** The NAR of a tree (entries sorted as Nix sorts them), byte-identical to `nix-store --dump`. */
export function nar(tree: NarTree, options?: NarWriteOptions): Promise<Uint8Array>;
export function narStream(tree: NarTree, options?: NarWriteOptions): ReadableStream<Uint8Array>;
export function narPieces(tree: NarTree, options?: NarWriteOptions): AsyncGenerator<Uint8Array, void, undefined>;
/** Low-level NAR writer: each call returns the archive bytes it produced. */
export class NarWriter {
  static create(): Promise<NarWriter>;
  private constructor();
  beginDirectory(): Uint8Array;
  /** Entries must come in sorted order (bytewise), each name once. */
  beginEntry(name: string): Uint8Array;
  endEntry(): Uint8Array;
  endDirectory(): Uint8Array;
  beginRegular(executable: boolean, size: number): Uint8Array;
  write(bytes: Bytes): Uint8Array;
  endRegular(): Uint8Array;
  symlink(target: string): Uint8Array;
  /** Fails unless exactly one complete root node was written. */
  finish(): Uint8Array;
  free(): void;
}

export interface WorkerInputOptions extends ProgressOptions {
  /** Transfer a whole ArrayBuffer to the worker instead of copying it (the caller's buffer is detached). */
  transfer?: boolean;
}
/** Input of a worker call: a Blob/File is handed over as is; streams are read here and posted in pieces. */
export type WorkerInput = Bytes | ByteSource;
/** The package running in a dedicated Worker (module Worker in browsers, worker_threads in Node). */
export interface WorkerClient {
  /** Info of the module loaded inside the worker. */
  readonly ready: Promise<Info>;
  chunk(input: WorkerInput, options: UnhashedOptions & WorkerInputOptions): Promise<Chunk[]>;
  chunk(input: WorkerInput, options?: ChunkOptions & WorkerInputOptions): Promise<HashedChunk[]>;
  chunkStream(input: WorkerInput, options: UnhashedOptions & WorkerInputOptions): AsyncGenerator<Chunk, void, undefined>;
  chunkStream(input: WorkerInput, options?: ChunkOptions & WorkerInputOptions): AsyncGenerator<HashedChunk, void, undefined>;
  hash(input: WorkerInput, options?: HashStreamOptions & WorkerInputOptions): Promise<Uint8Array>;
  blake3(input: WorkerInput, options?: Omit<HashStreamOptions, 'hash'> & WorkerInputOptions): Promise<Uint8Array>;
  sha256(input: WorkerInput, options?: WorkerInputOptions): Promise<Uint8Array>;
  compress(bytes: Bytes, options?: CompressOptions & WorkerInputOptions): Promise<Uint8Array>;
  decompress(bytes: Bytes, options?: DecompressOptions & WorkerInputOptions): Promise<Uint8Array>;
  memoryUsage(): Promise<{ core: number; codecs: number }>;
  /** Stops the worker; pending calls reject with ERR_CANCELLED. */
  terminate(): void;
}
/**
 * Starts a worker running the package; `url` overrides the worker script location (bundlers);
 * `workers` (default 1) starts several and sends each call to the least busy one.
 */
export function createWorkerClient(options?: { url?: string | URL; workers?: number }): WorkerClient;
