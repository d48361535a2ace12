// Window buffers for streaming input: 2 MiB aligned, and on Linux marked for
// transparent huge pages: fewer TLB walks for both the kernel's copy and the
// scan, and walks are dear under a hypervisor (alignment and the advice each
// measured faster: docs/benchmarks-log.md, "2026-12-04: a different machine").
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "chunker/error.hpp"
#include "common/huge_pages.hpp"

namespace chunker::detail {

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
// segment's stage output): blocks from 1 MiB up come from alloc_window, so
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

// run_file's read slots, kept by the pipeline between calls so that many
// files in a row (chunker dedup) do not each allocate and fault in fresh memory.
struct ReadRing {
  WindowBuffer buf;
  std::size_t bytes = 0;

  // At least `need` bytes (contents not kept when it grows); `what` names
  // them in the out-of-memory error.
  Status reserve(std::size_t need, const char* what) {
    if (bytes >= need) return {};
    buf = alloc_window(need);
    bytes = buf ? need : 0;
    if (!buf) return Status(Errc::out_of_memory, "cannot allocate " + std::to_string(need) + " bytes of " + what);
    return {};
  }
};

}  // namespace chunker::detail
