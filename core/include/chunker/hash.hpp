// Hash algorithm umbrella: pick SHA-256 or BLAKE3 by name at run time (CLI
// flags, JS options, per-chunk hashing in the pipeline).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <variant>

#include "chunker/blake3.hpp"
#include "chunker/error.hpp"
#include "chunker/sha256.hpp"

namespace chunker {

enum class HashAlgo : std::uint8_t { none, sha256, blake3 };

// "none", "sha256" (also "sha-256"), "blake3"; anything else is
// Errc::invalid_argument naming the accepted values.
Result<HashAlgo> parse_hash_algo(std::string_view name);
// "none", "sha256", "blake3".
const char* hash_algo_name(HashAlgo algo) noexcept;

// Both algorithms produce 32 bytes (BLAKE3's default output length).
using Digest = std::array<std::uint8_t, 32>;

// For hash tables keyed by digest: the first 8 bytes (both hashes' output is
// uniform, so no mixing is needed).
struct DigestHash {
  std::size_t operator()(const Digest& d) const noexcept {
    std::size_t h;
    std::memcpy(&h, d.data(), sizeof h);
    return h;
  }
};

// One-shot digest; HashAlgo::none gives all zeros.
Digest hash(HashAlgo algo, std::span<const std::uint8_t> data) noexcept;

// Incremental hashing with the algorithm chosen at run time. No allocation.
class AnyHasher {
 public:
  explicit AnyHasher(HashAlgo algo = HashAlgo::blake3) noexcept;
  // A BLAKE3 hasher in any mode (Hasher::keyed, Hasher::derive_key).
  explicit AnyHasher(const blake3::Hasher& b) noexcept;
  HashAlgo algo() const noexcept { return algo_; }
  void update(std::span<const std::uint8_t> data) noexcept;
  // BLAKE3 hashes large inputs on up to `threads` threads; SHA-256 ignores it.
  void update(std::span<const std::uint8_t> data, unsigned threads) noexcept;
  // Output bytes [offset, offset + out.size()): any range of BLAKE3's
  // extendable output; SHA-256 only offset 0 and 32 bytes (else nothing is
  // written). The hasher is not modified.
  void output(std::uint64_t offset, std::span<std::uint8_t> out) const noexcept;
  // The BLAKE3 state (for update_from), or nullptr.
  blake3::Hasher* blake3() noexcept { return std::get_if<blake3::Hasher>(&state_); }
  // Digest of everything since construction / reset(); call reset() before
  // reusing the hasher. HashAlgo::none gives all zeros.
  Digest finalize() noexcept;
  void reset() noexcept;

 private:
  HashAlgo algo_;
  std::variant<std::monostate, sha256::Hasher, blake3::Hasher> state_;
};

}  // namespace chunker
