#include "chunker/cpu.hpp"
#include "common/dispatch.hpp"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace chunker::cpu {
namespace {

#if defined(__x86_64__)
std::uint64_t xgetbv0() {
  std::uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}
#endif

std::uint32_t probe() {
  std::uint32_t f = 0;
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (c & bit_SSE4_1) f |= kSse41;
  const bool osxsave = c & bit_OSXSAVE;
  const bool avx = c & bit_AVX;
  std::uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const bool ymm_os = (xcr0 & 0x6) == 0x6;
  const bool zmm_os = (xcr0 & 0xe6) == 0xe6;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    // The *_avx2.cpp files are built with -mavx2 -mbmi2: require both.
    if (avx && ymm_os && (b & bit_AVX2) && (b & bit_BMI2)) f |= kAvx2;
    if (zmm_os && (b & bit_AVX512F) && (b & bit_AVX512VL) && (b & bit_AVX512BW)) f |= kAvx512;
    if ((b & bit_SHA) && (f & kSse41)) f |= kShaNi;
  }
#elif defined(__aarch64__)
  f |= kNeon;  // mandatory on AArch64
#if defined(__linux__)
  unsigned long hw = getauxval(AT_HWCAP);
  if (hw & (1UL << 6)) f |= kArmv8Sha2;  // HWCAP_SHA2
#endif
#elif defined(__wasm_simd128__)
  f |= kSimd128;
#endif
  return f;
}

struct State {
  std::uint32_t detected = 0;
  std::uint32_t enabled = 0;
  std::string warning;
  bool forced = false;
};

State compute() {
  State s;
  s.detected = probe();
  const char* env = std::getenv("CHUNKER_FORCE_ISA");
  if (!env || !*env) {
    s.enabled = s.detected;
    return s;
  }
  s.forced = true;
  std::uint32_t allow = 0;
  std::string_view rest(env);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    std::uint32_t want = 0;
    if (name == "portable" || name == "scalar") want = 0;
    else if (name == "sse41") want = kSse41;
    else if (name == "avx2") want = kSse41 | kAvx2;
    else if (name == "avx512") want = kSse41 | kAvx2 | kAvx512;
    else if (name == "sha_ni" || name == "shani") want = kShaNi | kSse41;
    else if (name == "neon") want = kNeon;
    else if (name == "armv8") want = kNeon | kArmv8Sha2;
    else if (name == "simd128") want = kSimd128;
    else {
      s.warning += "CHUNKER_FORCE_ISA: unknown name '" + std::string(name) + "' ignored; ";
      continue;
    }
    if ((want & s.detected) != want)
      s.warning += "CHUNKER_FORCE_ISA: '" + std::string(name) + "' is not supported by this CPU; ";
    allow |= want;
  }
  s.enabled = s.detected & allow;
  return s;
}

State& state() {
  static State s = compute();
  return s;
}

}  // namespace

std::uint32_t detected() noexcept { return state().detected; }
std::uint32_t enabled() noexcept { return state().enabled; }
const std::string& force_warning() noexcept { return state().warning; }
bool forced() noexcept { return state().forced; }
void reload_for_testing() noexcept {
  state() = compute();
  detail::g_generation.fetch_add(1, std::memory_order_relaxed);
}

std::string describe(std::uint32_t f) {
  std::string out;
  auto add = [&](std::uint32_t bit, const char* name) {
    if (!(f & bit)) return;
    if (!out.empty()) out += ',';  // (appending a temporary string drew GCC 12 -Wstringop-overflow noise under LTO)
    out += name;
  };
  add(kSse41, "sse41");
  add(kAvx2, "avx2");
  add(kAvx512, "avx512");
  add(kShaNi, "sha_ni");
  add(kNeon, "neon");
  add(kArmv8Sha2, "armv8");
  add(kSimd128, "simd128");
  return out.empty() ? "portable" : out;
}

}  // namespace chunker::cpu
