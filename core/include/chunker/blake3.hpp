// BLAKE3: hash, keyed_hash, derive_key, extendable output (XOF) from any
// offset, an incremental reusable hasher, and exact multi-threaded hashing of
// large inputs (the BLAKE3 tree makes subtrees independent).
//
// The compression kernel is chosen once at runtime (portable, sse41, avx2,
// avx512, neon; simd128 in wasm builds) and honours CHUNKER_FORCE_ISA.
// Nothing here throws or allocates in update paths. Thread creation failure in
// the parallel paths silently falls back to hashing on the calling thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "chunker/function_ref.hpp"

namespace chunker::blake3 {

inline constexpr std::size_t kOutLen = 32;
inline constexpr std::size_t kKeyLen = 32;
inline constexpr std::size_t kBlockLen = 64;
inline constexpr std::size_t kChunkLen = 1024;

// Largest thread count honoured by the parallel paths (larger values clamp).
inline constexpr unsigned kMaxThreads = 64;

class Hasher {
 public:
  // Plain hash mode.
  Hasher() noexcept;
  // keyed_hash mode with a 32-byte key.
  static Hasher keyed(std::span<const std::uint8_t, kKeyLen> key) noexcept;
  // derive_key mode: `context` should be a hardcoded, globally unique string;
  // feed the key material with update().
  static Hasher derive_key(std::string_view context) noexcept;

  // Absorb more input. Any split of the input gives the same result.
  void update(std::span<const std::uint8_t> in) noexcept;
  // Same result as update(in); large inputs are hashed on up to `threads`
  // threads (0 or 1 = calling thread only).
  void update_parallel(std::span<const std::uint8_t> in, unsigned threads) noexcept;
  // Same result as update() of `len` bytes that `fill(dst, n)` writes, in
  // order, into buffers of this call (n <= 1 MiB each; return false to stop;
  // fill must not throw).
  // For data that must be copied or read in before it can be hashed: fill
  // runs on the calling thread only, while up to threads - 1 other threads
  // hash what it wrote before, so filling and hashing overlap. Uses a ring of
  // 2 * threads + 2 MiB. Returns false if fill did (or that ring could not be
  // allocated: then nothing was filled); the hasher then holds part of the
  // input and should be reset.
  bool update_from(std::uint64_t len, FunctionRef<bool(std::uint8_t* dst, std::size_t n)> fill,
                   unsigned threads) noexcept;

  // Write out.size() bytes of output (any length; the first 32 bytes are the
  // standard digest). The hasher is not modified and stays usable.
  void finalize(std::span<std::uint8_t> out) const noexcept;
  // Output bytes [offset, offset + out.size()) of the extendable output.
  void finalize_seek(std::uint64_t offset, std::span<std::uint8_t> out) const noexcept;
  // Convenience: the 32-byte digest.
  std::array<std::uint8_t, kOutLen> finalize() const noexcept;

  // Back to the state right after construction (same mode and key).
  void reset() noexcept;

  // Total bytes absorbed so far (by a part: since its first byte).
  std::uint64_t count() const noexcept;

  // Hashing one input in parts, each on its own thread: part(first_chunk) is
  // a hasher (same mode and key) for the bytes from offset first_chunk *
  // kChunkLen on; feed it with update(), then append() the parts in input
  // order. A part must lie inside one aligned subtree of the BLAKE3 tree:
  // first_chunk is a multiple of the part's length in chunks rounded up to a
  // power of two (e.g. parts of 2^k chunks each, or lengths that are powers
  // of two and never grow). Only a part at chunk 0 may be finalized itself.
  Hasher part(std::uint64_t first_chunk) const noexcept;
  // Absorbs a finished part as if its bytes were given to update(). This
  // hasher must have absorbed exactly the bytes before the part (and, if it
  // is a part itself, be one of the same input). Returns false and changes
  // nothing if the part does not start where this input ends, breaks the
  // alignment rule above, or has another mode or key.
  bool append(const Hasher& part) noexcept;

 private:
  Hasher(const std::uint32_t key[8], std::uint8_t flags) noexcept;
  void push_cv(const std::uint8_t cv[32], std::uint64_t chunk_counter) noexcept;
  void merge_stack(std::uint64_t total_chunks) noexcept;
  void chunk_update(const std::uint8_t* in, std::size_t len) noexcept;
  void close_chunk() noexcept;
  bool update_units(std::uint64_t units, std::uint8_t* ring, std::size_t slots,
                    FunctionRef<bool(std::uint8_t*, std::size_t)> fill, unsigned threads) noexcept;
  void update_impl(const std::uint8_t* in, std::size_t len, unsigned threads) noexcept;
  std::uint64_t end_offset() const noexcept;

  // 54 levels cover 2^64 bytes of input; +1 for the lazy merge.
  static constexpr std::size_t kMaxDepth = 54;

  std::uint32_t key_[8];
  // Current chunk.
  std::uint32_t chunk_cv_[8];
  std::uint64_t chunk_counter_;
  std::uint8_t buf_[kBlockLen];
  std::uint8_t buf_len_;
  std::uint8_t blocks_compressed_;
  std::uint8_t flags_;
  // First chunk of a part (0 for a whole input): the tree's shape inside the
  // part is that of an input starting at chunk 0, its counters are not.
  std::uint64_t base_chunk_ = 0;
  // Chaining values of completed subtrees, merged lazily.
  std::uint8_t cv_stack_len_;
  std::uint8_t cv_stack_[(kMaxDepth + 1) * kOutLen];
};

// One-shot helpers. `threads` > 1 hashes large inputs on several threads.
std::array<std::uint8_t, kOutLen> hash(std::span<const std::uint8_t> in) noexcept;
void hash(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, unsigned threads = 1) noexcept;
std::array<std::uint8_t, kOutLen> keyed_hash(std::span<const std::uint8_t, kKeyLen> key,
                                             std::span<const std::uint8_t> in) noexcept;
void derive_key(std::string_view context, std::span<const std::uint8_t> key_material,
                std::span<std::uint8_t> out) noexcept;

// Name of the kernel in use: "portable", "sse41", "avx2", "avx512", "neon", "simd128".
const char* backend() noexcept;
// Comma-separated kernels compiled in and runnable on this CPU, best last.
const char* available_backends() noexcept;

}  // namespace chunker::blake3
