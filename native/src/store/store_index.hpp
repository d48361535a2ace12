// The store's index in memory: the union of every index/<h>.idx file.
#pragma once

#include <cstring>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backend.hpp"
#include "chunker/store.hpp"
#include "format.hpp"

namespace chunker::store {

using DigestSet = std::unordered_set<Digest, DigestHash>;

struct ChunkLoc {
  std::uint32_t pack = 0;  // into ChunkIndex::packs
  std::uint32_t length = 0;
  std::uint64_t offset = 0;
  std::uint32_t raw_length = 0;
};

class ChunkIndex {
 public:
  std::vector<Digest> packs;                          // every pack some index file names
  std::unordered_map<Digest, std::uint32_t, DigestHash> pack_no;
  std::unordered_multimap<Digest, ChunkLoc, DigestHash> chunks;  // every listed copy
  std::vector<Digest> files;                          // the index files read

  std::uint32_t add_pack(const Digest& p);
  void add(const Digest& chunk, const ChunkLoc& loc) { chunks.emplace(chunk, loc); }
  void add_file(const IndexFile& f);
  // A copy whose pack is not in `avoid` (null: none avoided).
  const ChunkLoc* find(const Digest& chunk, const DigestSet* avoid = nullptr) const;

  // Reads every index file (name = BLAKE3 of its bytes, parsed strictly). A file
  // that vanishes meanwhile (a gc compacted it) restarts the listing. With
  // `problems`, a bad file is reported there and skipped; without, it is an error.
  static Result<ChunkIndex> load(Backend& b, const fastcdc::Params& chunking,
                                 std::vector<std::string>* problems = nullptr);
};

}  // namespace chunker::store

namespace chunker::store {

// Commit-order step 1 for a finished pack: written create-only to
// packs/xx/<h>.pack (local: tmp file, fdatasync, link(2)); what makes its
// name durable goes to `pending` (sync it before any index names the pack).
// A name that exists already is an error (salted packs never collide; reusing
// one could mean reusing a pack a gc plan has condemned).
struct WrittenPack {
  Digest name{};
  std::vector<BlobEntry> entries;
};
Result<WrittenPack> write_pack(Backend& b, PackBuilder& pb, SyncSet& pending);
// Appends a written pack and its blobs to an index file being built.
void add_to_index(IndexFile& idx, const WrittenPack& p);
// write_pack() + add_to_index() for a non-empty builder (an empty one: nothing).
Status flush_pack(Backend& b, PackBuilder& pb, SyncSet& pending, IndexFile& idx);
// Commit-order step 2: index/<h>.idx, create-only (an existing one has the
// same bytes), durable on return. Returns its name.
Result<Digest> write_index(Backend& b, const IndexFile& idx);

}  // namespace chunker::store
