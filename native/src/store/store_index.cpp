#include "store_index.hpp"

#include <cerrno>

#include "chunker/blake3.hpp"
#include "fs_util.hpp"

namespace chunker::store {

std::uint32_t ChunkIndex::add_pack(const Digest& p) {
  auto [it, fresh] = pack_no.emplace(p, static_cast<std::uint32_t>(packs.size()));
  if (fresh) packs.push_back(p);
  return it->second;
}

void ChunkIndex::add_file(const IndexFile& f) {
  std::vector<std::uint32_t> map(f.packs.size());
  for (std::size_t i = 0; i < f.packs.size(); ++i) map[i] = add_pack(f.packs[i]);
  chunks.reserve(chunks.size() + f.entries.size());
  for (const auto& e : f.entries) add(e.hash, {map[e.pack], e.length, e.offset, e.raw_length});
}

const ChunkLoc* ChunkIndex::find(const Digest& chunk, const DigestSet* avoid) const {
  auto [a, b] = chunks.equal_range(chunk);
  for (; a != b; ++a)
    if (!avoid || !avoid->count(packs[a->second.pack])) return &a->second;
  return nullptr;
}

Result<ChunkIndex> ChunkIndex::load(const std::string& dir, const fastcdc::Params& chunking,
                                    std::vector<std::string>* problems) {
  for (int attempt = 0;; ++attempt) {
    ChunkIndex idx;
    std::vector<fs::DirEntry> entries;
    CHUNKER_TRY(fs::list_dir(dir + "/index", entries));
    bool vanished = false;
    std::vector<std::uint8_t> bytes;
    for (const auto& e : entries) {
      const std::string path = dir + "/index/" + e.name;
      auto report = [&](const std::string& msg) -> Status {
        if (problems) {
          problems->push_back(path + ": " + msg);
          return {};
        }
        return Status(Errc::corrupt_input, path + ": " + msg);
      };
      Result<Digest> name = e.name.size() == 68 && e.name.ends_with(".idx") ? parse_hex(e.name.substr(0, 64))
                                                                            : Result<Digest>(Status(Errc::corrupt_input, ""));
      if (!e.is_regular || !name) {
        CHUNKER_TRY(report("unexpected entry in index/"));
        continue;
      }
      Status s = fs::read_file(path, kMaxIndexBytes, bytes);
      if (!s.ok()) {
        if (!fs::exists(path)) {
          vanished = true;
          break;
        }
        CHUNKER_TRY(report(s.message()));
        continue;
      }
      if (blake3::hash(bytes) != *name) {
        CHUNKER_TRY(report("content does not match its name (damaged index file)"));
        continue;
      }
      auto f = parse_index(bytes, chunking);
      if (!f) {
        CHUNKER_TRY(report(f.status().message()));
        continue;
      }
      idx.add_file(*f);
      idx.files.push_back(*name);
    }
    if (!vanished) return idx;
    if (attempt == 20) return Status(Errc::io_error, dir + "/index: index files keep vanishing while read");
  }
}

}  // namespace chunker::store

namespace chunker::store {

Result<WrittenPack> write_pack(const std::string& dir, PackBuilder& b, std::set<std::string>& dirty_dirs) {
  WrittenPack p;
  std::vector<std::uint8_t> bytes = b.finish(p.name, p.entries);
  const std::string rel = pack_rel_path(p.name);
  const std::string sub = dir + "/" + rel.substr(0, rel.rfind('/'));
  bool created = false;
  CHUNKER_TRY(fs::make_dir(sub, &created));
  auto tmp = fs::write_tmp(dir + "/tmp", bytes, /*sync=*/true);
  if (!tmp) return tmp.status();
  CHUNKER_TRY(fs::link_pack(*tmp, dir + "/" + rel));
  dirty_dirs.insert(sub);
  if (created) dirty_dirs.insert(dir + "/packs");
  return p;
}

void add_to_index(IndexFile& idx, const WrittenPack& p) {
  const auto pn = static_cast<std::uint32_t>(idx.packs.size());
  idx.packs.push_back(p.name);
  for (const auto& e : p.entries) idx.entries.push_back({e.hash, pn, e.offset, e.length, e.raw_length});
}

}  // namespace chunker::store
