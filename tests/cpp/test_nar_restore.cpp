// Restoring hostile NARs: rejected, and nothing is created outside the target.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>

#include "chunker/nar_fs.hpp"
#include "nix_test_util.hpp"

using namespace chunker;
using chunker::test::str;
using chunker::test::tokens;
using chunker::test::u64;

namespace {

// Every path under `root` (relative), recursively, not following symlinks.
std::set<std::string> tree(const std::string& root, const std::string& rel = "") {
  std::set<std::string> out;
  DIR* d = ::opendir((root + rel).c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    out.insert(rel + "/" + n);
    struct stat st;
    if (::lstat((root + rel + "/" + n).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      for (const auto& s : tree(root, rel + "/" + n)) out.insert(s);
  }
  ::closedir(d);
  return out;
}

class NarRestore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = chunker::test::temp_dir();
    // A victim directory next to the target, and a symlink a hostile archive might aim at.
    ASSERT_EQ(::mkdir((dir_ + "/outside").c_str(), 0755), 0);
    chunker::test::put_file(dir_ + "/outside/keep", "precious");
  }
  void TearDown() override { chunker::test::run("rm -rf " + dir_); }

  Status restore(const std::vector<std::uint8_t>& nar, std::size_t step = 5) {
    std::size_t pos = 0;
    return nar::restore(
        [&](std::span<std::uint8_t> b) -> Result<std::size_t> {
          const std::size_t n = std::min({b.size(), step, nar.size() - pos});
          std::copy_n(nar.begin() + static_cast<std::ptrdiff_t>(pos), n, b.begin());
          pos += n;
          return n;
        },
        dir_ + "/target");
  }
  // Only `target` (and its content) may appear beside the untouched victim.
  void expect_confined() {
    for (const auto& p : tree(dir_))
      EXPECT_TRUE(p == "/outside" || p == "/outside/keep" || p.rfind("/target", 0) == 0) << "escaped: " << p;
    const auto keep = chunker::test::read_file(dir_ + "/outside/keep");
    EXPECT_EQ(std::string(keep.begin(), keep.end()), "precious");
  }
  std::string dir_;
};

std::vector<std::uint8_t> entry_symlink(std::vector<std::uint8_t> nar, const std::string& name,
                                        const std::string& target) {
  for (const char* t : {"entry", "(", "name"}) str(nar, t);
  str(nar, name);
  for (const char* t : {"node", "(", "type", "symlink", "target"}) str(nar, t);
  str(nar, target);
  for (const char* t : {")", ")"}) str(nar, t);
  return nar;
}

std::vector<std::uint8_t> entry_file(std::vector<std::uint8_t> nar, const std::string& name, const std::string& data) {
  for (const char* t : {"entry", "(", "name"}) str(nar, t);
  str(nar, name);
  for (const char* t : {"node", "(", "type", "regular", "contents"}) str(nar, t);
  str(nar, data);
  for (const char* t : {")", ")"}) str(nar, t);
  return nar;
}

std::vector<std::uint8_t> root_dir() { return tokens({"nix-archive-1", "(", "type", "directory"}); }
std::vector<std::uint8_t> close(std::vector<std::uint8_t> nar) {
  str(nar, ")");
  return nar;
}

TEST_F(NarRestore, ValidArchive) {
  auto nar = entry_file(entry_symlink(root_dir(), "a", "../outside"), "b", "data");
  ASSERT_TRUE(restore(close(nar)).ok());
  EXPECT_EQ(tree(dir_ + "/target"), (std::set<std::string>{"/a", "/b"}));
  char buf[64];
  const ssize_t n = ::readlink((dir_ + "/target/a").c_str(), buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "../outside");
  expect_confined();
}

TEST_F(NarRestore, TraversalNamesRejected) {
  for (const char* bad : {"..", ".", "../outside/keep", "x/../../outside", "/etc"}) {
    SCOPED_TRACE(bad);
    chunker::test::run("rm -rf " + dir_ + "/target");
    Status s = restore(close(entry_file(root_dir(), bad, "pwned")));
    EXPECT_EQ(s.code(), Errc::corrupt_input) << s.to_string();
    expect_confined();
  }
}

// A symlink to the outside followed by a same-named directory or file must
// never lead to writes through the link.
TEST_F(NarRestore, SymlinkThenSameNameRejected) {
  auto nar = entry_symlink(root_dir(), "evil", "../outside");
  for (const char* t : {"entry", "(", "name", "evil", "node", "(", "type", "directory"}) str(nar, t);
  nar = close(entry_file(nar, "keep", "overwritten"));
  for (const char* t : {")"}) str(nar, t);
  Status s = restore(close(nar));
  EXPECT_EQ(s.code(), Errc::corrupt_input) << s.to_string();
  expect_confined();

  chunker::test::run("rm -rf " + dir_ + "/target");
  auto nar2 = entry_file(entry_symlink(root_dir(), "evil", "../outside/keep"), "evil", "overwritten");
  EXPECT_EQ(restore(close(nar2)).code(), Errc::corrupt_input);
  expect_confined();
}

TEST_F(NarRestore, HugeDeclaredSizeAndTruncation) {
  auto nar = root_dir();
  for (const char* t : {"entry", "(", "name", "f", "node", "(", "type", "regular", "contents"}) str(nar, t);
  u64(nar, 1ull << 50);
  nar.resize(nar.size() + 100, 'x');
  Status s = restore(nar);
  EXPECT_EQ(s.code(), Errc::output_limit) << s.to_string();
  expect_confined();

  chunker::test::run("rm -rf " + dir_ + "/target");
  const auto full = close(entry_file(root_dir(), "f", std::string(1000, 'y')));
  Status t = restore(std::vector<std::uint8_t>(full.begin(), full.end() - 200));
  EXPECT_EQ(t.code(), Errc::truncated_input) << t.to_string();
  expect_confined();
}

TEST_F(NarRestore, ExistingTargetRefused) {
  ASSERT_EQ(::symlink("outside", (dir_ + "/target").c_str()), 0);  // even a symlink to a real dir
  Status s = restore(close(entry_file(root_dir(), "keep", "overwritten")));
  EXPECT_EQ(s.code(), Errc::io_error) << s.to_string();
  EXPECT_NE(s.message().find("already exists"), std::string::npos);
  expect_confined();
}

TEST_F(NarRestore, TrailingDataRejected) {
  auto nar = close(entry_file(root_dir(), "f", "x"));
  nar.insert(nar.end(), 8, 0);
  EXPECT_EQ(restore(nar).code(), Errc::trailing_data);
  expect_confined();
}

}  // namespace
