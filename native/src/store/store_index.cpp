#include "store_index.hpp"

#include <cerrno>

#include "chunker/blake3.hpp"

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

Result<ChunkIndex> ChunkIndex::load(Backend& b, const fastcdc::Params& chunking, std::vector<std::string>* problems) {
  for (int attempt = 0;; ++attempt) {
    ChunkIndex idx;
    std::vector<ObjectInfo> entries;
    CHUNKER_TRY(b.list("index/", false, entries));
    bool vanished = false;
    std::vector<std::uint8_t> bytes;
    for (const auto& e : entries) {
      const std::string path = b.describe(e.key);
      auto report = [&](const std::string& msg) -> Status {
        if (problems) {
          problems->push_back(path + ": " + msg);
          return {};
        }
        return Status(Errc::corrupt_input, path + ": " + msg);
      };
      const std::string_view file = std::string_view(e.key).substr(6);  // after "index/"
      Result<Digest> name = file.size() == 68 && file.ends_with(".idx") ? parse_hex(file.substr(0, 64))
                                                                        : Result<Digest>(Status(Errc::corrupt_input, ""));
      if (!e.regular || !name) {
        CHUNKER_TRY(report("unexpected entry in index/"));
        continue;
      }
      auto got = b.read(e.key, kMaxIndexBytes, bytes);
      if (!got) {
        CHUNKER_TRY(report(got.status().message()));
        continue;
      }
      if (!*got) {
        vanished = true;
        break;
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
    if (attempt == 20) return Status(Errc::io_error, b.describe("index") + ": index files keep vanishing while read");
  }
}

}  // namespace chunker::store

namespace chunker::store {

Result<WrittenPack> write_pack(Backend& b, PackBuilder& pb, SyncSet& pending) {
  WrittenPack p;
  detail::HugeBytes bytes = pb.finish(p.name, p.entries);
  const std::string key = pack_rel_path(p.name);
  auto made = b.create(key, bytes, pending);
  pb.recycle(std::move(bytes));
  if (!made) return made.status();
  if (!*made) return Status(Errc::io_error, b.describe(key) + ": a pack of this name exists already (salt collision); not reused");
  return p;
}

void add_to_index(IndexFile& idx, const WrittenPack& p) {
  const auto pn = static_cast<std::uint32_t>(idx.packs.size());
  idx.packs.push_back(p.name);
  for (const auto& e : p.entries) idx.entries.push_back({e.hash, pn, e.offset, e.length, e.raw_length});
}

Status flush_pack(Backend& b, PackBuilder& pb, SyncSet& pending, IndexFile& idx) {
  if (pb.empty()) return {};
  auto w = write_pack(b, pb, pending);
  if (!w) return w.status();
  add_to_index(idx, *w);
  return {};
}

Result<Digest> write_index(Backend& b, const IndexFile& idx) {
  std::vector<std::uint8_t> bytes = encode_index(idx);
  const Digest name = blake3::hash(bytes);
  SyncSet pending;
  auto made = b.create(index_rel_path(name), bytes, pending);  // false: the same bytes are there
  if (!made) return made.status();
  CHUNKER_TRY(b.sync(pending));
  return name;
}

}  // namespace chunker::store
