// Store format documents and names (docs/store-format.md), without touching disk.
#include <gtest/gtest.h>

#include <string>

#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "store/format.hpp"
#include "test_util.hpp"

using chunker::Errc;
namespace store = chunker::store;

namespace {

chunker::fastcdc::Params params64k() { return *chunker::fastcdc::preset("64k"); }

std::string one_chunk(const std::string& h) { return "[[\"" + h + "\",5]]"; }

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
  CHUNKER_NEED_PROGRAM("b3sum");
  auto r = chunker::test::run("printf '%s' 'photos/cat.jpg' | b3sum --no-names");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(store::manifest_rel_path("photos/cat.jpg"), "manifests/" + r.out.substr(0, 64) + ".json");
  auto d = store::parse_hex(r.out.substr(0, 64));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(store::chunk_rel_path(*d), "chunks/" + r.out.substr(0, 2) + "/" + r.out.substr(0, 64));
  EXPECT_FALSE(store::parse_hex(std::string(64, 'A')).ok());  // lower case only
  EXPECT_FALSE(store::parse_hex(std::string(63, 'a')).ok());
}

TEST(StoreFormat, StoreJsonRoundTripAndChecks) {
  store::StoreConfig c;
  c.chunking = params64k();
  c.id = "0123456789abcdef0123456789abcdef";
  std::string doc = store::store_json(c);
  EXPECT_EQ(doc,
            "{\"format\":\"chunker-store\",\"version\":2,\"hash\":\"blake3\",\"id\":\"0123456789abcdef0123456789abcdef\","
            "\"chunking\":{\"min\":16384,\"avg\":65536,\"max\":262144,\"level\":1,\"seed\":0},\"pack_size\":16777216}\n");
  auto back = store::parse_store_json(doc);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->chunking.max_size, 262144u);
  EXPECT_EQ(back->version, 2u);
  EXPECT_EQ(back->id, c.id);
  EXPECT_EQ(back->pack_size, 16u << 20);
  // A version-1 document (another writer's layout: reordered keys and whitespace) still reads.
  auto other = store::parse_store_json(
      "{\n  \"chunking\": {\"seed\": 7, \"level\": 2, \"max\": 65536, \"avg\": 16384, \"min\": 4096},\n"
      "  \"hash\": \"blake3\", \"version\": 1, \"format\": \"chunker-store\", \"extra\": [1]\n}\n");
  ASSERT_TRUE(other.ok()) << other.status().to_string();
  EXPECT_EQ(other->version, 1u);
  EXPECT_EQ(other->chunking.seed, 7u);
  EXPECT_EQ(other->chunking.level, 2u);
  const std::string ch = "\"chunking\":{\"min\":16384,\"avg\":65536,\"max\":262144,\"level\":1,\"seed\":0}";
  struct Bad {
    std::string doc;
    Errc code;
  } bads[] = {
      {"{\"format\":\"other\",\"version\":1,\"hash\":\"blake3\",\"chunking\":{}}", Errc::unsupported_format},
      {"{\"format\":\"chunker-store\",\"version\":3,\"hash\":\"blake3\",\"chunking\":{}}", Errc::unsupported_format},
      {"{\"format\":\"chunker-store\",\"version\":1,\"hash\":\"sha256\",\"chunking\":{}}", Errc::unsupported_format},
      {"{\"format\":\"chunker-store\",\"version\":1,\"hash\":\"blake3\"}", Errc::corrupt_input},
      {"{\"format\":\"chunker-store\",\"version\":1,\"hash\":\"blake3\",\"chunking\":{\"min\":1,\"avg\":2,\"max\":3,"
       "\"level\":1,\"seed\":0}}",
       Errc::corrupt_input},
      // v2 needs a well-formed id and a pack_size in range
      {"{\"format\":\"chunker-store\",\"version\":2,\"hash\":\"blake3\"," + ch + ",\"pack_size\":16777216}", Errc::corrupt_input},
      {"{\"format\":\"chunker-store\",\"version\":2,\"hash\":\"blake3\",\"id\":\"0123\"," + ch + ",\"pack_size\":16777216}",
       Errc::corrupt_input},
      {"{\"format\":\"chunker-store\",\"version\":2,\"hash\":\"blake3\",\"id\":\"0123456789abcdef0123456789abcdef\"," + ch +
           ",\"pack_size\":1000}",
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
  EXPECT_EQ(back->version, 2u);
  EXPECT_EQ(back->name, m.name);
  EXPECT_EQ(back->size, m.size);
  EXPECT_EQ(back->blake3, m.blake3);
  EXPECT_EQ(back->chunks, m.chunks);

  const std::string h = hex_of("x");
  auto mk = [&](const std::string& name_json, const std::string& size, const std::string& chunks) {
    return "{\"format\":\"chunker-manifest\",\"version\":1,\"name\":" + name_json + ",\"size\":" + size +
           ",\"blake3\":\"" + h + "\",\"chunks\":" + chunks + "}";
  };
  // Version 1 (no checksum) only where allowed (v1 stores).
  EXPECT_FALSE(store::parse_manifest(mk("\"a\"", "5", one_chunk(h)), params64k()).ok());
  // Valid, in another layout.
  EXPECT_TRUE(store::parse_manifest(" {\"chunks\" : [ [\"" + h + "\" , 5] ], \"size\":5, \"blake3\":\"" + h +
                                        "\", \"name\":\"a\", \"version\":1, \"format\":\"chunker-manifest\"}",
                                    params64k(), /*require_v2=*/false)
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
    auto r = store::parse_manifest(b, params64k(), /*require_v2=*/false);
    EXPECT_FALSE(r.ok()) << b;
  }
}

TEST(StoreFormat, DecodeChunkChecksTagLimitAndHash) {
  auto data = chunker::test::random_bytes(1000, 5);
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

// The checksum is BLAKE3 of the canonical form in docs/store-format.md, built
// here by hand and hashed by b3sum (an independent implementation).
TEST(StoreFormat, ManifestChecksumMatchesTheDocumentedFormAndCatchesTampering) {
  store::Manifest m;
  m.name = "dir/a.bin";
  m.size = 70000;
  m.blake3 = chunker::blake3::hash(chunker::test::random_bytes(10, 1));
  m.chunks = {{chunker::blake3::hash(chunker::test::random_bytes(10, 2)), 65536},
              {chunker::blake3::hash(chunker::test::random_bytes(10, 3)), 4464}};
  std::string canon = "chunker-manifest-v2\n";
  auto u32 = [&](std::uint32_t v) { for (int i = 0; i < 4; ++i) canon += static_cast<char>(v >> (8 * i)); };
  auto u64 = [&](std::uint64_t v) { for (int i = 0; i < 8; ++i) canon += static_cast<char>(v >> (8 * i)); };
  u32(9);
  canon += m.name;
  u64(m.size);
  canon.append(reinterpret_cast<const char*>(m.blake3.data()), 32);
  u64(2);
  for (const auto& c : m.chunks) {
    canon.append(reinterpret_cast<const char*>(c.hash.data()), 32);
    u32(c.length);
  }
  if (chunker::test::have_program("b3sum")) {
    const std::string t = chunker::test::temp_dir();
    chunker::test::write_file(t + "/canon", {canon.begin(), canon.end()});
    auto r = chunker::test::run("b3sum --no-names " + t + "/canon");
    chunker::test::run("rm -rf " + t);
    ASSERT_EQ(r.status, 0);
    EXPECT_EQ(store::to_hex(store::manifest_checksum(m)), r.out.substr(0, 64));
  } else if (chunker::test::require_tools()) {
    FAIL() << "b3sum not installed";
  }
  std::string doc = store::manifest_json(m);
  ASSERT_TRUE(store::parse_manifest(doc, params64k()).ok());
  // Swapped chunk entries (still a valid-looking manifest): rejected by the checksum.
  store::Manifest swapped = m;
  std::swap(swapped.chunks[0], swapped.chunks[1]);
  std::string sdoc = store::manifest_json(swapped);
  const std::string good_sum = store::to_hex(store::manifest_checksum(m));
  sdoc.replace(sdoc.find("\"checksum\":\"") + 12, 64, good_sum);
  auto r = store::parse_manifest(sdoc, params64k());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos);
  // Every single flipped bit in the whole-file hash is caught.
  const std::size_t at = doc.find("\"blake3\":\"") + 10;
  for (std::size_t i = 0; i < 64; ++i) {
    std::string bad = doc;
    bad[at + i] = bad[at + i] == '0' ? '1' : '0';
    EXPECT_FALSE(store::parse_manifest(bad, params64k()).ok()) << i;
  }
}

TEST(StoreFormat, PackNameIsTheBlake3OfItsBytes) {
  // The name is hashed as blobs are added: both add() forms, blobs across
  // BLAKE3 chunk boundaries, a builder reused after finish() and after recycle().
  store::PackBuilder b;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 7; ++i) {
      const auto raw = chunker::test::random_bytes(900 + 61001 * i * (round + 1) % 250000, 40 + i + round);
      if (i % 2)
        b.add(chunker::blake3::hash(raw), static_cast<std::uint32_t>(raw.size()), 0, raw);
      else
        b.add(chunker::blake3::hash(raw), static_cast<std::uint32_t>(raw.size()), raw);
    }
    chunker::Digest name;
    std::vector<store::BlobEntry> entries;
    auto pack = b.finish(name, entries);
    EXPECT_EQ(name, chunker::blake3::hash(pack)) << round;
    ASSERT_TRUE(store::parse_pack(pack, params64k()).ok());
    if (round == 1) b.recycle(std::move(pack));
  }
}

TEST(StoreFormat, PackAndIndexRoundTripAndDamage) {
  store::PackBuilder b;
  std::vector<std::vector<std::uint8_t>> raws;
  for (int i = 0; i < 5; ++i) {
    raws.push_back(chunker::test::random_bytes(1000 + i, 10 + i));
    std::vector<std::uint8_t> blob = {0};
    blob.insert(blob.end(), raws.back().begin(), raws.back().end());
    b.add(chunker::blake3::hash(raws.back()), static_cast<std::uint32_t>(raws.back().size()), blob);
  }
  chunker::Digest name;
  std::vector<store::BlobEntry> entries;
  auto pack = b.finish(name, entries);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(name, chunker::blake3::hash(pack));
  EXPECT_EQ(std::string(pack.begin(), pack.begin() + 8), "chkpack2");
  EXPECT_EQ(std::string(pack.end() - 8, pack.end()), "chkpend2");
  auto footer = store::parse_pack(pack, params64k());
  ASSERT_TRUE(footer.ok()) << footer.status().to_string();
  ASSERT_EQ(*footer, entries);
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    ASSERT_TRUE(store::decode_chunk(std::span(pack).subspan(e.offset, e.length), e.hash, 262144, out).ok());
    EXPECT_EQ(out, raws[i]);
  }
  // Damaged footer / trailer / truncation are errors, never a crash.
  for (std::size_t cut : {std::size_t{1}, std::size_t{16}, std::size_t{48}, pack.size() - 4})
    EXPECT_FALSE(store::parse_pack(std::span(pack).first(pack.size() - cut), params64k()).ok()) << cut;
  auto bad = pack;
  bad[pack.size() - 16 - 48 + 32] ^= 1;  // last entry's offset
  EXPECT_FALSE(store::parse_pack(bad, params64k()).ok());

  store::IndexFile idx;
  idx.packs = {name};
  for (const auto& e : entries) idx.entries.push_back({e.hash, 0, e.offset, e.length, e.raw_length});
  auto bytes = store::encode_index(idx);
  EXPECT_EQ(bytes.size(), 16 + 32 + 52 * entries.size());
  auto back = store::parse_index(bytes, params64k());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->packs, idx.packs);
  ASSERT_EQ(back->entries.size(), idx.entries.size());
  EXPECT_EQ(back->entries[3].offset, idx.entries[3].offset);
  EXPECT_FALSE(store::parse_index(std::span(bytes).first(bytes.size() - 1), params64k()).ok());
  bytes[16 + 32 + 32] = 7;  // pack number out of range
  EXPECT_FALSE(store::parse_index(bytes, params64k()).ok());
}
