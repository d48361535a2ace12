// Lower-case hex encoding; decoding accepts either case.
#include "chunker/encoding.hpp"
#include "encoding/encoding_internal.hpp"

namespace chunker {

using encoding_detail::describe_char;
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void hex_encode_to(std::span<const std::uint8_t> data, char* out) noexcept {
  for (std::size_t i = 0; i < data.size(); ++i) {
    out[2 * i] = hex_digit(data[i] >> 4);
    out[2 * i + 1] = hex_digit(data[i]);
  }
}

std::string hex_encode(std::span<const std::uint8_t> data) {
  std::string out(data.size() * 2, '\0');
  hex_encode_to(data, out.data());
  return out;
}

Result<std::vector<std::uint8_t>> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0)
    return Status(Errc::invalid_argument,
                  "hex: length " + std::to_string(text.size()) + " is odd");
  std::vector<std::uint8_t> out(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    int v = hex_value(text[i]);
    if (v < 0)
      return Status(Errc::invalid_argument, "hex: invalid character " + describe_char(text[i]) +
                                                " at position " + std::to_string(i));
    out[i / 2] = std::uint8_t(i % 2 == 0 ? v << 4 : out[i / 2] | v);
  }
  return out;
}

std::string encoding_detail::describe_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  return std::string("0x") + hex_digit(u >> 4) + hex_digit(u);
}

}  // namespace chunker
