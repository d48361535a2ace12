// Store::get, read_manifest and list (v1 and v2).
#include <algorithm>

#include "blob_reader.hpp"
#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "fs_util.hpp"
#include "restore.hpp"
#include "store_index.hpp"

namespace chunker::store {
namespace {

// A file up to this size reaches the writer only once it has been checked
// entirely (get to standard output then never emits bytes it will reject).
constexpr std::uint64_t kVerifyFirstBytes = 64 << 20;

}  // namespace

Result<Manifest> Store::read_manifest(std::string_view name) const {
  CHUNKER_TRY(validate_name(name));
  const std::string path = dir_ + "/" + manifest_rel_path(name);
  std::string text;
  if (Status s = fs::read_text(path, kMaxManifestBytes, text); !s.ok()) {
    if (!fs::exists(path)) return Status(Errc::io_error, dir_ + ": no file named '" + std::string(name) + "' in the store");
    return s;
  }
  auto m = parse_manifest(text, cfg_.chunking, cfg_.version >= 2);
  if (!m) return Status(m.status().code(), path + ": " + m.status().message());
  if (m->name != name)
    return Status(Errc::corrupt_input, path + ": manifest names '" + m->name + "', not '" + std::string(name) + "'");
  return m;
}

Status restore_chunks(const std::string& dir, const StoreConfig& cfg, const ChunkIndex* index, const Manifest& m,
                      BlobReader& packs, WriteFn write) {
  blake3::Hasher whole;
  std::vector<std::uint8_t> blob, chunk;
  for (std::size_t i = 0; i < m.chunks.size(); ++i) {
    const ChunkRef& c = m.chunks[i];
    std::string where;
    Status s;
    if (index) {
      // Any indexed copy whose pack can be read and decodes right will do.
      auto [a, b] = index->chunks.equal_range(c.hash);
      if (a == b) s = Status(Errc::corrupt_input, "not in the index (missing chunk)");
      for (; a != b; ++a) {
        where = pack_rel_path(index->packs[a->second.pack]);
        s = packs.read(index->packs[a->second.pack], a->second.offset, a->second.length, blob);
        if (s.ok()) s = decode_chunk(blob, c.hash, cfg.chunking.max_size, chunk);
        if (s.ok()) break;
      }
    } else {
      where = chunk_rel_path(c.hash);
      // A v1 chunk file is 1 tag byte + a frame; 2x + 64 KiB bounds any frame of a chunk.
      s = fs::read_file(dir + "/" + where, 2 * std::size_t{cfg.chunking.max_size} + (64 << 10), blob);
      if (s.ok()) s = decode_chunk(blob, c.hash, cfg.chunking.max_size, chunk);
    }
    if (s.ok() && chunk.size() != c.length)
      s = Status(Errc::corrupt_input, "chunk is " + std::to_string(chunk.size()) + " bytes, the manifest says " +
                                          std::to_string(c.length));
    if (!s.ok())
      return Status(Errc::corrupt_input, "'" + m.name + "': chunk " + std::to_string(i) + " " + to_hex(c.hash) +
                                             (where.empty() ? "" : " (" + where + ")") + ": " + s.message());
    whole.update(chunk);
    CHUNKER_TRY(write(chunk));
  }
  if (whole.finalize() != m.blake3)
    return Status(Errc::verification_failed, "'" + m.name + "': restored bytes do not match the manifest's blake3 " +
                                                 to_hex(m.blake3));
  return {};
}

Status Store::get(const std::string& name, WriteFn write) const {
  auto m = read_manifest(name);  // checksum checked here, before anything is written
  if (!m) return m.status();
  std::optional<ChunkIndex> index;
  if (cfg_.version >= 2) {
    // A damaged index file is skipped (verify reports it): files whose chunks are
    // indexed elsewhere still restore; the others fail on their first missing chunk.
    std::vector<std::string> damaged;
    auto idx = ChunkIndex::load(dir_, cfg_.chunking, &damaged);
    if (!idx) return idx.status();
    index = std::move(*idx);
  }
  BlobReader packs(dir_);
  if (m->size > kVerifyFirstBytes)
    return restore_chunks(dir_, cfg_, index ? &*index : nullptr, *m, packs, write);
  std::vector<std::uint8_t> held;
  held.reserve(m->size);
  CHUNKER_TRY(restore_chunks(dir_, cfg_, index ? &*index : nullptr, *m, packs, [&](std::span<const std::uint8_t> c) {
    held.insert(held.end(), c.begin(), c.end());
    return Status{};
  }));
  return held.empty() ? Status{} : write(held);
}

Result<std::vector<ListEntry>> Store::list() const {
  std::vector<fs::DirEntry> entries;
  CHUNKER_TRY(fs::list_dir(dir_ + "/manifests", entries));
  std::vector<ListEntry> out;
  for (const auto& e : entries) {
    const std::string path = dir_ + "/manifests/" + e.name;
    ListEntry le{path, Status(Errc::internal, "unset")};
    const bool well_named = e.name.size() == 69 && e.name.ends_with(".json") && parse_hex(e.name.substr(0, 64)).ok();
    if (!e.is_regular || !well_named) {
      le.manifest = Status(Errc::corrupt_input, path + ": unexpected entry in manifests/");
      out.push_back(std::move(le));
      continue;
    }
    std::string text;
    Status s = fs::read_text(path, kMaxManifestBytes, text);
    if (!s.ok()) {
      if (!fs::exists(path)) continue;  // replaced meanwhile
      le.manifest = s;
    } else if (auto m = parse_manifest(text, cfg_.chunking, cfg_.version >= 2); !m) {
      le.manifest = Status(m.status().code(), path + ": " + m.status().message());
    } else if ("manifests/" + e.name != manifest_rel_path(m->name)) {
      le.manifest = Status(Errc::corrupt_input, path + ": file name is not the BLAKE3 of the name '" + m->name + "'");
    } else {
      le.manifest = std::move(m);
    }
    out.push_back(std::move(le));
  }
  auto key = [](const ListEntry& e) -> const std::string& { return e.manifest ? e.manifest->name : e.manifest_file; };
  std::stable_sort(out.begin(), out.end(), [&](const ListEntry& a, const ListEntry& b) {
    if (a.manifest.ok() != b.manifest.ok()) return a.manifest.ok();
    return key(a) < key(b);
  });
  return out;
}

}  // namespace chunker::store
