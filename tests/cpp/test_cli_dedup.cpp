// chunker dedup: totals against stat(1), unique counts against the reference
// chunker (fastcdc_reference.hpp) with chunks compared by content, symlinks.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fastcdc_reference.hpp"
#include "test_util.hpp"

using chunker::test::cli;
using chunker::test::run;

namespace {

struct DedupFixture : ::testing::Test {
  std::string dir;
  void SetUp() override { dir = chunker::test::temp_dir(); }
  void TearDown() override { run("rm -rf " + dir); }
  chunker::test::Json dedup(const std::string& args, int want_status = 0) {
    auto r = run(cli() + " dedup --json " + args + " 2>/dev/null");
    EXPECT_EQ(r.status, want_status) << args << "\n" << r.out;
    return chunker::test::parse_json(r.out);
  }
  std::uint64_t stat_sum(const std::string& find_args) {
    auto r = run("find " + find_args + " -type f -printf '%s\\n' | awk '{s+=$1} END {printf \"%.0f\", s}'");
    return std::stoull(r.out.empty() ? "0" : r.out);
  }
};

}  // namespace

TEST_F(DedupFixture, FileAndItsCopyCountOnce) {
  auto data = chunker::test::random_bytes(3 << 20 | 777, 11);
  chunker::test::write_file(dir + "/a", data);
  ASSERT_EQ(run("cp " + dir + "/a " + dir + "/b").status, 0);
  auto j = dedup("--preset 64k " + dir);
  EXPECT_EQ(j["files"].u64(), 2u);
  EXPECT_EQ(j["total_bytes"].u64(), stat_sum(dir));
  EXPECT_EQ(j["unique_bytes"].u64(), data.size());
  EXPECT_EQ(j["chunks"].u64(), 2 * j["unique_chunks"].u64());
  auto ref = reference::chunk_all(data, 16384, 65536, 262144, 1, 0);
  EXPECT_EQ(j["unique_chunks"].u64(), ref.size());
  EXPECT_NEAR(j["ratio"].num, 2.0, 1e-3);
}

TEST_F(DedupFixture, MatchesReferenceChunkingOnMixedTree) {
  // Random files, an edited copy, text with internal repetition, empty and 1-byte files, nested dirs.
  std::vector<std::vector<std::uint8_t>> files;
  files.push_back(chunker::test::random_bytes(5 << 20, 1));  // > 4 MiB: the all-threads-in-one-file path
  auto edited = files[0];
  edited[3000000] ^= 1;
  edited.insert(edited.begin() + 100, {1, 2, 3});
  files.push_back(edited);
  auto text = chunker::test::text_bytes(300000, 2);
  text.insert(text.end(), text.begin(), text.end());
  files.push_back(text);
  files.push_back({});
  files.push_back({42});
  files.push_back(chunker::test::random_bytes(5000, 3));
  ASSERT_EQ(run("mkdir -p " + dir + "/x/y/z").status, 0);
  const char* names[] = {"/x/a", "/x/y/b", "/x/y/z/c", "/x/empty", "/one", "/x/y/small"};
  for (std::size_t i = 0; i < files.size(); ++i) chunker::test::write_file(dir + names[i], files[i]);

  std::set<std::string> unique;
  std::uint64_t chunks = 0, unique_bytes = 0;
  for (const auto& f : files) {
    for (const auto& c : reference::chunk_all(f, 4096, 16384, 65536, 1, 0)) {
      ++chunks;
      std::string bytes(f.begin() + c.offset, f.begin() + c.offset + c.length);
      if (unique.insert(bytes).second) unique_bytes += c.length;
    }
  }
  for (const char* threads : {"1", "2", "3"}) {
    auto j = dedup("--min 4K --avg 16K --max 64K --threads " + std::string(threads) + " " + dir + "/x " + dir + "/one");
    EXPECT_EQ(j["files"].u64(), files.size());
    EXPECT_EQ(j["total_bytes"].u64(), stat_sum(dir));
    EXPECT_EQ(j["chunks"].u64(), chunks);
    EXPECT_EQ(j["unique_chunks"].u64(), unique.size());
    EXPECT_EQ(j["unique_bytes"].u64(), unique_bytes);
    EXPECT_EQ(j["threads"].u64(), std::stoull(threads));
    // Histogram: buckets are powers of two and add up to the totals.
    std::uint64_t hc = 0, hb = 0;
    for (const auto& b : j["histogram"].arr) {
      EXPECT_EQ(b["max"].u64() + 1, 2 * b["min"].u64());
      hc += b["chunks"].u64();
      hb += b["bytes"].u64();
    }
    EXPECT_EQ(hc, chunks);
    EXPECT_EQ(hb, j["total_bytes"].u64());
  }
}

TEST_F(DedupFixture, SymlinksSkippedByDefaultFollowedWithoutLooping) {
  ASSERT_EQ(run("mkdir -p " + dir + "/t/sub").status, 0);
  auto data = chunker::test::random_bytes(200000, 5);
  chunker::test::write_file(dir + "/t/sub/f", data);
  ASSERT_EQ(run("ln -s sub/f " + dir + "/t/link && ln -s .. " + dir + "/t/sub/loop && ln -s nowhere " + dir +
                "/t/dangling")
                .status,
            0);
  auto j = dedup("--preset 16k " + dir + "/t");
  EXPECT_EQ(j["files"].u64(), 1u);
  EXPECT_EQ(j["skipped_symlinks"].u64(), 3u);
  EXPECT_EQ(j["total_bytes"].u64(), data.size());
  // Followed: the file link counts twice (same content: unique stays), the loop
  // is entered once at most, the dangling link is an error (exit 1).
  auto f = dedup("--follow-symlinks --preset 16k " + dir + "/t", 1);
  EXPECT_EQ(f["files"].u64(), 2u);
  EXPECT_EQ(f["total_bytes"].u64(), 2 * data.size());
  EXPECT_EQ(f["unique_bytes"].u64(), data.size());
  EXPECT_EQ(f["errors"].u64(), 1u);
}

TEST_F(DedupFixture, UnreadablePathIsReportedAndTheRestCounted) {
  chunker::test::write_file(dir + "/ok", chunker::test::random_bytes(1000, 1));
  auto r = run(cli() + " dedup --json " + dir + "/missing " + dir + "/ok 2>&1 >/dev/null");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("chunker dedup: " + dir + "/missing: "), std::string::npos) << r.out;
  auto j = dedup(dir + "/missing " + dir + "/ok", 1);
  EXPECT_EQ(j["files"].u64(), 1u);
  EXPECT_EQ(j["total_bytes"].u64(), 1000u);
  EXPECT_EQ(j["errors"].u64(), 1u);
}

TEST_F(DedupFixture, TableUsageAndProgress) {
  auto data = chunker::test::random_bytes(100000, 1);
  chunker::test::write_file(dir + "/a", data);
  auto t = run(cli() + " dedup " + dir + " 2>&1");
  EXPECT_EQ(t.status, 0);
  EXPECT_NE(t.out.find("unique bytes"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("dedup ratio     1.00x"), std::string::npos) << t.out;
  EXPECT_EQ(t.out.find("\r"), std::string::npos);  // no progress line on a pipe
  EXPECT_EQ(run(cli() + " dedup 2>/dev/null").status, 2);
  EXPECT_EQ(run(cli() + " dedup --min 1 " + dir + " 2>/dev/null").status, 2);
  EXPECT_EQ(run(cli() + " dedup --bogus " + dir + " 2>/dev/null").status, 2);
  EXPECT_EQ(run(cli() + " dedup --help").status, 0);
  if (chunker::test::have_program("script")) {
    // A terminal gets the progress line (with ETA), the JSON stays on stdout.
    chunker::test::write_file(dir + "/big", chunker::test::random_bytes(64 << 20, 2));
    auto tty = run("script -qec '" + cli() + " dedup --json --threads 1 --preset 4k " + dir + "' /dev/null");
    EXPECT_EQ(tty.status, 0);
    EXPECT_NE(tty.out.find("\rdedup:"), std::string::npos) << tty.out.substr(0, 300);
    EXPECT_NE(tty.out.find("\"total_bytes\":" + std::to_string(100000 + (64 << 20))), std::string::npos);
  }
}
