// SHA-256 (FIPS 180-4): one-shot and incremental.
//
// The block function is picked at run time from the CPU, like every kernel
// family: SHA-NI (else AVX2) on x86-64, the ARMv8 SHA2 instructions on
// aarch64, simd128 in wasm, portable C++ elsewhere. The choice honours
// CHUNKER_FORCE_ISA (names "sha_ni", "avx2", "armv8", "portable"); a Hasher
// takes the current choice when constructed (or reset).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace chunker::sha256 {

inline constexpr std::size_t kDigestSize = 32;
inline constexpr std::size_t kBlockSize = 64;
using Digest = std::array<std::uint8_t, kDigestSize>;

// Compresses `nblocks` consecutive 64-byte blocks into `state`.
using CompressFn = void (*)(std::uint32_t state[8], const std::uint8_t* blocks,
                            std::size_t nblocks) noexcept;

class Hasher {
 public:
  Hasher() noexcept { reset(); }

  void update(std::span<const std::uint8_t> data) noexcept;
  void update(const void* data, std::size_t size) noexcept {
    update(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(data), size));
  }
  // Returns the digest of everything updated so far. The hasher must be
  // reset() before it is used again.
  Digest finalize() noexcept;
  void finalize(std::span<std::uint8_t, kDigestSize> out) noexcept;
  // Starts a new message (with the backend chosen now).
  void reset() noexcept;

 private:
  std::uint32_t state_[8];
  std::uint64_t total_ = 0;  // bytes absorbed
  std::uint8_t buf_[kBlockSize];
  std::size_t buf_len_ = 0;
  CompressFn compress_ = nullptr;
};

Digest hash(std::span<const std::uint8_t> data) noexcept;

// Backend a Hasher constructed now would use: "sha_ni", "avx2" (x86 without SHA-NI),
// "armv8", "simd128" (wasm) or "portable".
const char* backend() noexcept;
// Every backend this CPU runs, lowest first: "portable,avx2,sha_ni".
const char* available_backends() noexcept;

}  // namespace chunker::sha256
