// Hasher::update_from: hashing data that must first be copied or read in
// (a file, or in wasm the caller's JS array), with that copy overlapped. The
// calling thread fills 1 MiB units into a ring; helper threads and the caller
// hash whole units (each an aligned 1024-chunk subtree, so any thread can take
// any unit), and the caller merges their chaining values in order.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>

#include "chunker/blake3.hpp"
#include "hash/blake3_impl.hpp"
#include "pipeline/os_thread.hpp"
#include "pipeline/window_buffer.hpp"

namespace chunker::blake3 {
namespace {

using detail::kChunk;
using detail::kCv;
constexpr std::size_t kUnit = std::size_t{1} << 20;  // a subtree of 1024 chunks
constexpr std::uint64_t kUnitChunks = kUnit / kChunk;

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// State shared by the filling thread and the hashing threads. Unit u lives in
// ring slot u % slots; done[slot] becomes u + 1 when its CV pair is ready.
struct Units {
  const detail::Kernel* k;
  const std::uint32_t* key;
  std::uint8_t flags;
  std::uint64_t first_chunk;  // chunk counter of unit 0
  std::uint64_t count;        // units in total
  std::uint8_t* ring;
  std::size_t slots;
  std::unique_ptr<std::atomic<std::uint64_t>[]> done;
  std::unique_ptr<std::uint8_t[]> cvs;  // 2 * kCv per slot
  std::atomic<std::uint64_t> ready{0};  // units filled so far
  std::atomic<std::uint64_t> taken{0};  // units claimed by some thread
  std::atomic<bool> stop{false};

  // Claims the next filled, unclaimed unit; false if there is none right now.
  bool claim(std::uint64_t& u) {
    std::uint64_t t = taken.load(std::memory_order_relaxed);
    while (t < ready.load(std::memory_order_acquire)) {
      if (taken.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) {
        u = t;
        return true;
      }
    }
    return false;
  }
  void hash(std::uint64_t u) {
    std::size_t slot = static_cast<std::size_t>(u % slots);
    detail::compress_subtree_to_parent(*k, ring + slot * kUnit, kUnit, key, first_chunk + u * kUnitChunks, flags, 1,
                                       cvs.get() + slot * 2 * kCv);
    done[slot].store(u + 1, std::memory_order_release);
  }
  void helper() {
    std::uint64_t u;
    while (!stop.load(std::memory_order_relaxed) && taken.load(std::memory_order_relaxed) < count) {
      if (claim(u)) hash(u);
      else relax();
    }
  }
};

}  // namespace

bool Hasher::update_from(std::uint64_t len, FunctionRef<bool(std::uint8_t*, std::size_t)> fill,
                         unsigned threads) noexcept {
  if (len == 0) return true;
  threads = std::clamp(threads, 1u, kMaxThreads);
#ifndef CHUNKER_HAS_THREADS
  threads = 1;
#endif
  const std::size_t slots = threads == 1 ? 1 : 2 * threads + 2;
  // Huge-page memory where there is some: the fill (a file read, a copy) and
  // the hash each touch every page of the ring once per MiB.
  ::chunker::detail::WindowBuffer ring = ::chunker::detail::alloc_window(slots * kUnit);
  if (!ring) return false;
  // Whole units need the hasher on a unit boundary with no chunk held back.
  auto piece = [&](std::size_t n) {
    if (!fill(ring.get(), n)) return false;
    update_impl(ring.get(), n, 1);
    len -= n;
    return true;
  };
  if (std::size_t off = static_cast<std::size_t>(count() % kUnit); off != 0 && len > 0) {
    if (!piece(static_cast<std::size_t>(std::min<std::uint64_t>(len, kUnit - off)))) return false;
  }
  std::uint64_t units = len / kUnit;
  if (threads > 1 && units >= 2) {
    // The chunk before the boundary is still held (it might have been the
    // root); more input follows, so it can be closed now.
    if (blocks_compressed_ * detail::kBlock + buf_len_ == kChunk) close_chunk();
    if (!update_units(units, ring.get(), slots, fill, threads)) return false;
    len -= units * kUnit;
  }
  while (len > 0) {
    if (!piece(static_cast<std::size_t>(std::min<std::uint64_t>(len, kUnit)))) return false;
  }
  return true;
}

bool Hasher::update_units(std::uint64_t units, std::uint8_t* ring, std::size_t slots,
                          FunctionRef<bool(std::uint8_t*, std::size_t)> fill, unsigned threads) noexcept {
  Units sh;
  sh.k = &detail::kernel();
  sh.key = key_;
  sh.flags = flags_;
  sh.first_chunk = chunk_counter_;
  sh.count = units;
  sh.ring = ring;
  sh.slots = slots;
  sh.done.reset(new (std::nothrow) std::atomic<std::uint64_t>[slots]);
  sh.cvs.reset(new (std::nothrow) std::uint8_t[slots * 2 * kCv]);
  if (!sh.done || !sh.cvs) return false;
  for (std::size_t i = 0; i < slots; ++i) sh.done[i].store(0, std::memory_order_relaxed);
  bool ok = true;
  {
    // Helpers that cannot start leave their share to the others and the caller.
    ::chunker::detail::HelperThreads<kMaxThreads - 1> helpers(
        threads - 1, [](void* p) { static_cast<Units*>(p)->helper(); }, &sh);
    std::uint64_t filled = 0, merged = 0;
    while (merged < units) {
      // Merge finished units in order; that frees their slots.
      bool progress = false;
      while (merged < filled && sh.done[merged % slots].load(std::memory_order_acquire) == merged + 1) {
        const std::uint8_t* pair = sh.cvs.get() + (merged % slots) * 2 * kCv;
        push_cv(pair, chunk_counter_);
        push_cv(pair + kCv, chunk_counter_ + kUnitChunks / 2);
        chunk_counter_ += kUnitChunks;
        ++merged;
        progress = true;
      }
      std::uint64_t u;
      if (filled < units && filled - merged < slots) {  // a free slot: keep the helpers fed
        if (!fill(ring + (filled % slots) * kUnit, kUnit)) {
          ok = false;
          break;
        }
        sh.ready.store(++filled, std::memory_order_release);
      } else if (sh.claim(u)) {
        sh.hash(u);
      } else if (!progress) {
        relax();
      }
    }
    sh.stop.store(true, std::memory_order_relaxed);
  }  // helpers joined here
  return ok;
}

}  // namespace chunker::blake3
