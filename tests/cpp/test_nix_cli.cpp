// The nar / key / narinfo subcommands end to end: outputs, exit codes, help.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "nix_test_util.hpp"

namespace {

using chunker::test::shell_quote;
using chunker::test::run;

class CliNix : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = chunker::test::temp_dir();
    cli_ = shell_quote(chunker::test::cli());
    t_ = dir_ + "/tree";
    ASSERT_EQ(::mkdir(t_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((t_ + "/d").c_str(), 0755), 0);
    chunker::test::put_file(t_ + "/d/x", "12345", true);
    chunker::test::put_file(t_ + "/a", "");
    ASSERT_EQ(::symlink("d/x", (t_ + "/l").c_str()), 0);
  }
  void TearDown() override { run("rm -rf " + dir_); }
  std::string dir_, cli_, t_;
};

TEST_F(CliNix, HelpEverywhere) {
  for (const char* c : {"nar --help", "nar dump --help", "nar ls --help", "nar restore --help", "nar hash --help",
                        "nar chunk --help", "key --help", "key generate --help", "key public --help",
                        "narinfo --help", "narinfo sign --help", "narinfo verify --help",
                        "narinfo fingerprint --help"}) {
    auto r = run(cli_ + " " + c + " 2>&1");
    EXPECT_EQ(r.status, 0) << c << "\n" << r.out;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << c << "\n" << r.out;
  }
  for (const char* c : {"nar", "nar bogus", "nar dump", "nar restore x", "key generate", "key generate 'a b'",
                        "narinfo verify x", "narinfo sign x", "nar chunk --preset nope x"}) {
    EXPECT_EQ(run(cli_ + " " + c + " 2>&1").status, 2) << c;
  }
}

TEST_F(CliNix, DumpLsRestoreHash) {
  ASSERT_EQ(run(cli_ + " nar dump " + t_ + " > " + dir_ + "/t.nar").status, 0);
  auto ls = run(cli_ + " nar ls --json " + dir_ + "/t.nar");
  ASSERT_EQ(ls.status, 0) << ls.out;
  EXPECT_NE(ls.out.find("{\"path\":\"a\",\"type\":\"regular\""), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("\"path\":\"d/x\",\"type\":\"regular\",\"offset\":"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("\"size\":5,\"executable\":true"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("{\"path\":\"l\",\"type\":\"symlink\","), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("\"target\":\"d/x\""), std::string::npos) << ls.out;
  auto ls_stdin = run(cli_ + " nar ls - < " + dir_ + "/t.nar");
  EXPECT_EQ(ls_stdin.status, 0);
  EXPECT_EQ(std::count(ls_stdin.out.begin(), ls_stdin.out.end(), '\n'), 5);

  ASSERT_EQ(run(cli_ + " nar restore - " + dir_ + "/out < " + dir_ + "/t.nar").status, 0);
  EXPECT_EQ(run("diff -r " + t_ + " " + dir_ + "/out").status, 0);
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/out/d/x").c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);
  // Restoring over an existing path is refused.
  auto again = run(cli_ + " nar restore " + dir_ + "/t.nar " + dir_ + "/out 2>&1");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.out.find("already exists"), std::string::npos) << again.out;

  auto chunk = run(cli_ + " nar chunk --preset 4k " + dir_ + "/t.nar");
  EXPECT_EQ(chunk.status, 0);
  EXPECT_NE(chunk.out.find("\"entries\":[\"a\",\"d/x\",\"l\"]"), std::string::npos) << chunk.out;

  if (chunker::test::have_program("nix-store")) {
    const std::string env = chunker::test::nix_env(dir_ + "/nix");
    EXPECT_EQ(run(env + "nix-store --dump " + t_ + " | cmp - " + dir_ + "/t.nar").status, 0);
    auto ours = run(cli_ + " nar hash " + t_);
    auto theirs = run(env + "nix-hash --type sha256 --base32 " + t_);
    EXPECT_EQ(ours.out, "sha256:" + theirs.out);
  }
}

TEST_F(CliNix, BadArchivesExitOne) {
  ASSERT_EQ(run(cli_ + " nar dump " + t_ + " > " + dir_ + "/t.nar").status, 0);
  ASSERT_EQ(run("head -c 100 " + dir_ + "/t.nar > " + dir_ + "/trunc.nar").status, 0);
  auto r = run(cli_ + " nar ls " + dir_ + "/trunc.nar 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("archive ends"), std::string::npos) << r.out;
  auto r2 = run(cli_ + " nar restore " + dir_ + "/trunc.nar " + dir_ + "/o2 2>&1");
  EXPECT_EQ(r2.status, 1);
  auto r3 = run("printf 'garbage!' | " + cli_ + " nar ls - 2>&1");
  EXPECT_EQ(r3.status, 1);
  EXPECT_EQ(run(cli_ + " nar hash " + dir_ + "/missing 2>&1").status, 1);
}

TEST_F(CliNix, KeysAndNarinfo) {
  const std::string k = dir_ + "/k";
  auto gen = run(cli_ + " key generate test-cache-1 --secret-file " + k + ".sec --public-file " + k + ".pub");
  ASSERT_EQ(gen.status, 0) << gen.out;
  struct stat st;
  ASSERT_EQ(::stat((k + ".sec").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto pub = chunker::test::read_file(k + ".pub");
  EXPECT_EQ(gen.out, std::string(pub.begin(), pub.end()) + "\n");
  EXPECT_EQ(run(cli_ + " key public " + k + ".sec").out, gen.out);
  // Never overwrites.
  EXPECT_EQ(run(cli_ + " key generate test-cache-1 --secret-file " + k + ".sec --public-file " + k + ".x 2>&1").status,
            1);

  const std::string ni = dir_ + "/x.narinfo";
  ASSERT_EQ(run("cp " + chunker::test::data_path("narinfo/cache-nixos-hello-2.10.narinfo") + " " + ni).status, 0);
  const std::string nixos = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";
  auto v0 = run(cli_ + " narinfo verify --trusted " + nixos + " " + ni);
  EXPECT_EQ(v0.status, 0);
  EXPECT_EQ(v0.out, "valid signature by cache.nixos.org-1\n");
  EXPECT_EQ(run(cli_ + " narinfo verify --trusted " + k + ".pub " + ni + " 2>&1").status, 1);

  ASSERT_EQ(run(cli_ + " narinfo sign --key " + k + ".sec --in-place " + ni).status, 0);
  auto v1 = run(cli_ + " narinfo verify --trusted " + k + ".pub " + ni);
  EXPECT_EQ(v1.status, 0) << v1.out;
  auto v2 = run(cli_ + " narinfo verify --trusted " + k + ".pub --trusted " + nixos + " " + ni);
  EXPECT_EQ(v2.out, "valid signature by cache.nixos.org-1\nvalid signature by test-cache-1\n");
  // Tampered NarSize: both signatures fail.
  ASSERT_EQ(run("sed -i 's/^NarSize: .*/NarSize: 1/' " + ni).status, 0);
  auto v3 = run(cli_ + " narinfo verify --trusted " + k + ".pub --trusted " + nixos + " " + ni + " 2>&1");
  EXPECT_EQ(v3.status, 1);
  EXPECT_NE(v3.out.find("no valid signature"), std::string::npos) << v3.out;
  // Malformed narinfo: the message names the line.
  ASSERT_EQ(run("printf 'StorePath: /nix/store/x\\n' > " + ni).status, 0);
  auto v4 = run(cli_ + " narinfo verify --trusted " + nixos + " " + ni + " 2>&1");
  EXPECT_EQ(v4.status, 1);
  EXPECT_NE(v4.out.find("line 1"), std::string::npos) << v4.out;
}

}  // namespace
