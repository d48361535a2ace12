// Ed25519: RFC 8032 vectors, tampering, Nix key formats, keys made by real Nix.
#include <gtest/gtest.h>

#include "chunker/ed25519.hpp"
#include "chunker/encoding.hpp"
#include "nix_test_util.hpp"

using namespace chunker;
using namespace chunker::ed25519;

namespace {

std::vector<std::uint8_t> unhex(const std::string& s) {
  auto r = hex_decode(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? r.value() : std::vector<std::uint8_t>{};
}

TEST(Ed25519, Rfc8032Vectors) {
  const auto j = chunker::test::load_json(chunker::test::data_path("ed25519_rfc8032.json"));
  ASSERT_EQ(j["vectors"].arr.size(), 4u);
  for (const auto& v : j["vectors"].arr) {
    SCOPED_TRACE(v["name"].str);
    const auto seed = unhex(v["secret_key"].str);
    const auto pub = unhex(v["public_key"].str);
    const auto msg = unhex(v["message"].str);
    const auto sig = unhex(v["signature"].str);
    auto sk = SecretKey::from_seed(seed);
    ASSERT_TRUE(sk.ok()) << sk.status().to_string();
    EXPECT_EQ(hex_encode(sk->public_key().bytes()), v["public_key"].str);
    const Signature s = sk->sign(msg);
    EXPECT_EQ(hex_encode(s), v["signature"].str);
    auto pk = PublicKey::from_bytes(pub);
    ASSERT_TRUE(pk.ok());
    EXPECT_TRUE(pk->verify(msg, sig));

    // Tampering: every flipped bit position class fails.
    auto bad_msg = msg;
    bad_msg.push_back(0);
    EXPECT_FALSE(pk->verify(bad_msg, sig));
    if (!msg.empty()) {
      auto m2 = msg;
      m2[0] ^= 1;
      EXPECT_FALSE(pk->verify(m2, sig));
    }
    for (std::size_t i : {0u, 31u, 32u, 63u}) {
      auto s2 = sig;
      s2[i] ^= 0x01;
      EXPECT_FALSE(pk->verify(msg, s2)) << "signature byte " << i;
    }
    auto pub2 = pub;
    pub2[5] ^= 0x10;
    auto pk2 = PublicKey::from_bytes(pub2);
    ASSERT_TRUE(pk2.ok());
    EXPECT_FALSE(pk2->verify(msg, sig));
    EXPECT_FALSE(pk->verify(msg, std::span<const std::uint8_t>(sig).first(63)));

    // 64-byte form (seed || public) round-trips through base64.
    auto again = SecretKey::from_base64(sk->to_base64());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(hex_encode(again->sign(msg)), v["signature"].str);
  }
}

TEST(Ed25519, FlatBase64Api) {
  const auto j = chunker::test::load_json(chunker::test::data_path("ed25519_rfc8032.json"));
  for (const auto& v : j["vectors"].arr) {
    SCOPED_TRACE(v["name"].str);
    auto sk = SecretKey::from_seed(unhex(v["secret_key"].str));
    ASSERT_TRUE(sk.ok());
    const auto msg = unhex(v["message"].str);
    auto sig = sign_base64(msg, sk->to_base64());
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(sig.value(), base64_encode(unhex(v["signature"].str)));
    const std::string pub = base64_encode(unhex(v["public_key"].str));
    auto ok = verify_base64(msg, sig.value(), pub);
    ASSERT_TRUE(ok.ok());
    EXPECT_TRUE(ok.value());
    auto m2 = msg;
    m2.push_back(1);
    EXPECT_FALSE(verify_base64(m2, sig.value(), pub).value());
    EXPECT_FALSE(verify_base64(msg, "AAAA", pub).value());
    EXPECT_FALSE(verify_base64(msg, sig.value(), "AAAA").ok());  // malformed key is an error
  }
  auto kp = generate_keypair_base64();
  ASSERT_TRUE(kp.ok());
  const std::vector<std::uint8_t> m{1, 2, 3};
  auto s = sign_base64(m, kp->secret_key);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(verify_base64(m, s.value(), kp->public_key).value());
  EXPECT_FALSE(sign_base64(m, kp->public_key).ok());  // a public key is not a secret key
}

TEST(Ed25519, GeneratedKeysSignAndVerify) {
  auto a = SecretKey::generate();
  auto b = SecretKey::generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key(), b->public_key());
  const std::string msg = "hello nix";
  EXPECT_TRUE(a->public_key().verify_base64(msg, a->sign_base64(msg)));
  EXPECT_FALSE(b->public_key().verify_base64(msg, a->sign_base64(msg)));
  EXPECT_FALSE(a->public_key().verify_base64("hello nix!", a->sign_base64(msg)));
  EXPECT_FALSE(a->public_key().verify_base64(msg, "not base64"));
}

TEST(Ed25519, RejectsMalformedKeys) {
  EXPECT_EQ(PublicKey::from_base64("AAAA").status().code(), Errc::invalid_argument);
  EXPECT_FALSE(SecretKey::from_seed(std::vector<std::uint8_t>(31)).ok());
  // A secret key whose public half does not belong to the seed.
  auto k = SecretKey::generate();
  ASSERT_TRUE(k.ok());
  std::vector<std::uint8_t> raw(k->bytes().begin(), k->bytes().end());
  raw[40] ^= 1;
  EXPECT_EQ(SecretKey::from_bytes(raw).status().code(), Errc::invalid_argument);
  EXPECT_FALSE(NixSecretKey::parse("nocolon").ok());
  EXPECT_FALSE(NixSecretKey::parse(":" + k->to_base64()).ok());
  EXPECT_FALSE(NixPublicKey::parse("a b:" + k->public_key().to_base64()).ok());
  EXPECT_FALSE(NixPublicKey::parse("name:" + k->to_base64()).ok());  // 64 bytes is not a public key
}

TEST(Ed25519, MovedFromSecretKeyIsWiped) {
  auto k = SecretKey::generate();
  ASSERT_TRUE(k.ok());
  SecretKey& src = k.value();
  SecretKey dst = std::move(src);
  bool all_zero = true;
  for (auto b : src.bytes()) all_zero &= (b == 0);  // NOLINT: inspecting moved-from on purpose
  EXPECT_TRUE(all_zero);
  bool dst_zero = true;
  for (auto b : dst.bytes()) dst_zero &= (b == 0);
  EXPECT_FALSE(dst_zero);
}

TEST(Ed25519, NixFormatRoundTrip) {
  auto k = NixSecretKey::generate("cache.example.org-1");
  ASSERT_TRUE(k.ok());
  const std::string text = k->to_string();
  EXPECT_EQ(text.rfind("cache.example.org-1:", 0), 0u);
  auto back = NixSecretKey::parse(text + "\n");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->public_key().to_string(), k->public_key().to_string());
  auto pub = NixPublicKey::parse(k->public_key().to_string());
  ASSERT_TRUE(pub.ok());
  const std::string sig = k->sign_detached("msg");
  EXPECT_TRUE(verify_nix_signature(pub.value(), "msg", sig));
  EXPECT_FALSE(verify_nix_signature(pub.value(), "msg2", sig));
  // Right key bytes under another name do not count (Nix matches by name).
  NixPublicKey renamed{"other", pub->key};
  EXPECT_FALSE(verify_nix_signature(renamed, "msg", sig));
}

// Keys made by the real Nix tools load, and our public key derivation agrees with Nix's.
TEST(Ed25519, LoadsKeysMadeByNix) {
  NIXTEST_REQUIRE_NIX();
  const std::string d = chunker::test::temp_dir();
  const std::string env = chunker::test::nix_env(d);
  auto gen = chunker::test::run(env + "nix-store --generate-binary-cache-key nixkey-1 " + d + "/sk1 " + d + "/pk1 2>&1");
  ASSERT_EQ(gen.status, 0) << gen.out;
  auto sk = NixSecretKey::parse(std::string(reinterpret_cast<const char*>(chunker::test::read_file(d + "/sk1").data()),
                                            chunker::test::read_file(d + "/sk1").size()));
  ASSERT_TRUE(sk.ok()) << sk.status().to_string();
  const auto pk_bytes = chunker::test::read_file(d + "/pk1");
  EXPECT_EQ(sk->public_key().to_string(), std::string(pk_bytes.begin(), pk_bytes.end()));
  EXPECT_EQ(sk->name, "nixkey-1");

  auto gen2 = chunker::test::run(env + "nix --extra-experimental-features nix-command key generate-secret --key-name nixkey-2 > " +
                            d + "/sk2 2>/dev/null && " + env +
                            "nix --extra-experimental-features nix-command key convert-secret-to-public < " + d +
                            "/sk2");
  if (gen2.status == 0) {
    const auto raw = chunker::test::read_file(d + "/sk2");
    auto sk2 = NixSecretKey::parse(std::string(raw.begin(), raw.end()));
    ASSERT_TRUE(sk2.ok()) << sk2.status().to_string();
    EXPECT_EQ(sk2->public_key().to_string(), gen2.out.substr(0, gen2.out.find_last_not_of("\n") + 1));
  } else {
    ADD_FAILURE() << "nix key generate-secret failed: " << gen2.out;
  }
  chunker::test::run("rm -rf " + d);
}

}  // namespace
