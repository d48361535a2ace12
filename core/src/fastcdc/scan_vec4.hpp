// Four-lane variant of scan_vec.hpp for 256-bit vectors (AVX2): the four ILP
// streams live in one register; lookups stay scalar loads (cheaper than
// vpgatherqq on the machines measured, docs/benchmarks.md#chunking), the test is batched over 8 steps and a
// flagged batch is resolved exactly by the scalar ILP step.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fastcdc/scan_ilp.hpp"

namespace chunker::fastcdc::detail {
// Internal linkage: each ISA file compiles its own copy with its own flags, so
// the linker can never hand an AVX2-built copy to baseline code (ODR).
namespace {

typedef std::uint64_t u64x4 __attribute__((vector_size(32)));
typedef std::int64_t i64x4 __attribute__((vector_size(32)));

[[gnu::always_inline]] inline std::size_t vec4_group(const std::uint8_t* data, std::size_t base, std::size_t blk, const std::uint64_t* gear,
                              std::uint64_t mask) noexcept {
  const std::uint8_t* p0 = data + base;
  const std::uint8_t* p1 = p0 + blk;
  const std::uint8_t* p2 = p1 + blk;
  const std::uint8_t* p3 = p2 + blk;
  const u64x4 m = {mask, mask, mask, mask};
  u64x4 h = {0, 0, 0, 0};
  for (std::ptrdiff_t w = -static_cast<std::ptrdiff_t>(kTestWindow); w < 0; ++w) {  // warm-up
    const u64x4 g = {gear[p0[w]], gear[p1[w]], gear[p2[w]], gear[p3[w]]};
    h = (h << 1) + g;
  }
  std::size_t i = 0;
  for (; i + 8 <= blk; i += 8) {
    if ((i & 63) == 0) prefetch_next_group(p0, blk, i);
    const u64x4 h0 = h;
    i64x4 hit = {0, 0, 0, 0};
    for (std::size_t k = i; k < i + 8; ++k) {
      const u64x4 g = {gear[p0[k]], gear[p1[k]], gear[p2[k]], gear[p3[k]]};
      h = (h << 1) + g;
      hit |= (h & m) == 0;
    }
    if ((hit[0] | hit[1] | hit[2] | hit[3]) != 0) {
      const std::uint64_t hs[4] = {h0[0], h0[1], h0[2], h0[3]};
      return ilp_steps(data, base, blk, i, hs, gear, mask);
    }
  }
  const std::uint64_t hs[4] = {h[0], h[1], h[2], h[3]};
  return ilp_steps(data, base, blk, i, hs, gear, mask);  // the last blk % 8 offsets
}

template <std::size_t kBlock>
inline std::size_t find_first_vec4(const std::uint8_t* data, std::size_t from, std::size_t to,
                                  const std::uint64_t* gear, std::uint64_t mask) noexcept {
  return find_first_groups<kBlock, vec4_group>(data, from, to, gear, mask);
}

}  // namespace
}  // namespace chunker::fastcdc::detail
