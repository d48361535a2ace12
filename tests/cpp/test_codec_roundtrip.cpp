// Round trips through our own compressor and decompressor: every codec,
// several levels, four kinds of data, one-shot / caller buffer / streamed with
// random piece sizes. (Interop with the reference programs is in
// test_codec_interop.cpp; these check our API paths against each other and
// against the original bytes.)
#include <gtest/gtest.h>

#include <tuple>

#include "codec/alloc.hpp"
#include "codec_test_util.hpp"

namespace chunker::test {
namespace {

using codec::Codec;

Bytes make_data(int kind, std::size_t n, std::uint64_t seed) {
  switch (kind) {
    case 0: return random_bytes(n, seed);
    case 1: return text_bytes(n, seed);
    case 2: return Bytes(n, 0);
    default: return mixed_bytes(n, seed);
  }
}
const char* kind_name(int k) { return (const char*[]){"random", "text", "zeros", "mixed"}[k]; }

// Streams `in` through a Compressor in random-sized pieces with random-sized
// output buffers.
Bytes stream_compress(codec::Compressor& c, const Bytes& in, std::uint64_t seed) {
  SplitMix64 rng(seed);
  Bytes out;
  std::size_t pos = 0;
  Bytes obuf;
  for (bool finish = false;;) {
    std::size_t piece = std::min<std::size_t>(in.size() - pos, rng.next() % 70000);
    finish = pos + piece == in.size();
    std::span<const std::uint8_t> rest(in.data() + pos, piece);
    for (;;) {
      obuf.resize(1 + rng.next() % 40000);
      auto r = c.update(rest, obuf, finish);
      EXPECT_TRUE(r.ok()) << r.status().to_string();
      if (!r) return {};
      out.insert(out.end(), obuf.begin(), obuf.begin() + r->out_used);
      rest = rest.subspan(r->in_used);
      if (finish ? r->done : rest.empty()) break;
    }
    pos += piece;
    if (finish) return out;
  }
}

Bytes stream_decompress(codec::Decompressor& d, const Bytes& in, std::uint64_t seed) {
  SplitMix64 rng(seed);
  Bytes out, obuf;
  std::size_t pos = 0;
  for (;;) {
    std::size_t piece = std::min<std::size_t>(in.size() - pos, rng.next() % 50000);
    std::span<const std::uint8_t> rest(in.data() + pos, piece);
    for (;;) {
      obuf.resize(1 + rng.next() % 60000);
      auto r = d.update(rest, obuf);
      EXPECT_TRUE(r.ok()) << r.status().to_string();
      if (!r) return {};
      out.insert(out.end(), obuf.begin(), obuf.begin() + r->out_used);
      rest = rest.subspan(r->in_used);
      if (rest.empty() && r->out_used < obuf.size()) break;
    }
    pos += piece;
    if (pos == in.size()) break;
  }
  Status st = d.finish();
  EXPECT_TRUE(st.ok()) << st.to_string();
  return out;
}

class RoundTrip : public ::testing::TestWithParam<std::tuple<Codec, int, int>> {};

TEST_P(RoundTrip, OneShotIntoAndStreamed) {
  auto [c, level, kind] = GetParam();
  const std::size_t n = kind == 2 ? 1'500'000 : 300'000;
  Bytes data = make_data(kind, n, 1234 + level);

  auto comp = codec::Compressor::create({.codec = c, .level = level});
  ASSERT_TRUE(comp.ok()) << comp.status().to_string();
  auto dec = codec::Decompressor::create();
  ASSERT_TRUE(dec.ok());

  // One-shot into a growing buffer.
  Bytes z, back;
  ASSERT_TRUE(comp->compress(data, z).ok());
  EXPECT_EQ(codec::detect(z).codec, c);
  ASSERT_TRUE(dec->decompress(z, back).ok());
  EXPECT_TRUE(back == data);
  if (kind == 1 || kind == 2) {
    EXPECT_LT(z.size(), data.size() / 2) << "text/zeros must shrink";
  }

  // Caller-provided buffers, exactly sized for decompression.
  Bytes zb(codec::compress_bound(c, data.size()));
  auto zn = comp->compress_into(data, zb);
  ASSERT_TRUE(zn.ok()) << zn.status().to_string();
  Bytes exact(data.size());
  auto dn = dec->decompress_into({zb.data(), *zn}, exact);
  ASSERT_TRUE(dn.ok()) << dn.status().to_string();
  EXPECT_EQ(*dn, data.size());
  EXPECT_TRUE(exact == data);

  // Streamed both ways with random piece sizes; frame must decode one-shot too.
  Bytes zs = stream_compress(*comp, data, 99 + level * 7 + kind);
  Bytes back2;
  ASSERT_TRUE(codec::decompress(zs, back2).ok());
  EXPECT_TRUE(back2 == data);
  Bytes back3 = stream_decompress(*dec, z, 5 + kind);
  EXPECT_TRUE(back3 == data);
}

std::string rt_name(const ::testing::TestParamInfo<std::tuple<Codec, int, int>>& i) {
  auto [c, level, kind] = i.param;
  std::string l = level < 0 ? "m" + std::to_string(-level) : std::to_string(level);
  return std::string(codec::codec_name(c)) + "_L" + l + "_" + kind_name(kind);
}

INSTANTIATE_TEST_SUITE_P(Zstd, RoundTrip,
                         ::testing::Combine(::testing::Values(Codec::zstd), ::testing::Values(-5, 1, 3, 19),
                                            ::testing::Range(0, 4)),
                         rt_name);
INSTANTIATE_TEST_SUITE_P(Lz4, RoundTrip,
                         ::testing::Combine(::testing::Values(Codec::lz4), ::testing::Values(1, 9),
                                            ::testing::Range(0, 4)),
                         rt_name);
INSTANTIATE_TEST_SUITE_P(Xz, RoundTrip,
                         ::testing::Combine(::testing::Values(Codec::xz), ::testing::Values(0, 6),
                                            ::testing::Range(0, 4)),
                         rt_name);
INSTANTIATE_TEST_SUITE_P(Bzip2, RoundTrip,
                         ::testing::Combine(::testing::Values(Codec::bzip2), ::testing::Values(1, 9),
                                            ::testing::Range(0, 4)),
                         rt_name);

TEST(CodecRoundTrip, EmptyInputEveryCodec) {
  for (Codec c : kAllCodecs) {
    Bytes z, back{1, 2, 3};
    ASSERT_TRUE(codec::compress({}, z, {.codec = c}).ok()) << codec::codec_name(c);
    EXPECT_FALSE(z.empty()) << "an empty frame still has a header";
    EXPECT_EQ(codec::detect(z).codec, c);
    ASSERT_TRUE(codec::decompress(z, back).ok()) << codec::codec_name(c);
    EXPECT_TRUE(back.empty());
  }
  Bytes back{1};
  EXPECT_TRUE(codec::decompress({}, back).ok()) << "no frames at all is empty output";
  EXPECT_TRUE(back.empty());
}

TEST(CodecRoundTrip, ConcatenatedMixedFrames) {
  Bytes all, expect;
  for (Codec c : kAllCodecs) {
    Bytes d = text_bytes(50'000 + static_cast<int>(c) * 1000, static_cast<int>(c)), z;
    ASSERT_TRUE(codec::compress(d, z, {.codec = c}).ok());
    all.insert(all.end(), z.begin(), z.end());
    expect.insert(expect.end(), d.begin(), d.end());
  }
  auto d = codec::Decompressor::create();
  Bytes back = stream_decompress(*d, all, 77);
  EXPECT_TRUE(back == expect);
  EXPECT_EQ(d->frames(), 4u);
}

TEST(CodecRoundTrip, LevelOutOfRangeIsInvalidArgument) {
  for (Codec c : kAllCodecs) {
    auto r = codec::level_range(c);
    auto bad = codec::Compressor::create({.codec = c, .level = r.max + 1});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), Errc::invalid_argument);
  }
  EXPECT_EQ(codec::Compressor::create({.codec = Codec::none}).status().code(), Errc::invalid_argument);
}

TEST(CodecRoundTrip, CompressIntoTooSmallIsOutputLimit) {
  Bytes data = random_bytes(100'000, 3), small(1000);
  for (Codec c : kAllCodecs) {
    auto r = codec::compress_into(data, small, {.codec = c});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Errc::output_limit) << codec::codec_name(c);
  }
}

// After warm-up, further frames of the same size must not call malloc
// inside the libraries (all their allocations go through our counting Recycler).
TEST(CodecRoundTrip, ReusedContextsAllocateNothingAfterWarmup) {
  Bytes data = mixed_bytes(300'000, 8);
  for (Codec c : kAllCodecs) {
    auto comp = codec::Compressor::create({.codec = c});
    auto dec = codec::Decompressor::create();
    Bytes z(codec::compress_bound(c, data.size())), back(data.size());
    auto warm = [&] {
      auto zn = comp->compress_into(data, z);
      ASSERT_TRUE(zn.ok());
      auto dn = dec->decompress_into({z.data(), *zn}, back);
      ASSERT_TRUE(dn.ok()) << dn.status().to_string();
      ASSERT_TRUE(back == data);
    };
    // Warm-up is two frames: liblzma's first stream end and restart settle
    // the order of its small blocks.
    warm();
    warm();
    std::uint64_t before = codec::detail::allocation_count();
    for (int i = 0; i < 6; ++i) warm();
    EXPECT_EQ(codec::detail::allocation_count(), before) << codec::codec_name(c);
    EXPECT_GT(before, 0u) << "the libraries must allocate through the Recycler";
  }
}

// A zstd frame handed over whole reaches libzstd whole (the facade reads the
// magic to pick the codec, then gives the backend the frame from its first
// byte), so libzstd decodes it straight into the output without allocating
// its window buffers. Fed in two pieces (header split), it has to allocate them.
TEST(CodecRoundTrip, WholeZstdFrameDecodesWithoutWindowBuffers) {
  Bytes data = mixed_bytes(1 << 20, 9);
  Bytes z(codec::compress_bound(Codec::zstd, data.size()));
  auto zn = codec::compress_into(data, z, {.codec = Codec::zstd});
  ASSERT_TRUE(zn.ok());
  z.resize(*zn);
  auto allocations = [&](std::size_t split) {
    auto dec = codec::Decompressor::create();
    EXPECT_TRUE(dec.ok());
    Bytes back(data.size());
    std::uint64_t before = codec::detail::allocation_count();
    std::size_t ip = 0, op = 0;
    for (std::size_t end : {split, z.size()}) {
      while (ip < end) {
        auto r = dec->update({z.data() + ip, end - ip}, {back.data() + op, back.size() - op});
        EXPECT_TRUE(r.ok()) << r.status().to_string();
        if (!r.ok() || (r->in_used == 0 && r->out_used == 0)) break;
        ip += r->in_used;
        op += r->out_used;
      }
    }
    EXPECT_TRUE(dec->finish().ok());
    EXPECT_TRUE(op == data.size() && back == data);
    return codec::detail::allocation_count() - before;
  };
  const std::uint64_t whole = allocations(0), split = allocations(6);
  EXPECT_LT(whole, split) << "whole: " << whole << ", header split: " << split;
}

TEST(CodecDictionary, TrainCompressDecompress) {
  // Many small JSON-ish records sharing structure: the case dictionaries help.
  std::vector<Bytes> samples;
  Bytes flat;
  std::vector<std::size_t> sizes;
  SplitMix64 s(42);
  for (int i = 0; i < 2000; ++i) {
    std::string rec = "{\"path\":\"/nix/store/" + std::to_string(s.next() % 100000) +
                      "-package-name\",\"narHash\":\"sha256:" + std::to_string(s.next()) +
                      "\",\"references\":[\"glibc\",\"openssl\"],\"deriver\":\"x.drv\"}";
    flat.insert(flat.end(), rec.begin(), rec.end());
    sizes.push_back(rec.size());
  }
  auto dict = codec::train_dictionary(flat, sizes, 4096);
  ASSERT_TRUE(dict.ok()) << dict.status().to_string();
  EXPECT_LE(dict->size(), 4096u);

  Bytes record(flat.begin(), flat.begin() + static_cast<std::ptrdiff_t>(sizes[0]));
  Bytes with, without, back;
  ASSERT_TRUE(codec::compress(record, with, {.codec = Codec::zstd, .level = 3, .dictionary = *dict}).ok());
  ASSERT_TRUE(codec::compress(record, without, {.codec = Codec::zstd, .level = 3}).ok());
  EXPECT_LT(with.size(), without.size());
  ASSERT_TRUE(codec::decompress(with, back, {.dictionary = *dict}).ok());
  EXPECT_TRUE(back == record);
  // Without the dictionary the frame cannot be decoded, and says why (a data
  // error, as for `zstd -d`).
  auto st = codec::decompress(with, back);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Errc::corrupt_input) << st.to_string();

  auto bad = codec::train_dictionary(flat, std::span<const std::size_t>(sizes).first(3), 4096);
  EXPECT_EQ(bad.status().code(), Errc::invalid_argument);
  EXPECT_EQ(codec::Compressor::create({.codec = Codec::xz, .dictionary = *dict}).status().code(),
            Errc::invalid_argument);
}

TEST(CodecAdaptive, StoresIncompressibleCompressesText) {
  auto comp = codec::Compressor::create(codec::strategy_options(codec::Strategy::adaptive));
  ASSERT_TRUE(comp.ok());
  Bytes jpeg = read_file(std::filesystem::path(CHUNKER_TEST_DATA_DIR) / "SekienAkashita.jpg");
  ASSERT_GT(jpeg.size(), 10000u);
  Bytes out;
  auto r = codec::compress_adaptive(*comp, jpeg, out);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->stored);
  EXPECT_TRUE(r->probed_incompressible);
  EXPECT_EQ(r->codec, Codec::none);
  EXPECT_TRUE(out == jpeg);
  // Without the copy: nothing in out, the size is the input's.
  r = codec::compress_adaptive(*comp, jpeg, out, /*copy_stored=*/false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->stored);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(r->size, jpeg.size());

  Bytes rnd = random_bytes(1 << 20, 5);
  EXPECT_TRUE(codec::looks_incompressible(rnd));

  Bytes text = text_bytes(200'000, 6), back;
  EXPECT_FALSE(codec::looks_incompressible(text));
  r = codec::compress_adaptive(*comp, text, out);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->stored);
  EXPECT_EQ(r->codec, Codec::zstd);
  EXPECT_LT(out.size(), text.size() / 2);
  ASSERT_TRUE(codec::decompress(out, back).ok());
  EXPECT_TRUE(back == text);
}

TEST(CodecStrategy, NamesAndSettings) {
  EXPECT_EQ(codec::strategy_options(codec::Strategy::fastest).codec, Codec::lz4);
  EXPECT_EQ(codec::strategy_options(codec::Strategy::balanced).codec, Codec::zstd);
  EXPECT_EQ(codec::strategy_options(codec::Strategy::balanced).level, 3);
  EXPECT_EQ(codec::strategy_options(codec::Strategy::smallest).codec, Codec::xz);
  EXPECT_EQ(codec::strategy_options(codec::Strategy::smallest).level, 6);
  EXPECT_EQ(*codec::parse_strategy("adaptive"), codec::Strategy::adaptive);
  EXPECT_EQ(codec::parse_strategy("best").status().code(), Errc::invalid_argument);
  EXPECT_EQ(*codec::parse_codec("bz2"), Codec::bzip2);
  EXPECT_EQ(codec::parse_codec("gzip").status().code(), Errc::invalid_argument);
}

// The CLI and the JS binding both turn names into options here.
TEST(CodecStrategy, ResolveNamesToOptions) {
  auto none = codec::resolve_compress("", "");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->options.codec, Codec::zstd);
  EXPECT_EQ(none->options.level, 3);
  EXPECT_FALSE(none->adaptive);
  auto xz = codec::resolve_compress("xz", "");
  ASSERT_TRUE(xz.ok());
  EXPECT_EQ(xz->options.codec, Codec::xz);
  EXPECT_EQ(xz->options.level, 6);  // the codec's default, not balanced's 3
  auto lz4 = codec::resolve_compress("lz4", "", 9);
  ASSERT_TRUE(lz4.ok());
  EXPECT_EQ(lz4->options.level, 9);
  auto ad = codec::resolve_compress("", "adaptive");
  ASSERT_TRUE(ad.ok());
  EXPECT_TRUE(ad->adaptive);
  EXPECT_EQ(ad->options.codec, Codec::zstd);
  auto fast_zstd = codec::resolve_compress("zstd", "fastest");  // codec overrides, strategy's level stays
  ASSERT_TRUE(fast_zstd.ok());
  EXPECT_EQ(fast_zstd->options.codec, Codec::zstd);
  EXPECT_EQ(fast_zstd->options.level, 1);

  auto high = codec::resolve_compress("lz4", "", 13);
  EXPECT_EQ(high.status().code(), Errc::invalid_argument);
  EXPECT_EQ(high.status().message(), "level: lz4 levels are 1..12, got 13");
  EXPECT_EQ(codec::resolve_compress("none", "").status().code(), Errc::invalid_argument);
  EXPECT_EQ(codec::resolve_compress("gzip", "").status().code(), Errc::invalid_argument);
  EXPECT_EQ(codec::resolve_compress("", "best").status().code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace chunker::test
