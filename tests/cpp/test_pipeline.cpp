#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <atomic>

#include "chunker/encoding.hpp"
#include "chunker/pipeline.hpp"
#include "chunker/thread_pool.hpp"
#include "fastcdc_reference.hpp"
#include "test_util.hpp"

using namespace chunker;

namespace {

fastcdc::Params make(std::uint32_t mn, std::uint32_t av, std::uint32_t mx, std::uint32_t level = 1) {
  fastcdc::Params p;
  p.min_size = mn;
  p.avg_size = av;
  p.max_size = mx;
  p.level = level;
  return p;
}

// file_lean: a file whose sink takes no bytes (PipelineOptions::sink_bytes),
// which threaded runs read through per-thread buffers (run_segments.cpp).
enum class Input { memory, reader, file, file_lean };

// pread over d with random short reads (read_exact must loop).
Result<std::size_t> pread_short(const std::vector<std::uint8_t>& d, std::span<std::uint8_t> b, std::uint64_t off,
                                std::uint64_t salt) {
  if (off >= d.size()) return std::size_t{0};
  const std::size_t cap = 1 + static_cast<std::size_t>((off * 0x9E3779B97F4A7C15ull ^ salt) % (3 << 20));
  const std::size_t n = std::min<std::size_t>({b.size(), d.size() - off, cap});
  std::copy_n(d.begin() + static_cast<std::ptrdiff_t>(off), n, b.begin());
  return n;
}

// Runs pl over d as the given kind of input, with random short reads for the
// file (pread) and reader kinds.
Status run_input(ChunkPipeline& pl, const std::vector<std::uint8_t>& d, Input input, HashedChunkSink sink,
                 std::uint64_t seed) {
  if (input == Input::file || input == Input::file_lean)
    return pl.run_file([&](std::span<std::uint8_t> b, std::uint64_t off) { return pread_short(d, b, off, seed); },
                       d.size(), sink);
  if (input == Input::reader) {
    chunker::test::SplitMix64 rng(seed);
    std::size_t pos = 0;
    return pl.run_reader(
        [&](std::span<std::uint8_t> b) -> Result<std::size_t> {
          // Short reads of random sizes, like a pipe.
          std::size_t n = std::min<std::size_t>({b.size(), d.size() - pos, 1 + rng.below(3 << 20)});
          std::copy_n(d.begin() + static_cast<std::ptrdiff_t>(pos), n, b.begin());
          pos += n;
          return n;
        },
        sink);
  }
  return pl.run(std::span<const std::uint8_t>(d), sink);
}

std::vector<HashedChunk> run_pipeline(const std::vector<std::uint8_t>& d, PipelineOptions o, Input input,
                                      std::uint64_t seed = 1) {
  if (input == Input::file_lean) o.sink_bytes = false;
  auto pl = ChunkPipeline::create(o);
  EXPECT_TRUE(pl.ok());
  std::vector<HashedChunk> out;
  std::atomic<int> in_sink{0};
  auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t> bytes) {
    EXPECT_EQ(in_sink.fetch_add(1), 0) << "sink called concurrently";
    if (!o.sink_bytes && bytes.empty()) {  // allowed, not required
      out.push_back(c);
      in_sink.fetch_sub(1);
      return;
    }
    EXPECT_EQ(bytes.size(), c.length);
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), d.begin() + static_cast<std::ptrdiff_t>(c.offset)));
    out.push_back(c);
    in_sink.fetch_sub(1);
  };
  Status s = run_input(*pl, d, input, sink, seed);
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(pl->stats().chunks, out.size());
  return out;
}

}  // namespace

TEST(Pipeline, ParallelExactForAnyThreadCountAndWindow) {
  std::vector<std::vector<std::uint8_t>> inputs = {chunker::test::random_bytes(12 << 20, 4), chunker::test::text_bytes(5 << 20, 5),
                                                   std::vector<std::uint8_t>(3 << 20, 0)};
  for (auto p : {make(2048, 8192, 32768), make(64, 256, 1024, 3), make(16384, 65536, 262144, 0)}) {
    for (const auto& d : inputs) {
      auto ref = reference::chunk_all(d, p.min_size, p.avg_size, p.max_size, p.level, p.seed);
      for (unsigned threads : {1u, 2u, 3u, 4u, 7u}) {
        for (std::size_t window :
             {std::size_t{0}, std::size_t{2} * p.max_size, std::size_t{4} * p.max_size, std::size_t{1} << 20}) {
          for (Input input : {Input::memory, Input::reader, Input::file, Input::file_lean}) {
            PipelineOptions o;
            o.params = p;
            o.hash = HashAlgo::none;
            o.threads = threads;
            o.window_bytes = window;
            auto got = run_pipeline(d, o, input, threads * 31 + window);
            ASSERT_EQ(got.size(), ref.size())
                << "threads " << threads << " window " << window << " input " << static_cast<int>(input);
            for (std::size_t i = 0; i < got.size(); ++i) {
              ASSERT_EQ(got[i].offset, ref[i].offset) << i;
              ASSERT_EQ(got[i].length, ref[i].length) << i;
              ASSERT_EQ(got[i].fingerprint, ref[i].hash) << i;
            }
          }
        }
      }
    }
  }
}

TEST(Pipeline, RunFileHashesAndReportsReadErrors) {
  for (bool lean : {false, true}) {
    SCOPED_TRACE(lean ? "sink without bytes" : "sink with bytes");
    auto d = chunker::test::random_bytes(20 << 20, 12);
    PipelineOptions o;
    o.params = make(4096, 16384, 65536);
    o.hash = HashAlgo::blake3;
    o.threads = 2;
    o.window_bytes = 1 << 20;
    o.sink_bytes = !lean;
    auto got = run_pipeline(d, o, lean ? Input::file_lean : Input::file, 3);
    ASSERT_FALSE(got.empty());
    std::uint64_t end = 0;
    for (const auto& c : got) {
      ASSERT_EQ(c.offset, end);
      ASSERT_EQ(c.hash, hash(HashAlgo::blake3, std::span<const std::uint8_t>(d.data() + c.offset, c.length)));
      end += c.length;
    }
    EXPECT_EQ(end, d.size());

    auto no_sink = [](const HashedChunk&, std::span<const std::uint8_t>) {};
    for (unsigned threads : {1u, 2u, 3u}) {
      o.threads = threads;
      // The file is shorter than the size it was opened with (truncated meanwhile).
      auto pl = ChunkPipeline::create(o);
      ASSERT_TRUE(pl.ok());
      Status s = pl->run_file(
          [&](std::span<std::uint8_t> b, std::uint64_t off) { return pread_short(d, b, off, 7); }, d.size() + 12345,
          no_sink);
      EXPECT_EQ(s.code(), Errc::io_error) << s.to_string();
      EXPECT_NE(s.message().find("shrank"), std::string::npos) << s.message();
      // A read error reaches the caller unchanged, from whichever thread read.
      pl = ChunkPipeline::create(o);
      ASSERT_TRUE(pl.ok());
      s = pl->run_file(
          [&](std::span<std::uint8_t> b, std::uint64_t off) -> Result<std::size_t> {
            if (off + b.size() > (9u << 20)) return Status(Errc::io_error, "disk on fire");
            return pread_short(d, b, off, 8);
          },
          d.size(), no_sink);
      EXPECT_EQ(s.code(), Errc::io_error);
      EXPECT_EQ(s.message(), "disk on fire");
      // Empty input: no chunks, no error.
      pl = ChunkPipeline::create(o);
      ASSERT_TRUE(pl.ok());
      std::size_t calls = 0;
      s = pl->run_file([&](std::span<std::uint8_t>, std::uint64_t) -> Result<std::size_t> { return std::size_t{0}; },
                       0, [&](const HashedChunk&, std::span<const std::uint8_t>) { ++calls; });
      EXPECT_TRUE(s.ok()) << s.to_string();
      EXPECT_EQ(calls, 0u);
      // Cancellation stops between windows.
      std::atomic<bool> cancel{true};
      PipelineOptions oc = o;
      oc.cancel = &cancel;
      pl = ChunkPipeline::create(oc);
      ASSERT_TRUE(pl.ok());
      s = pl->run_file([&](std::span<std::uint8_t> b, std::uint64_t off) { return pread_short(d, b, off, 9); },
                       d.size(), no_sink);
      EXPECT_EQ(s.code(), Errc::cancelled);
    }
  }
}

// One pipeline, several files in a row (as chunker dedup does): the read slots
// are kept and grown between calls; every result stays exact.
TEST(Pipeline, RunFileReusesItsSlotsAcrossFiles) {
  const auto p = make(4096, 16384, 65536);
  PipelineOptions o;
  o.params = p;
  o.hash = HashAlgo::none;
  o.threads = 2;
  for (bool lean : {false, true}) {
    o.sink_bytes = !lean;
    auto pl = ChunkPipeline::create(o);
    ASSERT_TRUE(pl.ok());
    std::uint64_t seed = 30;
    for (std::size_t size : {std::size_t{3} << 20, std::size_t{40} << 20, std::size_t{70000}, std::size_t{9} << 20}) {
      auto d = chunker::test::random_bytes(size, ++seed);
      auto ref = reference::chunk_all(d, p.min_size, p.avg_size, p.max_size, p.level, p.seed);
      std::vector<HashedChunk> got;
      Status s = run_input(*pl, d, Input::file, [&](const HashedChunk& c, std::span<const std::uint8_t>) { got.push_back(c); },
                           seed);
      ASSERT_TRUE(s.ok()) << s.to_string();
      ASSERT_EQ(got.size(), ref.size()) << size;
      for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].offset, ref[i].offset) << size << " chunk " << i;
    }
  }
}

TEST(Pipeline, HashesEveryChunkWithBothAlgorithms) {
  auto d = chunker::test::random_bytes(6 << 20, 8);
  for (HashAlgo algo : {HashAlgo::sha256, HashAlgo::blake3}) {
    for (unsigned threads : {1u, 2u}) {
      std::vector<HashedChunk> out;
      ASSERT_TRUE(chunk_and_hash(d, make(4096, 16384, 65536), algo, out, threads).ok());
      ASSERT_FALSE(out.empty());
      for (const auto& c : out)
        ASSERT_EQ(c.hash, hash(algo, std::span<const std::uint8_t>(d.data() + c.offset, c.length)));
    }
  }
  std::vector<HashedChunk> none;
  ASSERT_TRUE(chunk_and_hash(d, make(4096, 16384, 65536), HashAlgo::none, none).ok());
  for (const auto& c : none) EXPECT_EQ(c.hash, Digest{});
}

TEST(Pipeline, ProgressAndCancel) {
  auto d = chunker::test::random_bytes(40 << 20, 9);
  PipelineOptions o;
  o.params = make(4096, 16384, 65536);
  o.hash = HashAlgo::none;
  o.window_bytes = 1 << 20;
  std::vector<std::uint64_t> seen;
  o.progress = [&](std::uint64_t done, std::uint64_t total) {
    EXPECT_EQ(total, d.size());
    seen.push_back(done);
  };
  auto pl = ChunkPipeline::create(o);
  ASSERT_TRUE(pl.ok());
  ASSERT_TRUE(pl->run(std::span<const std::uint8_t>(d), [](const HashedChunk&, std::span<const std::uint8_t>) {}).ok());
  ASSERT_GT(seen.size(), 10u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.back(), d.size());

  std::atomic<bool> cancel{false};
  o.cancel = &cancel;
  std::uint64_t last = 0;
  o.progress = [&](std::uint64_t done, std::uint64_t) {
    last = done;
    if (done > (4u << 20)) cancel = true;
  };
  auto pc = ChunkPipeline::create(o);
  auto s = pc->run(std::span<const std::uint8_t>(d), [](const HashedChunk&, std::span<const std::uint8_t>) {});
  EXPECT_EQ(s.code(), Errc::cancelled);
  EXPECT_LT(last, d.size());
}

// A stage that fails on the chunk at a given offset (threaded runs: from a
// worker or from the stitch), and cancellation part-way, on every input kind.
namespace {
class FailAtStage : public ChunkStage {
 public:
  explicit FailAtStage(std::uint64_t at) : at_(at) {}
  Status process(unsigned, const HashedChunk& c, std::span<const std::uint8_t> in,
                 std::vector<std::uint8_t>& out) override {
    if (c.offset <= at_ && at_ < c.offset + c.length) return Status(Errc::corrupt_input, "stage failed");
    out.assign(in.begin(), in.begin() + 1);
    return {};
  }

 private:
  std::uint64_t at_;
};
}  // namespace

TEST(Pipeline, StageErrorAndCancelStopInOrder) {
  auto d = chunker::test::random_bytes(12 << 20, 21);
  const auto p = make(4096, 16384, 65536);
  auto ref = reference::chunk_all(d, p.min_size, p.avg_size, p.max_size, p.level, p.seed);
  for (unsigned threads : {1u, 2u, 4u}) {
    PipelineOptions base;
    base.params = p;
    base.threads = threads;
    base.window_bytes = 1 << 20;  // many segments
    for (Input input : {Input::memory, Input::file}) {
      for (std::uint64_t at : {std::uint64_t{0}, std::uint64_t{5} << 20, d.size() - 1}) {
        FailAtStage stage(at);
        PipelineOptions o = base;
        o.hash = HashAlgo::blake3;
        o.stage = &stage;
        auto pl = ChunkPipeline::create(o);
        ASSERT_TRUE(pl.ok());
        std::size_t n = 0;
        auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t>) {
          ASSERT_LT(n, ref.size());
          EXPECT_EQ(c.offset, ref[n].offset);
          ++n;
        };
        Status s = run_input(*pl, d, input, sink, 2);
        EXPECT_EQ(s.code(), Errc::corrupt_input) << "threads " << threads << " at " << at;
        // A prefix of the true chunks (whole windows or segments), never the failing chunk.
        ASSERT_LT(n, ref.size());
        if (n > 0) {
          EXPECT_LE(ref[n - 1].offset + ref[n - 1].length, at);
        }
      }
      std::atomic<bool> cancel{false};
      PipelineOptions o = base;
      o.hash = HashAlgo::none;
      o.cancel = &cancel;
      o.progress = [&](std::uint64_t done, std::uint64_t) {
        if (done > (3u << 20)) cancel = true;
      };
      auto pl = ChunkPipeline::create(o);
      ASSERT_TRUE(pl.ok());
      std::uint64_t end = 0;
      auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t>) {
        EXPECT_EQ(c.offset, end);
        end += c.length;
      };
      Status s = run_input(*pl, d, input, sink, 3);
      EXPECT_EQ(s.code(), Errc::cancelled) << "threads " << threads;
      EXPECT_GT(end, 3u << 20);
      EXPECT_LT(end, d.size());
    }
  }
}

// A sink that throws: the exception reaches the caller (threaded runs call the
// sink from pool threads), and the pipeline stays usable.
TEST(Pipeline, SinkExceptionReachesTheCaller) {
  auto d = chunker::test::random_bytes(6 << 20, 22);
  for (unsigned threads : {1u, 2u, 3u}) {
    for (Input input : {Input::memory, Input::file}) {
      PipelineOptions o;
      o.params = make(4096, 16384, 65536);
      o.hash = HashAlgo::none;
      o.threads = threads;
      o.window_bytes = 1 << 20;
      auto pl = ChunkPipeline::create(o);
      ASSERT_TRUE(pl.ok());
      std::size_t n = 0;
      auto sink = [&](const HashedChunk&, std::span<const std::uint8_t>) {
        if (++n == 100) throw std::runtime_error("sink full");
      };
      auto run = [&] { return run_input(*pl, d, input, sink, 4); };
      EXPECT_THROW((void)run(), std::runtime_error) << "threads " << threads;
      n = 1000;  // no more throwing: the same pipeline runs to the end
      EXPECT_TRUE(run().ok());
    }
  }
}

TEST(Pipeline, RejectsBadOptions) {
  PipelineOptions o;
  o.params = make(10, 256, 1024);
  EXPECT_EQ(ChunkPipeline::create(o).status().code(), Errc::invalid_argument);
  o.params = make(64, 256, 1024);
  o.threads = 100000;
  EXPECT_EQ(ChunkPipeline::create(o).status().code(), Errc::invalid_argument);
}

TEST(ThreadPool, RunsEveryTaskOnce) {
  for (unsigned threads : {1u, 2u, 5u}) {
    ThreadPool pool(threads);
    for (int rep = 0; rep < 50; ++rep) {
      std::vector<std::atomic<int>> hits(97);
      pool.run(hits.size(), [&](std::size_t i) { hits[i]++; });
      for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    }
  }
}

TEST(ThreadPool, WorkerIndexesAreInRangeAndNeverShared) {
  for (unsigned threads : {1u, 2u, 5u}) {
    ThreadPool pool(threads);
    ASSERT_GE(pool.size(), 1u);
    ASSERT_LE(pool.size(), threads);
    std::vector<std::atomic<int>> busy(pool.size());
    std::vector<std::atomic<int>> hits(500);
    pool.run_on_workers(hits.size(), [&](std::size_t i, unsigned w) {
      ASSERT_LT(w, busy.size());
      EXPECT_EQ(busy[w].fetch_add(1), 0) << "worker " << w << " used twice at once";
      hits[i]++;
      busy[w].fetch_sub(1);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(ThreadPool, RunWeightedRunsEveryItemOnceInOrderPerRange) {
  for (unsigned threads : {1u, 2u, 3u}) {
    ThreadPool pool(threads);
    for (std::uint64_t min_weight : {std::uint64_t{1}, std::uint64_t{1000}, std::uint64_t{1} << 40}) {
      std::vector<std::atomic<int>> hits(301);
      pool.run_weighted(
          hits.size(), [](std::size_t i) { return std::uint64_t{i % 7 + 1}; }, [&](std::size_t i) { hits[i]++; },
          min_weight);
      for (auto& h : hits) ASSERT_EQ(h.load(), 1);
      std::vector<std::atomic<int>> once(301);
      ThreadPool::run_weighted_once(
          threads, once.size(), [](std::size_t i) { return std::uint64_t{i % 7 + 1}; },
          [&](std::size_t i) { once[i]++; }, min_weight);
      for (auto& h : once) ASSERT_EQ(h.load(), 1);
    }
  }
}

namespace {
// The reference chunks of d, each hashed with `algo` on its own.
std::vector<HashedChunk> reference_hashed(std::span<const std::uint8_t> d, const fastcdc::Params& p, HashAlgo algo) {
  std::vector<std::uint8_t> v(d.begin(), d.end());
  std::vector<HashedChunk> out;
  for (const auto& r : reference::chunk_all(v, p.min_size, p.avg_size, p.max_size, p.level, p.seed)) {
    HashedChunk c{r.offset, static_cast<std::uint32_t>(r.length), r.hash, {}};
    if (algo != HashAlgo::none) c.hash = hash(algo, d.subspan(r.offset, r.length));
    out.push_back(c);
  }
  return out;
}
}  // namespace

TEST(Pipeline, BatchOfBuffersMatchesEachBufferAlone) {
  const auto p = make(2048, 8192, 32768);
  auto big = chunker::test::random_bytes(5 << 20, 21);
  std::vector<std::vector<std::uint8_t>> bufs;
  for (std::size_t n : {0u, 1u, 100u, 5000u, 70000u, 300000u, 1u << 20}) bufs.push_back(chunker::test::random_bytes(n, n + 3));
  for (int shape = 0; shape < 3; ++shape) {
    std::vector<std::span<const std::uint8_t>> in;
    if (shape == 0) in.push_back(big);             // one large buffer: the threaded pipeline
    if (shape >= 1) for (auto& b : bufs) in.push_back(b);  // many: hashing spread by size
    if (shape == 2) in.push_back(big);
    for (HashAlgo algo : {HashAlgo::none, HashAlgo::blake3, HashAlgo::sha256}) {
      for (unsigned threads : {1u, 2u, 3u}) {
        std::vector<HashedChunk> out;
        std::vector<std::uint32_t> counts;
        ASSERT_TRUE(chunk_and_hash_batch(in, p, algo, out, counts, threads).ok());
        ASSERT_EQ(counts.size(), in.size());
        std::size_t k = 0;
        for (std::size_t b = 0; b < in.size(); ++b) {
          auto ref = reference_hashed(in[b], p, algo);
          ASSERT_EQ(counts[b], ref.size()) << "buffer " << b;
          for (const auto& r : ref) ASSERT_EQ(out[k++], r) << "buffer " << b << " threads " << threads;
        }
        ASSERT_EQ(k, out.size());
      }
    }
  }
  std::vector<HashedChunk> out;
  std::vector<std::uint32_t> counts;
  EXPECT_EQ(chunk_and_hash_batch({}, make(64, 32, 16), HashAlgo::none, out, counts).code(), Errc::invalid_argument);
}

TEST(Pipeline, RunBatchGivesEveryInputsChunksInOrder) {
  const auto p = make(4096, 16384, 65536);
  std::vector<std::vector<std::uint8_t>> inputs;
  for (int i = 0; i < 60; ++i) {
    // Mostly small inputs, a few at and above the large-input limit (4 MiB).
    std::size_t n = i % 20 == 7 ? (4u << 20) + 1000u * i : 131u * i * i;
    inputs.push_back(chunker::test::random_bytes(n, 100 + i));
  }
  std::vector<std::vector<HashedChunk>> refs;
  for (const auto& in : inputs) refs.push_back(reference_hashed(in, p, HashAlgo::blake3));
  for (unsigned threads : {1u, 2u, 4u}) {
    PipelineOptions o;
    o.params = p;
    o.hash = HashAlgo::blake3;
    o.threads = threads;
    auto pl = ChunkPipeline::create(o);
    ASSERT_TRUE(pl.ok());
    for (int rep = 0; rep < 2; ++rep) {  // the second run reuses the per-thread pipelines
      std::size_t next = 0;
      Status s = pl->run_batch(
          inputs.size(), [&](std::size_t i) { return std::uint64_t{inputs[i].size()}; },
          [&](std::size_t i, ChunkPipeline& one, HashedChunkSink sink) -> Status {
            if (i == 13) return Status(Errc::io_error, "input 13 fails");
            return one.run(std::span<const std::uint8_t>(inputs[i]), sink);
          },
          [&](std::size_t i, const Status& st, std::span<const HashedChunk> chunks) {
            ASSERT_EQ(i, next++);
            if (i == 13) {
              EXPECT_EQ(st.code(), Errc::io_error);
              EXPECT_TRUE(chunks.empty());
              return;
            }
            ASSERT_TRUE(st.ok()) << st.to_string();
            const auto& ref = refs[i];
            ASSERT_EQ(chunks.size(), ref.size()) << "input " << i;
            for (std::size_t k = 0; k < ref.size(); ++k) ASSERT_EQ(chunks[k], ref[k]) << "input " << i;
          });
      ASSERT_TRUE(s.ok()) << s.to_string();
      ASSERT_EQ(next, inputs.size());
    }
  }
}

TEST(Pipeline, PushChunkerMatchesWholeInputForAnySplitsAndThreads) {
  const auto p = make(2048, 8192, 32768);
  auto d = chunker::test::random_bytes((3 << 20) + 123, 31);
  for (HashAlgo algo : {HashAlgo::none, HashAlgo::blake3}) {
    auto ref = reference_hashed(d, p, algo);
    for (unsigned threads : {1u, 2u, 3u}) {
      auto pc = PushChunker::create(p, algo);
      ASSERT_TRUE(pc.ok());
      pc->set_threads(threads);
      chunker::test::SplitMix64 rng(threads);
      std::vector<HashedChunk> got, part;
      for (std::size_t pos = 0; pos < d.size();) {
        // Pieces from a few bytes to ~1.5 MiB: chunks straddle pushes.
        std::size_t n = std::min<std::size_t>(d.size() - pos, 1 + rng.below(rng.below(2) ? 3000 : 1500000));
        pc->push(std::span<const std::uint8_t>(d.data() + pos, n), part);
        got.insert(got.end(), part.begin(), part.end());
        pos += n;
      }
      pc->finish(part);
      got.insert(got.end(), part.begin(), part.end());
      ASSERT_EQ(got.size(), ref.size());
      for (std::size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(got[i], ref[i]) << i << " threads " << threads;
    }
  }
  EXPECT_EQ(PushChunker::create(make(64, 32, 16), HashAlgo::none).status().code(), Errc::invalid_argument);
}

TEST(CliChunkHash, HashesMatchSha256sumAndB3sum) {
  auto dir = chunker::test::temp_dir();
  auto d = chunker::test::random_bytes(3 << 20 | 77, 12);
  chunker::test::write_file(dir + "/in.bin", d);
  auto ref = reference::chunk_all(d, 16384, 65536, 262144, 1, 0);
  struct Tool {
    const char* algo;
    const char* program;
  } tools[] = {{"sha256", "sha256sum"}, {"blake3", "b3sum"}};
  for (const auto& t : tools) {
    CHUNKER_NEED_PROGRAM(t.program);
    auto r1 = chunker::test::run(chunker::test::cli() + " chunk --preset 64k --hash " + t.algo + " --format csv " + dir + "/in.bin");
    ASSERT_EQ(r1.status, 0);
    auto r2 = chunker::test::run(chunker::test::cli() + " chunk --preset 64k --hash " + t.algo + " --format csv --threads 2 " + dir +
                            "/in.bin");
    auto r3 = chunker::test::run("cat " + dir + "/in.bin | " + chunker::test::cli() + " chunk --preset 64k --hash " + t.algo +
                            " --format csv --threads 3 -");
    EXPECT_EQ(r1.out, r2.out);
    EXPECT_EQ(r1.out, r3.out);
    std::string expect = "offset,length,fingerprint,hash\n";
    for (const auto& c : ref) {
      // Cut the chunk out with dd and hash it with the standard tool.
      auto h = chunker::test::run("dd if=" + dir + "/in.bin bs=1M iflag=skip_bytes,count_bytes skip=" +
                             std::to_string(c.offset) + " count=" + std::to_string(c.length) + " status=none | " +
                             t.program);
      ASSERT_EQ(h.status, 0);
      expect += std::to_string(c.offset) + "," + std::to_string(c.length) + "," + std::to_string(c.hash) + "," +
                h.out.substr(0, 64) + "\n";
    }
    EXPECT_EQ(r1.out, expect) << t.algo;
  }
  chunker::test::run("rm -rf " + dir);
}

namespace {
// Emits the chunk's first byte and its length mod 251: cheap, and different
// for different chunks, so a miscount or a wrong chunk shows.
class TagStage : public ChunkStage {
 public:
  Status process(unsigned, const HashedChunk& c, std::span<const std::uint8_t> in,
                 std::vector<std::uint8_t>& out) override {
    out.assign({in[0], static_cast<std::uint8_t>(c.length % 251)});
    return {};
  }
};
}  // namespace

TEST(Pipeline, StageBytesCountWhatTheSinkReceives) {
  auto d = chunker::test::random_bytes(24 << 20, 13);
  TagStage stage;
  for (unsigned threads : {1u, 2u, 3u}) {
    for (bool file : {false, true}) {
      PipelineOptions o;
      o.params = make(4096, 16384, 65536);
      o.hash = HashAlgo::none;
      o.threads = threads;
      o.window_bytes = 1 << 20;  // many windows and segment joins
      o.stage = &stage;
      auto pl = ChunkPipeline::create(o);
      ASSERT_TRUE(pl.ok());
      std::uint64_t got = 0;
      auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t> bytes) {
        ASSERT_EQ(bytes.size(), 2u);
        EXPECT_EQ(bytes[0], d[c.offset]);
        EXPECT_EQ(bytes[1], c.length % 251);
        got += bytes.size();
      };
      Status s = run_input(*pl, d, file ? Input::file : Input::memory, sink, 5);
      ASSERT_TRUE(s.ok()) << s.to_string();
      EXPECT_EQ(pl->stats().stage_bytes, got) << "threads " << threads;
      EXPECT_EQ(got, 2 * pl->stats().chunks);
    }
  }
}

TEST(Pipeline, WholeHashIsTheInputsBlake3) {
  // Every run variant, 1 and 3 threads, small windows (many segments, whose
  // lengths the window does not make powers of two) and the default one
  // (shrinking tail segments), with and without a stage: the whole-input
  // hash is the BLAKE3 of the input, and the chunks are unchanged.
  const auto d = chunker::test::random_bytes((9 << 20) + 12345, 77);
  const auto want = blake3::hash(d);
  for (Input input : {Input::memory, Input::reader, Input::file, Input::file_lean}) {
    for (unsigned threads : {1u, 3u}) {
      for (std::size_t window : {std::size_t{1} << 20, std::size_t{3} << 20, std::size_t{0}}) {
        for (bool staged : {false, true}) {
          SCOPED_TRACE(std::to_string(static_cast<int>(input)) + " threads " + std::to_string(threads) + " window " +
                       std::to_string(window) + (staged ? " staged" : ""));
          PipelineOptions o;
          o.params = make(4096, 16384, 65536);
          o.hash = HashAlgo::blake3;
          o.threads = threads;
          o.window_bytes = window;
          o.sink_bytes = input != Input::file_lean;
          TagStage tag;
          if (staged) o.stage = &tag;
          auto pl = ChunkPipeline::create(o).value();
          std::vector<HashedChunk> got;
          blake3::Hasher whole;
          pl.set_whole_hash(&whole);
          Status s = run_input(pl, d, input, [&](const HashedChunk& c, std::span<const std::uint8_t>) { got.push_back(c); },
                               5);
          ASSERT_TRUE(s.ok()) << s.to_string();
          EXPECT_EQ(whole.finalize(), want);
          EXPECT_EQ(got, reference_hashed(d, o.params, o.hash));
          // Cleared: the next run leaves it alone.
          pl.set_whole_hash(nullptr);
          const auto before = whole.finalize();
          ASSERT_TRUE(run_input(pl, d, input, [](const HashedChunk&, std::span<const std::uint8_t>) {}, 6).ok());
          EXPECT_EQ(whole.finalize(), before);
        }
      }
    }
  }
}
