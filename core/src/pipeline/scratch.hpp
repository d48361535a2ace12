// ChunkPipeline's reused working memory (internal: the public header holds
// only a pointer to it).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "chunker/pipeline.hpp"
#include "pipeline/window_buffer.hpp"

namespace chunker::detail {

struct PipelineScratch {
  std::vector<std::vector<HashedChunk>> seg_;  // per-segment results, reused
  std::vector<double> seg_chunk_s_, seg_hash_s_, seg_stage_s_;
  // Stage output per segment: bytes in one arena, chunk i's slice at ends[i-1]..ends[i].
  std::vector<std::vector<std::uint8_t>> seg_arena_;
  std::vector<std::vector<std::size_t>> seg_ends_;
  std::vector<Status> seg_status_;
  std::vector<std::uint8_t> scratch_;
  std::unique_ptr<detail::ReadRing> read_ring_;  // run_file's slots / run_reader's window, reused by the next file
  std::vector<ChunkPipeline> singles_;  // run_batch's single-threaded pipelines, one per pool thread
};

}  // namespace chunker::detail
