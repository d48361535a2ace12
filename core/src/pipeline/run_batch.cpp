// Batches of independent inputs: ChunkPipeline::run_batch (inputs read by the
// caller's function, e.g. files) and chunk_and_hash_batch (buffers in memory),
// and caller-fed input (PushChunker). All schedule on ThreadPool, like the
// rest of the pipeline.
#include <algorithm>
#include <cstring>

#include "chunker/pipeline.hpp"
#include "pipeline/scratch.hpp"
#include "chunker/thread_pool.hpp"

namespace chunker {
namespace {

// Hashes chunks[i] from data[i] (chunks[i].length bytes), spread by size over
// up to `threads` threads when their total makes that worth it.
void hash_spread(std::span<HashedChunk> chunks, const std::uint8_t* const* data, HashAlgo algo, unsigned threads) {
  std::uint64_t total = 0;
  for (const auto& c : chunks) total += c.length;
  auto hash_one = [&](std::size_t i) { chunks[i].hash = hash(algo, {data[i], chunks[i].length}); };
  // Below this a thread costs more than it saves (starting one in wasm alone).
  constexpr std::uint64_t kMinPerThread = 256 * 1024;
  const unsigned want = static_cast<unsigned>(std::min<std::uint64_t>({threads, 64, total / kMinPerThread}));
  if (want <= 1 || chunks.size() < 2) {
    for (std::size_t i = 0; i < chunks.size(); ++i) hash_one(i);
    return;
  }
  // Threads for this call only: PushChunker runs once per push(), and in wasm
  // a held thread would be missing from the Worker pool for every other call.
  ThreadPool::run_weighted_once(
      want, chunks.size(), [&](std::size_t i) { return std::uint64_t{chunks[i].length}; }, hash_one, kMinPerThread);
}

}  // namespace

Status ChunkPipeline::run_batch(std::size_t n, FunctionRef<std::uint64_t(std::size_t)> size, BatchInput input,
                                BatchDone done) {
  if (opts_.stage) return Status(Errc::invalid_argument, "run_batch: not with a ChunkStage");
  // done() gets chunks, never bytes: no whole-input hash, and a large input's
  // run may take the lean path (PipelineOptions::sink_bytes).
  struct Restore {
    ChunkPipeline* pl;
    blake3::Hasher* whole;
    bool sink_bytes;
    ~Restore() { pl->whole_ = whole, pl->opts_.sink_bytes = sink_bytes; }
  } restore{this, whole_, opts_.sink_bytes};
  whole_ = nullptr;
  opts_.sink_bytes = false;

  const unsigned threads = pool_->size();
  if (threads > 1 && s_->singles_.size() < threads) {
    PipelineOptions one = opts_;
    one.threads = 1;
    if (auto_window_) one.window_bytes = 0;  // sized for one thread, not for the pool
    one.progress = nullptr;  // called from several threads at once: not for the singles
    while (s_->singles_.size() < threads) {
      auto p1 = ChunkPipeline::create(one);
      if (!p1) return p1.status();
      s_->singles_.push_back(std::move(*p1));
    }
  }
  const std::uint64_t large = std::max<std::uint64_t>(4u << 20, 2ull * opts_.params.max_size);
  // Group limits: results of a group are held until all of it is done.
  constexpr std::uint64_t kGroupBytes = 64u << 20;
  constexpr std::size_t kGroupInputs = 4096;

  std::vector<std::size_t> group;
  std::vector<std::vector<HashedChunk>> results;
  std::vector<Status> statuses;
  std::uint64_t group_bytes = 0;
  auto flush = [&] {
    if (group.empty()) return;
    if (results.size() < group.size()) results.resize(group.size());
    statuses.assign(group.size(), Status{});
    pool_->run_on_workers(group.size(), [&](std::size_t k, unsigned w) {
      results[k].clear();
      statuses[k] = input(group[k], s_->singles_[w], [&](const HashedChunk& c, std::span<const std::uint8_t>) {
        results[k].push_back(c);
      });
    });
    for (std::size_t k = 0; k < group.size(); ++k) {
      done(group[k], statuses[k], statuses[k].ok() ? std::span<const HashedChunk>(results[k]) : std::span<const HashedChunk>());
    }
    group.clear();
    group_bytes = 0;
  };
  std::vector<HashedChunk> whole;  // one large input's chunks
  for (std::size_t i = 0; i < n; ++i) {
    if (opts_.cancel && opts_.cancel->load(std::memory_order_relaxed)) {
      flush();
      return Status(Errc::cancelled, "cancelled after " + std::to_string(i) + " inputs");
    }
    const std::uint64_t sz = size(i);
    if (threads > 1 && sz < large) {
      group.push_back(i);
      group_bytes += sz;
      if (group_bytes >= kGroupBytes || group.size() >= kGroupInputs) flush();
      continue;
    }
    flush();
    whole.clear();
    Status s = input(i, *this, [&](const HashedChunk& c, std::span<const std::uint8_t>) { whole.push_back(c); });
    done(i, s, s.ok() ? std::span<const HashedChunk>(whole) : std::span<const HashedChunk>());
  }
  flush();
  return {};
}

Status chunk_and_hash_batch(std::span<const std::span<const std::uint8_t>> inputs, const fastcdc::Params& params,
                            HashAlgo algo, std::vector<HashedChunk>& out, std::vector<std::uint32_t>& counts,
                            unsigned threads) {
  auto cutter = fastcdc::Cutter::create(params);
  if (!cutter) return cutter.status();
  out.clear();
  counts.assign(inputs.size(), 0);
  if (threads == 0) threads = ThreadPool::default_threads();
  if (inputs.size() == 1 && threads > 1 && inputs[0].size() >= 4ull * cutter->params().max_size) {
    // Exact parallel chunking (same chunks as sequential), hashing included.
    Status s = chunk_and_hash(inputs[0], cutter->params(), algo, out, threads);
    counts[0] = static_cast<std::uint32_t>(out.size());
    return s;
  }
  std::vector<const std::uint8_t*> data;  // each chunk's first byte, for hashing
  for (std::size_t b = 0; b < inputs.size(); ++b) {
    const std::size_t before = out.size();
    fastcdc::BufferChunker it(*cutter, inputs[b]);
    while (auto c = it.next()) {
      out.push_back({c->offset, c->length, c->fingerprint, {}});
      if (algo != HashAlgo::none) data.push_back(inputs[b].data() + c->offset);
    }
    counts[b] = static_cast<std::uint32_t>(out.size() - before);
  }
  if (algo == HashAlgo::none) return {};
  hash_spread(out, data.data(), algo, threads);
  return {};
}

Result<PushChunker> PushChunker::create(const fastcdc::Params& params, HashAlgo algo, unsigned threads) {
  auto sc = fastcdc::StreamChunker::create(params);
  if (!sc) return sc.status();
  return PushChunker(std::move(*sc), algo, threads);
}

void PushChunker::push(std::span<const std::uint8_t> data, std::vector<HashedChunk>& out) {
  out.clear();
  if (algo_ == HashAlgo::none || threads_ <= 1) {
    sc_.push(data, [&](const fastcdc::Chunk& c, std::span<const std::uint8_t> bytes) {
      out.push_back({c.offset, c.length, c.fingerprint, algo_ == HashAlgo::none ? Digest{} : hash(algo_, bytes)});
    });
    return;
  }
  // Hashed once the push is chunked. A chunk's bytes lie in `data` (hashed in
  // place) or, when it straddles two pushes, in the chunker's own buffer,
  // which moves while it is filled: those are copied to staging_ first.
  const std::uint8_t* lo = data.data();
  const std::uint8_t* hi = lo + data.size();
  // Released here, not after hashing: the sink form hands out src_ (which
  // may point into staging_) after this returns.
  if (staging_.capacity() > (16u << 20)) staging_ = {};
  staging_.clear();
  src_.clear();
  std::vector<std::size_t> staged;  // indexes of chunks in staging_, and their offsets there
  sc_.push(data, [&](const fastcdc::Chunk& c, std::span<const std::uint8_t> bytes) {
    out.push_back({c.offset, c.length, c.fingerprint, {}});
    if (bytes.data() >= lo && bytes.data() + bytes.size() <= hi) {
      src_.push_back(bytes.data());
    } else {
      src_.push_back(nullptr);
      staged.push_back(out.size() - 1);
      staged.push_back(staging_.size());
      staging_.insert(staging_.end(), bytes.begin(), bytes.end());
    }
  });
  for (std::size_t k = 0; k < staged.size(); k += 2) src_[staged[k]] = staging_.data() + staged[k + 1];
  hash_spread(out, src_.data(), algo_, threads_);
}

void PushChunker::push(std::span<const std::uint8_t> data, HashedChunkSink sink) {
  if (algo_ == HashAlgo::none || threads_ <= 1) {
    sc_.push(data, [&](const fastcdc::Chunk& c, std::span<const std::uint8_t> bytes) {
      sink(HashedChunk{c.offset, c.length, c.fingerprint, algo_ == HashAlgo::none ? Digest{} : hash(algo_, bytes)},
           bytes);
    });
    return;
  }
  // Threaded: hashed as a batch (the vector form keeps every chunk's bytes in
  // `data` or staging_ until the next push), then handed out in order.
  std::vector<HashedChunk> out;
  push(data, out);
  for (std::size_t i = 0; i < out.size(); ++i) sink(out[i], {src_[i], out[i].length});
}

void PushChunker::finish(HashedChunkSink sink) {
  sc_.finish([&](const fastcdc::Chunk& c, std::span<const std::uint8_t> bytes) {
    sink(HashedChunk{c.offset, c.length, c.fingerprint, algo_ == HashAlgo::none ? Digest{} : hash(algo_, bytes)}, bytes);
  });
}

void PushChunker::finish(std::vector<HashedChunk>& out) {
  out.clear();
  sc_.finish([&](const fastcdc::Chunk& c, std::span<const std::uint8_t> bytes) {
    out.push_back({c.offset, c.length, c.fingerprint, algo_ == HashAlgo::none ? Digest{} : hash(algo_, bytes)});
  });
}

}  // namespace chunker
