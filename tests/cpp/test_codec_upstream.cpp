// Behaviour the upstream programs define and that chunker must share: zstd's
// declared content size, zstd's golden (de)compression files, frames that
// need a dictionary, LZMA-alone (.lzma) and legacy LZ4 frames (lz4 -l).
// Inputs are zstd's own test files (from the Debian source in the cache, see
// scripts/debian-source.sh) or files the reference programs write at test
// time. The full upstream corpora run in scripts/ci/55-corpora.sh.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "codec_test_util.hpp"

namespace chunker::test {
namespace {

using codec::Codec;

bool required() {
  const char* ci = std::getenv("CI");
  const char* req = std::getenv("CHUNKER_REQUIRE_TOOLS");
  return (ci && std::string(ci) == "true") || (req && std::string(req) == "1");
}

// The unpacked Debian source of `pkg` in `suite`, as scripts/debian-source.sh
// left it in the cache; empty if it was never fetched.
std::filesystem::path debian_source(const std::string& suite, const std::string& pkg) {
  std::filesystem::path cache;
  if (const char* c = std::getenv("CHUNKER_CACHE")) cache = c;
  else if (const char* x = std::getenv("XDG_CACHE_HOME")) cache = std::filesystem::path(x) / "chunker";
  else if (const char* h = std::getenv("HOME")) cache = std::filesystem::path(h) / ".cache/chunker";
  std::ifstream cur(cache / "debsrc" / suite / (pkg + ".current"));
  std::string v;
  if (!(cur >> v)) return {};
  auto dir = cache / "debsrc" / suite / (pkg + "-" + v);
  return std::filesystem::exists(dir / ".complete") ? dir : std::filesystem::path();
}

std::string err_text(const std::filesystem::path& p) {
  Bytes b = read_file(p);
  return std::string(b.begin(), b.end());
}

class Upstream : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* p : {"zstd", "xz", "lz4"}) ASSERT_TRUE(have_program(p)) << p << " is not installed";
  }
  TempDir dir_;
};

// Offset and width of the Frame_Content_Size field of the zstd frame at `z`.
std::pair<std::size_t, std::size_t> fcs_field(const Bytes& z) {
  const std::uint8_t fhd = z[4];
  const bool single = (fhd >> 5) & 1;
  const std::size_t did[] = {0, 1, 2, 4};
  const std::size_t fcs[] = {single ? 1u : 0u, 2, 4, 8};
  return {5 + (single ? 0 : 1) + did[fhd & 3], fcs[fhd >> 6]};
}

TEST_F(Upstream, ZstdDeclaredContentSizeIsEnforced) {
  const Bytes data = text_bytes(137, 19);
  write_file(dir_ / "in", data);
  ASSERT_EQ(run("zstd -q -f " + q(dir_ / "in") + " -o " + q(dir_ / "in.zst")).status, 0);
  const Bytes good = read_file(dir_ / "in.zst");
  auto [off, width] = fcs_field(good);
  ASSERT_EQ(width, 1u) << "zstd wrote no 1-byte content size for 137 bytes";
  ASSERT_EQ(good[off], 137);
  for (std::uint8_t declared : {200, 100, 0}) {
    SCOPED_TRACE("declared " + std::to_string(declared));
    Bytes bad = good;
    bad[off] = declared;
    write_file(dir_ / "bad.zst", bad);
    // The reference refuses it...
    EXPECT_NE(run("zstd -q -dc " + q(dir_ / "bad.zst") + " > /dev/null 2>&1").status, 0);
    // ... and so does every path of ours.
    Bytes out;
    Status st = codec::decompress(bad, out);
    EXPECT_EQ(st.code(), Errc::corrupt_input) << st.to_string();
    std::vector<std::uint8_t> buf(1000);
    auto d = codec::Decompressor::create();
    auto r = d->decompress_into(bad, buf);
    EXPECT_EQ(r.status().code(), Errc::corrupt_input) << r.status().to_string();
    EXPECT_EQ(run(std::string(cli()) + " decompress -q " + q(dir_ / "bad.zst") + " > /dev/null 2> " + q(dir_ / "err"))
                  .status,
              1);
    EXPECT_NE(err_text(dir_ / "err").find("bad.zst: "), std::string::npos) << err_text(dir_ / "err");
  }
  Bytes out;
  ASSERT_TRUE(codec::decompress(good, out).ok());
  EXPECT_TRUE(out == data);
}

TEST_F(Upstream, ZstdGoldenFiles) {
  const auto src = debian_source("trixie", "libzstd");
  if (src.empty()) {
    if (required()) FAIL() << "zstd's source is not in the cache (bash scripts/zstd-native.sh fetches it)";
    GTEST_SKIP() << "zstd's source is not in the cache (bash scripts/zstd-native.sh)";
  }
  // Legal frames decode (zeroSeq_2B.zst: libzstd 1.5.4 refuses it)...
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(src / "tests/golden-decompression")) {
    if (e.path().filename().string()[0] == '.') continue;  // .gitignore
    SCOPED_TRACE(e.path().filename().string());
    ASSERT_EQ(run("zstd -q -dc " + q(e.path()) + " > " + q(dir_ / "ref")).status, 0);
    Bytes out;
    Status st = codec::decompress(read_file(e.path()), out);
    EXPECT_TRUE(st.ok()) << st.to_string();
    EXPECT_TRUE(out == read_file(dir_ / "ref"));
    ++n;
  }
  EXPECT_GE(n, 4);
  // ... corrupt ones fail (1.5.4 accepts them), on every path, as data errors.
  n = 0;
  for (const auto& e : std::filesystem::directory_iterator(src / "tests/golden-decompression-errors")) {
    if (e.path().filename().string()[0] == '.') continue;  // .gitignore
    SCOPED_TRACE(e.path().filename().string());
    EXPECT_NE(run("zstd -q -dc " + q(e.path()) + " > /dev/null 2>&1").status, 0);
    const Bytes z = read_file(e.path());
    Bytes out;
    Status st = codec::decompress(z, out);
    EXPECT_FALSE(st.ok());
    EXPECT_TRUE(st.code() == Errc::corrupt_input || st.code() == Errc::truncated_input) << st.to_string();
    std::vector<std::uint8_t> buf(1 << 20);
    EXPECT_FALSE(codec::decompress_into(z, buf).ok());
    EXPECT_EQ(run(std::string(cli()) + " decompress -q " + q(e.path()) + " > /dev/null 2>&1").status, 1);
    ++n;
  }
  EXPECT_GE(n, 3);
  // golden-compression: what we write, the reference decodes to the input.
  for (const auto& e : std::filesystem::directory_iterator(src / "tests/golden-compression")) {
    if (e.path().filename().string()[0] == '.') continue;  // .gitignore
    SCOPED_TRACE(e.path().filename().string());
    const Bytes in = read_file(e.path());
    for (int level : {1, 3, 19}) {
      Bytes z;
      ASSERT_TRUE(codec::compress(in, z, {.codec = Codec::zstd, .level = level}).ok());
      write_file(dir_ / "ours.zst", z);
      ASSERT_EQ(run("zstd -q -dc " + q(dir_ / "ours.zst") + " > " + q(dir_ / "back")).status, 0);
      EXPECT_TRUE(read_file(dir_ / "back") == in) << "level " << level;
    }
  }
}

// The README: `compress --codec zstd -T N FILE` writes what `zstd -T N FILE`
// writes, content size in the header included; -T 1 is `zstd --single-thread`.
TEST_F(Upstream, ZstdNamedFileMatchesZstdProgram) {
  const Bytes big = mixed_bytes(1'500'000, 5);
  const Bytes small = mixed_bytes(300'000, 6);
  write_file(dir_ / "big", big);
  write_file(dir_ / "small", small);
  for (const char* f : {"big", "small"}) {
    for (const auto& [ours, theirs] : {std::pair{"-T 2", "-T2"}, {"-T 3 --level 19", "-T3 -19"},
                                       {"-T 1", "--single-thread"}, {"-T 1 --level 1", "--single-thread -1"}}) {
      SCOPED_TRACE(std::string(f) + " " + ours);
      ASSERT_EQ(run(std::string(cli()) + " compress -q --codec zstd " + ours + " " + q(dir_ / f) + " " +
                    q(dir_ / "ours.zst"))
                    .status,
                0);
      ASSERT_EQ(run(std::string("zstd -q -f ") + theirs + " " + q(dir_ / f) + " -o " + q(dir_ / "theirs.zst")).status,
                0);
      const Bytes z = read_file(dir_ / "ours.zst");
      EXPECT_TRUE(z == read_file(dir_ / "theirs.zst"));
      auto [off, width] = fcs_field(z);
      EXPECT_GT(width, 0u) << "no content size in the header";
    }
  }
}

TEST_F(Upstream, ZstdFrameNeedingADictionaryIsADataError) {
  std::vector<std::size_t> sizes;
  Bytes samples;
  for (int i = 0; i < 400; ++i) {
    Bytes s = text_bytes(200 + (i % 7) * 31, 1000 + i);
    samples.insert(samples.end(), s.begin(), s.end());
    sizes.push_back(s.size());
  }
  auto dict = codec::train_dictionary(samples, sizes, 4096);
  ASSERT_TRUE(dict.ok()) << dict.status().to_string();
  write_file(dir_ / "dict", *dict);
  const Bytes rec = text_bytes(300, 1001);
  write_file(dir_ / "rec", rec);
  ASSERT_EQ(run("zstd -q -f -D " + q(dir_ / "dict") + " " + q(dir_ / "rec") + " -o " + q(dir_ / "rec.zst")).status, 0);
  EXPECT_NE(run("zstd -q -dc " + q(dir_ / "rec.zst") + " > /dev/null 2>&1").status, 0);
  const Bytes z = read_file(dir_ / "rec.zst");
  Bytes out;
  Status st = codec::decompress(z, out);
  EXPECT_EQ(st.code(), Errc::corrupt_input) << st.to_string();
  EXPECT_NE(st.message().find("dictionary"), std::string::npos) << st.to_string();
  EXPECT_EQ(run(std::string(cli()) + " decompress -q " + q(dir_ / "rec.zst") + " > /dev/null 2>&1").status, 1);
  ASSERT_TRUE(codec::decompress(z, out, {.dictionary = *dict}).ok());
  EXPECT_TRUE(out == rec);
}

TEST_F(Upstream, LzmaAloneFromXz) {
  const Bytes data = mixed_bytes(400'000, 8);
  write_file(dir_ / "in", data);
  for (const char* opts : {"-0", "-6", "-9e"}) {
    SCOPED_TRACE(opts);
    ASSERT_EQ(run(std::string("xz -q -c --format=lzma ") + opts + " < " + q(dir_ / "in") + " > " + q(dir_ / "in.lzma"))
                  .status,
              0);
    const Bytes z = read_file(dir_ / "in.lzma");
    EXPECT_EQ(codec::detect(z).codec, Codec::xz);
    Bytes out;
    Status st = codec::decompress(z, out);
    ASSERT_TRUE(st.ok()) << st.to_string();
    EXPECT_TRUE(out == data);
    EXPECT_TRUE(codec::decompress(z, out, {.codec = Codec::xz}).ok());
    ASSERT_EQ(run(std::string(cli()) + " decompress -q -f " + q(dir_ / "in.lzma") + " " + q(dir_ / "out")).status, 0);
    EXPECT_TRUE(read_file(dir_ / "out") == data);
    // Anything after an LZMA-alone stream is an error (xz -d agrees), and so
    // is one after another frame.
    Bytes twice = z;
    twice.insert(twice.end(), z.begin(), z.end());
    write_file(dir_ / "twice", twice);
    EXPECT_NE(run("xz -q -dc " + q(dir_ / "twice") + " > /dev/null 2>&1").status, 0);
    EXPECT_EQ(codec::decompress(twice, out).code(), Errc::trailing_data);
  }
  // Compression stays .xz.
  Bytes z;
  ASSERT_TRUE(codec::compress(data, z, {.codec = Codec::xz, .level = 1}).ok());
  EXPECT_EQ(z[0], 0xFD);
}

TEST_F(Upstream, Lz4LegacyFramesFromLz4) {
  const Bytes big = mixed_bytes(9'000'000, 9);  // > 8 MiB: two legacy blocks
  const Bytes small = text_bytes(5000, 10);
  write_file(dir_ / "big", big);
  write_file(dir_ / "small", small);
  write_file(dir_ / "empty", Bytes{});
  for (const char* f : {"big", "small", "empty"}) {
    for (const char* opts : {"-l", "-l -9"}) {
      SCOPED_TRACE(std::string(f) + " " + opts);
      ASSERT_EQ(run(std::string("lz4 -q -c ") + opts + " < " + q(dir_ / f) + " > " + q(dir_ / "z")).status, 0);
      const Bytes z = read_file(dir_ / "z");
      ASSERT_EQ(z[0], 0x02);
      Bytes out;
      Status st = codec::decompress(z, out);
      ASSERT_TRUE(st.ok()) << st.to_string();
      EXPECT_TRUE(out == read_file(dir_ / f));
      ASSERT_EQ(run(std::string(cli()) + " decompress -q -f " + q(dir_ / "z") + " " + q(dir_ / "out")).status, 0);
      EXPECT_TRUE(read_file(dir_ / "out") == read_file(dir_ / f));
    }
  }
  // legacy + legacy and legacy + frame decode (the lz4 program reads both),
  // fed one byte at a time, so the next frame's magic arrives in pieces.
  ASSERT_EQ(run("lz4 -q -l -c < " + q(dir_ / "small") + " > " + q(dir_ / "l")).status, 0);
  ASSERT_EQ(run("lz4 -q -c < " + q(dir_ / "small") + " > " + q(dir_ / "f")).status, 0);
  for (const char* second : {"l", "f"}) {
    SCOPED_TRACE(std::string("legacy + ") + second);
    ASSERT_EQ(run("cat " + q(dir_ / "l") + " " + q(dir_ / second) + " > " + q(dir_ / "cat")).status, 0);
    ASSERT_EQ(run("lz4 -q -dc " + q(dir_ / "cat") + " > " + q(dir_ / "ref")).status, 0);
    const Bytes cat = read_file(dir_ / "cat");
    auto d = codec::Decompressor::create();
    Bytes out, buf(7);
    for (std::uint8_t b : cat) {
      std::span<const std::uint8_t> in(&b, 1);
      for (;;) {
        auto r = d->update(in, buf);
        ASSERT_TRUE(r.ok()) << r.status().to_string();
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->out_used));
        in = in.subspan(r->in_used);
        if (in.empty() && r->out_used < buf.size()) break;
      }
    }
    ASSERT_TRUE(d->finish().ok());
    EXPECT_TRUE(out == read_file(dir_ / "ref"));
    EXPECT_EQ(d->frames(), second[0] == 'l' ? 1u : 2u);  // legacy + legacy is one (continued) stream
  }
  // Garbage after a legacy frame: lz4 fails, and so do we.
  Bytes garbage = read_file(dir_ / "l");
  for (char c : std::string("garbage!")) garbage.push_back(static_cast<std::uint8_t>(c));
  write_file(dir_ / "g", garbage);
  EXPECT_NE(run("lz4 -q -dc " + q(dir_ / "g") + " > /dev/null 2>&1").status, 0);
  Bytes out;
  EXPECT_FALSE(codec::decompress(garbage, out).ok());
  // A cut-off legacy block is truncated input.
  Bytes cut = read_file(dir_ / "l");
  cut.resize(cut.size() - 3);
  EXPECT_EQ(codec::decompress(cut, out).code(), Errc::truncated_input);
}

// Found by fuzzing: the growing one-shot decoder and a reused context given
// the same limit classified this frame differently. Its header declares 0
// content bytes but blocks follow, so it is corrupt on every path (zstd -d
// fails on it too).
TEST(CodecRegressions, ZstdOneShotAndReusedContextAgree) {
  const Bytes z = read_file(std::filesystem::path(CHUNKER_TEST_DATA_DIR) /
                            "../../fuzz/corpus/fuzz_codec_zstd/regress-oneshot-vs-stream-limit");
  ASSERT_FALSE(z.empty());
  const codec::DecompressOptions o{.codec = Codec::zstd, .output_limit = 256u << 10};
  Bytes grown;
  Status one_shot = codec::decompress(z, grown, o);
  auto reused = codec::Decompressor::create(o);
  std::vector<std::uint8_t> buf(256u << 10);
  (void)reused->decompress(z, grown);  // the context has decoded before
  auto into = reused->decompress_into(z, buf);
  EXPECT_EQ(one_shot.code(), Errc::corrupt_input) << one_shot.to_string();
  EXPECT_EQ(into.status().code(), one_shot.code()) << into.status().to_string();
}

TEST(CodecCliFiles, DecompressKeepsExistingOutputAndNamesTheFile) {
  TempDir dir;
  const std::string c = cli();
  const Bytes data = text_bytes(10000, 3);
  write_file(dir / "data", data);
  ASSERT_EQ(run("zstd -q -c " + q(dir / "data") + " > " + q(dir / "data.zst")).status, 0);
  // Empty input is an error, as for zstd -d and xz -d.
  write_file(dir / "empty", Bytes{});
  EXPECT_NE(run("zstd -q -dc " + q(dir / "empty") + " > /dev/null 2>&1").status, 0);
  EXPECT_EQ(run(c + " decompress -q " + q(dir / "empty") + " > /dev/null 2> " + q(dir / "err")).status, 1);
  EXPECT_NE(err_text(dir / "err").find("empty: empty input"), std::string::npos) << err_text(dir / "err");
  EXPECT_EQ(run(c + " decompress -q < /dev/null > /dev/null 2>&1").status, 1);
  // An existing OUT is kept without -f...
  const Bytes old = text_bytes(50, 4);
  write_file(dir / "out", old);
  EXPECT_EQ(run(c + " decompress -q " + q(dir / "data.zst") + " " + q(dir / "out") + " 2> " + q(dir / "err")).status, 1);
  EXPECT_NE(err_text(dir / "err").find("already exists"), std::string::npos) << err_text(dir / "err");
  EXPECT_TRUE(read_file(dir / "out") == old);
  // ... and when decoding fails, even with -f; the error names the input.
  Bytes bad = read_file(dir / "data.zst");
  bad[bad.size() / 2] ^= 0x40;
  write_file(dir / "bad.zst", bad);
  EXPECT_EQ(run(c + " decompress -q -f " + q(dir / "bad.zst") + " " + q(dir / "out") + " 2> " + q(dir / "err")).status,
            1);
  EXPECT_TRUE(read_file(dir / "out") == old);
  EXPECT_NE(err_text(dir / "err").find("bad.zst: "), std::string::npos) << err_text(dir / "err");
  // -f replaces it with the complete output; no temp files are left behind.
  EXPECT_EQ(run(c + " decompress -q -f " + q(dir / "data.zst") + " " + q(dir / "out")).status, 0);
  EXPECT_TRUE(read_file(dir / "out") == data);
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".chunker-out-"), std::string::npos) << e.path();
  // Devices are written in place without -f (never replaced).
  EXPECT_EQ(run(c + " decompress -q " + q(dir / "data.zst") + " /dev/null").status, 0);
}

}  // namespace
}  // namespace chunker::test
