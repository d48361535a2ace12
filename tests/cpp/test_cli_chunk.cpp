#include <gtest/gtest.h>

#include <sstream>

#include "fastcdc_reference.hpp"
#include "test_util.hpp"

using chunker::test::cli;
using chunker::test::run;

namespace {

std::string expected_jsonl(const std::vector<reference::RefChunk>& ref) {
  std::ostringstream o;
  for (const auto& c : ref)
    o << "{\"offset\":" << c.offset << ",\"length\":" << c.length << ",\"fingerprint\":\"" << c.hash << "\"}\n";
  return o.str();
}

}  // namespace

TEST(CliChunk, PublicVectorJsonlExact) {
  auto r = run(cli() + " chunk --min 4096 --avg 16384 --max 65535 " + chunker::test::data_path("SekienAkashita.jpg"));
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "{\"offset\":0,\"length\":21325,\"fingerprint\":\"17968276318003433923\"}");
}

TEST(CliChunk, MatchesReferenceOnFilesAndStdin) {
  auto dir = chunker::test::temp_dir();
  struct P {
    std::string args;
    std::size_t mn, av, mx;
    unsigned level;
    std::uint64_t seed;
  } ps[] = {{"--min 16K --avg 64K --max 256K", 16384, 65536, 262144, 1, 0},
            {"--min 1K --avg 4K --max 16K --level 3 --seed 12345", 1024, 4096, 16384, 3, 12345},
            {"--preset 4k --level 0", 1024, 4096, 16384, 0, 0},
            {"", 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 1, 0}};
  auto data = chunker::test::random_bytes(9 << 20 | 12345, 77);
  std::string path = dir + "/in.bin";
  chunker::test::write_file(path, data);
  for (const auto& p : ps) {
    auto want = expected_jsonl(reference::chunk_all(data, p.mn, p.av, p.mx, p.level, p.seed));
    // Files: by position (auto/read, windows read by the workers) or mapped, 1-3 threads.
    for (const char* io : {"auto", "read", "mmap"})
      for (const char* threads : {"1", "2", "3"}) {
        auto r = run(cli() + " chunk " + p.args + " --io " + io + " --threads " + threads + " " + path);
        EXPECT_EQ(r.status, 0);
        EXPECT_EQ(r.out, want) << p.args << " --io " << io << " --threads " << threads;
      }
    auto s = run("cat " + path + " | " + cli() + " chunk " + p.args + " -");
    EXPECT_EQ(s.status, 0);
    EXPECT_EQ(s.out, want) << "stdin " << p.args;
  }
  run("rm -rf " + dir);
}

TEST(CliChunk, CsvFormat) {
  auto r = run(cli() + " chunk --min 8192 --avg 32768 --max 131072 --format csv " +
               chunker::test::data_path("SekienAkashita.jpg"));
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "offset,length,fingerprint\n0,66549,15733367461443853673\n66549,42917,6321136627705800457\n");
}

TEST(CliChunk, UsageErrorsExit2WithMessage) {
  const std::string f = chunker::test::data_path("SekienAkashita.jpg");
  struct C {
    std::string args, needle;
  } cases[] = {
      {"--min 10 " + f, "min_size must be between 64 and 1048576"},
      {"--avg 1G " + f, "avg_size"},
      {"--max 12Q " + f, "unknown size suffix"},
      {"--level 4 " + f, "--level must be between 0 and 3"},
      {"--format xml " + f, "--format must be jsonl or csv"},
      {"--preset nope " + f, "unknown preset 'nope'"},
      {"--bogus " + f, "unknown option '--bogus'"},
      {"", "expected exactly one FILE"},
      {"--min", "needs a value"},
      {"--min 8K --avg 4K " + f, "min_size (8192) must not exceed avg_size (4096)"},
  };
  for (const auto& c : cases) {
    auto r = run(cli() + " chunk " + c.args + " 2>&1");
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.needle), std::string::npos) << c.args << "\n" << r.out;
  }
}

TEST(CliChunk, IoErrorsExit1NamingFile) {
  auto r = run(cli() + " chunk /nonexistent/file.bin 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("/nonexistent/file.bin"), std::string::npos) << r.out;
  auto d = run(cli() + " chunk /tmp 2>&1");
  EXPECT_EQ(d.status, 1);
  EXPECT_NE(d.out.find("/tmp: is a directory"), std::string::npos) << d.out;
}

TEST(CliChunk, HelpEverywhere) {
  auto r = run(cli() + " chunk --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Usage: chunker chunk"), std::string::npos);
  auto top = run(cli() + " --help");
  EXPECT_EQ(top.status, 0);
  EXPECT_NE(top.out.find("chunk"), std::string::npos);
  auto unknown = run(cli() + " frobnicate 2>&1");
  EXPECT_EQ(unknown.status, 2);
}

TEST(CliChunk, EmptyInputPrintsNothing) {
  auto r = run("printf '' | " + cli() + " chunk -");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "");
}
