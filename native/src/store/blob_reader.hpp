// Positional reads of blobs from pack files (one reader per thread).
#pragma once

#include <memory>
#include <vector>

#include "backend.hpp"
#include "chunker/store.hpp"
#include "format.hpp"

namespace chunker::store {

class BlobReader {
 public:
  explicit BlobReader(Backend& b) : r_(b.range_reader()) {}
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;
  // Exactly `length` bytes at `offset` of the pack, else an error naming the pack file.
  Status read(const Digest& pack, std::uint64_t offset, std::uint32_t length, std::vector<std::uint8_t>& out) {
    return r_->read(pack_rel_path(pack), offset, length, out);
  }

 private:
  std::unique_ptr<RangeReader> r_;
};

}  // namespace chunker::store
