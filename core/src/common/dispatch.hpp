// One dispatch style for the kernel families (FastCDC search, BLAKE3,
// SHA-256): each lists its kernels in a table, lowest ISA first, with the CPU
// features each needs. The choice is made on first use from cpu::enabled()
// (which honours CHUNKER_FORCE_ISA), kept in an atomic, and made again after
// cpu::reload_for_testing(). Kernel types only need a `const char* name`.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "chunker/cpu.hpp"

namespace chunker::cpu::detail {
// Bumped by reload_for_testing(): kernel slots then choose again.
inline std::atomic<std::uint32_t> g_generation{0};
}  // namespace chunker::cpu::detail

namespace chunker::dispatch {

template <class K>
struct Candidate {
  const K* kernel;
  std::uint32_t needs;     // cpu::Feature bits
  bool preferred = true;   // may be the default (FastCDC: measured fastest somewhere)
};

template <class K>
constexpr bool runnable(const Candidate<K>& c, std::uint32_t features) noexcept {
  return (c.needs & features) == c.needs;
}

// The highest-ISA runnable candidate (only preferred ones unless `any`);
// `fallback` when none is.
template <class K, std::size_t N>
const K* highest(const Candidate<K> (&table)[N], std::uint32_t features, const K* fallback, bool any = false) noexcept {
  const K* best = fallback;
  for (const auto& c : table)
    if (runnable(c, features) && (any || c.preferred)) best = c.kernel;
  return best;
}

// The kernel of that name if it is compiled in and this CPU runs it.
template <class K, std::size_t N>
const K* find(const Candidate<K> (&table)[N], const char* name, std::uint32_t features) noexcept {
  for (const auto& c : table)
    if (runnable(c, features) && std::strcmp(c.kernel->name, name) == 0) return c.kernel;
  return nullptr;
}

// "portable,sse41,avx2": every kernel this CPU runs, lowest first.
template <class K, std::size_t N>
std::string names(const Candidate<K> (&table)[N], std::uint32_t features) {
  std::string s;
  for (const auto& c : table) {
    if (!runnable(c, features)) continue;
    if (!s.empty()) s += ',';
    s += c.kernel->name;
  }
  return s;
}

// The kernel in use: `select()` on first use and after cpu::reload_for_testing();
// a test may pin one (nullptr: back to the automatic choice).
template <class K>
class Slot {
 public:
  using SelectFn = const K* (*)();
  explicit constexpr Slot(SelectFn select) noexcept : select_(select) {}

  const K& get() noexcept {
    const std::uint32_t gen = cpu::detail::g_generation.load(std::memory_order_relaxed);
    const K* k = kernel_.load(std::memory_order_acquire);
    if (k == nullptr || generation_.load(std::memory_order_relaxed) != gen) {
      k = select_();
      generation_.store(gen, std::memory_order_relaxed);
      kernel_.store(k, std::memory_order_release);
    }
    return *k;
  }
  void set_for_testing(const K* k) noexcept {
    generation_.store(cpu::detail::g_generation.load(std::memory_order_relaxed), std::memory_order_relaxed);
    kernel_.store(k, std::memory_order_release);
  }

 private:
  SelectFn select_;
  std::atomic<const K*> kernel_{nullptr};
  std::atomic<std::uint32_t> generation_{0};
};

}  // namespace chunker::dispatch
