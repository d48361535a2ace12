// Store::verify (v2): everything get checks, for every file, plus the containers.
#include <algorithm>
#include <map>
#include <mutex>

#include "blob_reader.hpp"
#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "chunker/thread_pool.hpp"
#include "restore.hpp"
#include "fanout.hpp"
#include "store_index.hpp"

namespace chunker::store {
VerifyReport Store::verify(unsigned threads) const {
  if (cfg_.version < 2) return verify_v1(threads);
  VerifyReport rep;
  std::mutex mu;
  auto problem = [&](std::string p) {
    std::lock_guard g(mu);
    rep.problems.push_back(std::move(p));
  };
  // Index files: name = BLAKE3 of the bytes, strict structure.
  Backend& b = *backend_;
  auto idx = ChunkIndex::load(b, cfg_.chunking, &rep.problems);
  if (!idx) {
    rep.problems.push_back(idx.status().message());
    return rep;
  }
  rep.index_checked = idx->files.size();

  // Packs: name = BLAKE3 of the bytes, footer, every blob decodes to its hash and raw length.
  std::vector<FanoutEntry> packs;
  if (Status s = scan_packs(b, false, packs, &rep.problems); !s.ok()) {
    rep.problems.push_back(s.message());
    return rep;
  }
  std::vector<std::vector<BlobEntry>> footers(packs.size());
  std::vector<char> good(packs.size(), 0);
  std::uint64_t blobs = 0;
  {
    ThreadPool pool(threads == 0 ? std::max(ThreadPool::default_threads(), b.io_parallelism()) : threads);
    std::mutex count_mu;
    pool.run(packs.size(), [&](std::size_t i) {
      const std::string path = b.describe(packs[i].info.key);
      std::vector<std::uint8_t> bytes, chunk;
      auto got = b.read(packs[i].info.key, kMaxPackBytes, bytes);
      if (!got) return problem(got.status().message());
      if (!*got) return problem(path + ": vanished while verify ran");
      if (blake3::hash(bytes) != packs[i].hash)
        return problem(path + ": content does not match its name (damaged pack)");
      auto f = parse_pack(bytes, cfg_.chunking);
      if (!f) return problem(path + ": " + f.status().message());
      for (const auto& e : *f) {
        Status d = decode_chunk(std::span(bytes).subspan(e.offset, e.length), e.hash, cfg_.chunking.max_size, chunk);
        if (d.ok() && chunk.size() != e.raw_length) d = Status(Errc::corrupt_input, "raw length differs from the footer");
        if (!d.ok()) problem(path + ": blob at " + std::to_string(e.offset) + ": " + d.message());
      }
      {
        std::lock_guard g(count_mu);
        blobs += f->size();
      }
      footers[i] = std::move(*f);
      good[i] = 1;
    });
  }
  rep.packs_checked = packs.size();
  rep.chunks_checked = blobs;

  // Index entries against the pack footers.
  std::unordered_map<Digest, std::size_t, DigestHash> pack_at;
  for (std::size_t i = 0; i < packs.size(); ++i) pack_at[packs[i].hash] = i;
  std::uint64_t bad_entries = 0, missing_packs = 0;
  DigestSet reported_missing;
  for (const auto& kv : idx->chunks) {  // no structured binding: clang 14 cannot capture one in a lambda
    const Digest& h = kv.first;
    const ChunkLoc& loc = kv.second;
    const Digest& p = idx->packs[loc.pack];
    auto it = pack_at.find(p);
    if (it == pack_at.end()) {
      if (reported_missing.insert(p).second) {
        ++missing_packs;
        rep.problems.push_back(b.describe(pack_rel_path(p)) + ": missing (the index lists it)");
      }
      continue;
    }
    if (!good[it->second]) continue;
    const auto& f = footers[it->second];
    bool found = std::any_of(f.begin(), f.end(), [&](const BlobEntry& e) {
      return e.hash == h && e.offset == loc.offset && e.length == loc.length && e.raw_length == loc.raw_length;
    });
    if (!found && ++bad_entries <= 20)
      rep.problems.push_back(b.describe("index") + ": entry for chunk " + to_hex(h) + " does not match the footer of " +
                             pack_rel_path(p));
  }
  if (bad_entries > 20)
    rep.problems.push_back(b.describe("index") + ": " + std::to_string(bad_entries - 20) + " more entries do not match");

  // Manifests: checksum, then a full restore to nowhere (chunks, lengths, order, whole-file hash).
  auto list = this->list();
  if (!list) {
    rep.problems.push_back(list.status().message());
    return rep;
  }
  rep.manifests_checked = list->size();
  ThreadPool pool(threads == 0 ? std::max(ThreadPool::default_threads(), b.io_parallelism()) : threads);
  pool.run(list->size(), [&](std::size_t i) {
    const ListEntry& e = (*list)[i];
    if (!e.manifest) return problem(e.manifest.status().message());
    BlobReader reader(b);
    Status s = restore_chunks(b, cfg_, &*idx, *e.manifest, reader,
                              [](std::span<const std::uint8_t>) { return Status{}; });
    if (!s.ok()) problem(e.manifest_file + ": " + s.message());
  });
  std::sort(rep.problems.begin(), rep.problems.end());  // threads finish in any order; output does not
  return rep;
}

}  // namespace chunker::store
