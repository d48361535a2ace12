// Multi-stream candidate search ("ILP kernel").
//
// The gear hash keeps a 64-bit value and shifts left once per byte, so after
// 64 bytes the hash at position p depends only on data[p-63 .. p]:
//   H(p) = sum_{k=0}^{63} gear[data[p-k]] << k   (mod 2^64).
// Any position at least 64 bytes past the chunk's hash start can therefore be
// hashed independently (and the cut test, which only looks at bits < 48, needs
// just the last 48 bytes). This kernel runs kStreams independent scalar hashes
// over kStreams consecutive blocks in lock step (each warmed up on the 48 bytes
// before its block), so the CPU overlaps their dependency chains instead of
// waiting on one shift-add chain per byte. On a hit the lower streams finish
// their blocks with the plain loop, so the first candidate is found exactly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fastcdc/scan_kernel.hpp"
#include "fastcdc/scan_scalar.hpp"

namespace chunker::fastcdc::detail {
// Internal linkage: each ISA file compiles its own copy with its own flags, so
// the linker can never hand an AVX2-built copy to baseline code (ODR).
namespace {

inline constexpr std::size_t kWindow = 64;

// H(p) over the 64 bytes ending at p (p >= 63).
inline std::uint64_t window_hash(const std::uint8_t* data, std::size_t p, const std::uint64_t* gear) noexcept {
  std::uint64_t h = 0;
  for (std::size_t i = p + 1 - kWindow; i <= p; ++i) h = (h << 1) + gear[data[i]];
  return h;
}

// Hashes data[p-48 .. p) (no tests): the state a stream starting at p needs.
inline std::uint64_t warm_up(const std::uint8_t* data, std::size_t p, const std::uint64_t* gear) noexcept {
  std::uint64_t h = 0;
  for (std::size_t i = p - kTestWindow; i < p; ++i) h = (h << 1) + gear[data[i]];
  return h;
}

// Four streams over [base + s*blk, base + (s+1)*blk), s = 0..3, from block
// offset i0 on, with h[s] the state after offset i0-1 (or after warm-up).
// Returns the first candidate of the group or kNoCut. Also the SIMD kernels'
// exact resolution step after their batched test flags a hit.
[[gnu::always_inline]] inline std::size_t ilp_steps(const std::uint8_t* data, std::size_t base, std::size_t blk,
                                                    std::size_t i0, const std::uint64_t* h,
                                                    const std::uint64_t* gear, std::uint64_t mask) noexcept {
  constexpr std::size_t kStreams = 4;
  const std::uint8_t* p0 = data + base;
  const std::uint8_t* p1 = p0 + blk;
  const std::uint8_t* p2 = p1 + blk;
  const std::uint8_t* p3 = p2 + blk;
  std::uint64_t h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3];
  for (std::size_t i = i0; i < blk; ++i) {
    h0 = (h0 << 1) + gear[p0[i]];
    h1 = (h1 << 1) + gear[p1[i]];
    h2 = (h2 << 1) + gear[p2[i]];
    h3 = (h3 << 1) + gear[p3[i]];
    if (((h0 & mask) == 0) | ((h1 & mask) == 0) | ((h2 & mask) == 0) | ((h3 & mask) == 0)) {
      // Every stream is clean up to offset i-1. The first candidate is in the
      // lowest stream that has one: finish the lower streams' blocks first.
      std::uint64_t hs[kStreams] = {h0, h1, h2, h3};
      for (std::size_t s = 0; s < kStreams; ++s) {
        const std::size_t at = base + s * blk + i;
        if ((hs[s] & mask) == 0) return at;
        const std::size_t p = scan_scalar(data, at + 1, base + (s + 1) * blk, gear, mask, hs[s]);
        if (p != kNoCut) return p;
      }
      return kNoCut;  // unreachable: some stream tested zero at offset i
    }
  }
  return kNoCut;
}

// Line i of each of the next group's four blocks (one group ahead). The
// hardware prefetchers stop at 4 KiB page boundaries and each stream enters a
// new page every few KiB; on a page-cache mapping (4 KiB pages, scattered) the
// vector kernels otherwise stall on DRAM at every page (docs/benchmarks-log.md,
// "Idle-machine figures, 2026-11-23"). Prefetches past the end of the buffer
// cannot fault.
[[gnu::always_inline]] inline void prefetch_next_group(const std::uint8_t* p0, std::size_t blk, std::size_t i) noexcept {
  const std::uint8_t* next = p0 + 4 * blk + i;
  __builtin_prefetch(next);
  __builtin_prefetch(next + blk);
  __builtin_prefetch(next + 2 * blk);
  __builtin_prefetch(next + 3 * blk);
}

// One group of four blocks, each stream warmed up on the 48 bytes before it.
[[gnu::always_inline]] inline std::size_t ilp_group(const std::uint8_t* data, std::size_t base, std::size_t blk,
                                                    const std::uint64_t* gear, std::uint64_t mask) noexcept {
  const std::uint8_t* p0 = data + base;
  std::uint64_t h[4] = {0, 0, 0, 0};
  for (std::size_t i = 0; i < kTestWindow; ++i) {  // warm-up, no tests
    const std::ptrdiff_t w = static_cast<std::ptrdiff_t>(i) - static_cast<std::ptrdiff_t>(kTestWindow);
    for (std::size_t s = 0; s < 4; ++s) h[s] = (h[s] << 1) + gear[p0[static_cast<std::ptrdiff_t>(s * blk) + w]];
  }
  return ilp_steps(data, base, blk, 0, h, gear, mask);
}

// First p in [from, to) with (H(p) & mask) == 0, or kNoCut. Requires
// from >= kTestWindow (bytes before `from` are readable warm-up data).
// Full groups use the compile-time block (the compiler unrolls it); the
// remainder runs as one smaller group when it is long enough, so at most
// 4*kMinBlock bytes fall back to the plain loop. Block size trades warm-up
// cost (48 / block) against work past the cut (the streams run in lock step
// and lower streams finish their blocks).
template <std::size_t kBlock, auto Group>
[[gnu::always_inline]] inline std::size_t find_first_groups(const std::uint8_t* data, std::size_t from,
                                                            std::size_t to, const std::uint64_t* gear,
                                                            std::uint64_t mask) noexcept {
  constexpr std::size_t kStreams = 4, kMinBlock = 128;
  std::size_t base = from;
  for (; base + kStreams * kBlock <= to; base += kStreams * kBlock) {
    const std::size_t p = Group(data, base, kBlock, gear, mask);
    if (p != kNoCut) return p;
  }
  if (to - base >= kStreams * kMinBlock) {
    const std::size_t blk = (to - base) / kStreams;
    const std::size_t p = Group(data, base, blk, gear, mask);
    if (p != kNoCut) return p;
    base += kStreams * blk;
  }
  if (base < to) {
    std::uint64_t h = warm_up(data, base, gear);
    return scan_scalar(data, base, to, gear, mask, h);
  }
  return kNoCut;
}

// `Group` is one of the kernels' group functions (ilp_group, vec_group, vec4_group).
template <std::size_t kBlock>
inline std::size_t find_first_ilp(const std::uint8_t* data, std::size_t from, std::size_t to,
                                  const std::uint64_t* gear, std::uint64_t mask) noexcept {
  return find_first_groups<kBlock, ilp_group>(data, from, to, gear, mask);
}

// Below this average chunk size find_cut uses the plain loop only.
inline constexpr std::size_t kIlpMinAvg = 8u << 10;

// Picks the block size for the expected distance to a cut.
inline std::size_t find_first(const std::uint8_t* data, std::size_t from, std::size_t to, const std::uint64_t* gear,
                              std::uint64_t mask, std::size_t avg) noexcept {
  if (avg >= (64u << 10)) return find_first_ilp<2048>(data, from, to, gear, mask);
  return find_first_ilp<512>(data, from, to, gear, mask);
}

}  // namespace
}  // namespace chunker::fastcdc::detail
