// Multi-stream candidate search ("ILP kernel").
//
// The gear hash keeps a 64-bit value and shifts left once per byte, so after
// 64 bytes the hash at position p depends only on data[p-63 .. p]:
//   H(p) = sum_{k=0}^{63} gear[data[p-k]] << k   (mod 2^64).
// Any position at least 64 bytes past the chunk's hash start can therefore be
// hashed independently. This kernel runs kStreams independent scalar hashes
// over kStreams consecutive blocks in lock step (each warmed up on the 64 bytes
// before its block), so the CPU overlaps their dependency chains instead of
// waiting on one shift-add chain per byte. On a hit it rescans the group with
// the plain loop to find the first candidate exactly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fastcdc/scan_scalar.hpp"

namespace chunker::fastcdc::detail {

inline constexpr std::size_t kWindow = 64;

// H(p) over the 64 bytes ending at p (p >= 63).
inline std::uint64_t window_hash(const std::uint8_t* data, std::size_t p, const std::uint64_t* gear) noexcept {
  std::uint64_t h = 0;
  for (std::size_t i = p + 1 - kWindow; i <= p; ++i) h = (h << 1) + gear[data[i]];
  return h;
}

// First p in [from, to) with (H(p) & mask) == 0, or kNoCut. Requires
// from >= kWindow (bytes before `from` are readable warm-up data). kBlock
// trades warm-up cost (64 / kBlock) against work past the cut (< 3 kBlock).
template <std::size_t kBlock>
inline std::size_t find_first_ilp(const std::uint8_t* data, std::size_t from, std::size_t to,
                                  const std::uint64_t* gear, std::uint64_t mask) noexcept {
  constexpr std::size_t kStreams = 4, kGroup = kStreams * kBlock;
  std::size_t base = from;
  for (; base + kGroup <= to; base += kGroup) {
    const std::uint8_t* p0 = data + base;
    const std::uint8_t* p1 = p0 + kBlock;
    const std::uint8_t* p2 = p1 + kBlock;
    const std::uint8_t* p3 = p2 + kBlock;
    std::uint64_t h0 = 0, h1 = 0, h2 = 0, h3 = 0;
    for (std::size_t i = 0; i < kWindow; ++i) {  // warm-up, no tests
      const std::ptrdiff_t w = static_cast<std::ptrdiff_t>(i) - static_cast<std::ptrdiff_t>(kWindow);
      h0 = (h0 << 1) + gear[p0[w]];
      h1 = (h1 << 1) + gear[p1[w]];
      h2 = (h2 << 1) + gear[p2[w]];
      h3 = (h3 << 1) + gear[p3[w]];
    }
    for (std::size_t i = 0; i < kBlock; ++i) {
      h0 = (h0 << 1) + gear[p0[i]];
      h1 = (h1 << 1) + gear[p1[i]];
      h2 = (h2 << 1) + gear[p2[i]];
      h3 = (h3 << 1) + gear[p3[i]];
      if (((h0 & mask) == 0) | ((h1 & mask) == 0) | ((h2 & mask) == 0) | ((h3 & mask) == 0)) {
        // Every stream is clean up to offset i-1. The first candidate is in the
        // lowest stream that has one: finish the lower streams' blocks first.
        std::uint64_t hs[kStreams] = {h0, h1, h2, h3};
        for (std::size_t s = 0; s < kStreams; ++s) {
          const std::size_t at = base + s * kBlock + i;
          if ((hs[s] & mask) == 0) return at;
          const std::size_t p = scan_scalar(data, at + 1, base + (s + 1) * kBlock, gear, mask, hs[s]);
          if (p != kNoCut) return p;
        }
        return kNoCut;  // unreachable: some stream tested zero at offset i
      }
    }
  }
  if (base < to) {
    std::uint64_t h = 0;
    for (std::size_t i = base - kWindow; i < base; ++i) h = (h << 1) + gear[data[i]];
    return scan_scalar(data, base, to, gear, mask, h);
  }
  return kNoCut;
}

// Below this average chunk size find_cut uses the plain loop only.
inline constexpr std::size_t kIlpMinAvg = 8u << 10;

// Picks the block size for the expected distance to a cut.
inline std::size_t find_first(const std::uint8_t* data, std::size_t from, std::size_t to, const std::uint64_t* gear,
                              std::uint64_t mask, std::size_t avg) noexcept {
  if (avg >= (64u << 10)) return find_first_ilp<2048>(data, from, to, gear, mask);
  return find_first_ilp<512>(data, from, to, gear, mask);
}

}  // namespace chunker::fastcdc::detail
