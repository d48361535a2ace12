// ChunkPipeline::run_file: a file of known size, read by position into two
// window buffers in turn. While the pool chunks (hashes, compresses) window k,
// each worker, once its segment is done, reads its share of window k+1 into
// the other buffer. Reading a page-cached file is a copy that costs about a
// third of single-thread chunking; this way it is spread evenly over the
// threads and overlaps the scan instead of running alone between windows.
//
// Buffer layout: [head = max_size | body]. A window is the previous window's
// unfinished tail (< max_size bytes), copied in just before the body, then the
// body. Workers only write the body of the buffer not being chunked.
//
// Why read() at all rather than mmap: on the VM this was measured on, a
// page-cache mapping costs a TLB walk (and often a fault) per 4 KiB page;
// 1 GiB mapped and chunked took 0.68-0.85 s against 0.37 s read into an
// 8 MiB cache-resident window (docs/benchmarks.md).
#include <algorithm>
#include <chrono>
#include <cstring>

#include "chunker/pipeline.hpp"
#include "chunker/thread_pool.hpp"
#include "pipeline/window_buffer.hpp"

namespace chunker {
namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Reads [off, off + dst.size()) completely, or fails (a short read means the
// file shrank: its chunks would no longer describe one version of it).
Status read_exact(PipelinePread pread, std::span<std::uint8_t> dst, std::uint64_t off) {
  std::size_t got = 0;
  while (got < dst.size()) {
    auto r = pread(dst.subspan(got), off + got);
    if (!r) return r.status();
    if (*r == 0) return Status(Errc::io_error, "input shrank while being read (at byte " + std::to_string(off + got) + ")");
    got += *r;
  }
  return {};
}

}  // namespace

Status ChunkPipeline::run_file(PipelinePread pread, std::uint64_t size, HashedChunkSink sink) {
  const std::size_t threads = pool_->size();
  if (threads == 1) {
    // Nothing to overlap with: one window buffer, read in turn, touches half
    // the memory of two (64K preset: 0.37 vs 0.39-0.49 s/GiB).
    std::uint64_t off = 0;
    return run_reader(
        [&](std::span<std::uint8_t> b) -> Result<std::size_t> {
          const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(b.size(), size - off));
          if (Status s = read_exact(pread, b.first(want), off); !s.ok()) return s;
          off += want;
          return want;
        },
        sink, size);
  }
  const double t0 = now_s();
  const std::size_t max = opts_.params.max_size;
  const std::size_t head = max;
  // Body: the budget split over two buffers; auto: 4 MiB per thread (cache
  // resident), at least 2 x max_size (the tail copy stays under half of it)
  // and 8 average chunks per thread past max_size (so every thread gets a
  // segment: process_window's minimum).
  std::size_t body = auto_window_
                         ? std::max({std::size_t{4 << 20} * threads, 2 * max,
                                     8 * static_cast<std::size_t>(opts_.params.avg_size) * threads + max})
                         : opts_.window_bytes / 2 - std::min(opts_.window_bytes / 2, head);
  body = std::max(body, max);  // the least that guarantees progress
  if (size < body) body = static_cast<std::size_t>(size);
  detail::WindowBuffer mem[2] = {detail::alloc_window(head + body), detail::alloc_window(head + body)};
  if (!mem[0] || !mem[1])
    return Status(Errc::out_of_memory, "cannot allocate two windows of " + std::to_string(head + body) + " bytes");
  std::uint8_t* buf[2] = {mem[0].get(), mem[1].get()};

  double tr = now_s();
  std::size_t cur_bytes = body;
  if (Status s = read_exact(pread, {buf[0] + head, cur_bytes}, 0); !s.ok()) return s;
  stats_.read_s += now_s() - tr;
  std::uint64_t next_off = cur_bytes;  // file offset of the next body
  std::vector<Status> part_status(threads);
  std::vector<double> part_s(threads);
  int c = 0;
  std::size_t tail = 0;  // bytes carried in front of buf[c] + head
  std::uint64_t base = 0;
  for (;;) {
    if (opts_.cancel && opts_.cancel->load(std::memory_order_relaxed))
      return Status(Errc::cancelled, "cancelled after " + std::to_string(base) + " bytes");
    const bool eof = next_off == size;
    const std::size_t next_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(body, size - next_off));
    std::uint8_t* next = buf[1 - c] + head;
    std::fill(part_status.begin(), part_status.end(), Status());
    std::fill(part_s.begin(), part_s.end(), 0.0);
    // Worker t of n reads part t of the next body.
    auto read_part = [&](std::size_t t, std::size_t n) {
      const std::size_t b = next_bytes / n * t, e = t + 1 == n ? next_bytes : next_bytes / n * (t + 1);
      const double ts = now_s();
      part_status[t] = read_exact(pread, {next + b, e - b}, next_off + b);
      part_s[t] = now_s() - ts;
    };
    FunctionRef<void(std::size_t, std::size_t)> after(read_part);
    const std::uint8_t* win = buf[c] + head - tail;
    const std::size_t n = tail + cur_bytes;
    auto r = process_window({win, n}, base, eof, sink, next_bytes ? &after : nullptr);
    if (!r) return r.status();
    for (std::size_t t = 0; t < threads; ++t) {
      if (!part_status[t].ok()) return part_status[t];
      stats_.read_s += part_s[t];  // like chunk_s: summed over threads
    }
    const std::size_t used = *r;
    base += used;
    if (opts_.progress) opts_.progress(base, size);
    if (eof) {
      if (used != n) return Status(Errc::internal, "pipeline made no progress at end of input");
      break;
    }
    // The unfinished tail (< max_size bytes) goes in front of the next body.
    tail = n - used;
    std::memcpy(buf[1 - c] + head - tail, win + used, tail);
    c = 1 - c;
    cur_bytes = next_bytes;
    next_off += next_bytes;
  }
  stats_.wall_s += now_s() - t0;
  return {};
}

}  // namespace chunker
