#include "chunker/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>

#include "chunker/thread_pool.hpp"
#include "pipeline/chunk_work.hpp"
#include "pipeline/scratch.hpp"
#include "pipeline/window_buffer.hpp"

namespace chunker {
namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

Digest digest_of(HashAlgo algo, const std::uint8_t* p, std::size_t n) {
  return hash(algo, std::span<const std::uint8_t>(p, n));
}

}  // namespace

Result<ChunkPipeline> ChunkPipeline::create(const PipelineOptions& opts) {
  auto cutter = fastcdc::Cutter::create(opts.params);
  if (!cutter) return cutter.status();
  ChunkPipeline pl;
  pl.opts_ = opts;
  if (pl.opts_.threads == 0) pl.opts_.threads = ThreadPool::default_threads();
  if (pl.opts_.threads > 256)
    return Status(Errc::invalid_argument, "threads must be between 0 and 256, got " + std::to_string(opts.threads));
  // A window must hold at least max_size bytes past the chunk start.
  const std::size_t min_window = 2 * static_cast<std::size_t>(opts.params.max_size);
  pl.auto_window_ = pl.opts_.window_bytes == 0;
  // Auto: 8 MiB per thread. Streaming windows are refilled by read(); one that
  // stays in cache makes both the copy and the scan cheaper (larger windows
  // measured slower: docs/benchmarks-log.md, "2026-12-04: a different machine").
  // It must also give every thread a segment (process_window: >= 8 average
  // chunks each) past the max_size bytes a window keeps back.
  if (pl.auto_window_)
    pl.opts_.window_bytes = std::max({std::size_t{8 << 20} * pl.opts_.threads, min_window,
                                      std::size_t{8} * opts.params.avg_size * pl.opts_.threads + opts.params.max_size});
  pl.opts_.window_bytes = std::max(pl.opts_.window_bytes, min_window);
  pl.cutter_ = std::make_unique<fastcdc::Cutter>(*cutter);
  pl.pool_ = std::make_unique<ThreadPool>(pl.opts_.threads);
  pl.s_ = std::make_unique<detail::PipelineScratch>();
  pl.s_->seg_.resize(pl.opts_.threads);
  pl.s_->seg_chunk_s_.resize(pl.opts_.threads);
  pl.s_->seg_hash_s_.resize(pl.opts_.threads);
  pl.s_->seg_stage_s_.resize(pl.opts_.threads);
  pl.s_->seg_arena_.resize(pl.opts_.threads);
  pl.s_->seg_ends_.resize(pl.opts_.threads);
  pl.s_->seg_status_.resize(pl.opts_.threads);
  return pl;
}

ChunkPipeline::ChunkPipeline(ChunkPipeline&&) noexcept = default;
ChunkPipeline& ChunkPipeline::operator=(ChunkPipeline&&) noexcept = default;
ChunkPipeline::~ChunkPipeline() = default;

unsigned ChunkPipeline::threads() const noexcept { return pool_ ? pool_->size() : 1; }

Result<std::size_t> ChunkPipeline::process_window(std::span<const std::uint8_t> data, std::uint64_t base, bool eof,
                                          HashedChunkSink& sink) {
  const std::uint8_t* d = data.data();
  const std::size_t n = data.size();
  const std::size_t max = opts_.params.max_size;
  // Chunks may start in [0, starts): a cut is final only when max_size bytes
  // (or the true end of input) are visible from the chunk's start.
  const std::size_t starts = eof ? n : (n >= max ? n - max + 1 : 0);
  if (starts == 0) return 0;
  const HashAlgo algo = opts_.hash;
  const fastcdc::Cutter& cutter = *cutter_;

  // Segments of at least 8 average chunks keep the stitching overhead small.
  const std::size_t min_seg = 8 * static_cast<std::size_t>(opts_.params.avg_size);
  const std::size_t segs = std::clamp<std::size_t>(starts / min_seg, 1, pool_->size());
  auto bound = [&](std::size_t t) { return starts / segs * t + (t == segs ? starts % segs : 0); };

  ChunkStage* stage = opts_.stage;
  pool_->run(segs, [&](std::size_t t) {
    thread_local std::vector<std::uint8_t> scratch_local;
    auto& out = s_->seg_[t];
    out.clear();
    const double t0 = now_s();
    for (std::size_t s = bound(t), e = bound(t + 1); s < e;) {
      const fastcdc::Cut c = cutter.find_cut(d + s, n - s);
      out.push_back(HashedChunk{base + s, c.length, c.fingerprint, {}});
      s += c.length;
    }
    const double t1 = now_s();
    detail::hash_chunks(algo, out, d, base);
    const double t2 = now_s();
    s_->seg_chunk_s_[t] = t1 - t0;
    s_->seg_hash_s_[t] = t2 - t1;
    if (stage) {
      s_->seg_arena_[t].clear();
      s_->seg_ends_[t].clear();
      s_->seg_status_[t] = detail::stage_chunks(*stage, static_cast<unsigned>(t), out, d, base, scratch_local,
                                            s_->seg_arena_[t], s_->seg_ends_[t]);
      s_->seg_stage_s_[t] = now_s() - t2;
    }
  });
  for (std::size_t t = 0; t < segs; ++t) {
    stats_.chunk_s += s_->seg_chunk_s_[t];
    stats_.hash_s += s_->seg_hash_s_[t];
    if (stage) {
      if (!s_->seg_status_[t].ok()) return s_->seg_status_[t];
      stats_.stage_s += s_->seg_stage_s_[t];
    }
  }

  // Stitch: follow the true chunk sequence across segment boundaries.
  const double t_stitch = now_s();
  // No per-chunk clock reads: with tiny chunks they would cost more than the cut.
  // Stage bytes are counted here, as emitted: a segment's chunks before the
  // point where the true sequence joins it are computed but never emitted.
  auto emit = [&](const HashedChunk& c, std::span<const std::uint8_t> bytes) {
    sink(c, bytes);
    ++stats_.chunks;
    if (stage) stats_.stage_bytes += bytes.size();
  };
  // Chunk i of segment t as the sink sees it: raw bytes, or the stage's output.
  auto seg_bytes = [&](std::size_t t, std::size_t i) -> std::span<const std::uint8_t> {
    if (!stage) return {d + (s_->seg_[t][i].offset - base), s_->seg_[t][i].length};
    const std::size_t b = i == 0 ? 0 : s_->seg_ends_[t][i - 1];
    return {s_->seg_arena_[t].data() + b, s_->seg_ends_[t][i] - b};
  };
  std::size_t p = 0;  // next true chunk start (window-relative)
  for (std::size_t t = 0; t < segs; ++t) {
    const auto& sv = s_->seg_[t];
    const std::size_t seg_end = bound(t + 1);
    while (p < seg_end) {
      auto it = std::lower_bound(sv.begin(), sv.end(), base + p,
                                 [](const HashedChunk& c, std::uint64_t off) { return c.offset < off; });
      if (it != sv.end() && it->offset == base + p) {  // in sync: take the rest as is
        for (std::size_t i = static_cast<std::size_t>(it - sv.begin()); i < sv.size(); ++i) emit(sv[i], seg_bytes(t, i));
        p = static_cast<std::size_t>(sv.back().offset - base) + sv.back().length;
        break;
      }
      const fastcdc::Cut c = cutter.find_cut(d + p, n - p);
      HashedChunk hc{base + p, c.length, c.fingerprint, {}};
      if (algo != HashAlgo::none) hc.hash = digest_of(algo, d + p, c.length);
      if (stage) {
        s_->scratch_.clear();
        // The pool is idle during the stitch, so worker 0's context is free.
        CHUNKER_TRY(stage->process(0, hc, {d + p, c.length}, s_->scratch_));
        emit(hc, s_->scratch_);
      } else {
        emit(hc, {d + p, c.length});
      }
      ++stats_.rechunked;
      p += c.length;
    }
  }
  if (raw_ && p) (*raw_)({d, p});
  stats_.stitch_s += now_s() - t_stitch;
  stats_.bytes += p;
  ++stats_.windows;
  return p;
}

Status ChunkPipeline::run(std::span<const std::uint8_t> data, HashedChunkSink sink, std::uint64_t total_hint) {
  if (total_hint == 0) total_hint = data.size();
  if (pool_->size() > 1) return run_segments(data.size(), total_hint, data.data(), nullptr, sink);
  const double t0 = now_s();
  // One thread: windows only pace progress and cancellation; without a stage
  // (whose output is buffered per window) they can be large.
  const std::size_t span_window =
      (auto_window_ && !opts_.stage) ? std::max(opts_.window_bytes, std::size_t{64} << 20) : opts_.window_bytes;
  std::size_t pos = 0;
  while (pos < data.size()) {
    if (opts_.cancel && opts_.cancel->load(std::memory_order_relaxed))
      return Status(Errc::cancelled, "cancelled after " + std::to_string(pos) + " bytes");
    const std::size_t len = std::min(span_window, data.size() - pos);
    const bool eof = pos + len == data.size();
    auto used = process_window(data.subspan(pos, len), pos, eof, sink);
    if (!used) return used.status();
    pos += *used;
    if (opts_.progress) opts_.progress(pos, total_hint);
  }
  stats_.wall_s += now_s() - t0;
  return {};
}

Status ChunkPipeline::run_reader(PipelineRead read, HashedChunkSink sink, std::uint64_t total_hint) {
  const double t0 = now_s();
  const std::size_t cap = opts_.window_bytes;
  // Kept for the next input: many small streamed inputs in a row (dedup over
  // /proc, or run_file on one thread) would each fault in a fresh window.
  if (!s_->read_ring_) s_->read_ring_ = std::make_unique<detail::ReadRing>();
  if (s_->read_ring_->bytes < cap) {
    s_->read_ring_->buf = detail::alloc_window(cap);
    s_->read_ring_->bytes = s_->read_ring_->buf ? cap : 0;
    if (!s_->read_ring_->buf) return Status(Errc::out_of_memory, "cannot allocate a window of " + std::to_string(cap) + " bytes");
  }
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
    auto r = process_window({buf, filled}, base, eof, sink);
    if (!r) return r.status();
    const std::size_t used = *r;
    // Keep the unfinished tail (< max_size bytes) for the next window.
    std::memmove(buf, buf + used, filled - used);
    filled -= used;
    base += used;
    if (opts_.progress) opts_.progress(base, total_hint);
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
