// ChunkPipeline's reused working memory (internal: the public header holds
// only a pointer to it).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "chunker/pipeline.hpp"
#include "pipeline/window_buffer.hpp"

namespace chunker::detail {

// One segment of run_segments' ring: what a thread found from its first byte.
struct Segment {
  std::uint64_t a = 0, e = 0;           // the chunks that start in [a, e) of the run's bytes are this segment's
  const std::uint8_t* data = nullptr;   // where byte a is
  std::vector<HashedChunk> chunks;      // as found from a (cuts exact: max_size bytes were visible);
                                        // offsets from the input's start (the run's base added)
  HugeBytes arena;                      // stage output, chunk i at ends[i-1] .. ends[i]
  std::vector<std::size_t> ends;
  blake3::Hasher part;                  // BLAKE3 of exactly [a, e), when the run hashes its whole input
  Status status;
  bool done = false;
  double read_s = 0, chunk_s = 0, hash_s = 0, stage_s = 0;
};

struct PipelineScratch {
  // Kept between runs so that many small inputs in a row (dedup, run_reader's
  // windows) reuse their vectors' capacity instead of allocating per input.
  std::vector<Segment> ring_;
  std::vector<std::vector<std::uint8_t>> stage_out_;  // per worker: one chunk's stage output
  detail::ReadRing stitch_buf_;                 // lean run_file: bytes stitch() reads again
  std::unique_ptr<detail::ReadRing> read_ring_;  // run_file's slots / run_reader's window, reused by the next file
  std::vector<ChunkPipeline> singles_;  // run_batch's single-threaded pipelines, one per pool thread
};

}  // namespace chunker::detail
