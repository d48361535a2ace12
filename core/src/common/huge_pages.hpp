// Transparent huge page advice for large buffers that are filled by the
// process: on first touch each 4 KiB page costs a fault (dear under a
// hypervisor), each 2 MiB page one. Advice only: failure is harmless.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace chunker::detail {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

// Advises the whole 2 MiB pages inside [p, p + n).
inline void advise_huge_pages([[maybe_unused]] void* p, [[maybe_unused]] std::size_t n) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (a + kHugePage - 1) / kHugePage * kHugePage, hi = (a + n) / kHugePage * kHugePage;
  if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#endif
}

}  // namespace chunker::detail
