// narinfo + NAR interop with the real Nix, offline, through a file:// binary cache:
// Nix checks our NAR bytes against our NarHash/NarSize and our signature with
// `nix store verify`; we verify what `nix store sign` produces.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "chunker/nar_fs.hpp"
#include "chunker/narinfo.hpp"
#include "nix_test_util.hpp"

using namespace chunker;

namespace {

constexpr const char* kHashPart = "0123456789abcdfghijklmnpqrsvwxyz";  // 32 valid Nix base32 chars

class NarinfoVsNix : public ::testing::Test {
 protected:
  void SetUp() override {
    NIXTEST_REQUIRE_NIX();
    dir_ = chunker::test::temp_dir();
    env_ = chunker::test::nix_env(dir_ + "/nix");
    store_ = dir_ + "/nix/store";
    cache_ = dir_ + "/cache";
    ASSERT_EQ(chunker::test::run("mkdir -p " + cache_ + "/nar " + store_).status, 0);
    chunker::test::put_file(cache_ + "/nix-cache-info", "StoreDir: " + store_ + "\n");
    // A small tree, archived by us.
    const std::string t = dir_ + "/tree";
    ASSERT_EQ(::mkdir(t.c_str(), 0755), 0);
    chunker::test::put_file(t + "/bin", "#!/bin/sh\n", true);
    chunker::test::put_file(t + "/data", std::string(5000, 'd'));
    ASSERT_EQ(::symlink("data", (t + "/link").c_str()), 0);
    std::vector<std::uint8_t> nar;
    ASSERT_TRUE(nar::dump_path(t, nar::Sink([&](std::span<const std::uint8_t> b) {
                                 nar.insert(nar.end(), b.begin(), b.end());
                                 return Status();
                               }))
                    .ok());
    auto h = nar::hash_path(t);
    ASSERT_TRUE(h.ok());
    chunker::test::write_file(cache_ + "/nar/ours.nar", nar);
    info_.store_path = store_ + "/" + kHashPart + "-tree-1.0";
    info_.url = "nar/ours.nar";
    info_.compression = "none";
    info_.file_hash = h->to_string();
    info_.file_size = nar.size();
    info_.nar_hash = h->to_string();
    info_.nar_size = h->nar_size;
    info_.references = {std::string(kHashPart) + "-tree-1.0", "11111111111111111111111111111111-dep-2"};
  }
  void TearDown() override {
    if (!dir_.empty()) chunker::test::run("rm -rf " + dir_);
  }
  void publish(const narinfo::NarInfo& info) {
    chunker::test::put_file(cache_ + "/" + kHashPart + ".narinfo", narinfo::format(info));
  }
  chunker::test::RunResult nix_verify(const std::string& trusted_key, bool contents = true) {
    return chunker::test::run(env_ + "nix --extra-experimental-features nix-command store verify " +
                         (contents ? "" : "--no-contents ") + "--store file://" + cache_ +
                         " --trusted-public-keys " + chunker::test::shell_quote(trusted_key) + " " + info_.store_path +
                         " 2>&1");
  }
  std::string dir_, env_, store_, cache_;
  narinfo::NarInfo info_;
};

TEST_F(NarinfoVsNix, NixAcceptsOurNarAndSignature) {
  auto key = ed25519::NixSecretKey::generate("ours-1");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(narinfo::sign(info_, key.value()).ok());
  publish(info_);
  const std::string pub = key->public_key().to_string();
  auto ok = nix_verify(pub);
  EXPECT_EQ(ok.status, 0) << ok.out;

  // Sanity: the same check fails for an unsigned file, a wrong key, and a bad NarHash.
  auto unsigned_info = info_;
  unsigned_info.sigs.clear();
  publish(unsigned_info);
  EXPECT_NE(nix_verify(pub).status, 0);
  publish(info_);
  auto other = ed25519::NixSecretKey::generate("ours-1");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(nix_verify(other->public_key().to_string()).status, 0);
  // A NarHash that does not match the NAR (correctly signed): Nix's content check fails.
  auto bad_hash = info_;
  auto digest = nar::parse_nar_hash(info_.nar_hash);
  ASSERT_TRUE(digest.ok());
  digest.value()[0] ^= 1;
  bad_hash.nar_hash = nar::format_nar_hash(digest.value());
  bad_hash.sigs.clear();
  ASSERT_TRUE(narinfo::sign(bad_hash, key.value()).ok());
  publish(bad_hash);
  EXPECT_NE(nix_verify(pub).status, 0);
}

TEST_F(NarinfoVsNix, NixMadeKeySignsWithUsAndNixVerifies) {
  auto gen = chunker::test::run(env_ + "nix-store --generate-binary-cache-key nixkey-1 " + dir_ + "/sk " + dir_ +
                           "/pk 2>&1");
  ASSERT_EQ(gen.status, 0) << gen.out;
  const auto skb = chunker::test::read_file(dir_ + "/sk");
  auto key = ed25519::NixSecretKey::parse(std::string(skb.begin(), skb.end()));
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  ASSERT_TRUE(narinfo::sign(info_, key.value()).ok());
  publish(info_);
  const auto pkb = chunker::test::read_file(dir_ + "/pk");
  auto r = nix_verify(std::string(pkb.begin(), pkb.end()));
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST_F(NarinfoVsNix, WeVerifyWhatNixSigns) {
  publish(info_);
  auto gen = chunker::test::run(env_ + "nix-store --generate-binary-cache-key nixkey-2 " + dir_ + "/sk " + dir_ +
                           "/pk 2>&1");
  ASSERT_EQ(gen.status, 0) << gen.out;
  auto s = chunker::test::run(env_ + "nix --extra-experimental-features nix-command store sign --store file://" + cache_ +
                         " --key-file " + dir_ + "/sk " + info_.store_path + " 2>&1");
  ASSERT_EQ(s.status, 0) << s.out;
  const auto text = chunker::test::read_file(cache_ + "/" + kHashPart + ".narinfo");
  auto signed_info = narinfo::parse(std::string(text.begin(), text.end()));
  ASSERT_TRUE(signed_info.ok()) << signed_info.status().to_string();
  ASSERT_EQ(signed_info->sigs.size(), 1u);
  const auto pkb = chunker::test::read_file(dir_ + "/pk");
  auto pk = ed25519::NixPublicKey::parse(std::string(pkb.begin(), pkb.end()));
  ASSERT_TRUE(pk.ok());
  std::vector<ed25519::NixPublicKey> trusted{pk.value()};
  EXPECT_TRUE(narinfo::verify(signed_info.value(), trusted).ok());
  // Nix rewrote the file; the fields we set survive unchanged.
  EXPECT_EQ(signed_info->nar_hash, info_.nar_hash);
  EXPECT_EQ(signed_info->nar_size, info_.nar_size);
}

}  // namespace
