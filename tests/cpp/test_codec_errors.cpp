// Bad input: truncation at every position, corrupted bytes, wrong magic,
// trailing garbage, mismatched codec and output limits — each must be a
// distinct, clear Status, never a crash or a silent wrong result.
#include <gtest/gtest.h>

#include "codec_test_util.hpp"

namespace chunker::test {
namespace {

using codec::Codec;

Bytes small_frame(Codec c) {
  Bytes z;
  EXPECT_TRUE(codec::compress(text_bytes(3000, 17), z, {.codec = c}).ok());
  return z;
}

TEST(CodecErrors, TruncationAtEveryPositionIsTruncatedInput) {
  for (Codec c : kAllCodecs) {
    Bytes z = small_frame(c);
    auto d = codec::Decompressor::create();
    Bytes out(10000);
    for (std::size_t k = 1; k < z.size(); ++k) {
      auto r = d->decompress_into({z.data(), k}, out);
      ASSERT_FALSE(r.ok()) << codec::codec_name(c) << " cut at " << k;
      ASSERT_EQ(r.status().code(), Errc::truncated_input)
          << codec::codec_name(c) << " cut at " << k << ": " << r.status().to_string();
    }
    // The full frame still decodes with the same (reused) context.
    auto r = d->decompress_into(z, out);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(*r, 3000u);
  }
}

TEST(CodecErrors, CorruptedBytesNeverDecodeToWrongData) {
  const Bytes original = text_bytes(3000, 17);
  for (Codec c : kAllCodecs) {
    Bytes z = small_frame(c);
    auto d = codec::Decompressor::create();
    Bytes out(10000);
    for (std::size_t i = 0; i < z.size(); ++i) {
      for (std::uint8_t flip : {0x01, 0x80, 0xFF}) {
        Bytes bad = z;
        bad[i] ^= flip;
        auto r = d->decompress_into(bad, out);
        if (r.ok()) {
          // Only fields no checksum covers may change harmlessly; the data may not.
          ASSERT_TRUE(std::equal(original.begin(), original.end(), out.begin()) && *r == original.size())
              << codec::codec_name(c) << " byte " << i << " flip " << int(flip) << " decoded to different data";
          continue;
        }
        Errc e = r.status().code();
        ASSERT_TRUE(e == Errc::corrupt_input || e == Errc::truncated_input || e == Errc::unsupported_format ||
                    e == Errc::trailing_data || e == Errc::output_limit)
            << codec::codec_name(c) << " byte " << i << ": " << r.status().to_string();
        ASSERT_FALSE(r.status().message().empty());
      }
    }
    // A flipped byte in the middle of the payload is caught by the checksums.
    Bytes bad = z;
    bad[z.size() / 2] ^= 0x55;
    auto r = d->decompress_into(bad, out);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Errc::corrupt_input) << codec::codec_name(c) << ": " << r.status().to_string();
  }
}

TEST(CodecErrors, WrongMagicListsWhatWasTried) {
  Bytes out;
  std::string hello = "hello, world\n";
  auto st = codec::decompress({reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size()}, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Errc::unsupported_format);
  EXPECT_NE(st.message().find("tried zstd, lz4 (frame and legacy), xz, lzma-alone, bzip2"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("68 65 6c 6c"), std::string::npos) << st.message();

  Bytes gz{0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0};
  st = codec::decompress(gz, out);
  EXPECT_EQ(st.code(), Errc::unsupported_format);
  EXPECT_NE(st.message().find("gzip"), std::string::npos) << st.message();

  // A lone partial magic is an incomplete frame, not an unknown format.
  Bytes partial{0x28, 0xB5};
  EXPECT_EQ(codec::decompress(partial, out).code(), Errc::truncated_input);
}

TEST(CodecErrors, TrailingGarbageIsTrailingData) {
  for (Codec c : kAllCodecs) {
    Bytes z = small_frame(c), out;
    for (const std::string& tail : std::vector<std::string>{"garbage!", std::string(1, 0), std::string("\x28\xb5\x2f", 3)}) {
      Bytes bad = z;
      bad.insert(bad.end(), tail.begin(), tail.end());
      Status st = codec::decompress(bad, out);
      ASSERT_FALSE(st.ok()) << codec::codec_name(c);
      if (tail == "garbage!" || (tail.size() == 1 && c != Codec::xz)) {
        EXPECT_EQ(st.code(), Errc::trailing_data) << codec::codec_name(c) << ": " << st.to_string();
        EXPECT_NE(st.message().find("offset " + std::to_string(z.size())), std::string::npos) << st.message();
      } else if (tail.size() == 1) {
        EXPECT_EQ(st.code(), Errc::corrupt_input) << "xz padding must be a multiple of 4: " << st.to_string();
      } else {
        EXPECT_EQ(st.code(), Errc::truncated_input) << "a partial next frame: " << st.to_string();
      }
    }
  }
  // .xz stream padding (NUL bytes, multiple of four) is part of the format.
  Bytes z = small_frame(Codec::xz), out;
  z.insert(z.end(), 8, 0);
  EXPECT_TRUE(codec::decompress(z, out).ok());
  EXPECT_EQ(out.size(), 3000u);
}

TEST(CodecErrors, FixedCodecRejectsOtherFormats) {
  Bytes z = small_frame(Codec::zstd), out;
  Status st = codec::decompress(z, out, {.codec = Codec::xz});
  EXPECT_EQ(st.code(), Errc::unsupported_format);
  EXPECT_NE(st.message().find("expected xz"), std::string::npos) << st.message();
  EXPECT_TRUE(codec::decompress(z, out, {.codec = Codec::zstd}).ok());
}

// A context that saw a truncated or corrupt frame must decode the next valid
// one (found by fuzzing: liblz4's reset keeps a stale content-size counter).
TEST(CodecErrors, ContextRecoversAfterAbandonedFrame) {
  const Bytes data = text_bytes(5000, 4);
  for (Codec c : kAllCodecs) {
    Bytes with_size, streamed;
    ASSERT_TRUE(codec::compress(data, with_size, {.codec = c}).ok());  // one-shot: lz4 records the size
    auto comp = codec::Compressor::create({.codec = c});
    Bytes obuf(codec::compress_bound(c, data.size()));
    auto r = comp->update(data, obuf, true);  // streamed: no content size
    ASSERT_TRUE(r.ok() && r->done);
    streamed.assign(obuf.begin(), obuf.begin() + r->out_used);

    auto d = codec::Decompressor::create();
    Bytes out(10000);
    auto t = d->decompress_into({with_size.data(), with_size.size() / 2}, out);
    EXPECT_EQ(t.status().code(), Errc::truncated_input);
    auto ok = d->decompress_into(streamed, out);
    ASSERT_TRUE(ok.ok()) << codec::codec_name(c) << ": " << ok.status().to_string();
    EXPECT_TRUE(std::equal(data.begin(), data.end(), out.begin()));
    Bytes bad = with_size;
    bad[bad.size() / 2] ^= 0x40;
    EXPECT_FALSE(d->decompress_into(bad, out).ok());
    ok = d->decompress_into(streamed, out);
    ASSERT_TRUE(ok.ok()) << codec::codec_name(c) << ": " << ok.status().to_string();
  }
}

TEST(CodecLimits, LimitIsExactForEveryCodecAndPath) {
  const Bytes data(2'000'000, 'a');
  for (Codec c : kAllCodecs) {
    Bytes z, out;
    ASSERT_TRUE(codec::compress(data, z, {.codec = c}).ok());
    // Limit == size: fine. Limit one below: output_limit, both one-shot paths.
    EXPECT_TRUE(codec::decompress(z, out, {.output_limit = data.size()}).ok()) << codec::codec_name(c);
    EXPECT_EQ(out.size(), data.size());
    Bytes fresh;
    Status st = codec::decompress(z, fresh, {.output_limit = data.size() - 1});
    EXPECT_EQ(st.code(), Errc::output_limit) << codec::codec_name(c) << ": " << st.to_string();
    EXPECT_LE(fresh.capacity(), data.size()) << "the growing buffer never exceeds limit + 1";
    Bytes small(data.size() - 1);
    auto r = codec::decompress_into(z, small);
    EXPECT_EQ(r.status().code(), Errc::output_limit) << codec::codec_name(c);
    Bytes exact(data.size());
    r = codec::decompress_into(z, exact);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_TRUE(exact == data);

    // Streaming: the error comes at the update that crosses the limit, with at
    // most limit + 1 bytes ever produced.
    auto d = codec::Decompressor::create({.output_limit = 100'000});
    Bytes obuf(64 * 1024);
    std::uint64_t produced = 0;
    Status err;
    std::span<const std::uint8_t> rest(z);
    for (int guard = 0; guard < 1000 && err.ok(); ++guard) {
      auto u = d->update(rest, obuf);
      if (!u) {
        err = u.status();
        break;
      }
      produced += u->out_used;
      rest = rest.subspan(u->in_used);
    }
    EXPECT_EQ(err.code(), Errc::output_limit) << codec::codec_name(c);
    EXPECT_LE(produced, 100'000u);
    EXPECT_LE(d->total_out(), 100'001u);
  }
}

}  // namespace
}  // namespace chunker::test
