// Allocator handed to every codec library (zstd customMem, LZ4F_CustomMem,
// lzma_allocator, bz_stream.bzalloc). It keeps freed blocks for reuse, so a
// context that is re-initialised per frame (bzip2 and xz must be) stops
// calling malloc after the first frame. It also counts real allocations,
// which is how tests check "no allocation after warm-up".
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace chunker::codec::detail {

// Real malloc calls made by all Recyclers in this process.
std::uint64_t allocation_count() noexcept;

class Recycler {
 public:
  Recycler() = default;
  Recycler(const Recycler&) = delete;
  Recycler& operator=(const Recycler&) = delete;
  ~Recycler();

  void* alloc(std::size_t size) noexcept;
  void* alloc_zeroed(std::size_t size) noexcept;
  void free(void* p) noexcept;

  // C callbacks (opaque = Recycler*).
  static void* c_alloc(void* opaque, std::size_t size) noexcept;
  static void* c_calloc(void* opaque, std::size_t size) noexcept;
  static void* c_alloc_n(void* opaque, std::size_t n, std::size_t size) noexcept;
  static void* c_alloc_int(void* opaque, int n, int size) noexcept;
  static void c_free(void* opaque, void* p) noexcept;

 private:
  // The libraries hold few blocks at once (bzip2 3, xz < 10, zstd 1-2, lz4 < 6);
  // beyond kSlots we fall back to plain malloc/free.
  static constexpr int kSlots = 24;
  struct Slot {
    void* p = nullptr;
    std::size_t size = 0;
    bool used = false;
  };
  Slot slots_[kSlots];
};

}  // namespace chunker::codec::detail
