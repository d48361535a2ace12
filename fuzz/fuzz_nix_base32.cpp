// Fuzz the Nix base32 decoder (and hex/base64 alongside): whatever decodes
// must re-encode to exactly the input (one canonical spelling per value).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "chunker/encoding.hpp"

using namespace chunker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto d = nix_base32_decode(text); d.ok()) {
    if (nix_base32_encode(d.value()) != text) std::abort();
  } else if (d.status().code() != Errc::invalid_argument) {
    std::abort();
  }
  if (auto d = base64_decode(text); d.ok() && base64_encode(d.value()) != text) std::abort();
  if (auto d = hex_decode(text); d.ok()) {
    // hex accepts upper case, so compare case-insensitively.
    const std::string enc = hex_encode(d.value());
    if (enc.size() != text.size()) std::abort();
    for (std::size_t i = 0; i < enc.size(); ++i)
      if (enc[i] != (text[i] | 0x20)) std::abort();
  }
  return 0;
}
