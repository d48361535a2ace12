// CPU feature detection and the CHUNKER_FORCE_ISA override, shared by every
// SIMD dispatcher (FastCDC, BLAKE3, SHA-256). Detection runs once.
#pragma once

#include <cstdint>
#include <string>

namespace chunker::cpu {

enum Feature : std::uint32_t {
  kSse41 = 1u << 0,
  kAvx2 = 1u << 1,
  kAvx512 = 1u << 2,    // AVX-512 F+VL+BW
  kShaNi = 1u << 3,
  kNeon = 1u << 4,
  kArmv8Sha2 = 1u << 5,
  kSimd128 = 1u << 6,   // wasm: compile-time
};

// Features the CPU (and OS) support.
std::uint32_t detected() noexcept;

// Features dispatchers may use: detected() restricted by CHUNKER_FORCE_ISA.
// CHUNKER_FORCE_ISA is a comma-separated list of: portable, sse41, avx2, avx512,
// sha_ni, neon, armv8, simd128. Each name enables itself and the lower levels of
// the same family (avx2 => sse41+avx2; armv8 => neon+armv8). "portable" alone
// disables every SIMD path. Unset or empty: everything detected.
std::uint32_t enabled() noexcept;

// True when CHUNKER_FORCE_ISA is set (non-empty). Dispatchers whose default is
// not simply "the highest ISA" (FastCDC picks the measured fastest kernel) then
// honour the request literally and use the kernel of the highest enabled ISA.
bool forced() noexcept;

// Non-empty when CHUNKER_FORCE_ISA asked for something this CPU cannot run or
// that is not a known name (dispatchers then fall back to what is available).
const std::string& force_warning() noexcept;

// For tests: re-read CHUNKER_FORCE_ISA (dispatchers must be re-initialised too).
void reload_for_testing() noexcept;

// "sse41,avx2,sha_ni" etc.
std::string describe(std::uint32_t features);

}  // namespace chunker::cpu
