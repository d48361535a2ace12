// C ABI: hex and Nix base32 over chunker/encoding.hpp.
#include "chunker/encoding.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "capi.hpp"

using namespace chunker;
using namespace chunker::capi;

namespace {

// Copies decoded bytes to the caller's buffer, or OUTPUT_LIMIT.
chunker_status deliver(const char* fn, Result<std::vector<std::uint8_t>> r, std::uint8_t* out, std::size_t cap,
                       std::size_t* written) {
  if (!r) return from(r.status());
  if (r->size() > cap) return failf(Errc::output_limit, fn, "%zu bytes decoded, the buffer holds %zu", r->size(), cap);
  if (!r->empty()) std::memcpy(out, r->data(), r->size());
  *written = r->size();
  return CHUNKER_OK;
}

}  // namespace

extern "C" {

chunker_status chunker_hex_encode(const uint8_t* in, size_t len, char* out, size_t out_cap) {
  constexpr const char* fn = "chunker_hex_encode";
  if (chunker_status st = check_span(fn, "in", in, len)) return st;
  if (out == nullptr) return null_arg(fn, "out");
  if (len > (SIZE_MAX - 1) / 2 || out_cap < 2 * len + 1)
    return failf(Errc::output_limit, fn, "%zu bytes need %zu characters with the NUL, the buffer holds %zu", len,
                 len > (SIZE_MAX - 1) / 2 ? SIZE_MAX : 2 * len + 1, out_cap);
  hex_encode_to({in, len}, out);
  out[2 * len] = '\0';
  return CHUNKER_OK;
}

chunker_status chunker_hex_decode(const char* text, size_t text_len, uint8_t* out, size_t cap, size_t* written) {
  constexpr const char* fn = "chunker_hex_decode";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = start_into(fn, "text", text, text_len, out, cap, written)) return st;
    return deliver(fn, hex_decode({text, text_len}), out, cap, written);
  });
}

size_t chunker_nix_base32_len(size_t n) {
  if (n > SIZE_MAX / 8) return (n / 5) * 8 + nix_base32_len(n % 5);  // same value, without overflowing n * 8
  return nix_base32_len(n);
}

chunker_status chunker_nix_base32_encode(const uint8_t* in, size_t len, char* out, size_t out_cap) {
  constexpr const char* fn = "chunker_nix_base32_encode";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = check_span(fn, "in", in, len)) return st;
    if (out == nullptr) return null_arg(fn, "out");
    const std::size_t need = chunker_nix_base32_len(len);
    if (need >= out_cap)
      return failf(Errc::output_limit, fn, "%zu bytes need %zu characters with the NUL, the buffer holds %zu", len,
                   need + 1, out_cap);
    const std::string s = nix_base32_encode({in, len});
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
    return CHUNKER_OK;
  });
}

chunker_status chunker_nix_base32_decode(const char* text, size_t text_len, uint8_t* out, size_t cap, size_t* written) {
  constexpr const char* fn = "chunker_nix_base32_decode";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = start_into(fn, "text", text, text_len, out, cap, written)) return st;
    return deliver(fn, nix_base32_decode({text, text_len}), out, cap, written);
  });
}

}  // extern "C"
