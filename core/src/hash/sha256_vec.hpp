// SHA-256 blocks with the message schedule in 128-bit vectors, shared by the
// wasm simd128 and x86 AVX2 kernels (for CPUs without SHA instructions). The
// rounds stay scalar (sha256_round.hpp); the schedule runs four words at a
// time in one vector, as in Intel's SSE SHA-256 papers, and each W+K quad is
// handed to the next four rounds by lane extraction, so the schedule never
// goes through memory. Each ISA file supplies a traits type V with:
//   using T;                         a 4 x 32-bit vector
//   load_be(p)                       16 bytes as 4 big-endian words
//   load(const uint32_t*), add, xor_, or_, shl<n>, shr<n>
//   w15(x0, x1) = {x0[1], x0[2], x0[3], x1[0]}   (also W[t-7..t-4] from x2, x3)
//   hi_pair(x) = {x[2], x[3], x[2], x[3]}, lo_pair(x) = {x[0], x[1], x[0], x[1]}
//   merge(lo, hi) = {lo[0], lo[1], hi[2], hi[3]}, lane<i>(x)
// Include only from ISA-suffixed sources (compiled with their flags).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hash/sha256_internal.hpp"
#include "hash/sha256_round.hpp"

namespace chunker::sha256::detail::vec {

template <class V, int n>
inline typename V::T rotr(typename V::T x) { return V::or_(V::template shr<n>(x), V::template shl<32 - n>(x)); }
template <class V>
inline typename V::T small_sigma0(typename V::T x) {
  return V::xor_(V::xor_(rotr<V, 7>(x), rotr<V, 18>(x)), V::template shr<3>(x));
}
template <class V>
inline typename V::T small_sigma1(typename V::T x) {
  return V::xor_(V::xor_(rotr<V, 17>(x), rotr<V, 19>(x)), V::template shr<10>(x));
}

// W[t..t+3] from the last sixteen words x0..x3 (x0 oldest), which then move
// up by one quad. W[t+2] and W[t+3] need W[t] and W[t+1] (the t-2 term), so
// sigma1 runs twice: on the old W[t-2..t-1], then on the new W[t..t+1].
template <class V>
inline typename V::T next_quad(typename V::T& x0, typename V::T& x1, typename V::T& x2, typename V::T& x3) {
  using T = typename V::T;
  const T s = V::add(V::add(x0, V::w15(x2, x3)), small_sigma0<V>(V::w15(x0, x1)));
  const T lo = V::add(s, small_sigma1<V>(V::hi_pair(x3)));
  const T hi = V::add(s, small_sigma1<V>(V::lo_pair(lo)));
  const T w = V::merge(lo, hi);
  x0 = x1;
  x1 = x2;
  x2 = x3;
  x3 = w;
  return w;
}

// Four rounds taking W+K from the lanes of `v`; the roles of a..h rotate by
// four, so two calls restore them.
#define CHUNKER_SHA256_4ROUNDS(a, b, c, d, e, f, g, h, v)                        \
  do {                                                                           \
    const typename V::T wk = (v);                                                \
    CHUNKER_SHA256_ROUND(a, b, c, d, e, f, g, h, V::template lane<0>(wk));       \
    CHUNKER_SHA256_ROUND(h, a, b, c, d, e, f, g, V::template lane<1>(wk));       \
    CHUNKER_SHA256_ROUND(g, h, a, b, c, d, e, f, V::template lane<2>(wk));       \
    CHUNKER_SHA256_ROUND(f, g, h, a, b, c, d, e, V::template lane<3>(wk));       \
  } while (0)

// The block loop. Keep it an inline function that the ISA file's block
// function calls: as that function's own body, the wasm has the same
// operations in another order, which Chromium's V8 (not Node's) ran much
// slower (docs/benchmarks-log.md, "2026-12-04, later"); V8's reasons unknown.
template <class V>
inline void compress_blocks(std::uint32_t* state, const std::uint8_t* blocks, std::size_t n) {
  using T = typename V::T;
  for (; n > 0; --n, blocks += 64) {
    T x0 = V::load_be(blocks), x1 = V::load_be(blocks + 16);
    T x2 = V::load_be(blocks + 32), x3 = V::load_be(blocks + 48);
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    std::uint32_t bc = b ^ c;
    CHUNKER_SHA256_4ROUNDS(a, b, c, d, e, f, g, h, V::add(x0, V::load(kRound + 0)));
    CHUNKER_SHA256_4ROUNDS(e, f, g, h, a, b, c, d, V::add(x1, V::load(kRound + 4)));
    CHUNKER_SHA256_4ROUNDS(a, b, c, d, e, f, g, h, V::add(x2, V::load(kRound + 8)));
    CHUNKER_SHA256_4ROUNDS(e, f, g, h, a, b, c, d, V::add(x3, V::load(kRound + 12)));
    // Fully unrolled: as a loop, V8's code is ~20% slower.
#pragma GCC unroll 8
    for (int t = 16; t < 64; t += 8) {
      CHUNKER_SHA256_4ROUNDS(a, b, c, d, e, f, g, h, V::add(next_quad<V>(x0, x1, x2, x3), V::load(kRound + t)));
      CHUNKER_SHA256_4ROUNDS(e, f, g, h, a, b, c, d, V::add(next_quad<V>(x0, x1, x2, x3), V::load(kRound + t + 4)));
    }
    round::add_to_state(state, a, b, c, d, e, f, g, h);
  }
}

#undef CHUNKER_SHA256_4ROUNDS

}  // namespace chunker::sha256::detail::vec
