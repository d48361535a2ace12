// Text encodings of binary data: lower-case hex, Nix base32 and base64.
//
// Encoders cannot fail. Decoders validate everything (alphabet, length,
// padding, non-zero unused bits) and return Errc::invalid_argument with a
// message naming the offending character and position, or the bad length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/error.hpp"

namespace chunker {

// Lower-case hex, two characters per byte. Decoding accepts upper case too.
std::string hex_encode(std::span<const std::uint8_t> data);
// The lower-case hex digit for the low four bits of v.
constexpr char hex_digit(unsigned v) noexcept { return "0123456789abcdef"[v & 15]; }
// Writes 2 * data.size() digits to out, allocating nothing (for output loops).
void hex_encode_to(std::span<const std::uint8_t> data, char* out) noexcept;
Result<std::vector<std::uint8_t>> hex_decode(std::string_view text);

// Nix's base32 (alphabet "0123456789abcdfghijklmnpqrsvwxyz", no e/o/u/t),
// with Nix's bit order: the string is written from the most significant
// 5-bit group of the little-endian bit string down, as `nix-hash --to-base32`.
inline constexpr std::string_view kNixBase32Alphabet = "0123456789abcdfghijklmnpqrsvwxyz";
// Characters needed for `nbytes` bytes: ceil(nbytes * 8 / 5) (52 for 32 bytes).
constexpr std::size_t nix_base32_len(std::size_t nbytes) noexcept {
  return (nbytes * 8 + 4) / 5;
}
std::string nix_base32_encode(std::span<const std::uint8_t> data);
// Decodes any length that some byte count encodes to; the byte count is
// floor(len * 5 / 8). Rejects bits set beyond that byte count.
Result<std::vector<std::uint8_t>> nix_base32_decode(std::string_view text);

// RFC 4648 base64 with '=' padding (what Nix uses for keys and signatures).
// Decoding is strict: length a multiple of 4, padding only at the end, and
// the unused bits of the last character zero.
std::string base64_encode(std::span<const std::uint8_t> data);
Result<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace chunker
