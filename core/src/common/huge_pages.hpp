// Large buffers filled by the process: 2 MiB aligned and given transparent
// huge page advice. On first touch each 4 KiB page costs a fault (dear under
// a hypervisor), each 2 MiB page one. Advice only: failure is harmless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

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

struct FreeDeleter {
  void operator()(std::uint8_t* p) const noexcept { std::free(p); }
};
using WindowBuffer = std::unique_ptr<std::uint8_t[], FreeDeleter>;

// nullptr when the allocation fails.
inline WindowBuffer alloc_window(std::size_t bytes) {
#if defined(__EMSCRIPTEN__)
  // wasm memory has no pages to align to: the 2 MiB alignment would only waste heap.
  return WindowBuffer(static_cast<std::uint8_t*>(std::malloc(bytes == 0 ? 1 : bytes)));
#else
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  WindowBuffer b(static_cast<std::uint8_t*>(std::aligned_alloc(kHugePage, rounded)));
  if (b) advise_huge_pages(b.get(), rounded);
  return b;
#endif
}

// std::vector allocator for large buffers that are filled again and again (a
// segment's stage output, a store pack): blocks from 1 MiB up come from alloc_window, so
// the first fill faults once per 2 MiB page instead of once per 4 KiB.
template <class T>
struct HugeAllocator {
  using value_type = T;
  HugeAllocator() = default;
  template <class U>
  HugeAllocator(const HugeAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    void* p = bytes >= (std::size_t{1} << 20) ? alloc_window(bytes).release() : std::malloc(bytes);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
  friend bool operator==(const HugeAllocator&, const HugeAllocator&) noexcept { return true; }
};
using HugeBytes = std::vector<std::uint8_t, HugeAllocator<std::uint8_t>>;

}  // namespace chunker::detail
