// Internal BLAKE3 definitions shared by the portable code, the per-ISA kernels,
// the tree code and the dispatcher. Not installed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(_MSC_VER) && !defined(__clang__)
#define CHUNKER_B3_INLINE __forceinline
#else
#define CHUNKER_B3_INLINE inline __attribute__((always_inline))
#endif

namespace chunker::blake3::detail {

inline constexpr std::size_t kBlock = 64;
inline constexpr std::size_t kChunk = 1024;
inline constexpr std::size_t kCv = 32;
inline constexpr std::size_t kMaxSimdDegree = 16;  // AVX-512 lanes

inline constexpr std::uint32_t kIV[8] = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
                                         0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u};

// Message word order per round (the permutation applied r times).
inline constexpr std::uint8_t kSchedule[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

enum Flag : std::uint8_t {
  kChunkStart = 1 << 0,
  kChunkEnd = 1 << 1,
  kParent = 1 << 2,
  kRoot = 1 << 3,
  kKeyedHash = 1 << 4,
  kDeriveKeyContext = 1 << 5,
  kDeriveKeyMaterial = 1 << 6,
};

CHUNKER_B3_INLINE std::uint32_t load32(const std::uint8_t* p) {
  // All supported targets (x86-64, aarch64, wasm) are little-endian.
  std::uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}
CHUNKER_B3_INLINE void store32(std::uint8_t* p, std::uint32_t w) { std::memcpy(p, &w, 4); }
CHUNKER_B3_INLINE std::uint32_t counter_low(std::uint64_t c) { return static_cast<std::uint32_t>(c); }
CHUNKER_B3_INLINE std::uint32_t counter_high(std::uint64_t c) { return static_cast<std::uint32_t>(c >> 32); }

// Compress one block into the chaining value `cv` (in place).
using CompressInPlaceFn = void (*)(std::uint32_t cv[8], const std::uint8_t block[kBlock],
                                   std::uint8_t block_len, std::uint64_t counter, std::uint8_t flags);
// Compress one block and write the full 64-byte extended output.
using CompressXofFn = void (*)(const std::uint32_t cv[8], const std::uint8_t block[kBlock],
                               std::uint8_t block_len, std::uint64_t counter, std::uint8_t flags,
                               std::uint8_t out[64]);
// Hash `num_inputs` inputs of `blocks` full blocks each, starting from `key`,
// writing one 32-byte chaining value per input to `out`. Input i uses counter
// `counter + i` when `increment_counter` (chunks), else `counter` (parents).
using HashManyFn = void (*)(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                            const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                            std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end,
                            std::uint8_t* out);
// Write `outblocks` consecutive 64-byte XOF blocks starting at block `counter`.
using XofManyFn = void (*)(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                           std::uint64_t counter, std::uint8_t flags, std::uint8_t* out, std::size_t outblocks);

struct Kernel {
  const char* name;
  std::size_t simd_degree;  // inputs hashed in parallel by hash_many
  CompressInPlaceFn compress_in_place;
  CompressXofFn compress_xof;
  HashManyFn hash_many;
  XofManyFn xof_many;
};

// Portable kernel (always available).
void compress_in_place_portable(std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                                std::uint64_t counter, std::uint8_t flags);
void compress_xof_portable(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                           std::uint64_t counter, std::uint8_t flags, std::uint8_t out[64]);
void hash_many_portable(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                        const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                        std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out);
void xof_many_portable(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                       std::uint64_t counter, std::uint8_t flags, std::uint8_t* out, std::size_t outblocks);
extern const Kernel kPortableKernel;

// Per-ISA kernels; each is only defined when its source file is built.
#if defined(__x86_64__) || defined(_M_X64)
void hash_many_sse41(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                     const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                     std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out);
void hash_many_avx2(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                    const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                    std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out);
void compress_in_place_sse41(std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                             std::uint64_t counter, std::uint8_t flags);
void compress_xof_sse41(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                        std::uint64_t counter, std::uint8_t flags, std::uint8_t out[64]);
void xof_many_sse41(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                    std::uint64_t counter, std::uint8_t flags, std::uint8_t* out, std::size_t outblocks);
extern const Kernel kSse41Kernel;
extern const Kernel kAvx2Kernel;
extern const Kernel kAvx512Kernel;
#endif
#if defined(__aarch64__)
extern const Kernel kNeonKernel;
#endif
#if defined(__wasm__)
// blake3_simd128.cpp is always built with -msimd128 for wasm, even when the
// rest of the build is not.
extern const Kernel kSimd128Kernel;
#endif

// The kernel in use (chosen on first use and after cpu::reload_for_testing();
// honours CHUNKER_FORCE_ISA).
const Kernel& kernel() noexcept;
// Kernel with this name if compiled in and runnable here, else nullptr.
const Kernel* find_kernel(const char* name) noexcept;
// Force a kernel (tests); nullptr restores the automatic choice.
void set_kernel_for_testing(const Kernel* k) noexcept;

// Tree helpers (blake3_tree.cpp). Hash a whole subtree of `len` bytes starting at
// chunk `chunk_counter` (len > kChunk, a power-of-two multiple of kChunk unless it
// is the final subtree) down to the two children of its root: 64 bytes in `out`.
void compress_subtree_to_parent(const Kernel& k, const std::uint8_t* in, std::size_t len,
                                const std::uint32_t key[8], std::uint64_t chunk_counter, std::uint8_t flags,
                                unsigned threads, std::uint8_t out[2 * kCv]);

}  // namespace chunker::blake3::detail
