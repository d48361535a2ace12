// NAR byte-compatibility with the real Nix tools (Debian nix-bin), offline.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "chunker/nar_fs.hpp"
#include "nix_test_util.hpp"

using namespace chunker;

namespace {

class NarVsNix : public ::testing::Test {
 protected:
  void SetUp() override {
    NIXTEST_REQUIRE_NIX();
    dir_ = chunker::test::temp_dir();
    env_ = chunker::test::nix_env(dir_ + "/nix");
  }
  void TearDown() override {
    if (!dir_.empty()) chunker::test::run("chmod -R u+w " + dir_ + " 2>/dev/null; rm -rf " + dir_);
  }
  std::vector<std::uint8_t> ours(const std::string& path) {
    std::vector<std::uint8_t> out;
    Status s = nar::dump_path(path, nar::Sink([&](std::span<const std::uint8_t> b) {
                                out.insert(out.end(), b.begin(), b.end());
                                return Status();
                              }));
    EXPECT_TRUE(s.ok()) << s.to_string();
    return out;
  }
  std::vector<std::uint8_t> theirs(const std::string& path) {
    auto r = chunker::test::run(env_ + "nix-store --dump " + chunker::test::shell_quote(path) + " > " + dir_ + "/nix.nar");
    EXPECT_EQ(r.status, 0) << r.out;
    return chunker::test::read_file(dir_ + "/nix.nar");
  }
  std::string nix_hash(const std::string& path) {
    auto r = chunker::test::run(env_ + "nix-hash --type sha256 --base32 " + chunker::test::shell_quote(path));
    EXPECT_EQ(r.status, 0) << r.out;
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }
  void check_same(const std::string& path) {
    SCOPED_TRACE(path);
    const auto a = ours(path);
    const auto b = theirs(path);
    ASSERT_FALSE(b.empty());
    EXPECT_TRUE(a == b) << "our NAR (" << a.size() << " bytes) differs from nix-store --dump (" << b.size()
                        << " bytes)";
    auto h = nar::hash_path(path);
    ASSERT_TRUE(h.ok()) << h.status().to_string();
    EXPECT_EQ(h->to_string(), "sha256:" + nix_hash(path));
    EXPECT_EQ(h->nar_size, b.size());
  }
  std::string dir_, env_;
};

TEST_F(NarVsNix, VariedTree) {
  const std::string t = dir_ + "/tree";
  ASSERT_EQ(::mkdir(t.c_str(), 0755), 0);
  for (const char* d : {"/sub", "/sub/deeper", "/sub/deeper/deepest", "/emptydir", "/B", "/a.d"})
    ASSERT_EQ(::mkdir((t + d).c_str(), 0755), 0);
  chunker::test::put_file(t + "/empty", "");
  chunker::test::put_file(t + "/run.sh", "#!/bin/sh\necho hi\n", true);
  chunker::test::put_file(t + "/seven", "1234567");   // needs 1 byte padding
  chunker::test::put_file(t + "/eight", "12345678");  // needs none
  chunker::test::put_file(t + "/nine", "123456789");  // needs 7
  chunker::test::put_file(t + "/sub/deeper/deepest/file", "deep\n");
  chunker::test::put_file(t + "/B/upper", "sorts before lower-case\n");
  chunker::test::put_file(t + "/a.d/x", "dot sorts before letters\n", true);
  // Names that sort non-trivially bytewise: '-' < '.' < digits < upper < '_' < lower < UTF-8.
  for (const char* n : {"/a-b", "/a.b", "/a0", "/aB", "/a_b", "/ab", "/\xc3\xa9t\xc3\xa9", "/Z", "/~tilde",
                        "/with space", "/x\ty"})
    chunker::test::put_file(t + n, std::string(n) + "\n");
  const auto big = chunker::test::random_bytes(200003, 42);
  chunker::test::write_file(t + "/sub/big.bin", big);
  ASSERT_EQ(::symlink("run.sh", (t + "/link").c_str()), 0);
  ASSERT_EQ(::symlink("/nonexistent/absolute", (t + "/sub/abs").c_str()), 0);
  ASSERT_EQ(::symlink("../sub", (t + "/sub/deeper/up").c_str()), 0);
  ASSERT_EQ(::symlink(std::string(300, 'l').c_str(), (t + "/longlink").c_str()), 0);
  check_same(t);
}

TEST_F(NarVsNix, SingleObjects) {
  chunker::test::put_file(dir_ + "/plain", "just a file");
  check_same(dir_ + "/plain");
  chunker::test::put_file(dir_ + "/exe", "", true);
  check_same(dir_ + "/exe");
  ASSERT_EQ(::symlink("target", (dir_ + "/sym").c_str()), 0);
  check_same(dir_ + "/sym");
  ASSERT_EQ(::mkdir((dir_ + "/empty").c_str(), 0755), 0);
  check_same(dir_ + "/empty");
}

TEST_F(NarVsNix, RandomTrees) {
  chunker::test::SplitMix64 rng(7);
  for (int tree = 0; tree < 4; ++tree) {
    const std::string t = dir_ + "/r" + std::to_string(tree);
    ASSERT_EQ(::mkdir(t.c_str(), 0755), 0);
    std::vector<std::string> dirs{t};
    for (int i = 0; i < 40; ++i) {
      const std::string parent = dirs[rng.below(dirs.size())];
      const std::string name = parent + "/n" + std::to_string(rng.below(1000));
      struct stat st;
      if (::lstat(name.c_str(), &st) == 0) continue;
      switch (rng.below(4)) {
        case 0:
          ASSERT_EQ(::mkdir(name.c_str(), 0755), 0);
          dirs.push_back(name);
          break;
        case 1:
          ASSERT_EQ(::symlink(("t" + std::to_string(i)).c_str(), name.c_str()), 0);
          break;
        default: {
          const auto data = chunker::test::random_bytes(rng.below(3000), rng.next());
          chunker::test::write_file(name, data);
          ASSERT_EQ(::chmod(name.c_str(), rng.below(2) ? 0755 : 0644), 0);
        }
      }
    }
    check_same(t);
  }
}

// Nix restores our NAR and re-dumps it identically; we restore Nix's dump identically.
TEST_F(NarVsNix, RestoreBothWays) {
  const std::string t = dir_ + "/src";
  ASSERT_EQ(::mkdir(t.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((t + "/d").c_str(), 0755), 0);
  chunker::test::put_file(t + "/d/f", "content\n", true);
  chunker::test::put_file(t + "/g", "g");
  ASSERT_EQ(::symlink("d/f", (t + "/l").c_str()), 0);
  const auto nar = ours(t);
  chunker::test::write_file(dir_ + "/ours.nar", nar);
  auto r = chunker::test::run(env_ + "nix-store --restore " + dir_ + "/by-nix < " + dir_ + "/ours.nar 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(theirs(dir_ + "/by-nix"), nar);

  const auto nix_nar = theirs(t);
  auto in = InputFile::open(dir_ + "/nix.nar");
  ASSERT_TRUE(in.ok());
  Status s = nar::restore([&](std::span<std::uint8_t> b) { return in->read(b); }, dir_ + "/by-us");
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(theirs(dir_ + "/by-us"), nix_nar);
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/by-us/d/f").c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);
}

}  // namespace
