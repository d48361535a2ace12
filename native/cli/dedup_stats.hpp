// Counters of `chunker dedup`: totals, unique chunks by BLAKE3, a
// power-of-two chunk size histogram, and the two output formats.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_set>

#include "chunker/fastcdc.hpp"
#include "chunker/hash.hpp"

namespace chunker::cli {


struct DedupStats {
  std::uint64_t files = 0, total_bytes = 0, unique_bytes = 0, chunks = 0, unique_chunks = 0;
  std::uint64_t skipped_symlinks = 0, skipped_other = 0, errors = 0;
  // Bucket k holds chunks of length in [2^k, 2^(k+1)).
  std::array<std::uint64_t, 33> hist_chunks{}, hist_bytes{};
  std::unordered_set<Digest, DigestHash> seen;

  void add(const Digest& h, std::uint32_t length);

  // Output: one JSON object, or a human-readable table.
  std::string json(const fastcdc::Params& p, unsigned threads, double seconds) const;
  std::string table(const fastcdc::Params& p, unsigned threads, double seconds) const;
};

}  // namespace chunker::cli
