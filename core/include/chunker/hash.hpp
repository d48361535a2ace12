// Hash algorithm umbrella: pick SHA-256 or BLAKE3 by name at run time (CLI
// flags, JS options, per-chunk hashing in the pipeline).
#pragma once

#include <array>
#include <cstdint>
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

// One-shot digest; HashAlgo::none gives all zeros.
Digest hash(HashAlgo algo, std::span<const std::uint8_t> data) noexcept;

// Incremental hashing with the algorithm chosen at run time. No allocation.
class AnyHasher {
 public:
  explicit AnyHasher(HashAlgo algo = HashAlgo::blake3) noexcept;
  HashAlgo algo() const noexcept { return algo_; }
  void update(std::span<const std::uint8_t> data) noexcept;
  // Digest of everything since construction / reset(); call reset() before
  // reusing the hasher. HashAlgo::none gives all zeros.
  Digest finalize() noexcept;
  void reset() noexcept;

 private:
  HashAlgo algo_;
  std::variant<std::monostate, sha256::Hasher, blake3::Hasher> state_;
};

}  // namespace chunker
