// SHA-256 padding/buffering (the Hasher) and the choice of block function.
#include <cstring>
#include <string>

#include "chunker/cpu.hpp"
#include "chunker/sha256.hpp"
#include "common/dispatch.hpp"
#include "hash/sha256_internal.hpp"

namespace chunker::sha256 {
namespace {

struct Kernel {
  CompressFn fn;
  const char* name;
};

constexpr Kernel kPortable{detail::compress_portable, "portable"};
#if defined(__x86_64__)
constexpr Kernel kAvx2{detail::compress_avx2, "avx2"};
constexpr Kernel kShaNi{detail::compress_shani, "sha_ni"};
#endif
#if defined(__aarch64__)
constexpr Kernel kArmv8{detail::compress_armv8, "armv8"};
#endif
#if defined(__wasm_simd128__)
constexpr Kernel kSimd128{detail::compress_simd128, "simd128"};
#endif

// Lowest ISA first; the highest runnable one is used.
constexpr dispatch::Candidate<Kernel> kCandidates[] = {
    {&kPortable, 0},
#if defined(__x86_64__)
    {&kAvx2, cpu::kAvx2},
    {&kShaNi, cpu::kShaNi},
#endif
#if defined(__aarch64__)
    {&kArmv8, cpu::kArmv8Sha2},
#endif
#if defined(__wasm_simd128__)
    {&kSimd128, cpu::kSimd128},
#endif
};

const Kernel* select() { return dispatch::highest(kCandidates, cpu::enabled(), &kPortable); }

dispatch::Slot<Kernel> g_slot{select};

inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = std::uint8_t(v >> 24);
  p[1] = std::uint8_t(v >> 16);
  p[2] = std::uint8_t(v >> 8);
  p[3] = std::uint8_t(v);
}

}  // namespace

void Hasher::reset() noexcept {
  std::memcpy(state_, detail::kInit, sizeof state_);
  total_ = 0;
  buf_len_ = 0;
  compress_ = g_slot.get().fn;
}

void Hasher::update(std::span<const std::uint8_t> data) noexcept {
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  if (n == 0) return;
  total_ += n;
  if (buf_len_ > 0) {
    std::size_t take = kBlockSize - buf_len_;
    if (take > n) take = n;
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    n -= take;
    if (buf_len_ < kBlockSize) return;
    compress_(state_, buf_, 1);
    buf_len_ = 0;
  }
  // Whole blocks straight from the caller's buffer: no copy.
  if (std::size_t blocks = n / kBlockSize) {
    compress_(state_, p, blocks);
    p += blocks * kBlockSize;
    n -= blocks * kBlockSize;
  }
  if (n > 0) {
    std::memcpy(buf_, p, n);
    buf_len_ = n;
  }
}

void Hasher::finalize(std::span<std::uint8_t, kDigestSize> out) noexcept {
  const std::uint64_t bits = total_ * 8;
  std::uint8_t pad[2 * kBlockSize] = {};
  std::memcpy(pad, buf_, buf_len_);
  pad[buf_len_] = 0x80;
  // The 64-bit length goes in the last 8 bytes of one or two blocks.
  const std::size_t len = buf_len_ + 1 + 8 <= kBlockSize ? kBlockSize : 2 * kBlockSize;
  for (int i = 0; i < 8; ++i) pad[len - 1 - i] = std::uint8_t(bits >> (8 * i));
  compress_(state_, pad, len / kBlockSize);
  for (int i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, state_[i]);
  buf_len_ = 0;
}

Digest Hasher::finalize() noexcept {
  Digest d;
  finalize(std::span<std::uint8_t, kDigestSize>(d));
  return d;
}

Digest hash(std::span<const std::uint8_t> data) noexcept {
  Hasher h;
  h.update(data);
  return h.finalize();
}

const char* backend() noexcept { return g_slot.get().name; }

const char* available_backends() noexcept {
  static const std::string list = dispatch::names(kCandidates, cpu::detected());
  return list.c_str();
}

}  // namespace chunker::sha256
