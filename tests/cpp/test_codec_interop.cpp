// Interop with the reference programs, both ways: what we write, zstd / lz4 /
// xz / bzip2 decompress to the original bytes; what they write (with several
// levels and options, concatenated too), we decompress — through the library
// and through the `chunker` CLI.
#include <gtest/gtest.h>

#include "codec_test_util.hpp"

namespace chunker::test {
namespace {

using codec::Codec;

class Interop : public ::testing::Test {
 protected:
  void SetUp() override {
    for (Codec c : kAllCodecs) ASSERT_TRUE(have_program(program(c))) << program(c) << " is not installed";
    data_ = mixed_bytes(700'000, 2024);
    write_file(dir_ / "data", data_);
  }
  TempDir dir_;
  Bytes data_;
};

struct ToolCase {
  Codec codec;
  std::string args;  // options for the reference program's compressor
};

TEST_F(Interop, TheirOutputOurDecoder) {
  const std::vector<ToolCase> cases = {
      {Codec::zstd, "-1"},          {Codec::zstd, "-3"},
      {Codec::zstd, "-19"},         {Codec::zstd, "--fast=5"},
      {Codec::zstd, "-3 --no-check"}, {Codec::zstd, "-3 -T2 -B262144"},
      {Codec::lz4, "-1"},           {Codec::lz4, "-9"},
      {Codec::lz4, "-1 -B4 -BD"},   {Codec::lz4, "-1 -BX --no-frame-crc"},
      {Codec::lz4, "-1 --content-size"},
      {Codec::xz, "-0"},            {Codec::xz, "-6"},
      {Codec::xz, "-1 --check=sha256"}, {Codec::xz, "-1 --check=none"},
      {Codec::xz, "-1 -T2 --block-size=200000"},
      {Codec::bzip2, "-1"},         {Codec::bzip2, "-9"},
  };
  auto dec = codec::Decompressor::create();
  for (const auto& tc : cases) {
    SCOPED_TRACE(std::string(program(tc.codec)) + " " + tc.args);
    auto f = dir_ / "theirs";
    ASSERT_EQ(run(std::string(program(tc.codec)) + " -q -c " + tc.args + " < " + q(dir_ / "data") + " > " + q(f))
                  .status,
              0);
    Bytes z = read_file(f), back;
    EXPECT_EQ(codec::detect(z).codec, tc.codec);
    Status st = dec->decompress(z, back);
    ASSERT_TRUE(st.ok()) << st.to_string();
    EXPECT_TRUE(back == data_);
    // The CLI, streaming through a pipe.
    auto out = dir_ / "back";
    ASSERT_EQ(run("cat " + q(f) + " | " + cli() + " decompress > " + q(out)).status, 0);
    EXPECT_TRUE(read_file(out) == data_);
  }
}

TEST_F(Interop, TheirConcatenatedFramesAndEmptyInput) {
  for (Codec c : kAllCodecs) {
    SCOPED_TRACE(program(c));
    std::string p = program(c);
    auto f = dir_ / "cat";
    // Two separate runs appended: two frames / streams in one file.
    ASSERT_EQ(run(p + " -q -c < " + q(dir_ / "data") + " > " + q(f) + " && " + p + " -q -c < " + q(dir_ / "data") +
                  " >> " + q(f))
                  .status,
              0);
    // The reference program itself agrees the file is valid.
    ASSERT_EQ(run(p + " -q -dc < " + q(f) + " > /dev/null").status, 0);
    Bytes back;
    Status st = codec::decompress(read_file(f), back);
    ASSERT_TRUE(st.ok()) << st.to_string();
    Bytes twice = data_;
    twice.insert(twice.end(), data_.begin(), data_.end());
    EXPECT_TRUE(back == twice);

    auto e = dir_ / "empty";
    ASSERT_EQ(run(": | " + p + " -q -c > " + q(e)).status, 0);
    back = {1};
    st = codec::decompress(read_file(e), back);
    ASSERT_TRUE(st.ok()) << st.to_string();
    EXPECT_TRUE(back.empty());
  }
}

// declared_size() reads what the programs' headers record: zstd and lz4
// --content-size store the size of a named input file (not of a pipe); the
// other formats record none.
TEST_F(Interop, DeclaredSizeOfTheirFrames) {
  const auto data = q(dir_ / "data");
  const std::uint64_t n = data_.size();
  struct Case {
    std::string cmd;
    std::optional<std::uint64_t> size;
  };
  const std::vector<Case> cases = {
      {"zstd -q -c -3 " + data, n},
      {"zstd -q -c -3 " + data + " && zstd -q -c -1 " + data, 2 * n},  // concatenated frames: summed
      {"zstd -q -c -3 < " + data, std::nullopt},
      {"zstd -q -c -3 " + data + " && zstd -q -c -3 < " + data, std::nullopt},  // one frame without a size
      {"lz4 -q -c --content-size " + data, n},
      {"lz4 -q -c " + data, std::nullopt},
      {"xz -q -c -0 " + data, std::nullopt},
      {"bzip2 -q -c -1 " + data, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.cmd);
    auto f = dir_ / "frames";
    ASSERT_EQ(run("{ " + c.cmd + "; } > " + q(f)).status, 0);
    EXPECT_EQ(codec::declared_size(read_file(f)), c.size);
  }
  EXPECT_EQ(codec::declared_size({}), std::nullopt);
}

// frame_info() against the programs: the first frame's length is the size of
// the file the program wrote for it, the zstd window is what `zstd -lv`
// reports, the LZ4 window the block maximum size `lz4 --list -v` reports (the
// program may pick a smaller one than -B asks for).
TEST_F(Interop, FrameInfoOfTheirFrames) {
  const auto data = q(dir_ / "data");
  const std::uint64_t n = data_.size();
  const auto one = dir_ / "one", frames = dir_ / "frames";
  const auto zstd_window = [&](const std::filesystem::path& f) -> std::uint64_t {
    const std::string out = run("zstd -lv " + q(f) + " 2>&1").out;
    const auto at = out.find("Window Size:");
    if (at == std::string::npos) return 0;
    const auto open = out.find('(', at);
    return open == std::string::npos ? 0 : std::stoull(out.substr(open + 1));
  };
  const auto lz4_window = [&](const std::filesystem::path& f) -> std::uint64_t {
    const std::string out = run("lz4 --list -v " + q(f) + " 2>&1").out;  // "LZ4Frame   B6I ..."
    const auto at = out.find("LZ4Frame");
    const auto b = at == std::string::npos ? at : out.find('B', at);
    if (b == std::string::npos || b + 1 >= out.size() || out[b + 1] < '4' || out[b + 1] > '7') return 0;
    return std::uint64_t{1} << (8 + 2 * (out[b + 1] - '0'));
  };
  struct Case {
    std::string first, rest;  // commands writing the first frame and what follows it
    Codec codec;
    std::optional<std::uint64_t> content, window;  // window 0: ask zstd -lv / lz4 --list -v
    bool has_length;
  };
  const std::vector<Case> cases = {
      {"zstd -q -c -3 " + data, "", Codec::zstd, n, 0, true},
      {"zstd -q -c -19 " + data, "zstd -q -c -1 " + data, Codec::zstd, n, 0, true},
      {"zstd -q -c -3 --zstd=wlog=17 < " + data, "echo trailing", Codec::zstd, std::nullopt, 1u << 17, true},
      {"zstd -q -c -3 -B262144 -T2 < " + data, "", Codec::zstd, std::nullopt, 0, true},
      {"lz4 -q -c -1 -B4 --content-size " + data, "lz4 -q -c -9 " + data, Codec::lz4, n, 0, true},
      {"lz4 -q -c -1 -B7 -BD -BX < " + data, "", Codec::lz4, std::nullopt, 0, true},
      {"lz4 -q -c -1 -B5 --no-frame-crc < " + data, "", Codec::lz4, std::nullopt, 0, true},
      {"xz -q -c -0 " + data, "", Codec::xz, std::nullopt, std::nullopt, false},
      {"bzip2 -q -c -1 " + data, "", Codec::bzip2, std::nullopt, std::nullopt, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.first + " then " + c.rest);
    ASSERT_EQ(run("{ " + c.first + "; } > " + q(one)).status, 0);
    ASSERT_EQ(run("{ cat " + q(one) + (c.rest.empty() ? "" : "; " + c.rest) + "; } > " + q(frames)).status, 0);
    const Bytes z = read_file(frames);
    auto fi = codec::frame_info(z);
    ASSERT_TRUE(fi) << fi.status().to_string();
    EXPECT_EQ(fi->codec, c.codec);
    EXPECT_EQ(fi->content_size, c.content);
    const auto window =
        c.window == 0u ? std::optional<std::uint64_t>(c.codec == Codec::zstd ? zstd_window(one) : lz4_window(one))
                       : c.window;
    EXPECT_EQ(fi->window, window);
    if (!c.has_length) {
      EXPECT_EQ(fi->length, std::nullopt);
      continue;
    }
    const std::uint64_t len = read_file(one).size();
    EXPECT_EQ(fi->length, len);
    // Cut anywhere inside the frame: truncated, never a shorter length.
    for (std::uint64_t cut : {std::uint64_t{1}, std::uint64_t{5}, std::uint64_t{12}, len / 2, len - 1}) {
      auto t = codec::frame_info(std::span<const std::uint8_t>(z).first(cut));
      ASSERT_FALSE(t) << "cut at " << cut;
      EXPECT_EQ(t.status().code(), Errc::truncated_input) << "cut at " << cut << ": " << t.status().to_string();
    }
  }
  // A skippable frame (zstd and LZ4 share the format) decodes to nothing.
  const Bytes skip = {0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3, 0x28};
  auto s = codec::frame_info(skip);
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(s->length, 11u);
  EXPECT_EQ(s->content_size, 0u);
  EXPECT_EQ(s->window, std::nullopt);
  // Not a frame, and malformed headers.
  EXPECT_EQ(codec::frame_info({}).status().code(), Errc::unsupported_format);
  const Bytes gzip = {0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3};
  EXPECT_EQ(codec::frame_info(gzip).status().code(), Errc::unsupported_format);
  const Bytes zstd_reserved = {0x28, 0xB5, 0x2F, 0xFD, 0x08, 0x50, 0, 0, 0};  // FHD reserved bit
  EXPECT_EQ(codec::frame_info(zstd_reserved).status().code(), Errc::corrupt_input);
  const Bytes lz4_version = {0x04, 0x22, 0x4D, 0x18, 0x00, 0x70, 0xDF, 0, 0, 0, 0};  // version 00
  EXPECT_EQ(codec::frame_info(lz4_version).status().code(), Errc::corrupt_input);
}

TEST_F(Interop, OurOutputTheirDecoder) {
  const std::vector<std::pair<Codec, std::vector<int>>> levels = {
      {Codec::zstd, {-5, 1, 3, 12}}, {Codec::lz4, {1, 4, 12}}, {Codec::xz, {0, 3, 6}}, {Codec::bzip2, {1, 9}}};
  for (const auto& [c, ls] : levels) {
    for (int level : ls) {
      SCOPED_TRACE(std::string(program(c)) + " level " + std::to_string(level));
      Bytes z;
      ASSERT_TRUE(codec::compress(data_, z, {.codec = c, .level = level}).ok());
      write_file(dir_ / "ours", z);
      auto out = dir_ / "back";
      ASSERT_EQ(run(std::string(program(c)) + " -q -dc < " + q(dir_ / "ours") + " > " + q(out)).status, 0);
      EXPECT_TRUE(read_file(out) == data_);
      // The reference program's integrity test must pass as well.
      EXPECT_EQ(run(std::string(program(c)) + " -q -t < " + q(dir_ / "ours")).status, 0);
    }
    // Without content checksum (what the benchmarks time): still standard.
    {
      Bytes z;
      codec::CompressOptions o;
      o.codec = c;
      o.checksum = false;
      ASSERT_TRUE(codec::compress(data_, z, o).ok());
      write_file(dir_ / "nochk", z);
      auto out = dir_ / "back";
      ASSERT_EQ(run(std::string(program(c)) + " -q -dc < " + q(dir_ / "nochk") + " > " + q(out)).status, 0);
      EXPECT_TRUE(read_file(out) == data_);
    }
    // Streamed through our CLI (pipe in, pipe out), and an empty input.
    auto z = dir_ / "cli";
    ASSERT_EQ(run(std::string("cat ") + q(dir_ / "data") + " | " + cli() + " compress --codec " +
                  codec::codec_name(c) + " > " + q(z))
                  .status,
              0);
    auto out = dir_ / "back";
    ASSERT_EQ(run(std::string(program(c)) + " -q -dc < " + q(z) + " > " + q(out)).status, 0);
    EXPECT_TRUE(read_file(out) == data_);
    ASSERT_EQ(run(std::string(": | ") + cli() + " compress --codec " + codec::codec_name(c) + " | " + program(c) +
                  " -q -dc > " + q(out))
                  .status,
              0);
    EXPECT_TRUE(read_file(out).empty());
  }
}

// zstd's multithreaded mode (CompressOptions::threads >= 2, `chunker compress
// -T N`) writes exactly what the zstd program writes with -T N, for any N >= 2;
// threads = 1 writes what `zstd --single-thread` writes. Level 1 has 2 MiB
// jobs, so 6.5 MB is several jobs.
TEST_F(Interop, ZstdThreadsMatchZstdProgram) {
  const Bytes big = mixed_bytes(6'500'000, 77);
  write_file(dir_ / "big", big);
  auto theirs = [&](const std::string& opts) {
    EXPECT_EQ(run("zstd -q -c -1 " + opts + " < " + q(dir_ / "big") + " > " + q(dir_ / "t")).status, 0);
    return read_file(dir_ / "t");
  };
  const Bytes their_mt = theirs("-T2"), their_st = theirs("--single-thread");
  ASSERT_NE(their_mt, their_st);  // the two modes really differ on this input
  // Streaming, as both CLIs read a pipe (no content size in the header).
  for (unsigned t : {1u, 2u, 3u}) {
    SCOPED_TRACE("chunker compress -T " + std::to_string(t));
    ASSERT_EQ(run("cat " + q(dir_ / "big") + " | " + cli() + " compress -q --codec zstd --level 1 -T " +
                  std::to_string(t) + " > " + q(dir_ / "ours"))
                  .status,
              0);
    EXPECT_TRUE(read_file(dir_ / "ours") == (t == 1 ? their_st : their_mt));
  }
  // One-shot: the frame records the content size, as `zstd FILE` writes it.
  ASSERT_EQ(run("zstd -q -f -1 -T2 " + q(dir_ / "big") + " -o " + q(dir_ / "big.zst")).status, 0);
  const Bytes their_file = read_file(dir_ / "big.zst");
  for (unsigned t : {2u, 4u}) {
    SCOPED_TRACE("threads " + std::to_string(t));
    codec::CompressOptions o;
    o.level = 1;
    o.threads = t;
    Bytes z, back;
    ASSERT_TRUE(codec::compress(big, z, o).ok());
    EXPECT_TRUE(z == their_file);
    ASSERT_TRUE(codec::decompress(z, back).ok());
    EXPECT_TRUE(back == big);
  }
}

TEST_F(Interop, CliStrategiesAndFiles) {
  const std::pair<const char*, const char*> strategies[] = {
      {"fastest", "lz4"}, {"balanced", "zstd"}, {"smallest", "xz"}, {"adaptive", "zstd"}};
  // Mixed data plus a JPEG, so adaptive both compresses and stores blocks.
  Bytes jpeg = read_file(std::filesystem::path(CHUNKER_TEST_DATA_DIR) / "SekienAkashita.jpg");
  Bytes input = data_;
  for (int i = 0; i < 20; ++i) input.insert(input.end(), jpeg.begin(), jpeg.end());
  write_file(dir_ / "in", input);
  for (auto [s, prog] : strategies) {
    SCOPED_TRACE(s);
    auto z = dir_ / (std::string("out.") + s);
    ASSERT_EQ(run(std::string(cli()) + " compress -v --strategy " + s + " " + q(dir_ / "in") + " " + q(z) + " 2> " +
                  q(dir_ / "err"))
                  .status,
              0);
    if (std::string(s) == "adaptive") {
      // The JPEG blocks are stored, the mixed data is not: both decisions happen.
      Bytes e = read_file(dir_ / "err");
      std::string msg(e.begin(), e.end());
      EXPECT_NE(msg.find("blocks stored"), std::string::npos) << msg;
      EXPECT_EQ(msg.find(" 0 of"), std::string::npos) << msg;
      EXPECT_EQ(msg.find(", 3 of 3"), std::string::npos) << msg;
    }
    Bytes zb = read_file(z);
    EXPECT_EQ(codec::codec_name(codec::detect(zb).codec), std::string(prog));
    auto out = dir_ / "back";
    ASSERT_EQ(run(std::string(prog) + " -q -dc < " + q(z) + " > " + q(out)).status, 0);
    EXPECT_TRUE(read_file(out) == input);
    ASSERT_EQ(run(std::string(cli()) + " decompress -f " + q(z) + " " + q(out)).status, 0);
    EXPECT_TRUE(read_file(out) == input);
  }
}

TEST(CodecCli, UsageErrorsAndExitCodes) {
  TempDir dir;
  std::string c = cli();
  EXPECT_EQ(run(c + " compress --help > /dev/null").status, 0);
  EXPECT_EQ(run(c + " decompress --help > /dev/null").status, 0);
  EXPECT_EQ(run(c + " compress --codec gzip < /dev/null > /dev/null 2>&1").status, 2);
  EXPECT_EQ(run(c + " compress --codec xz --level 10 < /dev/null > /dev/null 2>&1").status, 2);
  EXPECT_EQ(run(c + " compress --codec xz --strategy fastest < /dev/null > /dev/null 2>&1").status, 2);
  EXPECT_EQ(run(c + " compress --strategy best < /dev/null > /dev/null 2>&1").status, 2);
  EXPECT_EQ(run(c + " decompress --max-output 12Q < /dev/null > /dev/null 2>&1").status, 2);
  EXPECT_EQ(run(c + " decompress " + q(dir / "missing") + " > /dev/null 2>&1").status, 1);
  // Bad data: exit 1 with the error named, and a named output file removed.
  write_file(dir / "junk", Bytes{'n', 'o', 't', ' ', 'z', 's', 't', 'd'});
  EXPECT_EQ(run(c + " decompress " + q(dir / "junk") + " " + q(dir / "out") + " 2> " + q(dir / "err")).status, 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
  Bytes err = read_file(dir / "err");
  EXPECT_NE(std::string(err.begin(), err.end()).find("unknown format"), std::string::npos);
  // --max-output is honoured (and a size suffix accepted).
  write_file(dir / "z", Bytes{});
  ASSERT_EQ(run("head -c 3000000 /dev/zero | zstd -q -c > " + q(dir / "z")).status, 0);
  EXPECT_EQ(run(c + " decompress --max-output 2M " + q(dir / "z") + " > /dev/null 2>&1").status, 1);
  EXPECT_EQ(run(c + " decompress --max-output 3M " + q(dir / "z") + " > /dev/null 2>&1").status, 0);
}

}  // namespace
}  // namespace chunker::test
