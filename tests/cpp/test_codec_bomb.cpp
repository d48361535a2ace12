// Decompression bombs: 4 GiB of zeros compressed by each reference program
// (built as concatenated frames/streams of 64 or 16 MiB, which every one of
// these formats allows, so generation takes well under a second). Our
// decoder must stop at the output limit with Errc::output_limit, and the CLI's
// peak RSS (wait4) must stay small: nothing is inflated beyond the limit and
// nothing is buffered.
#include <gtest/gtest.h>

#include "codec_test_util.hpp"

namespace chunker::test {
namespace {

using codec::Codec;

constexpr std::uint64_t kBombSize = std::uint64_t{4} << 30;

struct Bomb {
  Codec codec;
  std::filesystem::path path;
  std::uint64_t unit;  // bytes of zeros per frame
};

class Bombs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    for (Codec c : kAllCodecs) {
      ASSERT_TRUE(have_program(program(c)));
      // xz and bzip2 are slow on 64 MiB; 16 MiB frames keep generation quick.
      std::uint64_t unit = (c == Codec::xz || c == Codec::bzip2) ? (16u << 20) : (64u << 20);
      auto frame = *dir_ / (std::string("frame.") + codec::codec_name(c));
      ASSERT_EQ(run("head -c " + std::to_string(unit) + " /dev/zero | " + program(c) + " -q -1 -c > " + q(frame))
                    .status,
                0);
      Bytes f = read_file(frame);
      ASSERT_FALSE(f.empty());
      auto path = *dir_ / (std::string("bomb.") + codec::codec_name(c));
      std::ofstream out(path, std::ios::binary);
      for (std::uint64_t i = 0; i < kBombSize / unit; ++i)
        out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
      out.close();
      bombs_.push_back({c, path, unit});
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
    bombs_.clear();
  }
  static TempDir* dir_;
  static std::vector<Bomb> bombs_;
};
TempDir* Bombs::dir_ = nullptr;
std::vector<Bomb> Bombs::bombs_;

TEST_F(Bombs, ReferenceProgramAgreesTheBombIsValid) {
  // Each frame inflates to `unit` zeros with the reference program, and the
  // bomb is 4 GiB / unit copies of it, so stopping early below is the limit's doing.
  for (const auto& b : bombs_) {
    SCOPED_TRACE(codec::codec_name(b.codec));
    auto frame = *dir_ / (std::string("frame.") + codec::codec_name(b.codec));
    ASSERT_EQ(run(std::string(program(b.codec)) + " -q -dc < " + q(frame) + " | wc -c > " + q(*dir_ / "count"))
                  .status,
              0);
    Bytes n = read_file(*dir_ / "count");
    EXPECT_EQ(std::stoull(std::string(n.begin(), n.end())), b.unit);
    EXPECT_EQ(std::filesystem::file_size(b.path), std::filesystem::file_size(frame) * (kBombSize / b.unit));
  }
}

TEST_F(Bombs, CliStopsAtTheLimitWithBoundedMemory) {
  for (const auto& b : bombs_) {
    SCOPED_TRACE(codec::codec_name(b.codec));
    // Not a multiple of the frame size: the limit is crossed mid-frame.
    const std::uint64_t limit = (b.codec == Codec::xz || b.codec == Codec::bzip2) ? (96u << 20) : (200u << 20);
    auto err = *dir_ / "err";
    auto r = run(std::string(cli()) + " decompress -q --max-output " + std::to_string(limit) + " " + q(b.path) +
                 " 2> " + q(err) + " | wc -c > " + q(*dir_ / "count"));
    Bytes e = read_file(err);
    std::string msg(e.begin(), e.end());
    EXPECT_NE(msg.find("exceeds the limit of " + std::to_string(limit)), std::string::npos) << msg;
    Bytes n = read_file(*dir_ / "count");
    // Everything up to the limit was written, nothing after it.
    EXPECT_LE(std::stoull(std::string(n.begin(), n.end())), limit);
    EXPECT_GE(std::stoull(std::string(n.begin(), n.end())), limit - (2u << 20));
    // 1 MiB I/O buffers + the decoder state (xz -1: 1 MiB dictionary, bzip2
    // -1: ~1 MiB); 64 MiB leaves room for sanitizer builds and is below every limit.
    EXPECT_LT(r.max_rss_kib, 64 * 1024) << "peak RSS " << r.max_rss_kib << " KiB";
    std::printf("%s bomb, limit %llu MiB: peak RSS %ld KiB, %.2f s\n", codec::codec_name(b.codec),
                static_cast<unsigned long long>(limit >> 20), r.max_rss_kib, r.seconds);
  }
}

TEST_F(Bombs, CliDefaultLimitIsOneGiB) {
  const auto& b = bombs_[0];  // zstd: fastest to inflate 1 GiB
  auto err = *dir_ / "err";
  auto r = run(std::string(cli()) + " decompress -q " + q(b.path) + " > /dev/null 2> " + q(err));
  EXPECT_EQ(r.status, 1);
  Bytes e = read_file(err);
  std::string msg(e.begin(), e.end());
  EXPECT_NE(msg.find("exceeds the limit of 1073741824 bytes"), std::string::npos) << msg;
  EXPECT_LT(r.max_rss_kib, 64 * 1024) << "peak RSS " << r.max_rss_kib << " KiB";
  EXPECT_GT(r.max_rss_kib, 0);
  std::printf("default-limit zstd bomb: peak RSS %ld KiB, %.2f s\n", r.max_rss_kib, r.seconds);
}

TEST_F(Bombs, LibraryOneShotNeverGrowsPastTheLimit) {
  const std::uint64_t limit = 48u << 20;
  for (const auto& b : bombs_) {
    SCOPED_TRACE(codec::codec_name(b.codec));
    Bytes z = read_file(b.path), out;
    Status st = codec::decompress(z, out, {.output_limit = limit});
    ASSERT_EQ(st.code(), Errc::output_limit) << st.to_string();
    EXPECT_LE(out.capacity(), limit + 1);
    Bytes fixed(limit);
    auto r = codec::decompress_into(z, fixed);
    EXPECT_EQ(r.status().code(), Errc::output_limit);
  }
}

}  // namespace
}  // namespace chunker::test

namespace chunker::test {
namespace {

// The zstd window is the decoder's big allocation, and a frame header alone can
// ask for 128 MiB. The cap follows the output limit (but never below 8 MiB): a
// frame whose window exceeds it is refused before anything is allocated for it.
TEST(ZstdWindowCap, FollowsTheOutputLimit) {
  TempDir dir;
  auto in = dir / "in.bin";
  auto frame = dir / "in.zst";
  ASSERT_EQ(run("head -c 1048576 /dev/urandom > " + q(in)).status, 0);
  // Streamed (no content size in the header), so the frame keeps its 32 MiB window.
  ASSERT_EQ(run("zstd -q --long=25 -c < " + q(in) + " > " + q(frame)).status, 0);
  Bytes z = read_file(frame), want = read_file(in);
  ASSERT_EQ(z[4] & 0x20, 0) << "single-segment frame: no window descriptor";
  ASSERT_EQ(z[5] >> 3, 25 - 10) << "the CLI did not write a 32 MiB window descriptor";

  Bytes out;
  Status st = codec::decompress(z, out, {.output_limit = 4u << 20});
  EXPECT_EQ(st.code(), Errc::output_limit) << st.to_string();
  EXPECT_NE(st.message().find("window"), std::string::npos) << st.to_string();

  out.clear();
  st = codec::decompress(z, out, {.output_limit = 64u << 20});
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(out, want);

  // zstd -19 streamed uses an 8 MiB window: it must still decode under a tiny limit.
  ASSERT_EQ(run("head -c 1000 " + q(in) + " | zstd -q -19 -c > " + q(frame)).status, 0);
  out.clear();
  st = codec::decompress(read_file(frame), out, {.output_limit = 4096});
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(out, Bytes(want.begin(), want.begin() + 1000));

  // A 14-byte header-only frame that asks for a 128 MiB window.
  const Bytes tiny = {0x28, 0xb5, 0x2f, 0xfd, 0x00, (27 - 10) << 3, 0x29, 0, 0, 104, 101, 108, 108, 111};
  out.clear();
  st = codec::decompress(tiny, out, {.output_limit = 262144});
  EXPECT_EQ(st.code(), Errc::output_limit) << st.to_string();
}

}  // namespace
}  // namespace chunker::test
