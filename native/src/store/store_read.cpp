// Store::get, read_manifest and list (v1 and v2).
#include <algorithm>

#include "blob_reader.hpp"
#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "chunker/thread_pool.hpp"
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
  const std::string key = manifest_rel_path(name);
  std::vector<std::uint8_t> text;
  auto got = backend_->read(key, kMaxManifestBytes, text);
  if (!got) return got.status();
  if (!*got) return Status(Errc::io_error, backend_->describe() + ": no file named '" + std::string(name) + "' in the store");
  const std::string path = backend_->describe(key);
  auto m = parse_manifest({reinterpret_cast<const char*>(text.data()), text.size()}, cfg_.chunking, cfg_.version >= 2);
  if (!m) return Status(m.status().code(), path + ": " + m.status().message());
  if (m->name != name)
    return Status(Errc::corrupt_input, path + ": manifest names '" + m->name + "', not '" + std::string(name) + "'");
  return m;
}

Status restore_chunks(Backend& b, const StoreConfig& cfg, const ChunkIndex* index, const Manifest& m,
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
      auto got = b.read(where, 2 * std::size_t{cfg.chunking.max_size} + (64 << 10), blob);
      s = !got ? got.status() : !*got ? Status(Errc::corrupt_input, b.describe(where) + ": missing chunk file") : Status{};
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
    auto idx = ChunkIndex::load(*backend_, cfg_.chunking, &damaged);
    if (!idx) return idx.status();
    index = std::move(*idx);
  }
  BlobReader packs(*backend_);
  if (m->size > kVerifyFirstBytes)
    return restore_chunks(*backend_, cfg_, index ? &*index : nullptr, *m, packs, write);
  std::vector<std::uint8_t> held;
  held.reserve(m->size);
  CHUNKER_TRY(restore_chunks(*backend_, cfg_, index ? &*index : nullptr, *m, packs, [&](std::span<const std::uint8_t> c) {
    held.insert(held.end(), c.begin(), c.end());
    return Status{};
  }));
  return held.empty() ? Status{} : write(held);
}

Result<std::vector<ListEntry>> Store::list() const {
  std::vector<ObjectInfo> entries;
  CHUNKER_TRY(backend_->list("manifests/", false, entries));
  std::vector<ListEntry> out(entries.size(), ListEntry{{}, Status(Errc::internal, "unset")});
  std::vector<char> gone(entries.size(), 0);
  // One request each on S3: several in flight (locally: one after the other).
  ThreadPool pool(backend_->io_parallelism());
  pool.run(entries.size(), [&](std::size_t i) {
    const ObjectInfo& e = entries[i];
    const std::string path = backend_->describe(e.key);
    const std::string_view file = std::string_view(e.key).substr(10);  // after "manifests/"
    ListEntry& le = out[i];
    le.manifest_file = path;
    const bool well_named = file.size() == 69 && file.ends_with(".json") && parse_hex(file.substr(0, 64)).ok();
    if (!e.regular || !well_named) {
      le.manifest = Status(Errc::corrupt_input, path + ": unexpected entry in manifests/");
      return;
    }
    std::vector<std::uint8_t> text;
    auto got = backend_->read(e.key, kMaxManifestBytes, text);
    if (!got) {
      le.manifest = got.status();
    } else if (!*got) {
      gone[i] = 1;  // replaced meanwhile
    } else if (auto m = parse_manifest({reinterpret_cast<const char*>(text.data()), text.size()}, cfg_.chunking,
                                       cfg_.version >= 2);
               !m) {
      le.manifest = Status(m.status().code(), path + ": " + m.status().message());
    } else if (e.key != manifest_rel_path(m->name)) {
      le.manifest = Status(Errc::corrupt_input, path + ": file name is not the BLAKE3 of the name '" + m->name + "'");
    } else {
      le.manifest = std::move(m);
    }
  });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (gone[i]) continue;
    if (kept != i) out[kept] = std::move(out[i]);
    ++kept;
  }
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(kept), out.end());
  auto key = [](const ListEntry& e) -> const std::string& { return e.manifest ? e.manifest->name : e.manifest_file; };
  std::stable_sort(out.begin(), out.end(), [&](const ListEntry& a, const ListEntry& b) {
    if (a.manifest.ok() != b.manifest.ok()) return a.manifest.ok();
    return key(a) < key(b);
  });
  return out;
}

}  // namespace chunker::store
