#include "chunker/pipeline.hpp"

#include <algorithm>
#include <cstring>

#include "chunker/thread_pool.hpp"
#include "pipeline/chunk_work.hpp"
#include "pipeline/scratch.hpp"
#include "pipeline/window_buffer.hpp"

namespace chunker {
using detail::now_s;

Result<ChunkPipeline> ChunkPipeline::create(const PipelineOptions& opts) {
  auto cutter = fastcdc::Cutter::create(opts.params);
  if (!cutter) return cutter.status();
  ChunkPipeline pl;
  pl.opts_ = opts;
  if (pl.opts_.threads == 0) pl.opts_.threads = ThreadPool::default_threads();
  if (pl.opts_.threads > ThreadPool::kMaxThreads)
    return Status(Errc::invalid_argument, "threads must be between 0 and " + std::to_string(ThreadPool::kMaxThreads) +
                                              ", got " + std::to_string(opts.threads));
  // A window must hold at least max_size bytes past the chunk start.
  const std::size_t min_window = 2 * static_cast<std::size_t>(opts.params.max_size);
  pl.auto_window_ = pl.opts_.window_bytes == 0;
  // Auto: 8 MiB per thread. Streaming windows are refilled by read(); one that
  // stays in cache makes both the copy and the scan cheaper (larger windows
  // measured slower: docs/benchmarks-log.md, "2026-12-04: a different machine").
  // It must also give every thread a segment (>= 8 average chunks each) past
  // the max_size bytes a window keeps back.
  if (pl.auto_window_)
    pl.opts_.window_bytes = std::max({std::size_t{8 << 20} * pl.opts_.threads, min_window,
                                      std::size_t{8} * opts.params.avg_size * pl.opts_.threads + opts.params.max_size});
  pl.opts_.window_bytes = std::max(pl.opts_.window_bytes, min_window);
  pl.cutter_ = std::make_unique<fastcdc::Cutter>(*cutter);
  pl.pool_ = std::make_unique<ThreadPool>(pl.opts_.threads);
  pl.s_ = std::make_unique<detail::PipelineScratch>();
  return pl;
}

ChunkPipeline::ChunkPipeline(ChunkPipeline&&) noexcept = default;
ChunkPipeline& ChunkPipeline::operator=(ChunkPipeline&&) noexcept = default;
ChunkPipeline::~ChunkPipeline() = default;

unsigned ChunkPipeline::threads() const noexcept { return pool_ ? pool_->size() : 1; }

Status ChunkPipeline::run(std::span<const std::uint8_t> data, HashedChunkSink sink, std::uint64_t total_hint) {
  if (total_hint == 0) total_hint = data.size();
  const double t0 = now_s();
  auto r = run_segments(data.size(), data.size(), 0, total_hint, data.data(), nullptr, sink);
  if (!r) return r.status();
  stats_.wall_s += now_s() - t0;
  return {};
}

Status ChunkPipeline::run_reader(PipelineRead read, HashedChunkSink sink, std::uint64_t total_hint) {
  const double t0 = now_s();
  const std::size_t cap = opts_.window_bytes;
  // Kept for the next input: many small streamed inputs in a row (dedup over
  // /proc, or run_file on one thread) would each fault in a fresh window.
  if (!s_->read_ring_) s_->read_ring_ = std::make_unique<detail::ReadRing>();
  CHUNKER_TRY(s_->read_ring_->reserve(cap, "read window"));
  std::uint8_t* const buf = s_->read_ring_->buf.get();
  std::size_t filled = 0;
  std::uint64_t base = 0;
  bool eof = false;
  while (!eof || filled > 0) {
    if (opts_.cancel && opts_.cancel->load(std::memory_order_relaxed))
      return Status(Errc::cancelled, "cancelled after " + std::to_string(base) + " bytes");
    const double tr = now_s();
    while (!eof && filled < cap) {
      auto r = read({buf + filled, cap - filled});
      if (!r) return r.status();
      if (*r == 0) eof = true;
      filled += *r;
    }
    stats_.read_s += now_s() - tr;
    // A cut is final only when max_size bytes (or the true end of input) are
    // visible from the chunk's start: chunks may start in [0, starts).
    const std::size_t max = opts_.params.max_size;
    const std::size_t starts = eof ? filled : (filled >= max ? filled - max + 1 : 0);
    auto r = run_segments(filled, starts, base, total_hint, buf, nullptr, sink);
    if (!r) return r.status();
    const std::size_t used = static_cast<std::size_t>(*r);
    // Keep the unfinished tail (< max_size bytes) for the next window.
    std::memmove(buf, buf + used, filled - used);
    filled -= used;
    base += used;
    if (eof && used == 0 && filled > 0) return Status(Errc::internal, "pipeline made no progress at end of input");
  }
  stats_.wall_s += now_s() - t0;
  return {};
}

Status chunk_and_hash(std::span<const std::uint8_t> data, const fastcdc::Params& params, HashAlgo algo,
                      std::vector<HashedChunk>& out, unsigned threads) {
  PipelineOptions o;
  o.params = params;
  o.hash = algo;
  o.threads = threads;
  auto pl = ChunkPipeline::create(o);
  if (!pl) return pl.status();
  return pl->run(data, [&](const HashedChunk& c, std::span<const std::uint8_t>) { out.push_back(c); });
}

}  // namespace chunker
