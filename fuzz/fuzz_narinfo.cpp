// Fuzz the narinfo parser: accepted files survive format -> parse unchanged,
// and fingerprinting / verifying them never fails unexpectedly.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "chunker/narinfo.hpp"

using namespace chunker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto info = narinfo::parse(text);
  if (!info.ok()) {
    if (info.status().code() != Errc::corrupt_input || info.status().message().empty()) std::abort();
    return 0;
  }
  auto again = narinfo::parse(narinfo::format(info.value()));
  if (!again.ok() || !(again.value() == info.value())) std::abort();
  auto fp = narinfo::fingerprint(info.value());  // parse validated every fingerprinted field
  if (!fp.ok()) std::abort();
  std::vector<ed25519::NixPublicKey> none;
  (void)narinfo::verify(info.value(), none);
  return 0;
}
