// Chunk -> hash pipeline: exact FastCDC chunking plus a strong hash per chunk,
// on one or more threads, results in input order, memory bounded by a window.
//
// Parallel chunking is exact: the input is split into segments, each thread
// chunks a segment as if a chunk started there (and hashes what it finds),
// and a sequential stitch follows the true chunk sequence; as soon as it lands
// on a cut the segment also found, the rest of that segment's chunks (and
// hashes) are taken as they are. FastCDC resynchronises within a chunk or two,
// so almost no work is repeated. Output is identical to the sequential chunker
// for any thread count and window size.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "chunker/blake3.hpp"
#include "chunker/error.hpp"
#include "chunker/fastcdc.hpp"
#include "chunker/function_ref.hpp"
#include "chunker/hash.hpp"

namespace chunker {

struct HashedChunk {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint64_t fingerprint = 0;
  Digest hash{};  // all zeros when the algorithm is HashAlgo::none
  friend bool operator==(const HashedChunk&, const HashedChunk&) = default;
};

// Counters, cheap enough to leave on (a few clock reads per window or read block).
struct PipelineStats {
  std::uint64_t bytes = 0;
  std::uint64_t chunks = 0;
  std::uint64_t windows = 0;    // windows, or segments when threaded
  std::uint64_t rechunked = 0;  // chunks recomputed while stitching segments
  double read_s = 0;            // waiting for input
  double chunk_s = 0;           // summed over threads
  double hash_s = 0;            // summed over threads
  double stage_s = 0;           // the optional ChunkStage, summed over threads
  std::uint64_t stage_bytes = 0;  // bytes the stage produced
  double stitch_s = 0;          // stitching, including the caller's sink (output)
  double wall_s = 0;
};

// Optional extra per-chunk stage (e.g. compression), run on the worker threads
// right after hashing. `worker` (0 .. threads-1) lets implementations keep one
// reusable context per thread; calls with the same worker never overlap. The
// bytes written to `out` (cleared by the caller, reuse its capacity) are what
// the sink then receives instead of the raw chunk.
// With threads > 1, process() also runs for chunks that are never emitted (a
// segment's guesses before the true chunk sequence joins it) and may run more
// than once for the same offset: it must have no effect the sink relies on.
class ChunkStage {
 public:
  virtual ~ChunkStage() = default;
  virtual Status process(unsigned worker, const HashedChunk& chunk, std::span<const std::uint8_t> in,
                         std::vector<std::uint8_t>& out) = 0;
};

struct PipelineOptions {
  fastcdc::Params params;                 // sizes, level, seed
  HashAlgo hash = HashAlgo::sha256;       // per-chunk strong hash (reference default)
  unsigned threads = 1;                   // 0 = all hardware threads
  std::size_t window_bytes = 0;           // in-flight budget; 0 = auto (run_reader: 8 MiB per thread,
                                          // at least 8 average chunks per thread past max_size;
                                          // run_file: threads + 2 read slots of max(8 MiB, 32 average
                                          // chunks) + max_size each; with sink_bytes false or a stage,
                                          // one buffer of max_size + 8 MiB per thread)
  // Called after each window (segment, when threaded) with bytes done so far
  // and the total (0 if unknown), on whichever pool thread emits, never two at once.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
  const std::atomic<bool>* cancel = nullptr;  // set to true to stop (-> Errc::cancelled)
  ChunkStage* stage = nullptr;                // optional, not owned
  // false: the sink never reads `bytes` (without a stage they may then be
  // empty). Lets threaded run_file pass each byte through a small per-thread
  // buffer instead of holding whole segments (run_segments.cpp).
  bool sink_bytes = true;
};

// Sink for results, called in input order and never concurrently; `bytes` is
// the chunk's data (or the stage's output when a ChunkStage is set), valid only
// during the call. With threads > 1, run() and run_file() call it from
// whichever pool thread is stitching (the caller's thread among them); an
// exception it throws stops the run and is rethrown on the caller's thread.
using HashedChunkSink = FunctionRef<void(const HashedChunk&, std::span<const std::uint8_t>)>;
// Reads into the span, returns bytes read (0 = end of input) or an error.
using PipelineRead = FunctionRef<Result<std::size_t>(std::span<std::uint8_t>)>;
// Positional read (pread): reads into the span from `offset`, returns bytes
// read (0 = end of input; a short read is retried from where it stopped).
// Called from several threads at once.
using PipelinePread = FunctionRef<Result<std::size_t>(std::span<std::uint8_t>, std::uint64_t offset)>;

class ChunkPipeline;
// run_batch: feeds input i through `pl` with `sink` (e.g. pl.run_file(...) or
// read_input(pl, ...)), on any pool thread; returns that run's status.
using BatchInput = FunctionRef<Status(std::size_t i, ChunkPipeline& pl, HashedChunkSink sink)>;
// run_batch: input i's chunks once it was read whole (none if it failed).
using BatchDone = FunctionRef<void(std::size_t i, const Status& status, std::span<const HashedChunk> chunks)>;

class ThreadPool;
namespace detail {
struct PipelineScratch;
}

class ChunkPipeline {
 public:
  static Result<ChunkPipeline> create(const PipelineOptions& opts);
  ChunkPipeline(ChunkPipeline&&) noexcept;
  ChunkPipeline& operator=(ChunkPipeline&&) noexcept;
  ~ChunkPipeline();

  // Whole input in memory.
  Status run(std::span<const std::uint8_t> data, HashedChunkSink sink, std::uint64_t total_hint = 0);
  // Streaming input: reads windows into an internal buffer of window_bytes.
  Status run_reader(PipelineRead read, HashedChunkSink sink, std::uint64_t total_hint = 0);
  // A file of known size read by position: each thread reads, chunks and
  // hashes whole segments into a ring of threads + 2 slots (run_segments.cpp),
  // so reading is spread over the threads and overlaps chunking. When the sink
  // needs no raw bytes (sink_bytes false, or a stage),
  // each thread reads through one reused buffer instead, and the few bytes
  // the stitch needs again are read again. A file that shrinks while read is
  // an io_error. Memory: with an explicit window_bytes the buffers together
  // stay within it (at least threads + 2 slots of avg_size + max_size bytes,
  // or one of max_size + 4 KiB per thread).
  Status run_file(PipelinePread pread, std::uint64_t size, HashedChunkSink sink);

  // Many independent inputs (e.g. the files under a directory), input i of
  // about size(i) bytes. A large input (at least max(4 MiB, 2 * max_size))
  // runs alone through this pipeline on all its threads; runs of smaller ones
  // are spread over the threads, one input per thread at a time, each through
  // a single-threaded pipeline of the same options (small inputs split badly).
  // done() gets every input's chunks in input order on the calling thread.
  // Not with a ChunkStage (invalid_argument) nor the whole-input hash (not computed).
  Status run_batch(std::size_t n, FunctionRef<std::uint64_t(std::size_t)> size, BatchInput input, BatchDone done);

  // Optional: every later run also absorbs its whole input into `h` (which
  // should be fresh or reset), from the very bytes that were chunked, without
  // a second read. A run of the whole input (run, run_file) hashes each
  // segment as a BLAKE3 part on the thread that reads and chunks it (segments
  // are then powers of two long) and appends the parts in order; run_reader's
  // windows are absorbed in order as they are emitted. After a failed run `h`
  // holds part of the input. Not owned; nullptr clears.
  void set_whole_hash(blake3::Hasher* h) noexcept { whole_ = h; }

  const PipelineStats& stats() const noexcept { return stats_; }
  const PipelineOptions& options() const noexcept { return opts_; }
  unsigned threads() const noexcept;

 private:
  ChunkPipeline() = default;
  // The one segment-and-stitch engine (run_segments.cpp). Bytes [0, size) of
  // the input are visible (in `mem`, or through `pread`); it emits, in order,
  // the chunks that start before `starts` (offsets from `base`) and returns
  // where the last one ends. Any pool thread takes the next segment; with one
  // thread the caller runs them in turn.
  Result<std::uint64_t> run_segments(std::uint64_t size, std::uint64_t starts, std::uint64_t base,
                                     std::uint64_t total_hint, const std::uint8_t* mem, PipelinePread* pread,
                                     HashedChunkSink& sink);
  PipelineOptions opts_;
  bool auto_window_ = false;  // window_bytes was 0: in-memory segments may be larger
  std::unique_ptr<fastcdc::Cutter> cutter_;
  std::unique_ptr<ThreadPool> pool_;
  blake3::Hasher* whole_ = nullptr;
  // Reused working memory: per-segment results and stage output, the read
  // ring, run_batch's single-threaded pipelines (core/src/pipeline/scratch.hpp).
  std::unique_ptr<detail::PipelineScratch> s_;
  PipelineStats stats_;
};

// Convenience: one-shot chunk + hash of a buffer (threads as above).
Status chunk_and_hash(std::span<const std::uint8_t> data, const fastcdc::Params& params, HashAlgo algo,
                      std::vector<HashedChunk>& out, unsigned threads = 1);

// Many independent buffers in memory, each chunked as if alone: `out` gets the
// chunks of inputs[0], then inputs[1], ..., offsets relative to their own
// buffer, and counts[b] how many belong to inputs[b]. With threads > 1 a
// single large buffer (at least 4 * max_size) is chunked and hashed on all
// threads (as chunk_and_hash); otherwise chunking runs on the calling thread
// and the hashing of all chunks is spread over up to `threads` threads by
// size (at least 256 KiB each, so small batches stay on the calling thread).
Status chunk_and_hash_batch(std::span<const std::span<const std::uint8_t>> inputs, const fastcdc::Params& params,
                            HashAlgo algo, std::vector<HashedChunk>& out, std::vector<std::uint32_t>& counts,
                            unsigned threads = 1);

// Caller-fed input (push): the bytes of one stream arrive in pieces of any
// size; push() returns the chunks that became final, finish() the rest (then
// a new stream can start). Same chunks as chunking the whole stream at once.
// With threads > 1, the chunks of one push() are hashed on up to that many
// threads, spread by size as in chunk_and_hash_batch; no thread is held
// between calls (in wasm they return to the Worker pool).
class PushChunker {
 public:
  static Result<PushChunker> create(const fastcdc::Params& params, HashAlgo algo, unsigned threads = 1);
  void set_threads(unsigned threads) noexcept { threads_ = threads ? threads : 1; }
  // `out` is cleared, then gets the chunks (offsets from the stream's start).
  void push(std::span<const std::uint8_t> data, std::vector<HashedChunk>& out);
  void finish(std::vector<HashedChunk>& out);
  // The same chunks handed to `sink` in order with their bytes (valid only
  // during the call), on the calling thread; for bindings that pass each
  // chunk's data on (the C ABI's callback).
  void push(std::span<const std::uint8_t> data, HashedChunkSink sink);
  void finish(HashedChunkSink sink);
  // Drops a stream in progress (buffered bytes, offsets): the next push starts a new one.
  void reset() noexcept { sc_.reset(); }
  std::size_t bytes_buffered() const noexcept { return sc_.bytes_buffered(); }

 private:
  PushChunker(fastcdc::StreamChunker sc, HashAlgo algo, unsigned threads)
      : sc_(std::move(sc)), algo_(algo), threads_(threads ? threads : 1) {}
  fastcdc::StreamChunker sc_;
  HashAlgo algo_;
  unsigned threads_;
  std::vector<const std::uint8_t*> src_;  // each chunk's bytes while a push is hashed
  std::vector<std::uint8_t> staging_;    // chunks that straddle two pushes
};

}  // namespace chunker
