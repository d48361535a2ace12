// Picks the BLAKE3 kernel: the highest ISA this CPU runs (common/dispatch.hpp).
#include "chunker/blake3.hpp"
#include "chunker/cpu.hpp"
#include "common/dispatch.hpp"
#include "hash/blake3_impl.hpp"

namespace chunker::blake3::detail {
namespace {

constexpr dispatch::Candidate<Kernel> kCandidates[] = {
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

const Kernel* select() { return dispatch::highest(kCandidates, cpu::enabled(), &kPortableKernel); }

dispatch::Slot<Kernel> g_slot{select};

}  // namespace

const Kernel& kernel() noexcept { return g_slot.get(); }

const Kernel* find_kernel(const char* name) noexcept { return dispatch::find(kCandidates, name, cpu::detected()); }

void set_kernel_for_testing(const Kernel* k) noexcept { g_slot.set_for_testing(k); }

}  // namespace chunker::blake3::detail

namespace chunker::blake3 {

const char* backend() noexcept { return detail::kernel().name; }

const char* available_backends() noexcept {
  static const std::string list = dispatch::names(detail::kCandidates, cpu::detected());
  return list.c_str();
}

}  // namespace chunker::blake3
