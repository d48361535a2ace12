// The scalar SHA-256 round (FIPS 180-4 §6.2.2) shared by the portable and
// simd128 block functions, which differ in how they build the schedule.
#pragma once

#include <cstdint>

namespace chunker::sha256::detail::round {

inline std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline std::uint32_t big_sigma0(std::uint32_t a) { return rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22); }
inline std::uint32_t big_sigma1(std::uint32_t e) { return rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25); }

// Adds the working variables into the chaining value after a block.
inline void add_to_state(std::uint32_t state[8], std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d,
                         std::uint32_t e, std::uint32_t f, std::uint32_t g, std::uint32_t h) {
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

}  // namespace chunker::sha256::detail::round

// One round, wk = K[t] + W[t]; the caller rotates the roles of a..h instead
// of moving values. Ch is g ^ (e & (f ^ g)) and Maj is b ^ ((a ^ b) & (b ^ c)),
// where b ^ c is the previous round's a ^ b, kept in the caller's `bc`
// (start a block with bc = b ^ c): fewer operations than the textbook forms,
// 15% faster in wasm. The sums are grouped by when their terms are ready:
// h + wk and d + h + wk do not depend on this round's e or a, so only
// Sigma1(e) + Ch and Sigma0(a) + Maj are on the round's critical path (and
// fewer values stay live: +3% in V8, whose register allocator spills here).
#define CHUNKER_SHA256_ROUND(a, b, c, d, e, f, g, h, wk)                                        \
  do {                                                                                          \
    const std::uint32_t hk = h + (wk);                                                          \
    const std::uint32_t s1ch = ::chunker::sha256::detail::round::big_sigma1(e) + (g ^ (e & (f ^ g))); \
    const std::uint32_t ab = a ^ b;                                                             \
    const std::uint32_t s0maj = ::chunker::sha256::detail::round::big_sigma0(a) + (b ^ (ab & bc)); \
    d = (d + hk) + s1ch;                                                                        \
    h = (hk + s0maj) + s1ch;                                                                    \
    bc = ab;                                                                                    \
  } while (0)
