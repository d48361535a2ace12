// Portable SHA-256 block function (FIPS 180-4 §6.2.2), used where neither
// SHA instructions nor the vector-schedule kernel (avx2, simd128) are there:
// x86 without AVX2, other CPUs, CHUNKER_FORCE_ISA=portable.
// Rounds are written out eight at a time with the working variables renamed
// instead of shifted, and the schedule is a rolling 16-word window, so
// compilers keep everything in registers.
#include "hash/sha256_internal.hpp"
#include "hash/sha256_round.hpp"

namespace chunker::sha256::detail {
namespace {

using round::rotr;
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}
inline std::uint32_t small_sigma0(std::uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
inline std::uint32_t small_sigma1(std::uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

// Eight rounds starting at round r (a compile-time constant, so every w[]
// index below is one too) with message words from W(j) (j = r % 16 + i).
#define CHUNKER_SHA256_8ROUNDS(r, W)                                            \
  do {                                                                          \
    CHUNKER_SHA256_ROUND(a, b, c, d, e, f, g, h, kRound[r + 0] + W((r + 0) & 15)); \
    CHUNKER_SHA256_ROUND(h, a, b, c, d, e, f, g, kRound[r + 1] + W((r + 1) & 15)); \
    CHUNKER_SHA256_ROUND(g, h, a, b, c, d, e, f, kRound[r + 2] + W((r + 2) & 15)); \
    CHUNKER_SHA256_ROUND(f, g, h, a, b, c, d, e, kRound[r + 3] + W((r + 3) & 15)); \
    CHUNKER_SHA256_ROUND(e, f, g, h, a, b, c, d, kRound[r + 4] + W((r + 4) & 15)); \
    CHUNKER_SHA256_ROUND(d, e, f, g, h, a, b, c, kRound[r + 5] + W((r + 5) & 15)); \
    CHUNKER_SHA256_ROUND(c, d, e, f, g, h, a, b, kRound[r + 6] + W((r + 6) & 15)); \
    CHUNKER_SHA256_ROUND(b, c, d, e, f, g, h, a, kRound[r + 7] + W((r + 7) & 15)); \
  } while (0)

}  // namespace

void compress_portable(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t n) noexcept {
  for (; n > 0; --n, blocks += 64) {
    std::uint32_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = load_be32(blocks + 4 * i);
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    std::uint32_t bc = b ^ c;
    // Rounds 0..15 use the message directly.
#define W_DIRECT(j) w[j]
    CHUNKER_SHA256_8ROUNDS(0, W_DIRECT);
    CHUNKER_SHA256_8ROUNDS(8, W_DIRECT);
#undef W_DIRECT
    // Rounds 16..63 extend the schedule in place: w[t % 16] becomes W[t].
#define W_NEXT(j) \
  (w[j] += small_sigma1(w[((j) + 14) & 15]) + w[((j) + 9) & 15] + small_sigma0(w[((j) + 1) & 15]))
    CHUNKER_SHA256_8ROUNDS(16, W_NEXT);
    CHUNKER_SHA256_8ROUNDS(24, W_NEXT);
    CHUNKER_SHA256_8ROUNDS(32, W_NEXT);
    CHUNKER_SHA256_8ROUNDS(40, W_NEXT);
    CHUNKER_SHA256_8ROUNDS(48, W_NEXT);
    CHUNKER_SHA256_8ROUNDS(56, W_NEXT);
#undef W_NEXT
    round::add_to_state(state, a, b, c, d, e, f, g, h);
  }
}

#undef CHUNKER_SHA256_8ROUNDS
#undef CHUNKER_SHA256_ROUND

}  // namespace chunker::sha256::detail
