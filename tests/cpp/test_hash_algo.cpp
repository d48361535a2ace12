// The hash umbrella (chunker/hash.hpp): names, one-shot and incremental
// digests checked against sha256sum / b3sum on the same bytes.
#include <gtest/gtest.h>

#include "chunker/encoding.hpp"
#include "test_util.hpp"
#include "chunker/hash.hpp"

using namespace chunker;
using chunker::test::random_bytes;
using chunker::test::run;

TEST(HashAlgo, ParseAndName) {
  for (auto a : {HashAlgo::none, HashAlgo::sha256, HashAlgo::blake3}) {
    auto parsed = parse_hash_algo(hash_algo_name(a));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, a);
  }
  EXPECT_EQ(*parse_hash_algo("sha-256"), HashAlgo::sha256);
  for (const char* bad : {"", "md5", "SHA256x", "blake2b"}) {
    auto r = parse_hash_algo(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Errc::invalid_argument);
    EXPECT_NE(r.status().message().find("blake3, sha256 or none"), std::string::npos);
  }
}

TEST(HashAlgo, DigestsMatchReferenceTools) {
  CHUNKER_NEED_PROGRAM("sha256sum");
  CHUNKER_NEED_PROGRAM("b3sum");
  test::TempDir dir;
  for (std::size_t n : {0u, 1u, 1024u, 1025u, 100000u}) {
    const auto data = random_bytes(n, 300 + n);
    test::write_file(dir.file("in"), data);
    const std::pair<HashAlgo, std::string> refs[] = {{HashAlgo::sha256, "sha256sum"}, {HashAlgo::blake3, "b3sum"}};
    for (const auto& [algo, tool] : refs) {
      auto r = run(tool + " " + dir.file("in"));
      ASSERT_EQ(r.status, 0);
      const std::string want = r.out.substr(0, 64);
      EXPECT_EQ(hex_encode(hash(algo, data)), want) << tool << " " << n;
      // Incremental, in uneven pieces, then reset and reuse.
      AnyHasher h(algo);
      EXPECT_EQ(h.algo(), algo);
      for (int round = 0; round < 2; ++round) {
        for (std::size_t pos = 0; pos < n;) {
          const std::size_t take = std::min<std::size_t>(n - pos, 1 + (pos * 7919) % 5000);
          h.update(std::span<const std::uint8_t>(data).subspan(pos, take));
          pos += take;
        }
        EXPECT_EQ(hex_encode(h.finalize()), want) << tool << " " << n << " round " << round;
        h.reset();
      }
    }
  }
}

TEST(HashAlgo, NoneIsAllZeros) {
  const auto data = random_bytes(100, 1);
  EXPECT_EQ(hash(HashAlgo::none, data), Digest{});
  AnyHasher h(HashAlgo::none);
  h.update(data);
  EXPECT_EQ(h.finalize(), Digest{});
}
