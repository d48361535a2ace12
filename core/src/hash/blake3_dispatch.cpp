// Picks the BLAKE3 kernel once from cpu::enabled() (which honours
// CHUNKER_FORCE_ISA). The choice is an atomic pointer so tests can switch it.
#include <atomic>
#include <cstring>
#include <string>

#include "chunker/blake3.hpp"
#include "chunker/cpu.hpp"
#include "hash/blake3_impl.hpp"

namespace chunker::blake3::detail {
namespace {

// Every kernel compiled into this build with the CPU features it needs, best last.
struct Candidate {
  const Kernel* k;
  std::uint32_t needs;
};

constexpr Candidate kCandidates[] = {
    {&kPortableKernel, 0},
#if defined(__x86_64__) || defined(_M_X64)
    {&kSse41Kernel, cpu::kSse41},
    {&kAvx2Kernel, cpu::kAvx2},
    {&kAvx512Kernel, cpu::kAvx512},
#endif
#if defined(__aarch64__)
    {&kNeonKernel, cpu::kNeon},
#endif
#if defined(__wasm__)
    // The build compiles blake3_simd128.cpp with -msimd128, so the module
    // already requires SIMD support from the engine: always usable.
    {&kSimd128Kernel, 0},
#endif
};

bool runnable(const Candidate& c, std::uint32_t features) { return (c.needs & features) == c.needs; }

const Kernel* select() {
  std::uint32_t f = cpu::enabled();
  const Kernel* best = &kPortableKernel;
  for (const auto& c : kCandidates)
    if (runnable(c, f)) best = c.k;
  return best;
}

std::atomic<const Kernel*> g_kernel{nullptr};

}  // namespace

const Kernel& kernel() noexcept {
  const Kernel* k = g_kernel.load(std::memory_order_relaxed);
  if (k == nullptr) {
    k = select();
    g_kernel.store(k, std::memory_order_relaxed);
  }
  return *k;
}

void reselect_kernel_for_testing() noexcept { g_kernel.store(select(), std::memory_order_relaxed); }

const Kernel* find_kernel(const char* name) noexcept {
  std::uint32_t f = cpu::detected();
  for (const auto& c : kCandidates)
    if (std::strcmp(c.k->name, name) == 0 && runnable(c, f)) return c.k;
  return nullptr;
}

void set_kernel_for_testing(const Kernel* k) noexcept { g_kernel.store(k ? k : select(), std::memory_order_relaxed); }

}  // namespace chunker::blake3::detail

namespace chunker::blake3 {

const char* backend() noexcept { return detail::kernel().name; }

const char* available_backends() noexcept {
  static const std::string list = [] {
    std::string s;
    std::uint32_t f = cpu::detected();
    for (const auto& c : detail::kCandidates) {
      if (!detail::runnable(c, f)) continue;
      if (!s.empty()) s += ',';
      s += c.k->name;
    }
    return s;
  }();
  return list.c_str();
}

}  // namespace chunker::blake3
