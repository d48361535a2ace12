// NAR-aware chunking: plain mode equals FastCDC; snapped cuts land on entry
// boundaries recorded independently by the writer, within min/max and the window.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "chunker/fastcdc.hpp"
#include "chunker/nar_chunking.hpp"
#include "nix_test_util.hpp"

using namespace chunker;

namespace {

struct Built {
  std::vector<std::uint8_t> nar;
  std::set<std::uint64_t> bounds;  // entry starts/ends, from writer offsets
  std::vector<nar::EntrySpan> leaves;
};

// A flat-ish tree of files with random sizes and contents, one subdirectory.
Built build(std::uint64_t seed, int files) {
  Built b;
  nar::Writer w([&](std::span<const std::uint8_t> d) {
    b.nar.insert(b.nar.end(), d.begin(), d.end());
    return Status();
  });
  chunker::test::SplitMix64 rng(seed);
  auto file = [&](const std::string& name, const std::string& path) {
    const std::uint64_t begin = w.offset();
    EXPECT_TRUE(w.begin_entry(name).ok());
    const auto data = chunker::test::random_bytes(rng.below(40000), rng.next());
    EXPECT_TRUE(w.begin_regular(false, data.size()).ok());
    EXPECT_TRUE(w.write(data).ok());
    EXPECT_TRUE(w.end_regular().ok());
    EXPECT_TRUE(w.end_entry().ok());
    b.bounds.insert(begin);
    b.bounds.insert(w.offset());
    b.leaves.push_back({path, nar::NodeType::regular, begin, w.offset()});
  };
  EXPECT_TRUE(w.begin_directory().ok());
  char name[16];
  for (int i = 0; i < files; ++i) {
    std::snprintf(name, sizeof name, "f%04d", i);
    file(name, name);
  }
  const std::uint64_t sub_begin = w.offset();
  EXPECT_TRUE(w.begin_entry("sub").ok());
  EXPECT_TRUE(w.begin_directory().ok());
  for (int i = 0; i < files / 4; ++i) {
    std::snprintf(name, sizeof name, "g%04d", i);
    file(name, std::string("sub/") + name);
  }
  EXPECT_TRUE(w.end_directory().ok());
  EXPECT_TRUE(w.end_entry().ok());
  b.bounds.insert(sub_begin);
  b.bounds.insert(w.offset());
  EXPECT_TRUE(w.end_directory().ok());
  EXPECT_TRUE(w.finish().ok());
  return b;
}

// 4 KiB / 16 KiB / 64 KiB.
fastcdc::Params small_params() { return fastcdc::preset("16k").value(); }

TEST(NarChunking, PlainModeIsFastCdc) {
  const Built b = build(1, 120);
  nar::ChunkingOptions o;
  o.params = small_params();
  o.entry_aware = false;
  auto r = nar::chunk_nar(b.nar, o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  std::vector<fastcdc::Chunk> want;
  ASSERT_TRUE(fastcdc::chunk_buffer(b.nar, o.params, want).ok());
  ASSERT_EQ(r->chunks.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r->chunks[i].chunk, want[i]);
    EXPECT_FALSE(r->chunks[i].snapped);
  }
}

TEST(NarChunking, SnappedCutsRespectBoundariesLimitsAndWindow) {
  for (std::uint64_t seed : {2u, 3u, 4u}) {
    const Built b = build(seed, 150);
    nar::ChunkingOptions o;
    o.params = small_params();
    auto r = nar::chunk_nar(b.nar, o);
    ASSERT_TRUE(r.ok());
    auto cutter = fastcdc::Cutter::create(o.params);
    ASSERT_TRUE(cutter.ok());
    const std::uint64_t window = o.params.avg_size / 4;
    std::uint64_t pos = 0;
    std::size_t snapped = 0;
    for (std::size_t i = 0; i < r->chunks.size(); ++i) {
      const auto& c = r->chunks[i];
      ASSERT_EQ(c.chunk.offset, pos);
      const std::uint64_t end = pos + c.chunk.length;
      const bool last = end == b.nar.size();
      if (!last) {
        EXPECT_GE(c.chunk.length, o.params.min_size);
        EXPECT_LE(c.chunk.length, o.params.max_size);
      }
      const std::uint64_t natural = pos + cutter->find_cut(b.nar.data() + pos, b.nar.size() - pos).length;
      if (c.snapped) {
        ++snapped;
        EXPECT_TRUE(b.bounds.count(end)) << "snapped cut at " << end << " is not an entry boundary";
        EXPECT_LE(end > natural ? end - natural : natural - end, window);
      } else {
        EXPECT_EQ(end, natural);
      }
      // No eligible boundary was closer to the natural cut than the one taken.
      if (!last && natural != b.nar.size()) {
        const std::uint64_t taken = end > natural ? end - natural : natural - end;
        for (std::uint64_t bd : b.bounds) {
          const std::uint64_t d = bd > natural ? bd - natural : natural - bd;
          if (bd > pos + o.params.min_size - 1 && bd <= pos + o.params.max_size && d <= window && bd < b.nar.size()) {
            EXPECT_GE(d, taken) << "boundary " << bd << " closer than cut " << end;
          }
        }
      }
      pos = end;
    }
    EXPECT_EQ(pos, b.nar.size());
    EXPECT_GT(snapped, 0u);  // with ~200 files of <= 40 KB, some cuts must fall near a boundary
  }
}

TEST(NarChunking, ReportsCoveredEntries) {
  const Built b = build(5, 80);
  nar::ChunkingOptions o;
  o.params = small_params();
  auto r = nar::chunk_nar(b.nar, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->entries.size(), b.leaves.size());
  for (std::size_t i = 0; i < b.leaves.size(); ++i) {
    EXPECT_EQ(r->entries[i].path, b.leaves[i].path);
    EXPECT_EQ(r->entries[i].begin, b.leaves[i].begin);
    EXPECT_EQ(r->entries[i].end, b.leaves[i].end);
  }
  for (const auto& c : r->chunks) {
    std::vector<std::string> want, got;
    for (const auto& l : b.leaves)
      if (l.begin < c.chunk.offset + c.chunk.length && l.end > c.chunk.offset) want.push_back(l.path);
    for (std::uint32_t k = 0; k < c.entry_count; ++k) got.push_back(r->entries[c.first_entry + k].path);
    EXPECT_EQ(got, want) << "chunk at " << c.chunk.offset;
  }
}

// The streaming chunker emits exactly the buffer version's chunks and entries,
// whatever the slicing, for both modes.
TEST(NarChunking, StreamingMatchesBuffer) {
  const Built b = build(7, 160);
  for (bool aware : {true, false}) {
    nar::ChunkingOptions o;
    o.params = small_params();
    o.entry_aware = aware;
    auto whole = nar::chunk_nar(b.nar, o);
    ASSERT_TRUE(whole.ok());
    for (std::size_t step : {std::size_t{1000}, std::size_t{65536}, std::size_t{100000}, b.nar.size()}) {
      SCOPED_TRACE(std::to_string(step) + (aware ? " aware" : " plain"));
      auto sc = nar::NarStreamChunker::create(o);
      ASSERT_TRUE(sc.ok());
      std::vector<nar::NarChunk> got;
      std::vector<std::vector<std::string>> got_paths;
      std::string bytes;
      auto sink = [&](const nar::NarChunk& c, std::span<const std::uint8_t> d,
                      std::span<const nar::EntrySpan> entries) {
        got.push_back(c);
        bytes.append(reinterpret_cast<const char*>(d.data()), d.size());
        got_paths.emplace_back();
        for (const auto& e : entries) got_paths.back().push_back(e.path);
        return Status();
      };
      for (std::size_t i = 0; i < b.nar.size(); i += step)
        ASSERT_TRUE(sc->push(std::span(b.nar).subspan(i, std::min(step, b.nar.size() - i)), sink).ok());
      ASSERT_TRUE(sc->finish(sink).ok());
      ASSERT_EQ(got.size(), whole->chunks.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        const auto& w = whole->chunks[i];
        EXPECT_EQ(got[i].chunk, w.chunk) << i;
        EXPECT_EQ(got[i].snapped, w.snapped) << i;
        EXPECT_EQ(got[i].first_entry, w.first_entry) << i;
        ASSERT_EQ(got[i].entry_count, w.entry_count) << i;
        for (std::uint32_t k = 0; k < w.entry_count; ++k)
          EXPECT_EQ(got_paths[i][k], whole->entries[w.first_entry + k].path);
      }
      EXPECT_EQ(bytes, std::string(b.nar.begin(), b.nar.end()));
    }
  }
}

TEST(NarChunking, StreamingRejectsDamage) {
  Built b = build(8, 40);
  nar::ChunkingOptions o;
  o.params = small_params();
  auto sink = [](const nar::NarChunk&, std::span<const std::uint8_t>, std::span<const nar::EntrySpan>) {
    return Status();
  };
  auto sc = nar::NarStreamChunker::create(o);
  ASSERT_TRUE(sc.ok());
  ASSERT_TRUE(sc->push(std::span(b.nar).first(b.nar.size() - 8), sink).ok());
  EXPECT_EQ(sc->finish(sink).code(), Errc::truncated_input);
  b.nar[200] ^= 0xff;
  auto sc2 = nar::NarStreamChunker::create(o);
  ASSERT_TRUE(sc2.ok());
  Status s = sc2->push(b.nar, sink);
  if (s.ok()) s = sc2->finish(sink);
  EXPECT_FALSE(s.ok());
}

TEST(NarChunking, RejectsInvalidInput) {
  nar::ChunkingOptions o;
  o.params = small_params();
  std::vector<std::uint8_t> junk(100, 1);
  EXPECT_EQ(nar::chunk_nar(junk, o).status().code(), Errc::corrupt_input);
  o.params.min_size = 1;  // out of range
  const Built b = build(6, 3);
  EXPECT_EQ(nar::chunk_nar(b.nar, o).status().code(), Errc::invalid_argument);
}

}  // namespace
