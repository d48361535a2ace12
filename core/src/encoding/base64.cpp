// RFC 4648 base64 with padding; strict decoder (Nix keys and signatures).
#include "chunker/encoding.hpp"
#include "encoding/encoding_internal.hpp"

#include <array>

namespace chunker {

using encoding_detail::describe_char;

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::span<const std::uint8_t> data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t(data[i]) << 16) | (std::uint32_t(data[i + 1]) << 8) | data[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (const std::size_t rest = data.size() - i) {
    std::uint32_t v = std::uint32_t(data[i]) << 16;
    if (rest == 2) v |= std::uint32_t(data[i + 1]) << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Result<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return Status(Errc::invalid_argument,
                  "base64: length " + std::to_string(text.size()) + " is not a multiple of 4");
  static constexpr auto kTable = [] {
    std::array<signed char, 256> t{};
    for (auto& x : t) x = -1;
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
    return t;
  }();
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  const std::size_t data_chars = text.size() - pad;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  int nbits = 0;
  for (std::size_t pos = 0; pos < data_chars; ++pos) {
    const int v = kTable[static_cast<unsigned char>(text[pos])];
    if (v < 0)
      return Status(Errc::invalid_argument, "base64: invalid character " + describe_char(text[pos]) +
                                                " at position " + std::to_string(pos));
    acc = (acc << 6) | unsigned(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(std::uint8_t(acc >> nbits));
    }
  }
  if ((acc & ((1u << nbits) - 1)) != 0)
    return Status(Errc::invalid_argument,
                  "base64: non-zero padding bits in character at position " + std::to_string(data_chars - 1));
  return out;
}

}  // namespace chunker
