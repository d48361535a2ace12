// Hex, Nix base32 and base64: round trips, Nix-produced examples (nix-hash
// at test time), RFC 4648 vectors and rejection of bad input.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <random>
#include <sstream>

#include "chunker/encoding.hpp"
#include "test_util.hpp"

using namespace chunker;
using chunker::test::random_bytes;
using chunker::test::run;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST(Hex, EncodeIsLowerCase) {
  EXPECT_EQ(hex_encode(bytes("")), "");
  const std::vector<std::uint8_t> v = {0x00, 0x01, 0xab, 0xcd, 0xef, 0xff, 0x7f};
  EXPECT_EQ(hex_encode(v), "0001abcdefff7f");
}

TEST(Hex, RoundTripAllBytes) {
  std::vector<std::uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = std::uint8_t(i);
  auto enc = hex_encode(all);
  ASSERT_EQ(enc.size(), 512u);
  auto dec = hex_decode(enc);
  ASSERT_TRUE(dec.ok()) << dec.status().to_string();
  EXPECT_EQ(*dec, all);
  auto upper = hex_decode("ABCDEF");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, (std::vector<std::uint8_t>{0xab, 0xcd, 0xef}));
}

TEST(Hex, RejectsBadInput) {
  auto odd = hex_decode("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), Errc::invalid_argument);
  EXPECT_NE(odd.status().message().find("odd"), std::string::npos);
  auto bad = hex_decode("00g0");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Errc::invalid_argument);
  EXPECT_NE(bad.status().message().find("'g'"), std::string::npos);
  EXPECT_NE(bad.status().message().find("position 2"), std::string::npos);
  auto nul = hex_decode(std::string_view("0\0", 2));
  ASSERT_FALSE(nul.ok());
  EXPECT_NE(nul.status().message().find("0x00"), std::string::npos);
}

TEST(NixBase32, Lengths) {
  EXPECT_EQ(nix_base32_len(0), 0u);
  EXPECT_EQ(nix_base32_len(1), 2u);
  EXPECT_EQ(nix_base32_len(16), 26u);  // md5
  EXPECT_EQ(nix_base32_len(20), 32u);  // sha1 (store path hash part)
  EXPECT_EQ(nix_base32_len(32), 52u);  // sha256
  EXPECT_EQ(nix_base32_len(64), 103u); // sha512
}

TEST(NixBase32, RoundTripEveryLength) {
  for (std::size_t n = 0; n <= 80; ++n) {
    auto data = random_bytes(n, 1000 + n);
    auto enc = nix_base32_encode(data);
    ASSERT_EQ(enc.size(), nix_base32_len(n));
    for (char c : enc) ASSERT_NE(kNixBase32Alphabet.find(c), std::string_view::npos);
    auto dec = nix_base32_decode(enc);
    ASSERT_TRUE(dec.ok()) << n << ": " << dec.status().to_string();
    EXPECT_EQ(*dec, data) << n;
  }
}

// Digests converted by Nix itself (nix-hash --to-base32) must match ours,
// in both directions.
TEST(NixBase32, MatchesNixHashToBase32) {
  CHUNKER_NEED_PROGRAM("nix-hash");
  for (int i = 0; i < 6; ++i) {
    auto digest = random_bytes(32, 77 + i);
    if (i == 0) digest.assign(32, 0);
    if (i == 1) digest.assign(32, 0xff);
    const std::string hex = hex_encode(digest);
    auto r = run("nix-hash --type sha256 --to-base32 " + hex + " 2>/dev/null");
    ASSERT_EQ(r.status, 0);
    const std::string nix = trim(r.out);
    EXPECT_EQ(nix_base32_encode(digest), nix) << hex;
    auto back = nix_base32_decode(nix);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, digest);
  }
  // sha1: 20 bytes = 32 characters, the length of store path hash parts.
  auto sha1 = random_bytes(20, 5);
  auto r = run("nix-hash --type sha1 --to-base32 " + hex_encode(sha1) + " 2>/dev/null");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(nix_base32_encode(sha1), trim(r.out));
}

// Fixture produced with Nix, independent of nix-hash being installed now:
//   printf 'hello\n' | nix-hash --type sha256 --flat --base32 /dev/stdin
// (sha256 of "hello\n" = 5891b5b5...be03; see tests/data/nix-base32-vectors.txt)
TEST(NixBase32, FixtureVectors) {
  std::ifstream f(std::string(CHUNKER_TEST_DATA_DIR) + "/nix-base32-vectors.txt");
  ASSERT_TRUE(f) << "tests/data/nix-base32-vectors.txt missing";
  std::string hex, b32;
  int n = 0;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    ASSERT_TRUE(ls >> hex >> b32) << line;
    auto raw = hex_decode(hex);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(nix_base32_encode(*raw), b32);
    auto dec = nix_base32_decode(b32);
    ASSERT_TRUE(dec.ok());
    EXPECT_EQ(*dec, *raw);
    ++n;
  }
  EXPECT_GE(n, 3);
}

TEST(NixBase32, RejectsBadCharacters) {
  std::string good = nix_base32_encode(random_bytes(32, 9));
  for (char bad : {'e', 'o', 'u', 't', 'A', '=', ' ', '\xff'}) {
    std::string s = good;
    s[10] = bad;
    auto r = nix_base32_decode(s);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Errc::invalid_argument);
    EXPECT_NE(r.status().message().find("position 10"), std::string::npos) << r.status().message();
  }
}

TEST(NixBase32, RejectsBadLengths) {
  // Lengths that no byte count encodes to (51: between 31 and 32 bytes).
  for (std::size_t len : {1u, 3u, 6u, 9u, 51u}) {
    auto r = nix_base32_decode(std::string(len, '0'));
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.status().code(), Errc::invalid_argument);
    EXPECT_NE(r.status().message().find("length " + std::to_string(len)), std::string::npos);
  }
}

TEST(NixBase32, RejectsBitsBeyondLastByte) {
  // 52 chars carry 260 bits for 256: the first character may only be 0/1.
  std::string s = nix_base32_encode(random_bytes(32, 3));
  s[0] = '2';
  auto r = nix_base32_decode(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::invalid_argument);
  s[0] = '1';
  EXPECT_TRUE(nix_base32_decode(s).ok());
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> v[] = {
      {"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : v) {
    EXPECT_EQ(base64_encode(bytes(plain)), enc);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec.ok()) << enc;
    EXPECT_EQ(*dec, bytes(plain));
  }
}

TEST(Base64, MatchesCoreutils) {
  CHUNKER_NEED_PROGRAM("base64");
  test::TempDir dir;
  for (std::size_t n : {1u, 2u, 3u, 31u, 32u, 64u}) {
    auto data = random_bytes(n, n * 13);
    test::write_file(dir.file("in"), data);
    auto r = run("base64 -w0 " + dir.file("in"));
    ASSERT_EQ(r.status, 0);
    EXPECT_EQ(base64_encode(data), r.out) << n;
  }
}

TEST(Base64, RoundTrip) {
  for (std::size_t n = 0; n <= 100; ++n) {
    auto data = random_bytes(n, n);
    auto dec = base64_decode(base64_encode(data));
    ASSERT_TRUE(dec.ok());
    EXPECT_EQ(*dec, data);
  }
}

TEST(Base64, RejectsBadInput) {
  for (const char* bad : {"Zg=", "Zm9", "Zm=v", "Z===", "Zh==", "Zm9w=", "Zm9*", "====", "Zm8=Zm8="}) {
    auto r = base64_decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Errc::invalid_argument) << bad;
    EXPECT_FALSE(r.status().message().empty());
  }
}

// Random strings: a decoder either fails with invalid_argument or accepted a
// canonical encoding (re-encoding gives the input back).
TEST(Encoding, RandomStringsDecodeCanonicallyOrFail) {
  std::mt19937_64 rng(2026);
  const std::string nix_chars = std::string(kNixBase32Alphabet) + "eotu";
  const std::string b64_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_";
  const std::string hex_chars = "0123456789abcdefABCDEFg";
  std::size_t ok_nix = 0, ok_b64 = 0, ok_hex = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    const std::size_t len = rng() % 70;
    std::string n, b, h;
    for (std::size_t i = 0; i < len; ++i) {
      n += nix_chars[rng() % nix_chars.size()];
      b += b64_chars[rng() % b64_chars.size()];
      h += hex_chars[rng() % hex_chars.size()];
    }
    if (iter % 3 == 0 && len > 0) n[0] = '0';  // no bits beyond the last byte, more often
    if (auto r = nix_base32_decode(n); r.ok()) {
      EXPECT_EQ(nix_base32_encode(*r), n);
      ++ok_nix;
    } else {
      EXPECT_EQ(r.status().code(), Errc::invalid_argument);
    }
    if (auto r = base64_decode(b); r.ok()) {
      EXPECT_EQ(base64_encode(*r), b);
      ++ok_b64;
    } else {
      EXPECT_EQ(r.status().code(), Errc::invalid_argument);
    }
    if (auto r = hex_decode(h); r.ok()) {
      std::string lower = h;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      EXPECT_EQ(hex_encode(*r), lower);
      ++ok_hex;
    } else {
      EXPECT_EQ(r.status().code(), Errc::invalid_argument);
    }
  }
  // Both outcomes must actually occur for the property to mean something.
  EXPECT_GT(ok_nix, 100u);
  EXPECT_GT(ok_b64, 10u);
  EXPECT_GT(ok_hex, 100u);
}
