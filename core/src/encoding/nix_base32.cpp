// Nix base32, bit-compatible with Nix's printHash32 / parseHash32
// (src/libutil/hash.cc): character k (counting from the END of the string) holds
// bits 5k..5k+4 of the input read as one little-endian bit string.
#include "chunker/encoding.hpp"
#include "encoding/encoding_internal.hpp"

#include <array>

namespace chunker {

using encoding_detail::describe_char;

std::string nix_base32_encode(std::span<const std::uint8_t> data) {
  const std::size_t len = nix_base32_len(data.size());
  std::string out;
  out.reserve(len);
  for (std::size_t k = len; k-- > 0;) {
    const std::size_t bit = k * 5, i = bit / 8, j = bit % 8;
    unsigned v = data[i] >> j;
    if (i + 1 < data.size()) v |= unsigned(data[i + 1]) << (8 - j);
    out.push_back(kNixBase32Alphabet[v & 0x1f]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> nix_base32_decode(std::string_view text) {
  const std::size_t nbytes = text.size() * 5 / 8;
  if (nix_base32_len(nbytes) != text.size())
    return Status(Errc::invalid_argument, "nix base32: length " + std::to_string(text.size()) +
                                              " is not the encoding of a whole number of bytes");
  static constexpr auto kTable = [] {
    std::array<signed char, 256> t{};
    for (auto& x : t) x = -1;
    for (std::size_t i = 0; i < kNixBase32Alphabet.size(); ++i)
      t[static_cast<unsigned char>(kNixBase32Alphabet[i])] = static_cast<signed char>(i);
    return t;
  }();
  std::vector<std::uint8_t> out(nbytes);
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    const int v = kTable[static_cast<unsigned char>(text[pos])];
    if (v < 0)
      return Status(Errc::invalid_argument, "nix base32: invalid character " +
                                                describe_char(text[pos]) + " at position " +
                                                std::to_string(pos));
    const std::size_t k = text.size() - 1 - pos;  // 5-bit group index
    const std::size_t bit = k * 5, i = bit / 8, j = bit % 8;
    out[i] |= std::uint8_t(v << j);
    const unsigned carry = unsigned(v) >> (8 - j);
    if (i + 1 < nbytes) {
      out[i + 1] |= std::uint8_t(carry);
    } else if (carry != 0) {
      return Status(Errc::invalid_argument, "nix base32: character " + describe_char(text[pos]) +
                                                " at position " + std::to_string(pos) +
                                                " sets bits beyond the last byte");
    }
  }
  return out;
}

}  // namespace chunker
