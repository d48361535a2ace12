// ChunkPipeline::run_file: a file of known size, read by position. Threaded,
// it is run_segments' job (each thread reads the segments it chunks). On one
// thread there is nothing to overlap: one cache-sized window read in turn.
//
// Why read() at all rather than mmap: a page-cache mapping costs a TLB walk
// (and often a fault) per 4 KiB page, dearer under a hypervisor than copying
// into a cache-resident window (figures: docs/benchmarks-log.md, "2026-12-04: a different machine, reading files instead of mapping them");
// and a file truncated while mapped raises SIGBUS.
#include <algorithm>

#include "chunker/pipeline.hpp"
#include "chunker/thread_pool.hpp"
#include "pipeline/chunk_work.hpp"

namespace chunker {

Status ChunkPipeline::run_file(PipelinePread pread, std::uint64_t size, HashedChunkSink sink) {
  if (pool_->size() > 1) {
    const double t0 = detail::now_s();
    auto r = run_segments(size, size, 0, size, nullptr, &pread, sink);
    if (!r) return r.status();
    stats_.wall_s += detail::now_s() - t0;
    return {};
  }
  std::uint64_t off = 0;
  return run_reader(
      [&](std::span<std::uint8_t> b) -> Result<std::size_t> {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(b.size(), size - off));
        CHUNKER_TRY(detail::read_exact(pread, b.first(want), off));
        off += want;
        return want;
      },
      sink, size);
}

}  // namespace chunker
