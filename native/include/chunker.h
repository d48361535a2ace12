/* chunker.h: the stable C ABI of libchunker (C99; usable from C++ and any FFI).
 *
 * FastCDC chunking (one-shot, streaming, over a file descriptor) with a strong
 * hash per chunk, BLAKE3 (all modes, XOF) and SHA-256, zstd/lz4/xz/bzip2
 * compression with output limits, hex / Nix base32, and the NAR hash of a path.
 * Everything here is a thin wrapper over the C++ API (<chunker/...hpp>): same
 * chunks, same bytes, same error codes. Guide: docs/c-api.md.
 *
 * General rules (each function's comment only states what differs):
 *
 * - Errors: every fallible function returns chunker_status: CHUNKER_OK (0) or
 *   a CHUNKER_ERR_* code. On failure chunker_last_error() gives a message for
 *   the calling thread; output parameters are then unspecified (handles:
 *   *out is set to NULL). No function throws, aborts, or exits on bad input.
 * - Pointers: a (pointer, length) pair with length 0 may have a NULL pointer.
 *   Any other NULL pointer where one is required, a bad enum value or an out
 *   of range size is CHUNKER_ERR_INVALID_ARGUMENT; an output buffer that is
 *   too small is CHUNKER_ERR_OUTPUT_LIMIT.
 * - Ownership: the caller owns every buffer it passes; the library keeps no
 *   pointer to it after the call returns (streaming handles copy what they
 *   must keep). Handles are created by *_new and owned by the caller until
 *   the matching *_free (which accepts NULL). Buffers the library allocates
 *   for the caller are chunker_buffer, freed with chunker_buffer_free.
 * - Threads: the library is thread-safe across handles: different handles, and
 *   the functions that take no handle (except chunker_set_allocator), may be
 *   used from any threads at once.
 *   One handle must be used by one thread at a time (callers synchronise).
 * - Callbacks must not call back into the same handle, and must not unwind
 *   (no longjmp, no C++ exception) through library frames.
 * - threads arguments: 0 = all hardware threads, 1 = the calling thread only,
 *   at most CHUNKER_MAX_THREADS (as the CLI's --threads).
 * - ABI: symbols are only ever added within one CHUNKER_ABI_VERSION; structs
 *   that may grow carry a struct_size field (set by their *_init function).
 */
#ifndef CHUNKER_H
#define CHUNKER_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define CHUNKER_API
#elif defined(__GNUC__)
#define CHUNKER_API __attribute__((visibility("default")))
#else
#define CHUNKER_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Incremented only on an incompatible change of this header's ABI. */
#define CHUNKER_ABI_VERSION 1

/* Largest `threads` value accepted (chunking options, compressors). */
#define CHUNKER_MAX_THREADS 256

/* ---- Errors --------------------------------------------------------------- */

typedef int chunker_status;

/* The values of chunker::Errc (core/include/chunker/error.hpp); each name is
 * "CHUNKER_" + its chunker_status_name() string. */
#define CHUNKER_OK 0
#define CHUNKER_ERR_INVALID_ARGUMENT 1    /* bad parameter (message names it) */
#define CHUNKER_ERR_IO 2                  /* read/open failure (names the file) */
#define CHUNKER_ERR_IO_ERROR CHUNKER_ERR_IO /* the same (chunker::Errc::io_error) */
#define CHUNKER_ERR_CORRUPT_INPUT 3       /* malformed data */
#define CHUNKER_ERR_TRUNCATED_INPUT 4     /* data ends too early */
#define CHUNKER_ERR_TRAILING_DATA 5       /* garbage after a complete frame */
#define CHUNKER_ERR_OUTPUT_LIMIT 6        /* output would exceed a limit or buffer */
#define CHUNKER_ERR_UNSUPPORTED_FORMAT 7  /* unknown format, or not compiled in */
#define CHUNKER_ERR_VERIFICATION_FAILED 8 /* hash or signature mismatch */
#define CHUNKER_ERR_CANCELLED 9           /* a callback returned non-zero */
#define CHUNKER_ERR_OUT_OF_MEMORY 10      /* an allocation failed */
#define CHUNKER_ERR_INTERNAL 11           /* a bug */
#define CHUNKER_ERR_CHANGED 12            /* an input file changed while read */

/* Stable name of a status: "OK", "ERR_INVALID_ARGUMENT", ... (the strings the
 * C++ errc_name() and the JS package use); "ERR_UNKNOWN" for other values.
 * Static storage; thread-safe. */
CHUNKER_API const char* chunker_status_name(chunker_status status);

/* Message of the last failing call on the calling thread ("" if none).
 * Thread-local: valid until the next failing call on this thread. */
CHUNKER_API const char* chunker_last_error(void);

/* ---- Versions ------------------------------------------------------------- */

/* Library version, e.g. "0.1.0". Static storage. */
CHUNKER_API const char* chunker_version(void);
/* CHUNKER_ABI_VERSION of the library actually loaded (compare with the macro). */
CHUNKER_API int chunker_abi_version(void);

/* ---- Memory --------------------------------------------------------------- */

/* Caller allocator for the buffers the library returns (chunker_buffer).
 * alloc returns NULL on failure (-> CHUNKER_ERR_OUT_OF_MEMORY). Internal
 * working memory (handles, windows, codec contexts) is not affected. */
typedef struct chunker_allocator {
  void* (*alloc)(void* ctx, size_t size);
  void (*free)(void* ctx, void* ptr);
  void* ctx;
} chunker_allocator;

/* Installs `a` (copied), or malloc/free when `a` is NULL. Process-wide and not
 * synchronised with other calls: install it once at start-up, before other
 * threads use the library, and never while chunker_buffers are outstanding
 * (chunker_buffer_free uses the allocator installed at the time of the free).
 * INVALID_ARGUMENT if alloc or free is NULL. */
CHUNKER_API chunker_status chunker_set_allocator(const chunker_allocator* a);

/* A buffer allocated by the library for the caller. When len is 0, data may
 * be NULL. */
typedef struct chunker_buffer {
  uint8_t* data;
  size_t len;
} chunker_buffer;

/* Frees buf->data (NULL or an already freed buffer is fine) and sets the
 * buffer to {NULL, 0}. buf may be NULL. */
CHUNKER_API void chunker_buffer_free(chunker_buffer* buf);

/* ---- Chunking -------------------------------------------------------------- */

#define CHUNKER_HASH_NONE 0
#define CHUNKER_HASH_SHA256 1
#define CHUNKER_HASH_BLAKE3 2

/* "none", "sha256" (or "sha-256"), "blake3" -> CHUNKER_HASH_*. */
CHUNKER_API chunker_status chunker_hash_parse(const char* name, int* out);

/* Chunking options. Always start from chunker_options_init (it sets
 * struct_size; later library versions may append fields). Sizes must satisfy
 * 64 <= min <= 1 MiB, 256 <= avg <= 4 MiB, 1024 <= max <= 16 MiB, min <= avg <=
 * max; level 0..3 (normalisation); the same rules and chunks as fastcdc-rs
 * v2020. */
typedef struct chunker_options {
  uint32_t struct_size; /* sizeof(chunker_options), set by chunker_options_init */
  uint32_t min_size;
  uint32_t avg_size;
  uint32_t max_size;
  uint32_t level;
  uint64_t seed;        /* 0 = the published gear table */
  int hash;             /* CHUNKER_HASH_*: per-chunk strong hash */
  uint32_t threads;     /* 0 = all hardware threads */
} chunker_options;

/* Defaults: 256 KiB / 1 MiB / 4 MiB, level 1, seed 0, SHA-256, 1 thread.
 * Writes exactly this (first) layout of chunker_options, in every later
 * library version too: a version that appends fields adds a new init
 * function, and treats the fields a caller's struct_size leaves out as
 * defaults. */
CHUNKER_API chunker_status chunker_options_init(chunker_options* opts);
/* Sets min/avg/max/level/seed from a preset: "default" = "nar" = "1m"
 * (256K/1M/4M), "4k", "16k", "64k" (16K/64K/256K), "256k". hash and threads
 * are kept. */
CHUNKER_API chunker_status chunker_options_preset(chunker_options* opts, const char* name);

/* One chunk. hash holds hash_len bytes (32, or 0 for CHUNKER_HASH_NONE; the
 * rest is zero). fingerprint is the gear hash at the cut, as fastcdc-rs
 * reports it. */
typedef struct chunker_chunk {
  uint64_t offset;  /* from the start of the input / stream */
  uint32_t length;
  uint32_t hash_len;
  uint64_t fingerprint;
  uint8_t hash[32];
} chunker_chunk;

/* Called once per chunk, in input order, never concurrently. `chunk` and
 * `data` (the chunk's chunk->length bytes) are valid only during the call.
 * With threads > 1 it may run on a library worker thread (one at a time).
 * Returning non-zero stops the run: no further calls, and the function that
 * was running returns CHUNKER_ERR_CANCELLED. */
typedef int (*chunker_chunk_fn)(void* ctx, const chunker_chunk* chunk, const uint8_t* data);

/* Chunks (and hashes) a buffer. opts NULL = defaults. */
CHUNKER_API chunker_status chunker_chunk_buffer(const uint8_t* data, size_t len, const chunker_options* opts,
                                                chunker_chunk_fn fn, void* ctx);

/* Chunks everything readable from `fd`, reading each byte once into memory
 * the library owns (never mapped). A regular file is chunked whole, from byte
 * 0 (read by position; the fd's offset is not used and may move); pipes,
 * sockets and devices from where they are to end of input. A regular file that
 * changes while read (size, mtime, ctime, inode) is CHUNKER_ERR_CHANGED: the
 * chunks already reported must be discarded. The fd stays open, owned by the
 * caller. */
CHUNKER_API chunker_status chunker_chunk_fd(int fd, const chunker_options* opts, chunker_chunk_fn fn, void* ctx);

/* Same as chunker_chunk_fd on the opened file (NUL-terminated path; messages
 * name it). */
CHUNKER_API chunker_status chunker_chunk_file(const char* path, const chunker_options* opts, chunker_chunk_fn fn,
                                              void* ctx);

/* The same three runs collecting every chunk record instead of calling back
 * (for FFIs where a callback per chunk is costly, e.g. Python ctypes):
 * chunks->data holds chunks->len / sizeof(chunker_chunk) records in input
 * order (allocated for the caller; free with chunker_buffer_free). */
CHUNKER_API chunker_status chunker_chunk_buffer_collect(const uint8_t* data, size_t len, const chunker_options* opts,
                                                        chunker_buffer* chunks);
CHUNKER_API chunker_status chunker_chunk_fd_collect(int fd, const chunker_options* opts, chunker_buffer* chunks);
CHUNKER_API chunker_status chunker_chunk_file_collect(const char* path, const chunker_options* opts,
                                                      chunker_buffer* chunks);

/* Streaming: feed one stream in pieces of any size; push() reports the chunks
 * that became final, finish() the rest; then a new stream may start. Exactly
 * the chunks of chunker_chunk_buffer over the concatenation. Holds at most
 * about one max_size of unconsumed bytes (copied) between calls. opts->threads
 * hashes the chunks of one push on up to that many threads. After a cancelled
 * push/finish the stream is reset (a new stream starts). */
typedef struct chunker_stream chunker_stream;
CHUNKER_API chunker_status chunker_stream_new(const chunker_options* opts, chunker_stream** out);
CHUNKER_API chunker_status chunker_stream_push(chunker_stream* s, const uint8_t* data, size_t len,
                                               chunker_chunk_fn fn, void* ctx);
CHUNKER_API chunker_status chunker_stream_finish(chunker_stream* s, chunker_chunk_fn fn, void* ctx);
/* push / finish collecting the chunk records (as chunker_chunk_buffer_collect). */
CHUNKER_API chunker_status chunker_stream_push_collect(chunker_stream* s, const uint8_t* data, size_t len,
                                                       chunker_buffer* chunks);
CHUNKER_API chunker_status chunker_stream_finish_collect(chunker_stream* s, chunker_buffer* chunks);
CHUNKER_API void chunker_stream_free(chunker_stream* s);

/* ---- BLAKE3 ---------------------------------------------------------------- */

#define CHUNKER_BLAKE3_OUT_LEN 32
#define CHUNKER_BLAKE3_KEY_LEN 32

/* Incremental BLAKE3 hasher (hash, keyed_hash or derive_key mode). */
typedef struct chunker_blake3 chunker_blake3;
CHUNKER_API chunker_status chunker_blake3_new(chunker_blake3** out);
/* keyed_hash mode; key: 32 bytes (copied). */
CHUNKER_API chunker_status chunker_blake3_new_keyed(const uint8_t key[32], chunker_blake3** out);
/* derive_key mode; context: NUL-terminated (copied); then update() with the
 * key material and finalize() to any length. */
CHUNKER_API chunker_status chunker_blake3_new_derive_key(const char* context, chunker_blake3** out);
CHUNKER_API chunker_status chunker_blake3_update(chunker_blake3* h, const uint8_t* data, size_t len);
/* Same result as chunker_blake3_update; large inputs hashed on up to
 * `threads` threads. */
CHUNKER_API chunker_status chunker_blake3_update_parallel(chunker_blake3* h, const uint8_t* data, size_t len,
                                                          uint32_t threads);
/* Writes out_len bytes of output (any length: the extendable output; the first
 * 32 are the digest). Does not modify the hasher: more updates may follow. */
CHUNKER_API chunker_status chunker_blake3_finalize(const chunker_blake3* h, uint8_t* out, size_t out_len);
/* Output bytes [offset, offset + out_len) of the extendable output. */
CHUNKER_API chunker_status chunker_blake3_finalize_seek(const chunker_blake3* h, uint64_t offset, uint8_t* out,
                                                        size_t out_len);
/* Back to the state after *_new (same mode and key). */
CHUNKER_API chunker_status chunker_blake3_reset(chunker_blake3* h);
CHUNKER_API void chunker_blake3_free(chunker_blake3* h);
/* One-shot 32-byte digest. (Named _hash: in C, chunker_blake3 is the handle
 * type.) */
CHUNKER_API chunker_status chunker_blake3_hash(const uint8_t* data, size_t len, uint8_t out[32]);

/* ---- SHA-256 --------------------------------------------------------------- */

#define CHUNKER_SHA256_LEN 32

typedef struct chunker_sha256 chunker_sha256;
CHUNKER_API chunker_status chunker_sha256_new(chunker_sha256** out);
CHUNKER_API chunker_status chunker_sha256_update(chunker_sha256* h, const uint8_t* data, size_t len);
/* Digest of everything updated since *_new / reset. Does not modify the
 * hasher (as BLAKE3): more updates may follow. */
CHUNKER_API chunker_status chunker_sha256_finalize(const chunker_sha256* h, uint8_t out[32]);
CHUNKER_API chunker_status chunker_sha256_reset(chunker_sha256* h);
CHUNKER_API void chunker_sha256_free(chunker_sha256* h);
/* One-shot digest. */
CHUNKER_API chunker_status chunker_sha256_hash(const uint8_t* data, size_t len, uint8_t out[32]);

/* ---- Compression ------------------------------------------------------------ */

/* The values of chunker::codec::Codec. NONE means "auto-detect" where a codec
 * is read (decompression) and is invalid where one is written. */
#define CHUNKER_CODEC_NONE 0
#define CHUNKER_CODEC_ZSTD 1
#define CHUNKER_CODEC_LZ4 2
#define CHUNKER_CODEC_XZ 3
#define CHUNKER_CODEC_BZIP2 4

/* Pass as `level` for the codec's default level (zstd 3, lz4 1, xz 6, bzip2 9).
 * Ranges: zstd -131072..22, lz4 1..12, xz 0..9, bzip2 1..9. */
#define CHUNKER_LEVEL_DEFAULT (-2147483647 - 1)

/* Decompression output limit used when a limit of 0 is given (1 GiB). */
#define CHUNKER_DEFAULT_OUTPUT_LIMIT ((uint64_t)1 << 30)

/* "zstd" ("zst"), "lz4", "xz", "bzip2" ("bz2"), "none" -> CHUNKER_CODEC_*. */
CHUNKER_API chunker_status chunker_codec_parse(const char* name, int* out);
/* Worst-case size of one frame holding n input bytes; 0 for a bad codec (or
 * a build without codecs). */
CHUNKER_API size_t chunker_compress_bound(int codec, size_t n);

/* One frame of `in` into out[0..cap); *written = its size. OUTPUT_LIMIT if it
 * does not fit (cap >= chunker_compress_bound always fits). Frames carry a
 * content checksum, as the zstd/lz4/xz programs write by default. */
CHUNKER_API chunker_status chunker_compress(int codec, int level, const uint8_t* in, size_t len, uint8_t* out,
                                            size_t cap, size_t* written);
/* Same, into a buffer allocated for the caller (free: chunker_buffer_free). */
CHUNKER_API chunker_status chunker_compress_alloc(int codec, int level, const uint8_t* in, size_t len,
                                                  chunker_buffer* out);
/* Decompresses all of `in` (one or more frames of any supported codec,
 * detected by magic) into out[0..cap): OUTPUT_LIMIT when the output would
 * exceed cap. */
CHUNKER_API chunker_status chunker_decompress(const uint8_t* in, size_t len, uint8_t* out, size_t cap,
                                              size_t* written);
/* Same, into a buffer allocated for the caller; OUTPUT_LIMIT past `limit`
 * bytes (0 = CHUNKER_DEFAULT_OUTPUT_LIMIT). */
CHUNKER_API chunker_status chunker_decompress_alloc(const uint8_t* in, size_t len, uint64_t limit,
                                                    chunker_buffer* out);

/* What one streaming update did. */
typedef struct chunker_step {
  size_t in_used;  /* bytes consumed from `in` */
  size_t out_used; /* bytes written to the front of `out` */
  int done;        /* compressor: frame finished and flushed;
                      decompressor: at a frame boundary, nothing buffered */
} chunker_step;

/* Streaming compressor, reusable: after a frame is done the next update
 * starts a new frame. threads: zstd only (>= 2: zstd's multithreaded mode,
 * the bytes of `zstd -T N`; 0 = all hardware threads); other codecs ignore it. */
typedef struct chunker_compressor chunker_compressor;
CHUNKER_API chunker_status chunker_compressor_new(int codec, int level, uint32_t threads,
                                                  chunker_compressor** out);
/* Consumes input, writes output. finish = 0: call again while in_used < in_len
 * (output full). finish != 0: pass the last input (or none) and call until
 * step->done, draining `out` each time. */
CHUNKER_API chunker_status chunker_compressor_update(chunker_compressor* c, const uint8_t* in, size_t in_len,
                                                     uint8_t* out, size_t out_cap, int finish,
                                                     chunker_step* step);
/* Abandons a frame in progress. */
CHUNKER_API chunker_status chunker_compressor_reset(chunker_compressor* c);
CHUNKER_API void chunker_compressor_free(chunker_compressor* c);

/* Streaming decompressor for concatenated frames. codec: CHUNKER_CODEC_NONE =
 * detect each frame by magic. output_limit: total output bytes allowed
 * (0 = CHUNKER_DEFAULT_OUTPUT_LIMIT); crossing it is OUTPUT_LIMIT. */
typedef struct chunker_decompressor chunker_decompressor;
CHUNKER_API chunker_status chunker_decompressor_new(int codec, uint64_t output_limit, chunker_decompressor** out);
/* Consumes input, writes output. The output is complete for the input so far
 * when in_used == in_len and out_used < out_cap; otherwise drain `out` and call
 * again with the rest of the input. */
CHUNKER_API chunker_status chunker_decompressor_update(chunker_decompressor* d, const uint8_t* in, size_t in_len,
                                                       uint8_t* out, size_t out_cap, chunker_step* step);
/* End of input: OK at a frame boundary (or after no input), else
 * TRUNCATED_INPUT. */
CHUNKER_API chunker_status chunker_decompressor_finish(chunker_decompressor* d);
/* Forgets a frame in progress and the output count. */
CHUNKER_API chunker_status chunker_decompressor_reset(chunker_decompressor* d);
CHUNKER_API void chunker_decompressor_free(chunker_decompressor* d);

/* ---- Encodings ---------------------------------------------------------------- */

/* Lower-case hex: 2 * len characters plus a NUL; out_cap must be at least
 * 2 * len + 1 (else OUTPUT_LIMIT). */
CHUNKER_API chunker_status chunker_hex_encode(const uint8_t* in, size_t len, char* out, size_t out_cap);
/* Hex (either case; even length) -> bytes; *written = text_len / 2. Bad
 * characters or an odd length: INVALID_ARGUMENT naming the position. */
CHUNKER_API chunker_status chunker_hex_decode(const char* text, size_t text_len, uint8_t* out, size_t cap,
                                              size_t* written);
/* Characters of the Nix base32 form of n bytes: ceil(8n / 5) (52 for 32). */
CHUNKER_API size_t chunker_nix_base32_len(size_t n);
/* Nix base32 (as `nix-hash --to-base32`): chunker_nix_base32_len(len)
 * characters plus a NUL; out_cap must be at least that + 1. */
CHUNKER_API chunker_status chunker_nix_base32_encode(const uint8_t* in, size_t len, char* out, size_t out_cap);
/* Nix base32 -> bytes (floor(5 * text_len / 8) of them); strict: bad
 * characters, lengths no byte count encodes to, or stray high bits are
 * INVALID_ARGUMENT. */
CHUNKER_API chunker_status chunker_nix_base32_decode(const char* text, size_t text_len, uint8_t* out, size_t cap,
                                                     size_t* written);

/* ---- NAR -------------------------------------------------------------------- */

/* Size of "sha256:" + 52 Nix base32 characters + NUL. */
#define CHUNKER_NAR_HASH_LEN 60

/* NAR hash of a path (directory, regular file or symlink; not followed), as
 * `nix-hash --type sha256 --base32` of `nix-store --dump PATH` would print
 * it, prefixed "sha256:" (a narinfo NarHash). Writes a NUL-terminated string;
 * cap >= CHUNKER_NAR_HASH_LEN. nar_size (may be NULL) gets the NAR's size in
 * bytes. UNSUPPORTED_FORMAT in a build without Nix support. */
CHUNKER_API chunker_status chunker_nar_hash_path(const char* path, char* out, size_t cap, uint64_t* nar_size);

#ifdef __cplusplus
}
#endif

#endif /* CHUNKER_H */
