// Chunk -> hash -> compress through ChunkPipeline with a CompressStage.
#include <gtest/gtest.h>

#include "chunker/codec_stage.hpp"
#include "test_util.hpp"

using namespace chunker;

TEST(CodecPipeline, CompressedChunksDecompressWithTheZstdProgram) {
  CHUNKER_NEED_PROGRAM("zstd");
  auto d = chunker::test::text_bytes(3 << 20, 21);
  auto dir = chunker::test::temp_dir();
  for (unsigned threads : {1u, 2u, 3u}) {
    auto stage = codec::CompressStage::create({codec::Codec::zstd, 3, {}}, threads);
    ASSERT_TRUE(stage.ok());
    PipelineOptions o;
    o.params = *fastcdc::preset("64k");
    o.hash = HashAlgo::blake3;
    o.threads = threads;
    o.window_bytes = 1 << 20;  // several windows and segment stitches
    o.stage = stage->get();
    auto pl = ChunkPipeline::create(o);
    ASSERT_TRUE(pl.ok());
    std::uint64_t next = 0;
    int checked = 0;
    ASSERT_TRUE(pl->run(std::span<const std::uint8_t>(d), [&](const HashedChunk& c, std::span<const std::uint8_t> z) {
                    EXPECT_EQ(c.offset, next);
                    next += c.length;
                    EXPECT_LT(z.size(), c.length);  // text compresses
                    if (checked++ % 7 == 0) {       // a sample through the real zstd program
                      chunker::test::write_file(dir + "/c.zst", std::vector<std::uint8_t>(z.begin(), z.end()));
                      auto r = chunker::test::run("zstd -dc " + dir + "/c.zst");
                      ASSERT_EQ(r.status, 0);
                      ASSERT_EQ(r.out.size(), c.length);
                      EXPECT_TRUE(std::equal(r.out.begin(), r.out.end(), d.begin() + static_cast<std::ptrdiff_t>(c.offset)));
                    }
                  }).ok());
    EXPECT_EQ(next, d.size());
    EXPECT_GT(pl->stats().stage_bytes, 0u);
  }
  chunker::test::run("rm -rf " + dir);
}

TEST(CodecPipeline, AdaptivePassesIncompressibleChunksThrough) {
  auto d = chunker::test::random_bytes(2 << 20, 22);
  auto stage = codec::CompressStage::create(codec::strategy_options(codec::Strategy::adaptive), 2, true);
  ASSERT_TRUE(stage.ok());
  PipelineOptions o;
  o.params = *fastcdc::preset("64k");
  o.threads = 2;
  o.stage = stage->get();
  auto pl = ChunkPipeline::create(o);
  std::size_t chunks = 0;
  ASSERT_TRUE(pl->run(std::span<const std::uint8_t>(d), [&](const HashedChunk& c, std::span<const std::uint8_t> out) {
                  ++chunks;
                  ASSERT_EQ(out.size(), c.length);  // stored, not compressed
                  EXPECT_TRUE(std::equal(out.begin(), out.end(), d.begin() + static_cast<std::ptrdiff_t>(c.offset)));
                }).ok());
  EXPECT_GT(chunks, 10u);
  // Text in the same pipeline is compressed (shorter than the chunk).
  auto t = chunker::test::text_bytes(1 << 20, 23);
  std::size_t shorter = 0, total = 0;
  ASSERT_TRUE(pl->run(std::span<const std::uint8_t>(t), [&](const HashedChunk& c, std::span<const std::uint8_t> out) {
                  ++total;
                  shorter += out.size() < c.length;
                }).ok());
  EXPECT_EQ(shorter, total);
}
