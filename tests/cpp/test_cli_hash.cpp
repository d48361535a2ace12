// `chunker hash` output must be byte-identical to the reference tools:
// b3sum (BLAKE3, incl. --length/--keyed/--derive-key), sha256sum (SHA-256,
// incl. name escaping and --check), nix-hash (--base32).
#include <gtest/gtest.h>

#include "test_util.hpp"

using chunker::test::random_bytes;
using chunker::test::run;
using chunker::test::shell_quote;
using chunker::test::TempDir;
using chunker::test::write_file;

namespace {

std::string cli() { return CHUNKER_CLI_PATH; }

class CliHash : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(cli().empty()) << "CLI not built";
    // Names with a space, a backslash and a newline exercise the escaping rules.
    files_ = {"empty", "small", "one block", "big.bin", "back\\slash", "new\nline"};
    const std::size_t sizes[] = {0, 3, 64, (3u << 20) + 17, 1000, 1025};
    for (std::size_t i = 0; i < files_.size(); ++i)
      write_file(dir_.file(files_[i]), random_bytes(sizes[i], 40 + i));
    for (const auto& f : files_) args_ += " " + shell_quote(f);
  }
  // Runs `cmd` inside the temp dir.
  chunker::test::RunResult in_dir(const std::string& cmd) {
    return run("cd " + shell_quote(dir_.path().string()) + " && " + cmd);
  }
  std::string chunker() { return shell_quote(cli()); }
  // Runs the reference program's command and ours in the directory: both end
  // with `status` and print the same; returns ours.
  chunker::test::RunResult expect_like(const std::string& theirs, const std::string& ours, int status) {
    auto want = in_dir(theirs), got = in_dir(ours);
    EXPECT_EQ(want.status, status) << theirs;
    EXPECT_EQ(got.status, status) << ours;
    EXPECT_EQ(got.out, want.out) << ours;
    return got;
  }

  TempDir dir_;
  std::vector<std::string> files_;
  std::string args_;
};

}  // namespace

TEST_F(CliHash, Blake3MatchesB3sum) {
  CHUNKER_NEED_PROGRAM("b3sum");
  auto want = in_dir("b3sum" + args_);
  ASSERT_EQ(want.status, 0);
  for (const char* extra : {"", " --threads 1", " --threads 3", " --io read --read-block 1000", " --io mmap"}) {
    auto got = in_dir(chunker() + " hash" + extra + args_);
    EXPECT_EQ(got.status, 0) << extra;
    EXPECT_EQ(got.out, want.out) << extra;
  }
}

TEST_F(CliHash, Sha256MatchesSha256sum) {
  CHUNKER_NEED_PROGRAM("sha256sum");
  auto want = in_dir("sha256sum" + args_);
  ASSERT_EQ(want.status, 0);
  for (const char* env : {"", "CHUNKER_FORCE_ISA=portable "}) {
    auto got = in_dir(std::string(env) + chunker() + " hash --algo sha256" + args_);
    EXPECT_EQ(got.status, 0) << env;
    EXPECT_EQ(got.out, want.out) << env;
  }
}

TEST_F(CliHash, StdinMatchesReferences) {
  CHUNKER_NEED_PROGRAM("b3sum");
  CHUNKER_NEED_PROGRAM("sha256sum");
  for (const char* algo : {"blake3", "sha256"}) {
    const std::string ref = std::string(algo) == "blake3" ? "b3sum" : "sha256sum";
    auto want = in_dir("cat big.bin | " + ref);
    auto implicit = in_dir("cat big.bin | " + chunker() + " hash --algo " + algo);
    auto dash = in_dir("cat big.bin | " + chunker() + " hash --algo " + algo + " -");
    ASSERT_EQ(want.status, 0);
    EXPECT_EQ(implicit.out, want.out) << algo;
    EXPECT_EQ(dash.out, want.out) << algo;
    EXPECT_EQ(want.out.substr(want.out.size() - 4), "  -\n");
  }
}

TEST_F(CliHash, Blake3ModesMatchB3sum) {
  CHUNKER_NEED_PROGRAM("b3sum");
  write_file(dir_.file("key"), random_bytes(32, 99));
  const std::string plain = " small big.bin empty";
  struct Case {
    std::string ours, theirs;
  } cases[] = {
      {" --length 1", " --length 1"},
      {" --length 200", " --length 200"},
      {" --length 100000 --no-names", " --length 100000 --no-names"},
      {" --derive-key 'chunker test 2026-11-23 context'", " --derive-key 'chunker test 2026-11-23 context'"},
      {" --keyed key", " --keyed < key"},
      {" --keyed key --threads 4", " --keyed < key"},
  };
  for (const auto& c : cases) {
    auto want = in_dir("b3sum" + c.theirs.substr(0, c.theirs.find(" <")) + plain +
                       (c.theirs.find(" <") != std::string::npos ? c.theirs.substr(c.theirs.find(" <")) : ""));
    auto got = in_dir(chunker() + " hash" + c.ours + plain);
    ASSERT_EQ(want.status, 0) << c.theirs;
    EXPECT_EQ(got.status, 0) << c.ours;
    EXPECT_EQ(got.out, want.out) << c.ours;
  }
}

TEST_F(CliHash, Base32MatchesNixHash) {
  CHUNKER_NEED_PROGRAM("nix-hash");
  for (const char* f : {"small", "big.bin", "empty"}) {
    auto nix = in_dir(std::string("nix-hash --type sha256 --flat --base32 ") + f);
    ASSERT_EQ(nix.status, 0);
    auto got = in_dir(chunker() + " hash --algo sha256 --base32 " + f);
    EXPECT_EQ(got.out, nix.out.substr(0, nix.out.size() - 1) + "  " + f + "\n");
  }
  // --check --base32 accepts a list written from nix-hash's output.
  ASSERT_EQ(in_dir("for f in small empty; do echo \"$(nix-hash --type sha256 --flat --base32 $f)  $f\"; done > nix.sums")
                .status, 0);
  auto ok = in_dir(chunker() + " hash --algo sha256 --base32 -c nix.sums");
  EXPECT_EQ(ok.status, 0);
  EXPECT_EQ(ok.out, "small: OK\nempty: OK\n");
  auto hex = in_dir(chunker() + " hash --algo sha256 -c nix.sums 2>&1");  // base32 lines are not hex
  EXPECT_EQ(hex.status, 1);
  EXPECT_NE(hex.out.find("no properly formatted checksum lines found"), std::string::npos) << hex.out;
}

TEST_F(CliHash, CheckMatchesSha256sum) {
  CHUNKER_NEED_PROGRAM("sha256sum");
  ASSERT_EQ(in_dir("sha256sum" + args_ + " > sums; printf '# comment\\n\\nnot a line\\n' >> sums").status, 0);
  // An improperly formatted line fails the check, as with sha256sum -c --strict
  // (plain sha256sum -c only warns): a line we cannot read is a file not checked.
  auto got = expect_like("sha256sum -c --strict sums 2>/dev/null", chunker() + " hash --algo sha256 --check sums 2>/dev/null", 1);
  ASSERT_EQ(in_dir("sha256sum" + args_ + " > sums; printf '# comment\\n\\n' >> sums").status, 0);
  got = expect_like("sha256sum -c --strict sums 2>/dev/null", chunker() + " hash --algo sha256 --check sums 2>/dev/null", 0);
  ASSERT_EQ(in_dir("printf 'not a line\\n' >> sums").status, 0);
  // Change one file: FAILED and exit 1, like coreutils.
  write_file(dir_.file("small"), random_bytes(3, 1234));
  got = expect_like("sha256sum -c sums 2>/dev/null", chunker() + " hash --algo sha256 -c sums 2>/dev/null", 1);
  EXPECT_NE(got.out.find("small: FAILED\n"), std::string::npos);
  auto warn = in_dir(chunker() + " hash --algo sha256 -c sums 2>&1 >/dev/null");
  EXPECT_NE(warn.out.find("WARNING: 1 computed checksum did NOT match"), std::string::npos) << warn.out;
  EXPECT_NE(warn.out.find("WARNING: 1 line is improperly formatted"), std::string::npos) << warn.out;
  // --quiet prints only failures; --status nothing.
  got = in_dir(chunker() + " hash --algo sha256 -c --quiet sums 2>/dev/null");
  EXPECT_EQ(got.out, "small: FAILED\n");
  got = in_dir(chunker() + " hash --algo sha256 -c --status sums 2>&1");
  EXPECT_EQ(got.status, 1);
  EXPECT_EQ(got.out, "");
}

TEST_F(CliHash, CheckMissingFileAndBadListLikeSha256sum) {
  CHUNKER_NEED_PROGRAM("sha256sum");
  ASSERT_EQ(in_dir("sha256sum small > sums && sed 's/small/gone/' sums >> sums").status, 0);
  auto got = expect_like("sha256sum -c sums 2>/dev/null", chunker() + " hash --algo sha256 -c sums 2>/dev/null", 1);
  EXPECT_NE(got.out.find("gone: FAILED open or read"), std::string::npos);
  ASSERT_EQ(in_dir("echo garbage > bad").status, 0);
  got = in_dir(chunker() + " hash --algo sha256 -c bad 2>&1");
  EXPECT_EQ(got.status, 1);
  EXPECT_NE(got.out.find("no properly formatted checksum lines found"), std::string::npos) << got.out;
}

TEST_F(CliHash, CheckMatchesB3sum) {
  CHUNKER_NEED_PROGRAM("b3sum");
  ASSERT_EQ(in_dir("b3sum empty small big.bin > b3sums").status, 0);
  auto got = expect_like("b3sum -c b3sums", chunker() + " hash -c b3sums", 0);
  write_file(dir_.file("big.bin"), random_bytes(100, 5));
  got = expect_like("b3sum -c b3sums", chunker() + " hash -c b3sums 2>/dev/null", 1);
}

TEST_F(CliHash, ErrorsAndUsage) {
  // A missing input: message naming it, the other files still printed, exit 1.
  auto r = in_dir(chunker() + " hash --algo sha256 small no-such-file empty 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("no-such-file: No such file or directory"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  small\n"), std::string::npos);
  EXPECT_NE(r.out.find("  empty\n"), std::string::npos);
  // Usage errors exit 2 with a message.
  write_file(dir_.file("shortkey"), random_bytes(31, 1));
  const std::pair<const char*, const char*> usage[] = {
      {" --algo md5 small", "md5"},
      {" --algo sha256 --length 64 small", "--length"},
      {" --keyed shortkey small", "exactly 32 bytes"},
      {" --keyed shortkey --derive-key x small", "exclude"},
      {" --threads many small", "--threads"},
      {" --io fast small", "--io"},
      {" --bogus small", "--bogus"},
  };
  for (auto [args, needle] : usage) {
    r = in_dir(chunker() + " hash" + args + " 2>&1");
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_NE(r.out.find(needle), std::string::npos) << args << ": " << r.out;
  }
  r = in_dir(chunker() + " hash --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--check"), std::string::npos);
}

// sha256sum 9.1 escapes '\', LF and CR in names (line starts with '\'); -c
// reads those lines, the BSD --tag form and '<hex><TAB><name>' lines.
TEST_F(CliHash, NameEscapingAndCheckFormatsMatchSha256sum) {
  CHUNKER_NEED_PROGRAM("sha256sum");
  for (const char* n : {"carriage\rreturn", "all\\three\r\nkinds", "tab\tname"})
    write_file(dir_.file(n), random_bytes(77, static_cast<unsigned>(std::string(n).size())));
  const std::string names = args_ + " " + shell_quote("carriage\rreturn") + " " + shell_quote("all\\three\r\nkinds") +
                            " " + shell_quote("tab\tname");
  auto want = in_dir("sha256sum" + names);
  ASSERT_EQ(want.status, 0);
  auto got = in_dir(chunker() + " hash --algo sha256" + names);
  EXPECT_EQ(got.status, 0);
  EXPECT_EQ(got.out, want.out);
  EXPECT_NE(got.out.find("\\r"), std::string::npos);
  // Check files written by sha256sum in each format it writes or reads.
  ASSERT_EQ(in_dir("sha256sum" + names + " > gnu && sha256sum --tag" + names + " > tag").status, 0);
  ASSERT_EQ(in_dir("sha256sum small empty | sed 's/  /\\t/' > tabbed").status, 0);
  for (const char* list : {"gnu", "tag", "tabbed"}) {
    SCOPED_TRACE(list);
    want = in_dir(std::string("sha256sum -c --strict ") + list + " 2>&1");
    got = in_dir(chunker() + " hash --algo sha256 -c " + list + " 2>&1");
    EXPECT_EQ(want.status, 0) << want.out;
    EXPECT_EQ(got.status, 0) << got.out;
    EXPECT_EQ(got.out, want.out);
  }
  // A changed file fails every format.
  write_file(dir_.file("carriage\rreturn"), random_bytes(77, 99));
  for (const char* list : {"gnu", "tag"}) {
    SCOPED_TRACE(list);
    got = expect_like(std::string("sha256sum -c ") + list + " 2>/dev/null", chunker() + " hash --algo sha256 -c " + list + " 2>/dev/null", 1);
  }
  // A line that cannot be read (bad escape) next to valid lines: exit 1, as
  // with --strict; sha256sum without --strict would exit 0 with a warning.
  ASSERT_EQ(in_dir("sha256sum small > mixed && printf '\\\\%s  bad\\\\qname\\n' $(sha256sum small | cut -c1-64) >> mixed")
                .status,
            0);
  want = in_dir("sha256sum -c --strict mixed 2>/dev/null");
  got = in_dir(chunker() + " hash --algo sha256 -c mixed 2>&1");
  EXPECT_EQ(want.status, 1);
  EXPECT_EQ(got.status, 1);
  EXPECT_NE(got.out.find("small: OK"), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("1 line is improperly formatted"), std::string::npos) << got.out;
}

TEST_F(CliHash, TagLinesForBlake3) {
  CHUNKER_NEED_PROGRAM("b3sum");
  // b3sum has no --tag; build the BSD form from its digests.
  ASSERT_EQ(in_dir("b3sum small empty | sed -E 's/^([0-9a-f]+)  (.*)$/BLAKE3 (\\2) = \\1/' > tag").status, 0);
  auto got = in_dir(chunker() + " hash -c tag");
  EXPECT_EQ(got.status, 0) << got.out;
  EXPECT_EQ(got.out, "small: OK\nempty: OK\n");
  write_file(dir_.file("small"), random_bytes(3, 4321));
  got = in_dir(chunker() + " hash -c tag 2>/dev/null");
  EXPECT_EQ(got.status, 1);
  EXPECT_EQ(got.out, "small: FAILED\nempty: OK\n");
}

TEST_F(CliHash, LengthZeroIsAnEmptyDigestLikeB3sum) {
  CHUNKER_NEED_PROGRAM("b3sum");
  auto want = in_dir("b3sum --length 0 small empty");
  auto got = in_dir(chunker() + " hash --length 0 small empty");
  ASSERT_EQ(want.status, 0);
  EXPECT_EQ(got.status, 0);
  EXPECT_EQ(got.out, want.out);
  EXPECT_EQ(got.out, "  small\n  empty\n");
}
