// Fuzz the chunk store's document readers (manifests and store.json can come
// from another writer, e.g. the upload-dedup server): never a crash, a clear
// error otherwise, and an accepted manifest keeps the format's invariants and
// survives manifest_json -> parse_manifest unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "chunker/store.hpp"
#include "store/format.hpp"

using namespace chunker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto cfg = store::parse_store_json(text); !cfg.ok() && cfg.status().message().empty()) std::abort();
  const fastcdc::Params chunking{16384, 65536, 262144};
  auto m = store::parse_manifest(text, chunking);
  if (!m.ok()) {
    if (m.status().message().empty()) std::abort();
    return 0;
  }
  std::uint64_t sum = 0;
  for (const auto& c : m.value().chunks) {
    if (c.length == 0 || c.length > chunking.max_size) std::abort();
    sum += c.length;
  }
  if (sum != m.value().size || !store::validate_name(m.value().name).ok()) std::abort();
  auto again = store::parse_manifest(store::manifest_json(m.value()), chunking);
  if (!again.ok() || again.value().chunks != m.value().chunks || again.value().name != m.value().name ||
      again.value().size != m.value().size || again.value().blake3 != m.value().blake3)
    std::abort();
  return 0;
}
