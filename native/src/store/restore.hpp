// The one restore loop behind get and verify: every chunk of a manifest, in
// order, from an indexed copy (v2) or its chunk file (v1), decoded with the
// size limit, checked against its hash and length, then the whole file's BLAKE3.
#pragma once

#include "blob_reader.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "store_index.hpp"

namespace chunker::store {

// `index` null = a v1 store. `write` gets each verified chunk; stops at the first bad one.
Status restore_chunks(Backend& b, const StoreConfig& cfg, const ChunkIndex* index, const Manifest& m,
                      BlobReader& packs, WriteFn write);

}  // namespace chunker::store
