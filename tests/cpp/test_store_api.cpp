// chunker::store::Store through its C++ API: round trips, dedup accounting,
// verification failures, gc. Reference outputs come from independent tools in
// test_cli_store.cpp; here the original bytes are the reference.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <string>

#include "chunker/store.hpp"
#include "test_util.hpp"

using chunker::Errc;
namespace store = chunker::store;

namespace {

struct StoreFixture : ::testing::Test {
  std::string dir, sdir;
  void SetUp() override {
    dir = testutil::temp_dir();
    sdir = dir + "/s";
  }
  void TearDown() override { testutil::run("rm -rf " + dir); }

  store::Store init(const char* preset = "4k") {
    auto s = store::Store::init(sdir, *chunker::fastcdc::preset(preset));
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return std::move(*s);
  }
  std::string put_bytes(store::Store& s, const std::string& name, const std::vector<std::uint8_t>& data,
                        store::PutResult* res = nullptr, unsigned threads = 2) {
    std::string path = dir + "/in-" + std::to_string(counter++);
    testutil::write_file(path, data);
    auto r = s.put(name, path, threads);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    if (r && res) *res = *r;
    return path;
  }
  static chunker::Result<std::vector<std::uint8_t>> get(const store::Store& s, const std::string& name) {
    std::vector<std::uint8_t> out;
    chunker::Status st = s.get(name, [&](std::span<const std::uint8_t> b) {
      out.insert(out.end(), b.begin(), b.end());
      return chunker::Status{};
    });
    if (!st.ok()) return st;
    return out;
  }
  int counter = 0;
};

}  // namespace

TEST_F(StoreFixture, RoundTripSizesAroundTheLimits) {
  auto s = init("4k");  // 1K / 4K / 16K
  const std::size_t sizes[] = {0, 1, 2, 1023, 1024, 16383, 16384, 16385, 100000, 1 << 20};
  for (std::size_t n : sizes) {
    for (int kind = 0; kind < 2; ++kind) {
      auto data = kind ? testutil::text_bytes(n, n + 1) : testutil::random_bytes(n, n + 7);
      std::string name = "f/" + std::to_string(n) + (kind ? ".txt" : ".bin");
      store::PutResult res;
      put_bytes(s, name, data, &res);
      EXPECT_EQ(res.size, n);
      auto back = get(s, name);
      ASSERT_TRUE(back.ok()) << back.status().to_string();
      EXPECT_EQ(*back, data) << name;
      auto m = s.read_manifest(name);
      ASSERT_TRUE(m.ok());
      std::uint64_t sum = 0;
      for (const auto& c : m->chunks) {
        EXPECT_LE(c.length, 16384u);
        sum += c.length;
      }
      EXPECT_EQ(sum, n);
    }
  }
  // Reopening reads store.json back.
  auto again = store::Store::open(sdir);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->chunking().max_size, 16384u);
  EXPECT_TRUE(again->verify(2).ok());
}

TEST_F(StoreFixture, DuplicateDataWritesNoNewChunks) {
  auto s = init("4k");
  auto data = testutil::random_bytes(300000, 1);
  store::PutResult a, b, c;
  put_bytes(s, "a", data, &a);
  EXPECT_EQ(a.new_chunks, a.chunks);
  put_bytes(s, "b", data, &b, 1);  // thread count must not matter
  EXPECT_EQ(b.new_chunks, 0u);
  EXPECT_EQ(b.chunks, a.chunks);
  auto edited = data;
  edited[150000] ^= 0xff;
  put_bytes(s, "c", edited, &c);
  EXPECT_GE(c.new_chunks, 1u);
  EXPECT_LE(c.new_chunks, 3u);  // one edit touches a chunk or two, never most of them
  EXPECT_EQ(*get(s, "c"), edited);
  // Random data is stored raw (tag 0): 1 byte overhead per new chunk.
  EXPECT_EQ(a.new_bytes, data.size() + a.new_chunks);
}

TEST_F(StoreFixture, ReplacingANameIsAtomicAndKeepsOneManifest) {
  auto s = init();
  put_bytes(s, "x", testutil::random_bytes(5000, 1));
  auto second = testutil::random_bytes(7000, 2);
  put_bytes(s, "x", second);
  EXPECT_EQ(*get(s, "x"), second);
  auto l = s.list();
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ((*l)[0].manifest->size, 7000u);
}

TEST_F(StoreFixture, InitRefusesAnExistingStoreAndOpenRefusesNonStores) {
  init();
  EXPECT_FALSE(store::Store::init(sdir, *chunker::fastcdc::preset("4k")).ok());
  auto o = store::Store::open(dir);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("not a chunk store"), std::string::npos);
}

TEST_F(StoreFixture, GetDetectsCorruptAndMissingChunks) {
  auto s = init();
  auto data = testutil::text_bytes(50000, 3);
  put_bytes(s, "t", data);
  auto m = s.read_manifest("t");
  ASSERT_TRUE(m.ok());
  const std::string chunk = sdir + "/" + store::chunk_rel_path(m->chunks[1].hash);
  auto bytes = testutil::read_file(chunk);
  auto flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x20;
  testutil::write_file(chunk, flipped);
  auto r = get(s, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::corrupt_input);
  EXPECT_NE(r.status().message().find(chunk), std::string::npos) << r.status().message();
  auto v = s.verify(1);
  EXPECT_FALSE(v.ok());
  ::unlink(chunk.c_str());
  EXPECT_FALSE(get(s, "t").ok());
  v = s.verify(1);
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_NE(v.problems[0].find("missing"), std::string::npos) << v.problems[0];
  testutil::write_file(chunk, bytes);
  EXPECT_TRUE(s.verify(1).ok());
  EXPECT_EQ(*get(s, "t"), data);
}

TEST_F(StoreFixture, WholeFileHashIsChecked) {
  auto s = init();
  put_bytes(s, "t", testutil::random_bytes(9000, 3));
  auto m = s.read_manifest("t");
  ASSERT_TRUE(m.ok());
  m->blake3[0] ^= 1;  // consistent chunks, wrong file hash
  std::string doc = store::manifest_json(*m);
  testutil::write_file(sdir + "/" + store::manifest_rel_path("t"), {doc.begin(), doc.end()});
  auto r = get(s, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::verification_failed);
}

TEST_F(StoreFixture, GcHonoursGraceAndReferences) {
  auto s = init();
  put_bytes(s, "keep", testutil::random_bytes(40000, 1));
  put_bytes(s, "drop", testutil::random_bytes(40000, 2));
  auto drop = s.read_manifest("drop");
  ASSERT_TRUE(drop.ok());
  ASSERT_EQ(::unlink((sdir + "/" + store::manifest_rel_path("drop")).c_str()), 0);
  testutil::write_file(sdir + "/tmp/leftover", {1, 2, 3});
  auto young = s.gc({});  // default grace: everything was just written
  ASSERT_TRUE(young.ok());
  EXPECT_EQ(young->chunks_removed, 0u);
  EXPECT_EQ(young->chunks_young, drop->chunks.size());
  EXPECT_EQ(young->tmp_removed, 0u);
  auto dry = s.gc({.grace_seconds = 0, .dry_run = true});
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->chunks_removed, drop->chunks.size());
  for (const auto& c : drop->chunks) EXPECT_EQ(::access((sdir + "/" + store::chunk_rel_path(c.hash)).c_str(), F_OK), 0);  // dry run deletes nothing
  auto real = s.gc({.grace_seconds = 0});
  ASSERT_TRUE(real.ok());
  EXPECT_EQ(real->chunks_removed, drop->chunks.size());
  EXPECT_EQ(real->tmp_removed, 1u);
  for (const auto& c : drop->chunks) EXPECT_NE(::access((sdir + "/" + store::chunk_rel_path(c.hash)).c_str(), F_OK), 0);
  EXPECT_TRUE(get(s, "keep").ok());
  EXPECT_TRUE(s.verify(1).ok());
}

TEST_F(StoreFixture, PutRefreshesExistingChunksSoGcGraceProtectsThem) {
  auto s = init();
  auto data = testutil::random_bytes(20000, 9);
  put_bytes(s, "a", data);
  auto m = s.read_manifest("a");
  ASSERT_TRUE(m.ok());
  // Age the chunks, drop the manifest: they are now old garbage...
  ::unlink((sdir + "/" + store::manifest_rel_path("a")).c_str());
  for (const auto& c : m->chunks) {
    struct utimbuf t {1000000000, 1000000000};
    ASSERT_EQ(::utime((sdir + "/" + store::chunk_rel_path(c.hash)).c_str(), &t), 0);
  }
  // ...until a put reuses them: then they are young again and gc keeps them
  // even if it had read the manifest list before the put committed.
  store::PutResult r;
  put_bytes(s, "b", data, &r);
  EXPECT_EQ(r.new_chunks, 0u);
  ::unlink((sdir + "/" + store::manifest_rel_path("b")).c_str());  // simulate the not-yet-committed manifest
  auto g = s.gc({});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->chunks_removed, 0u);
  EXPECT_EQ(g->chunks_young, m->chunks.size());
}

TEST_F(StoreFixture, GcRefusesWhenAManifestIsUnreadable) {
  auto s = init();
  put_bytes(s, "a", testutil::random_bytes(20000, 9));
  testutil::write_file(sdir + "/manifests/" + std::string(64, 'a') + ".json", {'{'});
  auto g = s.gc({.grace_seconds = 0});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("gc refused"), std::string::npos);
  auto v = s.verify(1);
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_NE(v.problems[0].find("invalid JSON"), std::string::npos) << v.problems[0];
}

TEST_F(StoreFixture, PutErrorsNameTheFile) {
  auto s = init();
  auto r = s.put("x", dir + "/does-not-exist");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(dir + "/does-not-exist"), std::string::npos);
  EXPECT_EQ(s.put("../x", dir).status().code(), Errc::invalid_argument);
  auto g = s.read_manifest("nothing/here");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("no file named 'nothing/here'"), std::string::npos);
}
