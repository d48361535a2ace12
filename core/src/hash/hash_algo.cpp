// HashAlgo names and the run-time-selected hasher (chunker/hash.hpp).
#include "chunker/hash.hpp"

#include <string>

namespace chunker {

Result<HashAlgo> parse_hash_algo(std::string_view name) {
  if (name == "blake3") return HashAlgo::blake3;
  if (name == "sha256" || name == "sha-256") return HashAlgo::sha256;
  if (name == "none") return HashAlgo::none;
  return Status(Errc::invalid_argument, "unknown hash algorithm '" + std::string(name) +
                                            "' (expected blake3, sha256 or none)");
}

const char* hash_algo_name(HashAlgo algo) noexcept {
  switch (algo) {
    case HashAlgo::sha256: return "sha256";
    case HashAlgo::blake3: return "blake3";
    case HashAlgo::none: break;
  }
  return "none";
}

Digest hash(HashAlgo algo, std::span<const std::uint8_t> data) noexcept {
  switch (algo) {
    case HashAlgo::sha256: return sha256::hash(data);
    case HashAlgo::blake3: return blake3::hash(data);
    case HashAlgo::none: break;
  }
  return Digest{};
}

AnyHasher::AnyHasher(HashAlgo algo) noexcept : algo_(algo) {
  if (algo == HashAlgo::sha256) state_.emplace<sha256::Hasher>();
  else if (algo == HashAlgo::blake3) state_.emplace<blake3::Hasher>();
}

AnyHasher::AnyHasher(const blake3::Hasher& b) noexcept : algo_(HashAlgo::blake3), state_(b) {}

void AnyHasher::update(std::span<const std::uint8_t> data, unsigned threads) noexcept {
  if (auto* b = std::get_if<blake3::Hasher>(&state_); b && threads > 1) b->update_parallel(data, threads);
  else update(data);
}

void AnyHasher::output(std::uint64_t offset, std::span<std::uint8_t> out) const noexcept {
  if (auto* b = std::get_if<blake3::Hasher>(&state_)) {
    b->finalize_seek(offset, out);
  } else if (auto* s = std::get_if<sha256::Hasher>(&state_); s && offset == 0 && out.size() == sha256::kDigestSize) {
    sha256::Hasher copy = *s;
    copy.finalize(out.first<sha256::kDigestSize>());
  }
}

void AnyHasher::update(std::span<const std::uint8_t> data) noexcept {
  if (auto* s = std::get_if<sha256::Hasher>(&state_)) s->update(data);
  else if (auto* b = std::get_if<blake3::Hasher>(&state_)) b->update(data);
}

Digest AnyHasher::finalize() noexcept {
  if (auto* s = std::get_if<sha256::Hasher>(&state_)) return s->finalize();
  if (auto* b = std::get_if<blake3::Hasher>(&state_)) return b->finalize();
  return Digest{};
}

void AnyHasher::reset() noexcept {
  if (auto* s = std::get_if<sha256::Hasher>(&state_)) s->reset();
  else if (auto* b = std::get_if<blake3::Hasher>(&state_)) b->reset();
}

}  // namespace chunker
