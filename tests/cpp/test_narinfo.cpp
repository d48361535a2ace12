// narinfo: real cache.nixos.org signatures, strict parsing, signing round trips.
#include <gtest/gtest.h>

#include "chunker/encoding.hpp"
#include "chunker/nar.hpp"
#include "chunker/narinfo.hpp"
#include "nix_test_util.hpp"

using namespace chunker;
using namespace chunker::narinfo;

namespace {

constexpr const char* kCacheNixosKey = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

std::string fixture(const std::string& name) {
  const auto b = chunker::test::read_file(chunker::test::data_path("narinfo/" + name));
  return std::string(b.begin(), b.end());
}

std::vector<ed25519::NixPublicKey> cache_nixos() {
  auto k = ed25519::NixPublicKey::parse(kCacheNixosKey);
  EXPECT_TRUE(k.ok());
  return {k.value()};
}

TEST(Narinfo, RealCacheNixosSignaturesVerify) {
  for (const char* f : {"cache-nixos-hello-2.10.narinfo", "cache-nixos-ripgrep-15.2.0.narinfo"}) {
    SCOPED_TRACE(f);
    const std::string text = fixture(f);
    auto info = parse(text);
    ASSERT_TRUE(info.ok()) << info.status().to_string();
    EXPECT_TRUE(verify(info.value(), cache_nixos()).ok());
    // Our writer reproduces the file byte for byte (Nix's field order).
    EXPECT_EQ(format(info.value()), text);

    // Any change to a fingerprinted field breaks the signature.
    auto t1 = info.value();
    t1.nar_size += 1;
    EXPECT_EQ(verify(t1, cache_nixos()).code(), Errc::verification_failed);
    auto t2 = info.value();
    t2.references.pop_back();
    EXPECT_EQ(verify(t2, cache_nixos()).code(), Errc::verification_failed);
    auto t3 = info.value();
    t3.store_path.back() = t3.store_path.back() == '0' ? '1' : '0';
    EXPECT_FALSE(verify(t3, cache_nixos()).ok());
    auto t4 = info.value();
    std::string& sig = t4.sigs[0];
    sig[sig.size() - 5] = sig[sig.size() - 5] == 'A' ? 'B' : 'A';
    EXPECT_EQ(verify(t4, cache_nixos()).code(), Errc::verification_failed);
    // Fields outside the fingerprint do not matter (as in Nix).
    auto t5 = info.value();
    t5.url = "nar/elsewhere.nar";
    EXPECT_TRUE(verify(t5, cache_nixos()).ok());
    // An untrusted key, or the right key bytes under another name, is not enough.
    auto other = ed25519::NixSecretKey::generate("cache.nixos.org-1");
    ASSERT_TRUE(other.ok());
    std::vector<ed25519::NixPublicKey> wrong{other->public_key()};
    EXPECT_EQ(verify(info.value(), wrong).code(), Errc::verification_failed);
    std::vector<ed25519::NixPublicKey> renamed{{"cache.nixos.org-2", cache_nixos()[0].key}};
    EXPECT_EQ(verify(info.value(), renamed).code(), Errc::verification_failed);
  }
}

TEST(Narinfo, NarHashFormsGiveTheSameFingerprint) {
  auto info = parse(fixture("cache-nixos-hello-2.10.narinfo"));
  ASSERT_TRUE(info.ok());
  auto d = nar::parse_nar_hash(info->nar_hash);
  ASSERT_TRUE(d.ok());
  auto hexed = info.value();
  hexed.nar_hash = "sha256:" + hex_encode(d.value());
  EXPECT_TRUE(verify(hexed, cache_nixos()).ok());
  // Reference order in the file does not matter: Nix signs the sorted set.
  auto reordered = info.value();
  std::swap(reordered.references[0], reordered.references[1]);
  EXPECT_TRUE(verify(reordered, cache_nixos()).ok());
}

TEST(Narinfo, FingerprintLayout) {
  auto info = parse(fixture("cache-nixos-hello-2.10.narinfo"));
  ASSERT_TRUE(info.ok());
  auto fp = fingerprint(info.value());
  ASSERT_TRUE(fp.ok());
  // Spelled out from the narinfo fields by hand, per Nix's documented format.
  EXPECT_EQ(fp.value(),
            "1;/nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10;"
            "sha256:1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i;205968;"
            "/nix/store/9df65igwjmf2wbw0gbrrgair6piqjgmi-glibc-2.31,"
            "/nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10");
}

TEST(Narinfo, SignThenVerify) {
  auto info = parse(fixture("cache-nixos-ripgrep-15.2.0.narinfo"));
  ASSERT_TRUE(info.ok());
  auto key = ed25519::NixSecretKey::generate("my-cache-1");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(sign(info.value(), key.value()).ok());
  ASSERT_EQ(info->sigs.size(), 2u);
  EXPECT_EQ(info->sigs[1].rfind("my-cache-1:", 0), 0u);
  std::vector<ed25519::NixPublicKey> mine{key->public_key()};
  EXPECT_TRUE(verify(info.value(), mine).ok());
  EXPECT_EQ(valid_signers(info.value(), mine), std::vector<std::string>{"my-cache-1"});
  // Both signatures count when both keys are trusted; signing again replaces ours.
  auto both = cache_nixos();
  both.push_back(key->public_key());
  EXPECT_EQ(valid_signers(info.value(), both).size(), 2u);
  ASSERT_TRUE(sign(info.value(), key.value()).ok());
  EXPECT_EQ(info->sigs.size(), 2u);
  // Survives a format/parse round trip.
  auto again = parse(format(info.value()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), info.value());
  EXPECT_TRUE(verify(again.value(), mine).ok());
}

TEST(Narinfo, MalformedFilesNameTheLine) {
  const std::string good = fixture("cache-nixos-hello-2.10.narinfo");
  struct Case {
    std::string text;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"StorePath: /nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10\nno colon here\n", "line 2"},
      {"StorePath: /nix/store/tooshort-hello\n", "line 1"},
      {"StorePath: /nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-hello\n", "line 1"},  // 'e' not base32
      {good + "NarSize: 12\n", "line 10: duplicate NarSize"},
      {"URL: x\nNarSize: -5\n", "line 2: NarSize"},
      {"URL: x\nNarSize: 99999999999999999999999\n", "line 2"},
      {"URL: x\nFileSize: 12abc\n", "line 2"},
      {"URL: x\nNarHash: sha256:abc\n", "line 2: NarHash"},
      {"URL: x\nNarHash: md5:00000000000000000000000000000000\n", "line 2"},
      {"URL: x\nReferences: ../../etc/passwd\n", "line 2: References"},
      {"URL: x\nDeriver: not a path\n", "line 2: Deriver"},
      {"URL: x\nSig: nocolon\n", "line 2: Sig"},
      {"URL: x\nURL:missing-space\n", "line 2"},
      {"URL: x\r\n", "line 1"},
      {"URL: x\n\nNarSize: 1\n", "line 2"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Errc::corrupt_input);
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos)
        << "message: " << r.status().message() << "\nwanted: " << c.needle;
  }
  // Missing required fields.
  auto no_hash = parse("StorePath: /nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10\nURL: x\nNarSize: 5\n");
  ASSERT_FALSE(no_hash.ok());
  EXPECT_NE(no_hash.status().message().find("NarHash"), std::string::npos);
  EXPECT_FALSE(parse("").ok());
}

TEST(Narinfo, OptionalFieldsAndUnknownKeys) {
  const std::string text =
      "StorePath: /nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10\n"
      "URL: nar/x.nar\n"
      "Compression: none\n"
      "NarHash: sha256:1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i\n"
      "NarSize: 205968\n"
      "References: \n"
      "Deriver: unknown-deriver\n"
      "System: x86_64-linux\n"
      "Sig: a:AAAA\n"
      "Sig: b:BBBB\n"
      "CA: fixed:r:sha256:1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i\n"
      "X-Custom: kept\n";
  auto info = parse(text);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_TRUE(info->references.empty());
  EXPECT_EQ(info->deriver, "");
  EXPECT_EQ(info->system, "x86_64-linux");
  EXPECT_EQ(info->sigs, (std::vector<std::string>{"a:AAAA", "b:BBBB"}));
  EXPECT_EQ(info->ca.substr(0, 8), "fixed:r:");
  ASSERT_EQ(info->extra.size(), 1u);
  EXPECT_EQ(info->extra[0].first, "X-Custom");
  EXPECT_FALSE(info->file_size.has_value());
  // Garbage signatures simply do not verify.
  EXPECT_EQ(verify(info.value(), cache_nixos()).code(), Errc::verification_failed);
}

}  // namespace
