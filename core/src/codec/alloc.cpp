#include "codec/alloc.hpp"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace chunker::codec::detail {

namespace {
std::atomic<std::uint64_t> g_allocs{0};
}

std::uint64_t allocation_count() noexcept { return g_allocs.load(std::memory_order_relaxed); }

Recycler::~Recycler() {
  for (auto& s : slots_) std::free(s.p);
}

void* Recycler::alloc(std::size_t size) noexcept {
  if (size == 0) size = 1;
  Slot* spare = nullptr;
  for (auto& s : slots_) {
    if (s.used) continue;
    if (s.p && s.size == size) {
      s.used = true;
      return s.p;
    }
    if (!spare || (spare->p && !s.p)) spare = &s;  // prefer an empty slot
  }
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(size);
  if (!p) return nullptr;
  if (spare) {
    std::free(spare->p);  // a free block of the wrong size: evict it
    *spare = Slot{p, size, true};
  }
  return p;
}

void* Recycler::alloc_zeroed(std::size_t size) noexcept {
  void* p = alloc(size);
  if (p) std::memset(p, 0, size);
  return p;
}

void Recycler::free(void* p) noexcept {
  if (!p) return;
  for (auto& s : slots_)
    if (s.p == p) {
      s.used = false;
      return;
    }
  std::free(p);  // overflowed the slot table
}

void* Recycler::c_alloc(void* o, std::size_t size) noexcept { return static_cast<Recycler*>(o)->alloc(size); }
void* Recycler::c_calloc(void* o, std::size_t size) noexcept {
  return static_cast<Recycler*>(o)->alloc_zeroed(size);
}
void* Recycler::c_alloc_n(void* o, std::size_t n, std::size_t size) noexcept {
  if (size && n > std::numeric_limits<std::size_t>::max() / size) return nullptr;
  return static_cast<Recycler*>(o)->alloc(n * size);
}
void* Recycler::c_alloc_int(void* o, int n, int size) noexcept {
  if (n < 0 || size < 0) return nullptr;
  return c_alloc_n(o, static_cast<std::size_t>(n), static_cast<std::size_t>(size));
}
void Recycler::c_free(void* o, void* p) noexcept { static_cast<Recycler*>(o)->free(p); }

}  // namespace chunker::codec::detail
