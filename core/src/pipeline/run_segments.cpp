// ChunkPipeline::run_segments: the one segment-and-stitch engine. It serves
// input whose bytes can be had by position (a file through pread, a buffer in
// memory) and each window of a stream (run_reader), on any number of threads.
//
// The input is cut into segments. Any free thread takes the next one, reads it
// plus max_size bytes past its end into a slot of a small ring (so every chunk
// that starts in it can be finished there), chunks it as if a chunk started at
// its first byte, and hashes (and stages) what it found, one read block at a
// time so the scan and the hash follow the copy while it is still in cache.
// Whichever thread finds the next segment in order finished stitches it:
// follows the true chunk sequence into the segment, re-chunking until it meets
// a cut the segment also found, then emits the segment's own results.
//
// Why not windows with a barrier when the size is known: every window waited for its
// slowest segment and then for a serial stitch, and with 1 MiB average chunks
// a segment's scan time varies with its chunk count (the min-size skip is not
// scanned; 8 chunks of random length per segment): two threads idled 20-30 %
// of the time (--stats: wall against the summed thread-seconds). Here a slow segment only
// holds its slot; the other threads go on with the next ones.
#include <algorithm>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>

#include "chunker/pipeline.hpp"
#include "pipeline/scratch.hpp"
#include "chunker/thread_pool.hpp"
#include "pipeline/chunk_work.hpp"
#include "pipeline/window_buffer.hpp"

namespace chunker {
using detail::now_s;

namespace {

// Reads are issued in blocks of this size: large enough that the syscall is
// noise, small enough that the bytes are still in L2 when scanned and hashed.
// (256 KiB to 2 MiB measured the same, 2 threads, 64K preset + BLAKE3.)
constexpr std::uint64_t kReadBlock = std::uint64_t{1} << 20;
// Lean runs (see prepare): each thread reads through its own buffer of
// max_size + kRollAhead bytes, reused for every segment it takes, instead of
// a slot that holds a whole segment. Past the max_size look-ahead the scan
// needs, the rest is room to read ahead; the unscanned tail (under max_size)
// moves to the front when the buffer is full, a copy inside the cache.
constexpr std::uint64_t kRollAhead = std::uint64_t{8} << 20;

using detail::Segment;

class SegmentRun {
 public:
  SegmentRun(const PipelineOptions& o, const fastcdc::Cutter& cutter, PipelineStats& stats, unsigned threads,
             std::uint64_t size, std::uint64_t starts, std::uint64_t base, std::uint64_t total,
             const std::uint8_t* mem, PipelinePread* pread, HashedChunkSink& sink, blake3::Hasher* whole,
             detail::PipelineScratch& scratch)
      : o_(o), cutter_(cutter), stats_(stats), threads_(threads), size_(size), end_(starts), base_(base),
        total_(total), mem_(mem), pread_(pread), sink_(sink), whole_(whole),
        parts_(whole != nullptr && base == 0 && starts == size), max_(o.params.max_size),
        ring_mem_(*scratch.read_ring_), stitch_buf_(scratch.stitch_buf_), ring_(scratch.ring_),
        stage_out_(scratch.stage_out_) {}

  // Sizes segments and allocates the ring (files only).
  Status prepare(bool auto_window) {
    const std::uint64_t avg = o_.params.avg_size;
    // Lean: nothing after a segment's job reads its bytes again, except
    // stitch()'s few chunks at its start, which it reads again by position:
    // the sink takes no raw bytes (it asked for none, or gets the stage's
    // output) and a whole-input hash, if any, is taken in parts. A segment's bytes then pass through
    // one reused per-thread buffer rather than a ring slot written once and
    // read back, and segments may be long. Why it matters: memory that is new
    // or out of cache costs the copy into it (and first touch, a page fault
    // and zeroing) more than the scan saves (docs/benchmarks-log.md,
    // "lean segments").
    lean_ = !mem_ && (!whole_ || parts_) && (o_.stage != nullptr || !o_.sink_bytes);
    // A job per thread plus slack for out-of-order finishes. The scratch ring
    // only grows (its segments keep their vectors' capacity for the next run);
    // this run uses its first slots_.
    slots_ = threads_ + 2;
    if (ring_.size() < slots_) ring_.resize(slots_);
    if (stage_out_.size() < threads_) stage_out_.resize(threads_);
    // Each segment boundary costs a second scan of a chunk or so (the job's
    // first chunk, then stitch()'s resync; hashes are not repeated): 32
    // average chunks per segment keep that near 3 % of the scan. Without a stage,
    // in memory or in lean runs, nothing is buffered per segment, so segments can
    // be much larger: 256 MiB (fewer boundaries, each a re-read and re-scan of a
    // chunk in lean runs: 2-3 % of the wall time of 2 threads against 64 MiB; the
    // tail below keeps the balance; progress and cancellation are per segment).
    // A stage's output is held per segment until stitched: those stay small.
    if (auto_window) {
      seg_ = std::max<std::uint64_t>(std::uint64_t{8} << 20, 32 * avg);
      if (!o_.stage && (mem_ || lean_)) seg_ = std::max<std::uint64_t>(seg_, std::uint64_t{256} << 20);
    } else {  // the ring of slots (segment + max_size each) stays within the budget
      const std::uint64_t slot = o_.window_bytes / slots_;
      seg_ = std::max<std::uint64_t>({slot > max_ ? slot - max_ : 0, avg, 4096});
    }
    tail_min_ = std::min<std::uint64_t>(seg_, std::max<std::uint64_t>(std::uint64_t{1} << 20, 8 * avg));
    // BLAKE3 parts must each lie in one aligned subtree: lengths that are
    // powers of two and never grow (see length_at) start on multiples of
    // themselves.
    if (parts_) seg_ = std::bit_floor(seg_), tail_min_ = std::bit_floor(tail_min_);
    if (mem_) return {};
    if (lean_) {
      std::uint64_t roll = max_ + kRollAhead;
      if (!auto_window) roll = std::clamp<std::uint64_t>(o_.window_bytes / threads_, max_ + 4096, roll);
      buf_bytes_ = static_cast<std::size_t>(std::min<std::uint64_t>(roll, size_));
      // stitch() reads at most max_size bytes from a chunk start again. Huge
      // pages here too: first touch of 4 KiB pages costs more than the read.
      CHUNKER_TRY(stitch_buf_.reserve(static_cast<std::size_t>(max_), "stitch buffer"));
    } else {
      // A short input needs fewer and smaller slots: segment lengths never grow,
      // so the first is the largest, and there may be fewer segments than slots.
      const std::uint64_t first = next_length();
      std::size_t segments = 0;
      for (std::uint64_t a = 0; a < end_ && segments < slots_; ++segments) a += length_at(a);
      slots_ = segments;
      buf_bytes_ = static_cast<std::size_t>(std::min<std::uint64_t>(first + max_, size_));
    }
    buf_bytes_ = (buf_bytes_ + 4095) / 4096 * 4096;
    // 2 MiB aligned and THP-advised: without huge pages every 4 KiB page costs
    // a TLB walk, nested under a hypervisor (docs/benchmarks-log.md,
    // "2026-12-04, evening": huge pages matter more than cache residency).
    return ring_mem_.reserve(buf_bytes_ * (lean_ ? threads_ : slots_), "read buffers");
  }

  // Run by every pool thread; returns when all is emitted or something failed.
  // An exception from the caller's sink, progress or stage stops every thread
  // and is rethrown on the caller's thread.
  void worker(unsigned w) {
    try {
      work(w);
    } catch (...) {
      std::lock_guard<std::mutex> lk(mu_);
      if (!exception_) exception_ = std::current_exception();
      fail(Status(Errc::internal, "a pipeline callback threw"));
      cv_.notify_all();
    }
  }

  // Where the last emitted chunk ends (relative to base).
  Result<std::uint64_t> result() const {
    if (exception_) std::rethrow_exception(exception_);
    if (!failed_.ok()) return failed_;
    return emitted_;
  }

 private:
  void work(unsigned w) {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      if (!failed_.ok()) return;
      if (!stitching_ && stitched_ < claimed_ && ring_[stitched_ % slots_].done) {
        stitching_ = true;
        const std::uint64_t k = stitched_;
        lk.unlock();
        Status st = stitch(ring_[k % slots_], w);
        lk.lock();
        stitching_ = false;
        done_bytes_ = emitted_;
        if (!st.ok()) fail(st);
        ++stitched_;
        cv_.notify_all();
        continue;
      }
      if (next_a_ == end_ && stitched_ == claimed_) return;
      if (o_.cancel && o_.cancel->load(std::memory_order_relaxed)) {
        fail(Status(Errc::cancelled, "cancelled after " + std::to_string(base_ + done_bytes_) + " bytes"));
        cv_.notify_all();
        return;
      }
      if (next_a_ < end_ && claimed_ < stitched_ + slots_) {
        const std::uint64_t k = claimed_++;
        Segment& g = ring_[k % slots_];
        g.a = next_a_;
        g.e = next_a_ + next_length();
        next_a_ = g.e;
        g.done = false;
        lk.unlock();
        job(g, k % slots_, w);
        lk.lock();
        g.done = true;
        cv_.notify_all();
        continue;
      }
      cv_.wait(lk);
    }
  }

  // Guided: full segments, then a thread's share of what is left, so the
  // threads finish together rather than one waiting out a long last segment.
  std::uint64_t next_length() const { return length_at(next_a_); }
  std::uint64_t length_at(std::uint64_t a) const {
    const std::uint64_t left = end_ - a;
    const std::uint64_t len = std::clamp(left / threads_, tail_min_, seg_);
    if (len >= left) return left;
    return parts_ ? std::bit_floor(len) : len;
  }

  void fail(Status s) {
    if (failed_.ok()) failed_ = std::move(s);
  }

  // Reads (files), chunks, hashes and stages segment g, one read block at a time.
  void job(Segment& g, std::size_t slot, unsigned w) {
    g.chunks.clear();
    g.arena.clear();
    g.ends.clear();
    g.status = Status();
    g.read_s = g.chunk_s = g.hash_s = g.stage_s = 0;
    const std::uint64_t a = g.a, e = g.e, hi = std::min(e + max_, size_);
    if (parts_) g.part = whole_->part(a / blake3::kChunkLen);
    // A stage's output is usually about its input (the store: a tag byte +
    // the chunk, or less): room for that up front, so the arena is allocated
    // (and its fresh pages touched) once rather than grown by doubling.
    if (o_.stage) {
      const std::uint64_t chunks = (e - a) / std::max<std::uint64_t>(o_.params.min_size, 1) + 2;
      g.arena.reserve(static_cast<std::size_t>(e - a + max_ + chunks * 64));
    }
    // buf holds bytes [win, have) of the input. A slot (or memory) holds all
    // of [a, hi); a lean thread's buffer only what is yet to be scanned.
    std::uint8_t* buf = mem_ ? nullptr : ring_mem_.buf.get() + (lean_ ? w : slot) * buf_bytes_;
    const std::uint8_t* d = mem_ ? mem_ + a : buf;
    g.data = lean_ ? nullptr : d;
    std::uint64_t win = a;   // the input offset of d[0]
    std::uint64_t have = a;  // bytes [a, have) were read
    std::uint64_t s = a;     // next chunk start
    while (s < e) {
      const std::uint64_t need = std::min(s + max_, hi);
      const double t0 = now_s();
      double part_s = 0;
      if (have < need) {
        std::uint64_t to = std::min(hi, std::max(need, have + kReadBlock));
        if (!mem_) {
          if (to - win > buf_bytes_) {  // lean only: keep the unscanned [s, have), under max_size bytes
            std::memmove(buf, buf + (s - win), static_cast<std::size_t>(have - s));
            win = s;
            to = std::min(to, win + buf_bytes_);  // still >= need: buf_bytes_ > max_size
          }
          if (Status st = detail::read_exact(*pread_, {buf + (have - win), static_cast<std::size_t>(to - have)}, have);
              !st.ok()) {
            g.status = st;
            return;
          }
        }
        // The part takes [a, e) as it arrives, while it is in cache.
        if (parts_ && have < e) {
          const double th = now_s();
          g.part.update({d + (have - win), static_cast<std::size_t>(std::min(to, e) - have)});
          part_s = now_s() - th;
        }
        have = to;
      }
      const double t1 = now_s();
      const std::size_t first = g.chunks.size();
      // A cut is exact once max_size bytes past its start (or the end of input) are visible.
      while (s < e && std::min(s + max_, hi) <= have) {
        const fastcdc::Cut c = cutter_.find_cut(d + (s - win), static_cast<std::size_t>(have - s));
        g.chunks.push_back(HashedChunk{base_ + s, c.length, c.fingerprint, {}});
        s += c.length;
      }
      const double t2 = now_s();
      std::span<HashedChunk> found(g.chunks.data() + first, g.chunks.size() - first);
      // The chunk at a later segment's start is almost never one of the true
      // sequence (stitch() resyncs a chunk or so later): leave it unhashed and
      // unstaged; stitch() finishes it in the rare case it is.
      if (first == 0 && a != 0 && !found.empty()) {
        found = found.subspan(1);
        if (o_.stage) g.ends.push_back(g.arena.size());
      }
      detail::hash_chunks(o_.hash, found, d, base_ + win);
      const double t3 = now_s();
      if (o_.stage) {
        g.status = detail::stage_chunks(*o_.stage, w, found, d, base_ + win, stage_out_[w], g.arena, g.ends);
        if (!g.status.ok()) return;
      }
      const double t4 = now_s();
      g.read_s += t1 - t0 - part_s;
      g.chunk_s += t2 - t1;
      g.hash_s += t3 - t2 + part_s;
      g.stage_s += t4 - t3;
    }
  }

  // Lean runs: bytes [p, lim) for stitch(), read again by position into the
  // stitch buffer (which keeps what it already holds from p on).
  Result<const std::uint8_t*> reread(std::uint64_t p, std::uint64_t lim) {
    std::uint8_t* b = stitch_buf_.buf.get();
    if (p < sa_ || p > sh_) sa_ = sh_ = p;
    if (lim <= sh_) return b + (p - sa_);
    if (p > sa_) {
      std::memmove(b, b + (p - sa_), static_cast<std::size_t>(sh_ - p));
      sa_ = p;
    }
    CHUNKER_TRY(detail::read_exact(*pread_, {b + (sh_ - sa_), static_cast<std::size_t>(lim - sh_)}, sh_));
    sh_ = lim;
    return b;
  }

  // The chunk that starts at p (stitch()): in a lean run, from its bytes read
  // again, first only as far as most chunks end (a cut found before the end of
  // what is visible is exact), then, if need be, max_size bytes.
  Result<std::pair<fastcdc::Cut, const std::uint8_t*>> cut_at(const Segment& g, std::uint64_t p) {
    const std::uint64_t lim = std::min(p + max_, size_);
    if (!lean_) {
      const std::uint8_t* at = g.data + (p - g.a);
      return std::pair{cutter_.find_cut(at, static_cast<std::size_t>(lim - p)), at};
    }
    const std::uint64_t most = std::min(lim, p + o_.params.min_size + 2 * std::uint64_t{o_.params.avg_size});
    auto at = reread(p, most);
    if (!at) return at.status();
    fastcdc::Cut c = cutter_.find_cut(*at, static_cast<std::size_t>(most - p));
    if (c.length == most - p && most < lim) {
      at = reread(p, lim);
      if (!at) return at.status();
      c = cutter_.find_cut(*at, static_cast<std::size_t>(lim - p));
    }
    return std::pair{c, *at};
  }

  void emit(const HashedChunk& c, std::span<const std::uint8_t> bytes) {
    sink_(c, bytes);
    ++stats_.chunks;
    if (o_.stage) stats_.stage_bytes += bytes.size();
  }

  // Follows the true chunk sequence through g (runs on one thread at a time, in order).
  Status stitch(Segment& g, unsigned w) {
    if (!g.status.ok()) return g.status;
    const double t0 = now_s();
    stats_.read_s += g.read_s;
    stats_.chunk_s += g.chunk_s;
    stats_.hash_s += g.hash_s;
    stats_.stage_s += g.stage_s;
    const auto& sv = g.chunks;
    std::uint64_t p = emitted_;
    while (p < g.e) {
      auto it = std::lower_bound(sv.begin(), sv.end(), base_ + p,
                                 [](const HashedChunk& c, std::uint64_t off) { return c.offset < off; });
      // In sync: the rest of the segment is final (chunk 0 of a later segment still needs its hash, below).
      if (it != sv.end() && it->offset == base_ + p && (it != sv.begin() || g.a == 0)) {
        for (auto i = static_cast<std::size_t>(it - sv.begin()); i < sv.size(); ++i) {
          if (!o_.stage) {
            if (lean_)
              emit(sv[i], {});
            else
              emit(sv[i], {g.data + (sv[i].offset - base_ - g.a), sv[i].length});
          } else {
            const std::size_t b = i == 0 ? 0 : g.ends[i - 1];
            emit(sv[i], {g.arena.data() + b, g.ends[i] - b});
          }
        }
        p = sv.back().offset - base_ + sv.back().length;
        break;
      }
      // p < e, so [p, p + max_size) is in g's slot (or read again, when lean).
      const auto cut = cut_at(g, p);
      if (!cut) return cut.status();
      const auto [c, at] = *cut;
      HashedChunk hc{base_ + p, c.length, c.fingerprint, {}};
      if (o_.hash != HashAlgo::none) hc.hash = hash(o_.hash, std::span<const std::uint8_t>(at, c.length));
      if (o_.stage) {
        auto& out = stage_out_[w];  // this thread's own stage context: it is not chunking now
        out.clear();
        CHUNKER_TRY(o_.stage->process(w, hc, {at, c.length}, out));
        emit(hc, out);
      } else {
        emit(hc, {at, c.length});
      }
      ++stats_.rechunked;
      p += c.length;
    }
    if (parts_) {
      if (!whole_->append(g.part)) return Status(Errc::internal, "whole-input hash: segment part out of order");
    } else if (whole_) {
      // [emitted_, p) is in g's slot: it starts at or after g.a and ends before g.e + max_size (never lean).
      whole_->update({g.data + (emitted_ - g.a), static_cast<std::size_t>(p - emitted_)});
    }
    stats_.bytes += p - emitted_;
    emitted_ = p;
    ++stats_.windows;
    stats_.stitch_s += now_s() - t0;
    if (o_.progress) o_.progress(base_ + emitted_, total_);
    return {};
  }

  const PipelineOptions& o_;
  const fastcdc::Cutter& cutter_;
  PipelineStats& stats_;  // written by the stitching thread only
  // size: bytes visible; end: chunks that start before it are ours; base: the
  // input offset of byte 0; total: what progress reports as the whole.
  const std::uint64_t threads_, size_, end_, base_, total_;
  const std::uint8_t* mem_;
  PipelinePread* pread_;
  HashedChunkSink& sink_;
  blake3::Hasher* whole_;
  const bool parts_;  // whole_ is taken as one BLAKE3 part per segment (the run covers the whole input)
  const std::uint64_t max_;
  std::uint64_t seg_ = 0, tail_min_ = 0;
  bool lean_ = false;
  std::size_t buf_bytes_ = 0;  // one slot, or (lean) one thread's buffer
  std::size_t slots_ = 0;      // ring_ slots in use
  detail::ReadRing& ring_mem_;
  detail::ReadRing& stitch_buf_;  // lean: bytes [sa_, sh_) read again for stitch()
  std::uint64_t sa_ = 0, sh_ = 0;
  std::vector<Segment>& ring_;
  std::vector<std::vector<std::uint8_t>>& stage_out_;  // per worker

  std::mutex mu_;
  std::condition_variable cv_;
  // Under mu_: segments claimed so far, stitched so far, next segment's start.
  std::uint64_t claimed_ = 0, stitched_ = 0, next_a_ = 0, done_bytes_ = 0;
  bool stitching_ = false;
  Status failed_;
  std::exception_ptr exception_;
  std::uint64_t emitted_ = 0;  // end of the last emitted chunk (stitching thread)
};

}  // namespace

Result<std::uint64_t> ChunkPipeline::run_segments(std::uint64_t size, std::uint64_t starts, std::uint64_t base,
                                                  std::uint64_t total_hint, const std::uint8_t* mem,
                                                  PipelinePread* pread, HashedChunkSink& sink) {
  if (starts == 0) return std::uint64_t{0};
  if (!s_->read_ring_) s_->read_ring_ = std::make_unique<detail::ReadRing>();
  SegmentRun run(opts_, *cutter_, stats_, pool_->size(), size, starts, base, total_hint, mem, pread, sink, whole_, *s_);
  CHUNKER_TRY(run.prepare(auto_window_));
  pool_->run(pool_->size(), [&](std::size_t w) { run.worker(static_cast<unsigned>(w)); });
  return run.result();
}

}  // namespace chunker
