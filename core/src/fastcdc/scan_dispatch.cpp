// Picks the FastCDC search kernel (common/dispatch.hpp). Unlike BLAKE3
// ("highest ISA wins"), the default is the highest kernel marked preferred
// (measured fastest somewhere), timed once against the plain loop, because a
// wide ISA does not make the table lookups cheaper (docs/benchmarks.md#chunking).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "chunker/cpu.hpp"
#include "chunker/fastcdc.hpp"
#include "common/dispatch.hpp"
#include "fastcdc/scan_kernel.hpp"
#include "fastcdc/tables.hpp"

namespace chunker::fastcdc::detail {
namespace {

// Lowest ISA first; the flag: measured default on some platform
// (docs/benchmarks.md#chunking).
constexpr dispatch::Candidate<ScanKernel> kCandidates[] = {
    {&kScalarKernel, 0, false},
    {&kIlpKernel, 0, true},
#if defined(__x86_64__) || defined(_M_X64)
    // Faster than ilp4 here too (batched test); the default without AVX2.
    {&kSse41Kernel, cpu::kSse41, true},
    // Gathers cost more than four scalar loads on the cores measured: never preferred.
    {&kAvx2GatherKernel, cpu::kAvx2, false},
    // ILP streams in a ymm with a batched test: the fastest vector kernel measured.
    {&kAvx2Kernel, cpu::kAvx2, true},
#endif
#if defined(__aarch64__)
    {&kNeonKernel, cpu::kNeon, false},
#endif
#if defined(__wasm__)
    // The build compiles scan_simd128.cpp with -msimd128, so the module already
    // requires SIMD from the engine: always runnable.
    // At best a little ahead of ilp4, and behind the plain loop on some cores
    // (no gather in wasm); figures in docs/benchmarks.md#chunking.
    {&kSimd128Kernel, 0, true},
#endif
};

// The static preference: the highest-ISA kernel measured fastest somewhere
// (with CHUNKER_FORCE_ISA: the highest enabled, as asked).
const ScanKernel* preferred(std::uint32_t f, bool forced) {
  return dispatch::highest(kCandidates, f, &kIlpKernel, forced);
}

#if !defined(__wasm__)
// Whether the preferred kernel or the plain scalar loop wins depends on the
// core, not only on the ISA: on some cores the AVX2 kernel is well ahead of the
// plain loop, on others the plain loop is a little ahead (docs/benchmarks.md#chunking).
// So time the two once per process on 128 KiB that never cuts (well under a
// millisecond) and keep the faster; all kernels are exact, so only speed
// depends on the choice. Only these two, best of 5 alternating rounds: timing
// every kernel best of 3 sometimes picked a clearly slower one next to a busy
// process. Not in wasm: browsers coarsen timers to as much as 100 us, and V8
// runs a function's first calls in baseline code (Liftoff), so a first-use
// timing there measures the tier-up, not the kernel (tried: a random winner;
// docs/benchmarks-log.md, "2026-12-04: a different machine").
const ScanKernel* calibrate(std::uint32_t f) {
  const ScanKernel* const pair[2] = {preferred(f, false), &kScalarKernel};
  if (pair[0] == pair[1]) return pair[0];
  constexpr std::size_t kBytes = 128u << 10;
  // Heap, not static: freed after the one use instead of staying resident.
  std::unique_ptr<std::uint8_t[]> buf(new (std::nothrow) std::uint8_t[kBytes]);
  if (!buf) return nullptr;  // the static preference then
  std::uint8_t* const data = buf.get();
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (std::size_t i = 0; i < kBytes; ++i) {  // splitmix64 bytes
    auto& b = data[i];
    x += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    b = static_cast<std::uint8_t>(z ^ (z >> 31));
  }
  const std::uint64_t never = (std::uint64_t{1} << 48) - 1;  // all 48 tested bits: p = 2^-48 per byte
  double best_s[2] = {1e9, 1e9};
  for (int round = 0; round < 10; ++round) {
    const int i = (round & 1) ^ ((round >> 1) & 1);  // order 0 1 1 0 0 1 1 0 ...
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t r = pair[i]->find_first(data, kTestWindow, kBytes, kGear, never, 1u << 16);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r != ~std::size_t{0}) return pair[1];  // a cut in this data would mean a broken kernel
    best_s[i] = std::min(best_s[i], s);
  }
  // Scalar must win clearly: the vector kernel's speed is the steadier one.
  // A plain loop a few percent ahead on a quiet core can fall far behind the
  // vector kernel while a sibling thread is busy, for whole processes at a
  // time (docs/benchmarks.md#chunking).
  return best_s[1] * 1.10 < best_s[0] ? pair[1] : pair[0];
}
#endif

const ScanKernel* select() {
  const std::uint32_t f = cpu::enabled();
  if (const char* name = std::getenv("CHUNKER_FASTCDC_KERNEL"); name && *name)
    if (const ScanKernel* k = dispatch::find(kCandidates, name, f)) return k;
  const bool forced = cpu::forced();
#if !defined(__wasm__)
  if (!forced) {
    static const ScanKernel* const measured = calibrate(f);  // once per process
    if (measured) return measured;
  }
#endif
  return preferred(f, forced);
}

dispatch::Slot<ScanKernel> g_slot{select};

}  // namespace

const ScanKernel& scan_kernel() noexcept { return g_slot.get(); }

std::span<const ScanKernel* const> runnable_scan_kernels() noexcept {
  static const auto list = [] {
    struct L {
      const ScanKernel* k[std::size(kCandidates)];
      std::size_t n = 0;
    } l{};
    for (const auto& c : kCandidates)
      if (dispatch::runnable(c, cpu::detected())) l.k[l.n++] = c.kernel;
    return l;
  }();
  return {list.k, list.n};
}

void set_scan_kernel_for_testing(const ScanKernel* k) noexcept { g_slot.set_for_testing(k); }

}  // namespace chunker::fastcdc::detail

namespace chunker::fastcdc {

const char* backend() noexcept { return detail::scan_kernel().name; }

const char* available_backends() noexcept {
  static const std::string list = dispatch::names(detail::kCandidates, cpu::detected());
  return list.c_str();
}

}  // namespace chunker::fastcdc
