// SHA-256 against independent references: the FIPS 180-2 example messages and
// sha256sum / openssl on random inputs of every size 0..4 KiB and around the
// 64 KiB and 1 MiB boundaries, one-shot and split into random update pieces,
// for every backend this CPU can run (portable, avx2, sha_ni, armv8).
#include <gtest/gtest.h>

#include <random>

#include <map>
#include <sstream>
#include <string_view>

#include "chunker/cpu.hpp"
#include "test_util.hpp"
#include "chunker/encoding.hpp"
#include "chunker/sha256.hpp"

using namespace chunker;
using chunker::test::ForceIsa;
using chunker::test::random_bytes;
using chunker::test::run;

namespace {

// Every SHA-256 backend runnable here and allowed by the CHUNKER_FORCE_ISA
// the suite was started with, as CHUNKER_FORCE_ISA names.
std::vector<std::string> backends() {
  std::vector<std::string> b = {"portable"};
  if (cpu::enabled() & cpu::kAvx2) b.push_back("avx2");
  if (cpu::enabled() & cpu::kShaNi) b.push_back("sha_ni");
  if (cpu::enabled() & cpu::kArmv8Sha2) b.push_back("armv8");
  return b;
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string hex_of(const sha256::Digest& d) { return hex_encode(d); }

// Hashes `data` in random-sized pieces (including empty ones).
sha256::Digest hash_in_pieces(std::span<const std::uint8_t> data, std::uint64_t seed,
                              std::size_t max_piece) {
  std::mt19937_64 rng(seed);
  sha256::Hasher h;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t n = std::min<std::size_t>(rng() % (max_piece + 1), data.size() - pos);
    h.update(data.subspan(pos, n));
    pos += n;
  }
  h.update(data.subspan(pos, 0));
  return h.finalize();
}

// Runs `sha256sum` once over many files; returns name -> hex digest.
std::map<std::string, std::string> sha256sum_files(const test::TempDir& dir,
                                                   const std::vector<std::string>& names) {
  std::string cmd = "cd " + test::shell_quote(dir.path().string()) + " && sha256sum";
  for (auto& n : names) cmd += " " + n;
  auto r = run(cmd);
  std::map<std::string, std::string> out;
  if (r.status != 0) return out;
  std::istringstream in(r.out);
  std::string digest, name;
  while (in >> digest >> name) out[name] = digest;
  return out;
}

void check_against_sha256sum(const std::vector<std::size_t>& sizes, std::uint64_t seed) {
  test::TempDir dir;
  std::vector<std::vector<std::uint8_t>> inputs;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    inputs.push_back(random_bytes(sizes[i], seed + sizes[i]));
    names.push_back("f" + std::to_string(sizes[i]));
    test::write_file(dir.file(names.back()), inputs.back());
  }
  auto ref = sha256sum_files(dir, names);
  ASSERT_EQ(ref.size(), names.size()) << "sha256sum failed";
  for (const auto& isa : backends()) {
    ForceIsa force(isa);
    ASSERT_STREQ(sha256::backend(), isa.c_str());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const std::string& want = ref[names[i]];
      ASSERT_EQ(hex_of(sha256::hash(inputs[i])), want) << isa << " one-shot size " << sizes[i];
      ASSERT_EQ(hex_of(hash_in_pieces(inputs[i], i, 150)), want) << isa << " pieces size " << sizes[i];
      if (sizes[i] > 4096) {
        ASSERT_EQ(hex_of(hash_in_pieces(inputs[i], i, 40000)), want) << isa << " big pieces size " << sizes[i];
      }
    }
  }
}

}  // namespace

// FIPS 180-2 Appendix B examples.
TEST(Sha256, Fips180Examples) {
  const std::string two_block = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  const std::string million_a(1000000, 'a');
  for (const auto& isa : backends()) {
    ForceIsa force(isa);
    EXPECT_EQ(hex_of(sha256::hash(as_bytes("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") << isa;
    EXPECT_EQ(hex_of(sha256::hash(as_bytes(two_block))),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") << isa;
    EXPECT_EQ(hex_of(sha256::hash(as_bytes(million_a))),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") << isa;
    // The million 'a's one byte at a time exercises the buffering path.
    sha256::Hasher h;
    for (char c : million_a) h.update(&c, 1);
    EXPECT_EQ(hex_of(h.finalize()),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") << isa;
  }
}

TEST(Sha256, ResetStartsANewMessage) {
  sha256::Hasher h;
  h.update(as_bytes("garbage that must be forgotten"));
  (void)h.finalize();
  h.reset();
  h.update(as_bytes("abc"));
  EXPECT_EQ(hex_of(h.finalize()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, ForcedPortableIsHonoured) {
  ForceIsa force("portable");
  EXPECT_STREQ(sha256::backend(), "portable");
}

TEST(Sha256, MatchesSha256sumEverySizeTo4KiB) {
  CHUNKER_NEED_PROGRAM("sha256sum");
  std::vector<std::size_t> sizes;
  for (std::size_t n = 0; n <= 4096; ++n) sizes.push_back(n);
  check_against_sha256sum(sizes, 0x5a);
}

TEST(Sha256, MatchesSha256sumAround64KiBAnd1MiB) {
  CHUNKER_NEED_PROGRAM("sha256sum");
  std::vector<std::size_t> sizes;
  for (std::size_t base : {std::size_t(64) << 10, std::size_t(1) << 20})
    for (long d : {-65L, -64L, -63L, -57L, -56L, -55L, -1L, 0L, 1L, 55L, 56L, 63L, 64L, 65L})
      sizes.push_back(base + d);
  check_against_sha256sum(sizes, 0x64b);
}

TEST(Sha256, MatchesOpensslDgst) {
  CHUNKER_NEED_PROGRAM("openssl");
  test::TempDir dir;
  for (std::size_t n : {0u, 3u, 64u, 1000u, 100000u}) {
    auto data = random_bytes(n, n + 1);
    test::write_file(dir.file("in"), data);
    auto r = run("openssl dgst -sha256 -r " + dir.file("in"));
    ASSERT_EQ(r.status, 0);
    const std::string want = r.out.substr(0, 64);
    for (const auto& isa : backends()) {
      ForceIsa force(isa);
      EXPECT_EQ(hex_of(sha256::hash(data)), want) << isa << " size " << n;
    }
  }
}
