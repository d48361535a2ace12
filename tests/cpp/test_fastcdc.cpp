#include <gtest/gtest.h>

#include <algorithm>

#include "chunker/fastcdc.hpp"
#include "fastcdc/tables.hpp"
#include "fastcdc_reference.hpp"
#include "test_util.hpp"

using chunker::Errc;
using chunker::fastcdc::Chunk;
using chunker::fastcdc::Params;
using chunker::test::SplitMix64;

namespace {

using reference::make;

std::vector<Chunk> one_shot(const std::vector<std::uint8_t>& d, const Params& p) {
  std::vector<Chunk> out;
  auto s = chunker::fastcdc::chunk_buffer(d, p, out);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return out;
}

std::vector<Chunk> streamed(const std::vector<std::uint8_t>& d, const Params& p, SplitMix64& rng,
                            std::size_t max_slice) {
  auto sc = chunker::fastcdc::StreamChunker::create(p);
  EXPECT_TRUE(sc.ok());
  std::vector<Chunk> out;
  std::size_t pos = 0;
  while (pos < d.size()) {
    // Mix tiny, medium and huge slices.
    std::size_t n;
    switch (rng.below(4)) {
      case 0: n = 1 + rng.below(16); break;
      case 1: n = 1 + rng.below(4096); break;
      case 2: n = 1 + rng.below(p.max_size * 2); break;
      default: n = 1 + rng.below(max_slice); break;
    }
    n = std::min(n, d.size() - pos);
    sc->push({d.data() + pos, n}, [&](const Chunk& c, std::span<const std::uint8_t> bytes) {
      // The bytes handed to the sink are exactly the chunk's bytes.
      EXPECT_EQ(bytes.size(), c.length);
      EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), d.begin() + static_cast<std::ptrdiff_t>(c.offset)));
      out.push_back(c);
    });
    pos += n;
    // Memory bound: never more than one max-size window pending.
    EXPECT_LT(sc->bytes_buffered(), p.max_size);
  }
  sc->finish(out);
  return out;
}

void expect_same_as_reference(const std::vector<std::uint8_t>& d, const Params& p) {
  auto ours = one_shot(d, p);
  auto ref = reference::chunk_all(d, p.min_size, p.avg_size, p.max_size, p.level, p.seed);
  ASSERT_EQ(ours.size(), ref.size()) << "min=" << p.min_size << " avg=" << p.avg_size << " max=" << p.max_size
                                     << " level=" << p.level << " seed=" << p.seed << " n=" << d.size();
  for (std::size_t i = 0; i < ours.size(); ++i) {
    ASSERT_EQ(ours[i].offset, ref[i].offset) << "chunk " << i;
    ASSERT_EQ(ours[i].length, ref[i].length) << "chunk " << i;
    ASSERT_EQ(ours[i].fingerprint, ref[i].hash) << "chunk " << i;
  }
}

}  // namespace

TEST(FastCdcTables, MatchPublishedJson) {
  auto j = chunker::test::load_json(chunker::test::data_path("fastcdc_v2020_tables.json"));
  for (int i = 0; i < 256; ++i)
    EXPECT_EQ(chunker::fastcdc::detail::kGear[i], std::stoull(j["gear"][i].str, nullptr, 16)) << i;
  for (int i = 0; i < 26; ++i)
    EXPECT_EQ(chunker::fastcdc::detail::kMasks[i], std::stoull(j["masks"][i].str, nullptr, 16)) << i;
}

TEST(FastCdcVectors, SekienAkashitaOneShotAndStreamed) {
  auto v = chunker::test::load_json(chunker::test::data_path("fastcdc_vectors.json"));
  auto data = chunker::test::read_file(chunker::test::data_path(v["file"].str));
  ASSERT_EQ(data.size(), 109466u);
  SplitMix64 rng(7);
  for (const auto& c : v["cases"].arr) {
    Params p = make(static_cast<std::uint32_t>(c["min"].u64()), static_cast<std::uint32_t>(c["avg"].u64()),
                    static_cast<std::uint32_t>(c["max"].u64()), static_cast<std::uint32_t>(c["level"].u64()),
                    c["seed"].u64());
    for (int mode = 0; mode < 2; ++mode) {
      auto got = mode == 0 ? one_shot(data, p) : streamed(data, p, rng, 70000);
      ASSERT_EQ(got.size(), c["chunks"].arr.size()) << "seed " << p.seed << " mode " << mode;
      std::uint64_t off = 0;
      for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].fingerprint, c["chunks"][i][0].u64()) << "chunk " << i;
        EXPECT_EQ(got[i].length, c["chunks"][i][1].u64()) << "chunk " << i;
        EXPECT_EQ(got[i].offset, off);
        off += got[i].length;
      }
    }
  }
}

TEST(FastCdcReference, RandomParametersAndData) {
  SplitMix64 rng(2024);
  for (int iter = 0; iter < 60; ++iter) {
    // Random valid parameters across the whole allowed range, biased small for speed.
    std::uint32_t mn = 64 + static_cast<std::uint32_t>(rng.below(iter % 3 == 0 ? 200000 : 4000));
    std::uint32_t av = std::max<std::uint32_t>({mn, 256u, static_cast<std::uint32_t>(mn + rng.below(mn * 4 + 256))});
    av = std::min(av, 4194304u);
    std::uint32_t mx = std::max<std::uint32_t>({av, 1024u, static_cast<std::uint32_t>(av + rng.below(av * 4 + 1))});
    mx = std::min(mx, 16777216u);
    Params p = make(mn, av, mx, static_cast<std::uint32_t>(rng.below(4)), rng.below(3) == 0 ? rng.next() : 0);
    ASSERT_TRUE(chunker::fastcdc::validate(p).ok());
    std::size_t n = static_cast<std::size_t>(rng.below(std::min<std::uint64_t>(mx * 6ull, 3u << 20)));
    auto kind = rng.below(3);
    auto d = kind == 0 ? chunker::test::random_bytes(n, rng.next())
                       : kind == 1 ? chunker::test::text_bytes(n, rng.next()) : std::vector<std::uint8_t>(n, 0);
    expect_same_as_reference(d, p);
  }
}

TEST(FastCdcStreaming, EqualsOneShotAllLevelsAndDataKinds) {
  const Params sets[] = {make(64, 256, 1024), make(2048, 8192, 32768), make(16384, 65536, 262144),
                         make(4096, 16384, 65535), make(256 * 1024, 1024 * 1024, 4 * 1024 * 1024)};
  SplitMix64 rng(99);
  std::vector<std::vector<std::uint8_t>> inputs = {chunker::test::random_bytes(5 << 20, 1), chunker::test::text_bytes(3 << 20, 2),
                                                   std::vector<std::uint8_t>(2 << 20, 0)};
  for (const auto& base : sets) {
    for (std::uint32_t level = 0; level <= 3; ++level) {
      Params p = base;
      p.level = level;
      for (const auto& d : inputs) {
        auto a = one_shot(d, p);
        auto b = streamed(d, p, rng, 6 << 20);
        ASSERT_EQ(a, b) << "min " << p.min_size << " level " << level << " n " << d.size();
        // Chunks tile the input exactly and respect the bounds.
        std::uint64_t off = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
          EXPECT_EQ(a[i].offset, off);
          EXPECT_LE(a[i].length, p.max_size);
          if (i + 1 < a.size()) {
            EXPECT_GE(a[i].length, p.min_size - 1);  // pair alignment: >= 2*floor(min/2)
          }
          off += a[i].length;
        }
        EXPECT_EQ(off, d.size());
      }
    }
  }
}

TEST(FastCdcStreaming, SeededMatchesReference) {
  auto d = chunker::test::random_bytes(2 << 20, 5);
  for (std::uint64_t seed : {1ull, 666ull, 0xdeadbeefcafef00dull, ~0ull}) {
    Params p = make(4096, 16384, 65536, 2, seed);
    expect_same_as_reference(d, p);
    SplitMix64 rng(seed);
    EXPECT_EQ(one_shot(d, p), streamed(d, p, rng, 1 << 20));
  }
}

TEST(FastCdcEdges, SizesAroundMinAndMax) {
  const Params p = make(1024, 4096, 16384);
  const std::size_t sizes[] = {0, 1, 2, 1023, 1024, 1025, 1026, 4095, 4096, 4097, 16383, 16384, 16385, 16386,
                               32767, 32768, 32769, 49151};
  for (int kind = 0; kind < 3; ++kind) {
    for (std::size_t n : sizes) {
      auto d = kind == 0 ? chunker::test::random_bytes(n, n) : kind == 1 ? std::vector<std::uint8_t>(n, 0)
                                                                    : std::vector<std::uint8_t>(n, 0xff);
      expect_same_as_reference(d, p);
      auto c = one_shot(d, p);
      if (n == 0) {
        EXPECT_TRUE(c.empty());
      }
      if (n > 0 && n <= p.min_size) {
        ASSERT_EQ(c.size(), 1u);
        EXPECT_EQ(c[0].length, n);
        EXPECT_EQ(c[0].fingerprint, 0u);
      }
      SplitMix64 rng(n);
      EXPECT_EQ(c, streamed(d, p, rng, 20000)) << n;
    }
  }
}

TEST(FastCdcEdges, OddMinimumAndOddLengths) {
  // Odd min/avg/max exercise the pair alignment (the reference starts at
  // 2*floor(min/2) and never hashes an odd last byte).
  for (auto p : {make(65, 257, 1025), make(777, 3333, 9999, 3), make(1001, 1025, 1025, 0)}) {
    for (std::size_t n : {p.min_size + 1ul, p.min_size + 2ul, p.max_size - 1ul, p.max_size + 1ul, 3ul * p.max_size + 7}) {
      expect_same_as_reference(chunker::test::random_bytes(n, n * 3), p);
      expect_same_as_reference(chunker::test::text_bytes(n, n), p);
    }
  }
}

TEST(FastCdcEdges, ConstantInputMatchesReference) {
  // Constant input is the classic worst case for a rolling hash; the
  // reference decides where the cuts are, we must agree.
  auto d = std::vector<std::uint8_t>(1 << 20, 0);
  expect_same_as_reference(d, make(4096, 16384, 65536));
  expect_same_as_reference(d, make(64, 256, 1024, 3));
}

TEST(FastCdcValidation, EveryFieldNamedWithRange) {
  struct Case {
    Params p;
    const char* needle;
  } cases[] = {
      {make(63, 256, 1024), "min_size must be between 64 and 1048576"},
      {make(1048577, 2097152, 4194304), "min_size must be between 64 and 1048576"},
      {make(64, 255, 1024), "avg_size must be between 256 and 4194304"},
      {make(64, 4194305, 16777216), "avg_size must be between 256 and 4194304"},
      {make(64, 256, 1023), "max_size must be between 1024 and 16777216"},
      {make(64, 256, 16777217), "max_size must be between 1024 and 16777216"},
      {make(8192, 4096, 65536), "min_size (8192) must not exceed avg_size (4096)"},
      {make(1024, 65536, 32768), "avg_size (65536) must not exceed max_size (32768)"},
      {make(64, 256, 1024, 4), "level must be between 0 and 3"},
  };
  for (const auto& c : cases) {
    auto s = chunker::fastcdc::validate(c.p);
    EXPECT_EQ(s.code(), Errc::invalid_argument);
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.message();
    std::vector<Chunk> out;
    EXPECT_EQ(chunker::fastcdc::chunk_buffer(std::vector<std::uint8_t>(10), c.p, out).code(), Errc::invalid_argument);
    EXPECT_FALSE(chunker::fastcdc::StreamChunker::create(c.p).ok());
  }
  // Bounds themselves are valid.
  EXPECT_TRUE(chunker::fastcdc::validate(make(64, 256, 1024)).ok());
  EXPECT_TRUE(chunker::fastcdc::validate(make(1048576, 4194304, 16777216)).ok());
  EXPECT_EQ(std::string(chunker::errc_name(Errc::invalid_argument)), "ERR_INVALID_ARGUMENT");
}

TEST(FastCdcPresets, DefaultsAndNamedPresets) {
  Params d;
  EXPECT_EQ(d.min_size, 256u * 1024);
  EXPECT_EQ(d.avg_size, 1024u * 1024);
  EXPECT_EQ(d.max_size, 4u * 1024 * 1024);
  EXPECT_EQ(d.level, 1u);
  auto p64 = chunker::fastcdc::preset("64k");
  ASSERT_TRUE(p64.ok());
  EXPECT_EQ(p64->min_size, 16384u);
  EXPECT_EQ(p64->avg_size, 65536u);
  EXPECT_EQ(p64->max_size, 262144u);
  for (const auto& pr : chunker::fastcdc::presets()) EXPECT_TRUE(chunker::fastcdc::validate(pr.params).ok()) << pr.name;
  auto bad = chunker::fastcdc::preset("huge");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown preset 'huge'"), std::string::npos);
}

TEST(FastCdcStreaming, ResetAndReuse) {
  auto d = chunker::test::random_bytes(300000, 11);
  Params p = make(4096, 16384, 65536);
  auto sc = chunker::fastcdc::StreamChunker::create(p);
  ASSERT_TRUE(sc.ok());
  std::vector<Chunk> a, b;
  sc->push(d, a);
  sc->finish(a);
  sc->push(d, b);  // finish() resets: offsets start at 0 again
  sc->finish(b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, one_shot(d, p));
}

TEST(FastCdcAdversarial, CandidatesEverywhereAndNowhere) {
  // With seed = gear[0] the zero byte's seeded gear value is 0, so an all-zero
  // input makes every position a cut candidate; mixing in runs exercises the
  // transitions between the exact prefix, the fast kernel and its rescans.
  const auto& t = reference::base_tables();
  auto zeros = std::vector<std::uint8_t>(3 << 20, 0);
  auto mixed = chunker::test::random_bytes(3 << 20, 3);
  for (std::size_t i = 0; i < mixed.size(); i += 9000) std::fill_n(mixed.begin() + i, std::min<std::size_t>(3000, mixed.size() - i), 0);
  for (auto p : {make(64, 256, 1024), make(4096, 16384, 65536, 3), make(65536, 262144, 1 << 20, 0)}) {
    for (std::uint64_t seed : {std::uint64_t{t.gear[0]}, std::uint64_t{t.gear[0] ^ 0x10u}, std::uint64_t{0}}) {
      p.seed = seed;
      expect_same_as_reference(zeros, p);
      expect_same_as_reference(mixed, p);
    }
  }
}
