// NAR hashes in Nix's textual forms.
#include <cstring>

#include "chunker/encoding.hpp"
#include "chunker/nar.hpp"

namespace chunker::nar {

std::string format_nar_hash(const sha256::Digest& digest) { return "sha256:" + nix_base32_encode(digest); }

Result<sha256::Digest> parse_nar_hash(std::string_view text) {
  Result<std::vector<std::uint8_t>> raw = Status(Errc::invalid_argument, "");
  if (text.starts_with("sha256:")) {
    const std::string_view body = text.substr(7);
    if (body.size() == nix_base32_len(32)) {
      raw = nix_base32_decode(body);
    } else if (body.size() == 64) {
      raw = hex_decode(body);
    } else {
      return Status(Errc::invalid_argument, "hash '" + std::string(text.substr(0, 80)) +
                                                "': expected 52 base32 or 64 hex characters after 'sha256:'");
    }
  } else if (text.starts_with("sha256-")) {
    raw = base64_decode(text.substr(7));
  } else {
    return Status(Errc::invalid_argument,
                  "hash '" + std::string(text.substr(0, 80)) + "': expected 'sha256:' or 'sha256-' prefix");
  }
  if (!raw.ok()) return Status(Errc::invalid_argument, "hash: " + raw.status().message());
  if (raw->size() != 32) return Status(Errc::invalid_argument, "hash: SHA-256 digest must be 32 bytes");
  sha256::Digest d;
  std::memcpy(d.data(), raw->data(), 32);
  return d;
}

}  // namespace chunker::nar
