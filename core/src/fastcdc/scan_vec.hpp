// Two-lane vector kernel shared by NEON (scan_neon.cpp) and wasm simd128
// (scan_simd128.cpp), written with GCC/clang vector extensions so one source
// compiles to either ISA.
//
// Neither ISA has a gather, so the table lookups stay scalar loads; the vectors
// carry the four hash streams of the ILP kernel (two per 128-bit register) and
// do the shift-add and the mask test, with the test's "any lane hit" reduction
// batched over 8 steps. A flagged batch is re-run exactly by the scalar ILP
// step (ilp_steps) from the batch's saved states, which also finishes the lower
// streams, so the result is the first candidate exactly as in scan_ilp.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fastcdc/scan_ilp.hpp"

namespace chunker::fastcdc::detail {
// Internal linkage: each ISA file compiles its own copy with its own flags, so
// the linker can never hand an AVX2-built copy to baseline code (ODR).
namespace {

typedef std::uint64_t u64x2 __attribute__((vector_size(16)));
typedef std::int64_t i64x2 __attribute__((vector_size(16)));

[[gnu::always_inline]] inline std::size_t vec_group(const std::uint8_t* data, std::size_t base, std::size_t blk, const std::uint64_t* gear,
                             std::uint64_t mask) noexcept {
  const std::uint8_t* p0 = data + base;
  const std::uint8_t* p1 = p0 + blk;
  const std::uint8_t* p2 = p1 + blk;
  const std::uint8_t* p3 = p2 + blk;
  const u64x2 m = {mask, mask};
  u64x2 a = {0, 0}, b = {0, 0};  // streams 0,1 and 2,3
  for (std::ptrdiff_t w = -static_cast<std::ptrdiff_t>(kTestWindow); w < 0; ++w) {  // warm-up
    const u64x2 ga = {gear[p0[w]], gear[p1[w]]}, gb = {gear[p2[w]], gear[p3[w]]};
    a = (a << 1) + ga;
    b = (b << 1) + gb;
  }
  std::size_t i = 0;
  for (; i + 8 <= blk; i += 8) {
    if ((i & 63) == 0) prefetch_next_group(p0, blk, i);
    const u64x2 a0 = a, b0 = b;
    i64x2 hit = {0, 0};
    for (std::size_t k = i; k < i + 8; ++k) {
      const u64x2 ga = {gear[p0[k]], gear[p1[k]]}, gb = {gear[p2[k]], gear[p3[k]]};
      a = (a << 1) + ga;
      b = (b << 1) + gb;
      hit |= ((a & m) == 0) | ((b & m) == 0);
    }
    if ((hit[0] | hit[1]) != 0) {
      const std::uint64_t h[4] = {a0[0], a0[1], b0[0], b0[1]};
      return ilp_steps(data, base, blk, i, h, gear, mask);
    }
  }
  const std::uint64_t h[4] = {a[0], a[1], b[0], b[1]};
  return ilp_steps(data, base, blk, i, h, gear, mask);  // the last blk % 8 offsets
}

template <std::size_t kBlock>
inline std::size_t find_first_vec(const std::uint8_t* data, std::size_t from, std::size_t to,
                                  const std::uint64_t* gear, std::uint64_t mask) noexcept {
  return find_first_groups<kBlock, vec_group>(data, from, to, gear, mask);
}

inline std::size_t vec_find_first(const std::uint8_t* data, std::size_t from, std::size_t to,
                                  const std::uint64_t* gear, std::uint64_t mask, std::size_t avg) noexcept {
  if (avg >= (64u << 10)) return find_first_vec<2048>(data, from, to, gear, mask);
  return find_first_vec<512>(data, from, to, gear, mask);
}

}  // namespace
}  // namespace chunker::fastcdc::detail
