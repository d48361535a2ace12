// Per-chunk compression as a ChunkPipeline stage: chunk -> hash -> compress on
// the pipeline's worker threads, one reusable compression context per thread.
//
//   auto stage = chunker::codec::CompressStage::create({.codec = Codec::zstd, .level = 3}, threads, true);
//   opts.stage = stage->get();   // the sink now receives each chunk's compressed bytes
#pragma once

#include <memory>
#include <vector>

#include "chunker/codec.hpp"
#include "chunker/pipeline.hpp"

namespace chunker::codec {

class CompressStage final : public ChunkStage {
 public:
  // adaptive = true: chunks that look incompressible (or would not shrink) are
  // passed through unchanged, so the sink sees a stored chunk exactly when the
  // bytes it gets are as long as the chunk (a compressed frame is always shorter).
  static Result<std::unique_ptr<CompressStage>> create(const CompressOptions& opts, unsigned threads,
                                                       bool adaptive = false);
  Status process(unsigned worker, const HashedChunk& chunk, std::span<const std::uint8_t> in,
                 std::vector<std::uint8_t>& out) override;

 private:
  CompressStage() = default;
  std::vector<Compressor> ctx_;       // one per worker
  bool adaptive_ = false;
};

}  // namespace chunker::codec
