// Store::get, read_manifest and list.
#include <algorithm>

#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "fs_util.hpp"

namespace chunker::store {

Result<Manifest> Store::read_manifest(std::string_view name) const {
  CHUNKER_TRY(validate_name(name));
  const std::string path = dir_ + "/" + manifest_rel_path(name);
  std::string text;
  if (Status s = fs::read_text(path, kMaxManifestBytes, text); !s.ok()) {
    if (!fs::exists(path)) return Status(Errc::io_error, dir_ + ": no file named '" + std::string(name) + "' in the store");
    return s;
  }
  auto m = parse_manifest(text, chunking_);
  if (!m) return Status(m.status().code(), path + ": " + m.status().message());
  if (m->name != name)
    return Status(Errc::corrupt_input, path + ": manifest names '" + m->name + "', not '" + std::string(name) + "'");
  return m;
}

Status Store::get(const std::string& name, WriteFn write) const {
  auto m = read_manifest(name);
  if (!m) return m.status();
  blake3::Hasher whole;
  std::vector<std::uint8_t> file, chunk;
  for (std::size_t i = 0; i < m->chunks.size(); ++i) {
    const ChunkRef& c = m->chunks[i];
    const std::string path = dir_ + "/" + chunk_rel_path(c.hash);
    // A chunk file is at most 1 tag byte + a frame; frames of incompressible
    // data stay within a few percent of the input, so 2x + 64 KiB is ample.
    Status s = fs::read_file(path, 2 * std::size_t{chunking_.max_size} + (64 << 10), file);
    if (s.ok()) s = decode_chunk(file, c.hash, chunking_.max_size, chunk);
    if (s.ok() && chunk.size() != c.length)
      s = Status(Errc::corrupt_input, "chunk is " + std::to_string(chunk.size()) + " bytes, the manifest says " +
                                          std::to_string(c.length));
    if (!s.ok())
      return Status(Errc::corrupt_input, "'" + name + "': chunk " + std::to_string(i) + " (" + path + "): " + s.message());
    whole.update(chunk);
    CHUNKER_TRY(write(chunk));
  }
  if (whole.finalize() != m->blake3)
    return Status(Errc::verification_failed, "'" + name + "': restored bytes do not match the manifest's blake3 " +
                                                 to_hex(m->blake3));
  return {};
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
      le.manifest = s;
    } else if (auto m = parse_manifest(text, chunking_); !m) {
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
