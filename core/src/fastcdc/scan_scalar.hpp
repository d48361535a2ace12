// Portable gear-hash scan, the reference every SIMD kernel is tested against.
//
// fastcdc-rs consumes bytes in pairs with a pre-shifted table; that is the same
// as one byte at a time with h = (h << 1) + gear[x] and testing h & mask after
// every byte (the pairwise hash equals the one-byte hash after each pair, and
// (2h) & (mask << 1) == 0 <=> h & mask == 0 because masks stop at bit 47).
#pragma once

#include <cstddef>
#include <cstdint>

namespace chunker::fastcdc::detail {
// Internal linkage: each ISA file compiles its own copy with its own flags, so
// the linker can never hand an AVX2-built copy to baseline code (ODR).
namespace {

inline constexpr std::size_t kNoCut = ~std::size_t{0};

// Hashes data[from..to) into h; returns the first position whose test passes
// (h then holds the one-byte hash after that position) or kNoCut.
inline std::size_t scan_scalar(const std::uint8_t* data, std::size_t from, std::size_t to,
                               const std::uint64_t* gear, std::uint64_t mask, std::uint64_t& h) noexcept {
  std::uint64_t x = h;
  std::size_t p = from;
  // Two bytes per step: h2 = 4h + (2 g0 + g1) keeps the loop-carried chain to
  // one shift-add per two bytes; h1 is computed off the chain for its test.
  for (; p + 2 <= to; p += 2) {
    const std::uint64_t g0 = gear[data[p]];
    const std::uint64_t g1 = gear[data[p + 1]];
    const std::uint64_t h1 = (x << 1) + g0;
    const std::uint64_t h2 = (x << 2) + ((g0 << 1) + g1);
    if ((h1 & mask) == 0) {
      h = h1;
      return p;
    }
    if ((h2 & mask) == 0) {
      h = h2;
      return p + 1;
    }
    x = h2;
  }
  for (; p < to; ++p) {
    x = (x << 1) + gear[data[p]];
    if ((x & mask) == 0) {
      h = x;
      return p;
    }
  }
  h = x;
  return kNoCut;
}

}  // namespace
}  // namespace chunker::fastcdc::detail
