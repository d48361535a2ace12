// Positional reads of blobs from pack files, keeping the last packs open.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "chunker/store.hpp"

namespace chunker::store {

class BlobReader {
 public:
  explicit BlobReader(std::string dir) : dir_(std::move(dir)) {}
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;
  ~BlobReader();
  // Exactly `length` bytes at `offset` of the pack, else an error naming the pack file.
  Status read(const Digest& pack, std::uint64_t offset, std::uint32_t length, std::vector<std::uint8_t>& out);

 private:
  std::string dir_;
  std::vector<std::pair<Digest, int>> open_;  // most recent last
};

}  // namespace chunker::store
