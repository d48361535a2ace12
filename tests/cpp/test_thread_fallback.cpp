// Threads that cannot start (wasm's Worker pool exhausted, a process at its
// thread limit) must cost speed only, never results. CHUNKER_TEST_THREAD_LIMIT
// (pipeline/os_thread.hpp) makes thread starts fail past N running threads;
// every threaded path then has to give exactly what one thread gives.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "chunker/blake3.hpp"
#include "chunker/pipeline.hpp"
#include "chunker/thread_pool.hpp"
#include "fastcdc_reference.hpp"
#include "test_util.hpp"

using namespace chunker;

namespace {

// 4 KiB / 16 KiB / 64 KiB.
fastcdc::Params small_params() { return fastcdc::preset("16k").value(); }

// The reference chunks of d (an independent FastCDC), each hashed on its own.
std::vector<HashedChunk> reference_hashed(const std::vector<std::uint8_t>& d, const fastcdc::Params& p, HashAlgo algo) {
  std::vector<HashedChunk> out;
  for (const auto& r : reference::chunk_all(d, p.min_size, p.avg_size, p.max_size, p.level, p.seed)) {
    HashedChunk c{r.offset, static_cast<std::uint32_t>(r.length), r.hash, {}};
    c.hash = hash(algo, std::span<const std::uint8_t>(d).subspan(r.offset, r.length));
    out.push_back(c);
  }
  return out;
}

const char* kLimits[] = {"0", "1"};

}  // namespace

TEST(ThreadFallback, PoolRunsWithTheThreadsItGot) {
  for (const char* limit : kLimits) {
    chunker::test::ScopedEnv env("CHUNKER_TEST_THREAD_LIMIT", limit);
    ThreadPool pool(4);
    EXPECT_EQ(pool.size(), 1u + static_cast<unsigned>(std::stoul(limit))) << "limit " << limit;
    std::vector<std::atomic<int>> hits(1000);
    pool.run_on_workers(hits.size(), [&](std::size_t i, unsigned worker) {
      ASSERT_LT(worker, pool.size());
      hits[i]++;
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    std::vector<std::atomic<int>> once(5000);
    ThreadPool::run_weighted_once(
        4, once.size(), [](std::size_t) { return std::uint64_t{1 << 20}; }, [&](std::size_t i) { once[i]++; }, 1);
    for (auto& h : once) ASSERT_EQ(h.load(), 1);
  }
}

TEST(ThreadFallback, PipelineGivesTheSameChunksOnFewerThreads) {
  const auto d = chunker::test::random_bytes(6 << 20, 77);
  const auto p = small_params();
  const auto ref = reference_hashed(d, p, HashAlgo::blake3);
  for (const char* limit : kLimits) {
    chunker::test::ScopedEnv env("CHUNKER_TEST_THREAD_LIMIT", limit);
    PipelineOptions o;
    o.params = p;
    o.hash = HashAlgo::blake3;
    o.threads = 4;
    o.window_bytes = 1 << 20;  // many windows and segments
    auto pl = ChunkPipeline::create(o);
    ASSERT_TRUE(pl.ok());
    EXPECT_EQ(pl->threads(), 1u + static_cast<unsigned>(std::stoul(limit)));
    for (int input = 0; input < 3; ++input) {
      std::vector<HashedChunk> got;
      auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t>) { got.push_back(c); };
      Status s;
      if (input == 0) {
        s = pl->run(std::span<const std::uint8_t>(d), sink);
      } else if (input == 1) {
        s = pl->run_file(
            [&](std::span<std::uint8_t> b, std::uint64_t off) -> Result<std::size_t> {
              const std::size_t n = std::min<std::size_t>(b.size(), d.size() - off);
              std::copy_n(d.begin() + static_cast<std::ptrdiff_t>(off), n, b.begin());
              return n;
            },
            d.size(), sink);
      } else {
        std::size_t pos = 0;
        s = pl->run_reader(
            [&](std::span<std::uint8_t> b) -> Result<std::size_t> {
              const std::size_t n = std::min<std::size_t>({b.size(), d.size() - pos, 100000});
              std::copy_n(d.begin() + static_cast<std::ptrdiff_t>(pos), n, b.begin());
              pos += n;
              return n;
            },
            sink);
      }
      ASSERT_TRUE(s.ok()) << s.to_string();
      EXPECT_EQ(got, ref) << "limit " << limit << " input " << input;
    }

    // Buffers in a batch, and pushed pieces.
    std::vector<HashedChunk> out;
    std::vector<std::uint32_t> counts;
    const std::span<const std::uint8_t> one[] = {d};
    ASSERT_TRUE(chunk_and_hash_batch(one, p, HashAlgo::blake3, out, counts, 4).ok());
    EXPECT_EQ(out, ref) << "batch, limit " << limit;
    auto pc = PushChunker::create(p, HashAlgo::blake3, 4);
    ASSERT_TRUE(pc.ok());
    std::vector<HashedChunk> pushed, part;
    for (std::size_t off = 0; off < d.size(); off += 1 << 20) {
      pc->push(std::span<const std::uint8_t>(d).subspan(off, std::min<std::size_t>(1 << 20, d.size() - off)), part);
      pushed.insert(pushed.end(), part.begin(), part.end());
    }
    pc->finish(part);
    pushed.insert(pushed.end(), part.begin(), part.end());
    EXPECT_EQ(pushed, ref) << "push, limit " << limit;
  }
}

TEST(ThreadFallback, Blake3GivesTheSameDigestOnFewerThreads) {
  const auto d = chunker::test::random_bytes(9 << 20, 78);
  blake3::Hasher one;
  one.update(d);
  const auto want = one.finalize();
  for (const char* limit : kLimits) {
    chunker::test::ScopedEnv env("CHUNKER_TEST_THREAD_LIMIT", limit);
    blake3::Hasher par;
    par.update_parallel(d, 8);
    EXPECT_EQ(par.finalize(), want) << "update_parallel, limit " << limit;
    blake3::Hasher filled;
    std::size_t pos = 0;
    ASSERT_TRUE(filled.update_from(
        d.size(),
        [&](std::uint8_t* dst, std::size_t n) {
          std::copy_n(d.begin() + static_cast<std::ptrdiff_t>(pos), n, dst);
          pos += n;
          return true;
        },
        8));
    EXPECT_EQ(filled.finalize(), want) << "update_from, limit " << limit;
  }
}

TEST(ThreadFallback, CliOutputIsTheSameWhenThreadsCannotStart) {
  chunker::test::TempDir dir;
  const auto f = dir.path() / "in.bin";
  chunker::test::write_file(f, chunker::test::random_bytes(5 << 20, 79));
  const std::string cli = chunker::test::cli();
  const auto want = chunker::test::run(cli + " chunk --preset 16k --hash blake3 --threads 1 " + f.string());
  const auto want_hash = chunker::test::run(cli + " hash --threads 1 " + f.string());
  ASSERT_EQ(want.status, 0);
  ASSERT_EQ(want_hash.status, 0);
  for (const char* limit : kLimits) {
    const std::string env = std::string("CHUNKER_TEST_THREAD_LIMIT=") + limit + " ";
    const auto got = chunker::test::run(env + cli + " chunk --preset 16k --hash blake3 --threads 4 " + f.string());
    EXPECT_EQ(got.status, 0);
    EXPECT_EQ(got.out, want.out) << "chunk, limit " << limit;
    const auto got_stdin =
        chunker::test::run(env + "cat " + f.string() + " | " + cli + " chunk --preset 16k --hash blake3 --threads 4 -");
    EXPECT_EQ(got_stdin.status, 0);
    EXPECT_EQ(got_stdin.out, want.out) << "chunk from a pipe, limit " << limit;
    const auto got_hash = chunker::test::run(env + cli + " hash --threads 4 " + f.string());
    EXPECT_EQ(got_hash.status, 0);
    EXPECT_EQ(got_hash.out, want_hash.out) << "hash, limit " << limit;
  }
}
