// FastCDC candidate-search kernels and their runtime dispatch.
//
// A kernel answers one question, window-locally: the first p in [from, to)
// whose gear hash over the bytes ending at p passes (H(p) & mask) == 0, where
//   H(p) = sum_{k=0}^{63} gear[data[p-k]] << k   (mod 2^64).
// Masks only use bits below 48, so the test depends on data[p-47 .. p] alone:
// kernels may warm up on as few as 48 bytes. Callers guarantee from >= 64
// (data[from-64 .. to) is readable) and resolve everything else (chunk start,
// min-size skip, mask switch, fingerprint) in Cutter::find_cut.
//
// One kernel per ISA file (scan_<isa>.cpp, built with that ISA's flags), chosen
// once: by default the kernel measured fastest on the platform (see
// docs/benchmarks.md#chunking), with CHUNKER_FORCE_ISA set the kernel of the highest
// enabled ISA, and CHUNKER_FASTCDC_KERNEL=<name> picks one by name (so every
// kernel stays reachable for tests and benchmarks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace chunker::fastcdc::detail {

using FindFirstFn = std::size_t (*)(const std::uint8_t* data, std::size_t from, std::size_t to,
                                    const std::uint64_t* gear, std::uint64_t mask, std::size_t avg) noexcept;

struct ScanKernel {
  const char* name;
  FindFirstFn find_first;
};

// Test window: bits 0..47 of H(p) need the last 48 bytes only.
inline constexpr std::size_t kTestWindow = 48;

extern const ScanKernel kIlpKernel;     // portable, scan_ilp.hpp
extern const ScanKernel kScalarKernel;  // portable one-stream loop, scan_ilp.cpp
#if defined(__x86_64__) || defined(_M_X64)
extern const ScanKernel kSse41Kernel;
extern const ScanKernel kAvx2GatherKernel;
extern const ScanKernel kAvx2Kernel;
#endif
#if defined(__aarch64__)
extern const ScanKernel kNeonKernel;
#endif
#if defined(__wasm__)
extern const ScanKernel kSimd128Kernel;
#endif

const ScanKernel& scan_kernel() noexcept;
// Every kernel this CPU can run (portable first).
std::span<const ScanKernel* const> runnable_scan_kernels() noexcept;
// nullptr: back to the normal selection (re-reads cpu::enabled()).
void set_scan_kernel_for_testing(const ScanKernel* k) noexcept;

}  // namespace chunker::fastcdc::detail
