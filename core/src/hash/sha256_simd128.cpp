// SHA-256 block function for wasm simd128 (no SHA instructions there). The
// rounds are the portable code's scalar rounds; the message schedule runs
// four words at a time in one vector (as in Intel's SSE SHA-256 papers), and
// each W+K quad is handed to the next four rounds by lane extraction, so the
// schedule never goes through memory. In V8 this is ~1.5x the all-scalar
// block function. Built only for wasm with -msimd128.
#include <wasm_simd128.h>

#include "hash/sha256_internal.hpp"

namespace chunker::sha256::detail {
namespace {

using u32 = std::uint32_t;

inline u32 rotr(u32 x, int n) { return (x >> n) | (x << (32 - n)); }
inline u32 big_sigma0(u32 a) { return rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22); }
inline u32 big_sigma1(u32 e) { return rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25); }

inline v128_t vrotr(v128_t x, int n) { return wasm_v128_or(wasm_u32x4_shr(x, n), wasm_i32x4_shl(x, 32 - n)); }
inline v128_t small_sigma0(v128_t x) { return wasm_v128_xor(wasm_v128_xor(vrotr(x, 7), vrotr(x, 18)), wasm_u32x4_shr(x, 3)); }
inline v128_t small_sigma1(v128_t x) { return wasm_v128_xor(wasm_v128_xor(vrotr(x, 17), vrotr(x, 19)), wasm_u32x4_shr(x, 10)); }

// W[t..t+3] from the last sixteen words x0..x3 (x0 oldest), which then move
// up by one quad. W[t+2] and W[t+3] need W[t] and W[t+1] (the t-2 term), so
// sigma1 runs twice: on the old W[t-2..t-1], then on the new W[t..t+1].
inline v128_t next_quad(v128_t& x0, v128_t& x1, v128_t& x2, v128_t& x3) {
  const v128_t w15 = wasm_i32x4_shuffle(x0, x1, 1, 2, 3, 4);  // W[t-15..t-12]
  const v128_t w7 = wasm_i32x4_shuffle(x2, x3, 1, 2, 3, 4);   // W[t-7..t-4]
  const v128_t s = wasm_i32x4_add(wasm_i32x4_add(x0, w7), small_sigma0(w15));
  const v128_t lo = wasm_i32x4_add(s, small_sigma1(wasm_i32x4_shuffle(x3, x3, 2, 3, 2, 3)));
  const v128_t hi = wasm_i32x4_add(s, small_sigma1(wasm_i32x4_shuffle(lo, lo, 0, 1, 0, 1)));
  const v128_t w = wasm_i32x4_shuffle(lo, hi, 0, 1, 6, 7);
  x0 = x1;
  x1 = x2;
  x2 = x3;
  x3 = w;
  return w;
}

// One round with Ch as g ^ (e & (f ^ g)) and Maj as b ^ ((a ^ b) & (b ^ c)),
// where b ^ c is the previous round's a ^ b (kept in `bc`).
#define CHUNKER_SHA256_ROUND(a, b, c, d, e, f, g, h, wk)                \
  do {                                                                  \
    const u32 t1 = h + big_sigma1(e) + (g ^ (e & (f ^ g))) + (wk);      \
    const u32 ab = a ^ b;                                               \
    const u32 t2 = big_sigma0(a) + (b ^ (ab & bc));                     \
    bc = ab;                                                            \
    d += t1;                                                            \
    h = t1 + t2;                                                        \
  } while (0)

// Four rounds taking W+K from the lanes of `v`; the roles of a..h rotate by
// four, so two calls restore them.
#define CHUNKER_SHA256_4ROUNDS(a, b, c, d, e, f, g, h, v)                            \
  do {                                                                               \
    const v128_t wk = (v);                                                           \
    CHUNKER_SHA256_ROUND(a, b, c, d, e, f, g, h, wasm_i32x4_extract_lane(wk, 0));   \
    CHUNKER_SHA256_ROUND(h, a, b, c, d, e, f, g, wasm_i32x4_extract_lane(wk, 1));   \
    CHUNKER_SHA256_ROUND(g, h, a, b, c, d, e, f, wasm_i32x4_extract_lane(wk, 2));   \
    CHUNKER_SHA256_ROUND(f, g, h, a, b, c, d, e, wasm_i32x4_extract_lane(wk, 3));   \
  } while (0)

inline v128_t k4(int t) { return wasm_v128_load(kRound + t); }

// The block loop, in a helper that compress_simd128 below calls (inlined)
// rather than as that function's own body: the wasm then has the same
// operations in another order, which Chromium's V8 (not Node's) runs 1.6x
// faster. Measured; V8's reasons unknown.
inline void compress_blocks(std::uint32_t* state, const std::uint8_t* blocks, std::size_t n) {
  // Big-endian words: reverse the bytes of each lane.
  const v128_t bswap = wasm_i8x16_make(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  for (; n > 0; --n, blocks += 64) {
    v128_t x0 = wasm_i8x16_swizzle(wasm_v128_load(blocks), bswap);
    v128_t x1 = wasm_i8x16_swizzle(wasm_v128_load(blocks + 16), bswap);
    v128_t x2 = wasm_i8x16_swizzle(wasm_v128_load(blocks + 32), bswap);
    v128_t x3 = wasm_i8x16_swizzle(wasm_v128_load(blocks + 48), bswap);
    u32 a = state[0], b = state[1], c = state[2], d = state[3];
    u32 e = state[4], f = state[5], g = state[6], h = state[7];
    u32 bc = b ^ c;
    CHUNKER_SHA256_4ROUNDS(a, b, c, d, e, f, g, h, wasm_i32x4_add(x0, k4(0)));
    CHUNKER_SHA256_4ROUNDS(e, f, g, h, a, b, c, d, wasm_i32x4_add(x1, k4(4)));
    CHUNKER_SHA256_4ROUNDS(a, b, c, d, e, f, g, h, wasm_i32x4_add(x2, k4(8)));
    CHUNKER_SHA256_4ROUNDS(e, f, g, h, a, b, c, d, wasm_i32x4_add(x3, k4(12)));
    // Fully unrolled: as a loop, V8's code is ~20% slower.
#pragma clang loop unroll(full)
    for (int t = 16; t < 64; t += 8) {
      CHUNKER_SHA256_4ROUNDS(a, b, c, d, e, f, g, h, wasm_i32x4_add(next_quad(x0, x1, x2, x3), k4(t)));
      CHUNKER_SHA256_4ROUNDS(e, f, g, h, a, b, c, d, wasm_i32x4_add(next_quad(x0, x1, x2, x3), k4(t + 4)));
    }
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

}  // namespace

void compress_simd128(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t n) noexcept {
  compress_blocks(state, blocks, n);
}

#undef CHUNKER_SHA256_4ROUNDS
#undef CHUNKER_SHA256_ROUND

}  // namespace chunker::sha256::detail
