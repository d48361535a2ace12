// Portable BLAKE3 compression: the reference for every SIMD kernel and the
// single-block path they all share.
#include "hash/blake3_impl.hpp"

namespace chunker::blake3::detail {
namespace {

CHUNKER_B3_INLINE std::uint32_t rotr(std::uint32_t w, int c) { return (w >> c) | (w << (32 - c)); }

CHUNKER_B3_INLINE void g(std::uint32_t* s, int a, int b, int c, int d, std::uint32_t x, std::uint32_t y) {
  s[a] = s[a] + s[b] + x;
  s[d] = rotr(s[d] ^ s[a], 16);
  s[c] = s[c] + s[d];
  s[b] = rotr(s[b] ^ s[c], 12);
  s[a] = s[a] + s[b] + y;
  s[d] = rotr(s[d] ^ s[a], 8);
  s[c] = s[c] + s[d];
  s[b] = rotr(s[b] ^ s[c], 7);
}

CHUNKER_B3_INLINE void round_fn(std::uint32_t s[16], const std::uint32_t m[16], int r) {
  const std::uint8_t* k = kSchedule[r];
  g(s, 0, 4, 8, 12, m[k[0]], m[k[1]]);
  g(s, 1, 5, 9, 13, m[k[2]], m[k[3]]);
  g(s, 2, 6, 10, 14, m[k[4]], m[k[5]]);
  g(s, 3, 7, 11, 15, m[k[6]], m[k[7]]);
  g(s, 0, 5, 10, 15, m[k[8]], m[k[9]]);
  g(s, 1, 6, 11, 12, m[k[10]], m[k[11]]);
  g(s, 2, 7, 8, 13, m[k[12]], m[k[13]]);
  g(s, 3, 4, 9, 14, m[k[14]], m[k[15]]);
}

CHUNKER_B3_INLINE void compress_pre(std::uint32_t s[16], const std::uint32_t cv[8], const std::uint8_t block[kBlock],
                                    std::uint8_t block_len, std::uint64_t counter, std::uint8_t flags) {
  std::uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = load32(block + 4 * i);
  for (int i = 0; i < 8; ++i) s[i] = cv[i];
  s[8] = kIV[0];
  s[9] = kIV[1];
  s[10] = kIV[2];
  s[11] = kIV[3];
  s[12] = counter_low(counter);
  s[13] = counter_high(counter);
  s[14] = block_len;
  s[15] = flags;
  round_fn(s, m, 0);
  round_fn(s, m, 1);
  round_fn(s, m, 2);
  round_fn(s, m, 3);
  round_fn(s, m, 4);
  round_fn(s, m, 5);
  round_fn(s, m, 6);
}

}  // namespace

void compress_in_place_portable(std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                                std::uint64_t counter, std::uint8_t flags) {
  std::uint32_t s[16];
  compress_pre(s, cv, block, block_len, counter, flags);
  for (int i = 0; i < 8; ++i) cv[i] = s[i] ^ s[i + 8];
}

void compress_xof_portable(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                           std::uint64_t counter, std::uint8_t flags, std::uint8_t out[64]) {
  std::uint32_t s[16];
  compress_pre(s, cv, block, block_len, counter, flags);
  for (int i = 0; i < 8; ++i) {
    store32(out + 4 * i, s[i] ^ s[i + 8]);
    store32(out + 32 + 4 * i, s[i + 8] ^ cv[i]);
  }
}

void hash_many_portable(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                        const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                        std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  for (std::size_t i = 0; i < num_inputs; ++i) {
    std::uint32_t cv[8];
    std::memcpy(cv, key, sizeof cv);
    std::uint8_t block_flags = flags | flags_start;
    for (std::size_t b = 0; b < blocks; ++b) {
      if (b + 1 == blocks) block_flags |= flags_end;
      compress_in_place_portable(cv, inputs[i] + b * kBlock, kBlock, counter, block_flags);
      block_flags = flags;
    }
    for (int w = 0; w < 8; ++w) store32(out + i * kCv + 4 * w, cv[w]);
    if (increment_counter) ++counter;
  }
}

void xof_many_portable(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                       std::uint64_t counter, std::uint8_t flags, std::uint8_t* out, std::size_t outblocks) {
  for (std::size_t i = 0; i < outblocks; ++i) compress_xof_portable(cv, block, block_len, counter + i, flags, out + 64 * i);
}

const Kernel kPortableKernel = {"portable", 1, compress_in_place_portable, compress_xof_portable,
                                hash_many_portable, xof_many_portable};

}  // namespace chunker::blake3::detail
