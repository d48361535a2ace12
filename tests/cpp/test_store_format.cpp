// Store format documents and names (docs/store-format.md), without touching disk.
#include <gtest/gtest.h>

#include <string>

#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "test_util.hpp"

using chunker::Errc;
namespace store = chunker::store;

namespace {

chunker::fastcdc::Params params64k() { return *chunker::fastcdc::preset("64k"); }

std::string hex_of(const std::string& s) {
  return store::to_hex(chunker::blake3::hash({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}));
}

}  // namespace

TEST(StoreNames, ValidAndInvalid) {
  for (const char* ok : {"a", "photos/cat.jpg", "a/b/c", ".hidden", "a..b", "caf\xc3\xa9", "x y", "a\\b"})
    EXPECT_TRUE(store::validate_name(ok).ok()) << ok;
  const std::string nul("a\0b", 3);
  for (const std::string& bad : {std::string(""), std::string("/abs"), std::string(".."), std::string("a/../b"),
                                 std::string("./a"), std::string("a/."), std::string("a//b"), std::string("a/"),
                                 nul, std::string("\xff"), std::string("\xc0\xaf"), std::string(4097, 'a')}) {
    auto s = store::validate_name(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), Errc::invalid_argument);
  }
  EXPECT_TRUE(store::validate_name(std::string(4096, 'a')).ok());
}

TEST(StoreNames, NormalizeCommandLinePaths) {
  EXPECT_EQ(*store::normalize_name("./a//b/./c"), "a/b/c");
  EXPECT_EQ(*store::normalize_name("/abs/path/"), "abs/path");
  EXPECT_EQ(*store::normalize_name("plain"), "plain");
  EXPECT_FALSE(store::normalize_name("a/../b").ok());
  EXPECT_FALSE(store::normalize_name("/").ok());
  EXPECT_FALSE(store::normalize_name(".").ok());
}

TEST(StoreNames, PathsAreBlake3OfTheName) {
  // Independent reference: b3sum of the name's bytes.
  if (!testutil::have_program("b3sum")) GTEST_SKIP() << "b3sum not installed";
  auto r = testutil::run("printf '%s' 'photos/cat.jpg' | b3sum --no-names");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(store::manifest_rel_path("photos/cat.jpg"), "manifests/" + r.out.substr(0, 64) + ".json");
  auto d = store::parse_hex(r.out.substr(0, 64));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(store::chunk_rel_path(*d), "chunks/" + r.out.substr(0, 2) + "/" + r.out.substr(0, 64));
  EXPECT_FALSE(store::parse_hex(std::string(64, 'A')).ok());  // lower case only
  EXPECT_FALSE(store::parse_hex(std::string(63, 'a')).ok());
}

TEST(StoreFormat, StoreJsonRoundTripAndChecks) {
  auto p = params64k();
  std::string doc = store::store_json(p);
  EXPECT_EQ(doc,
            "{\"format\":\"chunker-store\",\"version\":1,\"hash\":\"blake3\",\"chunking\":{\"min\":16384,\"avg\":65536,"
            "\"max\":262144,\"level\":1,\"seed\":0}}\n");
  auto back = store::parse_store_json(doc);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->max_size, 262144u);
  // Another writer's layout: reordered keys and whitespace.
  auto other = store::parse_store_json(
      "{\n  \"chunking\": {\"seed\": 7, \"level\": 2, \"max\": 65536, \"avg\": 16384, \"min\": 4096},\n"
      "  \"hash\": \"blake3\", \"version\": 1, \"format\": \"chunker-store\", \"extra\": [1]\n}\n");
  ASSERT_TRUE(other.ok()) << other.status().to_string();
  EXPECT_EQ(other->seed, 7u);
  EXPECT_EQ(other->level, 2u);
  struct Bad {
    const char* doc;
    Errc code;
  } bads[] = {
      {"{\"format\":\"other\",\"version\":1,\"hash\":\"blake3\",\"chunking\":{}}", Errc::unsupported_format},
      {"{\"format\":\"chunker-store\",\"version\":2,\"hash\":\"blake3\",\"chunking\":{}}", Errc::unsupported_format},
      {"{\"format\":\"chunker-store\",\"version\":1,\"hash\":\"sha256\",\"chunking\":{}}", Errc::unsupported_format},
      {"{\"format\":\"chunker-store\",\"version\":1,\"hash\":\"blake3\"}", Errc::corrupt_input},
      {"{\"format\":\"chunker-store\",\"version\":1,\"hash\":\"blake3\",\"chunking\":{\"min\":1,\"avg\":2,\"max\":3,"
       "\"level\":1,\"seed\":0}}",
       Errc::corrupt_input},
      {"{\"format\":\"chunker-store\",\"version\":\"1\"}", Errc::corrupt_input},
      {"[]", Errc::corrupt_input},
      {"{\"format\":\"chunker-store\"", Errc::corrupt_input},
  };
  for (const auto& b : bads) {
    auto r = store::parse_store_json(b.doc);
    ASSERT_FALSE(r.ok()) << b.doc;
    EXPECT_EQ(r.status().code(), b.code) << b.doc << " -> " << r.status().to_string();
    EXPECT_NE(r.status().message().find("store.json"), std::string::npos);
  }
}

TEST(StoreFormat, ManifestRoundTripAndStrictness) {
  store::Manifest m;
  m.name = "dir/caf\xc3\xa9 \"quoted\".txt";
  m.size = 70000;
  m.blake3 = chunker::blake3::hash({});
  m.chunks = {{chunker::blake3::hash(std::span<const std::uint8_t>()), 65536}, {m.blake3, 4464}};
  m.chunks[0].hash[0] ^= 1;
  std::string doc = store::manifest_json(m);
  auto back = store::parse_manifest(doc, params64k());
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->name, m.name);
  EXPECT_EQ(back->size, m.size);
  EXPECT_EQ(back->blake3, m.blake3);
  EXPECT_EQ(back->chunks, m.chunks);

  const std::string h = hex_of("x");
  auto mk = [&](const std::string& name_json, const std::string& size, const std::string& chunks) {
    return "{\"format\":\"chunker-manifest\",\"version\":1,\"name\":" + name_json + ",\"size\":" + size +
           ",\"blake3\":\"" + h + "\",\"chunks\":" + chunks + "}";
  };
  // Valid, in another layout.
  EXPECT_TRUE(store::parse_manifest(" {\"chunks\" : [ [\"" + h + "\" , 5] ], \"size\":5, \"blake3\":\"" + h +
                                        "\", \"name\":\"a\", \"version\":1, \"format\":\"chunker-manifest\"}",
                                    params64k())
                  .ok());
  const std::string one = "[[\"" + h + "\",5]]";
  const std::string bads[] = {
      mk("\"../x\"", "5", one),  mk("\"/abs\"", "5", one),      mk("\"a\\u0000b\"", "5", one),
      mk("\"a//b\"", "5", one),  mk("\"\"", "5", one),          mk("\"a\"", "6", one),  // sum != size
      mk("\"a\"", "5", "[[\"" + h + "\",0]]"), mk("\"a\"", "262145", "[[\"" + h + "\",262145]]"),  // > max
      mk("\"a\"", "5", "[[\"" + h.substr(1) + "\",5]]"), mk("\"a\"", "5", "[[\"" + h + "\"]]"),
      mk("\"a\"", "5", "[[\"" + h + "\",5,1]]"), mk("\"a\"", "5", "[[\"" + h + "\",\"5\"]]"),
      mk("\"a\"", "-5", one),    mk("\"a\"", "5.0", one),       mk("5", "5", one),
      mk("\"a\"", "5", "{}"),    mk("\"a\"", "5", one) + "x",    "{\"format\":\"chunker-store\",\"version\":1}",
      "{\"format\":\"chunker-manifest\",\"version\":3}",
  };
  for (const auto& b : bads) {
    auto r = store::parse_manifest(b, params64k());
    EXPECT_FALSE(r.ok()) << b;
  }
}

TEST(StoreFormat, DecodeChunkChecksTagLimitAndHash) {
  auto data = testutil::random_bytes(1000, 5);
  auto h = chunker::blake3::hash(data);
  std::vector<std::uint8_t> file = {0};
  file.insert(file.end(), data.begin(), data.end());
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(store::decode_chunk(file, h, 1000, out).ok());
  EXPECT_EQ(out, data);
  EXPECT_EQ(store::decode_chunk(file, h, 999, out).code(), Errc::corrupt_input);  // over max
  file[10] ^= 1;
  EXPECT_EQ(store::decode_chunk(file, h, 1000, out).code(), Errc::corrupt_input);  // hash
  file[10] ^= 1;
  file[0] = 9;
  EXPECT_EQ(store::decode_chunk(file, h, 1000, out).code(), Errc::corrupt_input);  // tag
  file[0] = 1;  // says zstd, is not
  EXPECT_EQ(store::decode_chunk(file, h, 1000, out).code(), Errc::corrupt_input);
  EXPECT_EQ(store::decode_chunk({}, h, 1000, out).code(), Errc::corrupt_input);
}
