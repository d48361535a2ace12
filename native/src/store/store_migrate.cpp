// Store::migrate: a version-1 store (one file per chunk) becomes version 2 in
// place (docs/store-format.md, "Version 1"): packs + index, manifests rewritten
// with checksums, then store.json (the switch), then chunks/ removed.
#include <unistd.h>

#include <cerrno>

#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "markers.hpp"
#include "store_index.hpp"

namespace chunker::store {

Status Store::migrate(unsigned /*threads*/) {
  if (cfg_.version >= 2) return {};
  Backend& b = *backend_;
  auto list = this->list();
  if (!list) return list.status();
  for (const auto& e : *list)
    if (!e.manifest) return Status(e.manifest.status().code(), "migrate refused: " + e.manifest.status().message());
  SyncSet dirty;
  CHUNKER_TRY(b.prepare_root(dirty));  // packs/, index/, leases/, gc/
  StoreConfig next = cfg_;
  next.version = 2;
  next.id = markers::new_id();
  next.pack_size = kDefaultPackSize;

  // 1. packs of every referenced chunk (each checked before it is copied), 2. one index.
  IndexFile idx;
  PackBuilder pb;
  DigestSet copied;
  std::vector<std::uint8_t> blob, chunk;
  for (const auto& e : *list) {
    for (const auto& c : e.manifest->chunks) {
      if (copied.count(c.hash)) continue;
      const std::string key = chunk_rel_path(c.hash);
      auto got = b.read(key, 2 * std::size_t{cfg_.chunking.max_size} + (64 << 10), blob);
      Status s = !got ? got.status() : !*got ? Status(Errc::corrupt_input, "missing chunk file") : Status{};
      if (s.ok()) s = decode_chunk(blob, c.hash, cfg_.chunking.max_size, chunk);
      if (s.ok() && chunk.size() != c.length) s = Status(Errc::corrupt_input, "length differs from the manifest");
      if (!s.ok())
        return Status(Errc::corrupt_input, "migrate stopped (the store is unchanged, still version 1): '" +
                                               e.manifest->name + "': " + b.describe(key) + ": " + s.message());
      pb.add(c.hash, c.length, blob);
      copied.insert(c.hash);
      if (pb.bytes() >= next.pack_size) CHUNKER_TRY(flush_pack(b, pb, dirty, idx));
    }
  }
  CHUNKER_TRY(flush_pack(b, pb, dirty, idx));
  CHUNKER_TRY(b.sync(dirty));
  if (!idx.entries.empty()) CHUNKER_TRY(write_index(b, idx).status());
  // 3. manifests as version 2 (v1 readers accept them too).
  for (const auto& e : *list) {
    std::string doc = manifest_json(*e.manifest);
    CHUNKER_TRY(b.replace(manifest_rel_path(e.manifest->name),
                          {reinterpret_cast<const std::uint8_t*>(doc.data()), doc.size()}, dirty));
  }
  CHUNKER_TRY(b.sync(dirty));
  // 4. the switch.
  std::string doc = store_json(next);
  CHUNKER_TRY(b.replace("store.json", {reinterpret_cast<const std::uint8_t*>(doc.data()), doc.size()}, dirty));
  CHUNKER_TRY(b.sync(dirty));
  cfg_ = next;
  // 5. the v1 chunk files are now unreferenced copies.
  return b.remove_prefix("chunks/");
}

}  // namespace chunker::store
