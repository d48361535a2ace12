// Per-chunk work of the pipeline's segments (run_segments) and its reads:
// hash a run of chunks, stage them into an arena, read a byte range completely.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "chunker/pipeline.hpp"
#include "pipeline/window_buffer.hpp"

namespace chunker::detail {

// Seconds on a monotonic clock, for PipelineStats.
inline double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Hashes each chunk in place; byte `base` of the input is at d[0].
inline void hash_chunks(HashAlgo algo, std::span<HashedChunk> chunks, const std::uint8_t* d, std::uint64_t base) {
  if (algo == HashAlgo::none) return;
  for (auto& c : chunks) c.hash = hash(algo, std::span<const std::uint8_t>(d + (c.offset - base), c.length));
}

// Runs the stage on each chunk (as worker `worker`) and appends its output to
// `arena`, chunk i ending at ends[i]. Stops at the first failure.
inline Status stage_chunks(ChunkStage& stage, unsigned worker, std::span<const HashedChunk> chunks,
                           const std::uint8_t* d, std::uint64_t base, std::vector<std::uint8_t>& scratch,
                           HugeBytes& arena, std::vector<std::size_t>& ends) {
  for (const auto& c : chunks) {
    scratch.clear();
    if (Status st = stage.process(worker, c, {d + (c.offset - base), c.length}, scratch); !st.ok()) return st;
    arena.insert(arena.end(), scratch.begin(), scratch.end());
    ends.push_back(arena.size());
  }
  return {};
}

// Reads [off, off + dst.size()) completely, or fails: a short read is retried
// from where it stopped, none at all means the file shrank (its chunks would
// no longer describe one version of it).
inline Status read_exact(PipelinePread pread, std::span<std::uint8_t> dst, std::uint64_t off) {
  std::size_t got = 0;
  while (got < dst.size()) {
    auto r = pread(dst.subspan(got), off + got);
    if (!r) return r.status();
    if (*r == 0) return Status(Errc::io_error, "input shrank while being read (at byte " + std::to_string(off + got) + ")");
    got += *r;
  }
  return {};
}

}  // namespace chunker::detail
