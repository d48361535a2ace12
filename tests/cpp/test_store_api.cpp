// chunker::store::Store through its C++ API: round trips, dedup accounting,
// verification failures, gc. Reference outputs come from independent tools in
// test_cli_store.cpp; here the original bytes are the reference.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <string>

#include "chunker/blake3.hpp"
#include "chunker/store.hpp"
#include "store/format.hpp"
#include "test_util.hpp"

using chunker::Errc;
namespace store = chunker::store;

namespace {

struct StoreFixture : ::testing::Test {
  std::string dir, sdir;
  void SetUp() override {
    dir = chunker::test::temp_dir();
    sdir = dir + "/s";
  }
  void TearDown() override { chunker::test::run("rm -rf " + dir); }

  store::Store init(const char* preset = "4k") {
    auto s = store::Store::init(sdir, *chunker::fastcdc::preset(preset));
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return std::move(*s);
  }
  std::string put_bytes(store::Store& s, const std::string& name, const std::vector<std::uint8_t>& data,
                        store::PutResult* res = nullptr, unsigned threads = 2) {
    std::string path = dir + "/in-" + std::to_string(counter++);
    chunker::test::write_file(path, data);
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
  // The pack holding `chunk` and its footer entry (found by parsing every pack).
  std::pair<std::string, store::BlobEntry> locate(const chunker::Digest& chunk) {
    auto files = chunker::test::run("find " + sdir + "/packs -name '*.pack'").out;
    std::size_t i = 0;
    while (i < files.size()) {
      std::size_t j = files.find('\n', i);
      const std::string f = files.substr(i, j - i);
      i = j + 1;
      auto bytes = chunker::test::read_file(f);
      auto footer = store::parse_pack(bytes, *chunker::fastcdc::preset("64k"));
      if (!footer) continue;
      for (const auto& e : *footer)
        if (e.hash == chunk) return {f, e};
    }
    return {};
  }
  std::size_t count_packs() {
    return std::stoul(chunker::test::run("find " + sdir + "/packs -name '*.pack' | wc -l").out);
  }
  // Everything in the store two hours old: past gc's grace and its lease margin.
  void age_everything() { chunker::test::run("find " + sdir + " -exec touch -h -d '2 hours ago' {} +"); }
  int counter = 0;
};

}  // namespace

TEST_F(StoreFixture, RoundTripSizesAroundTheLimits) {
  auto s = init("4k");  // 1K / 4K / 16K
  const std::size_t sizes[] = {0, 1, 2, 1023, 1024, 16383, 16384, 16385, 100000, 1 << 20};
  for (std::size_t n : sizes) {
    for (int kind = 0; kind < 2; ++kind) {
      auto data = kind ? chunker::test::text_bytes(n, n + 1) : chunker::test::random_bytes(n, n + 7);
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
  auto data = chunker::test::random_bytes(300000, 1);
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

// With threads the pipeline stages a segment's guessed chunks before the true
// sequence joins it and may discard them. A long zero run across segment
// boundaries gives guessed chunks equal to true ones (the max-size zero chunk)
// at other offsets: put must still store that chunk once and commit the file.
TEST_F(StoreFixture, RepeatedChunksAcrossSegmentsAreStored) {
  auto s = init("64k");
  auto data = chunker::test::random_bytes(6000001, 7);
  data.resize(data.size() + 40000000, 0);
  auto tail = chunker::test::random_bytes(1000000, 8);
  data.insert(data.end(), tail.begin(), tail.end());
  store::PutResult r;
  put_bytes(s, "zeros", data, &r, 2);
  EXPECT_LT(r.new_chunks, r.chunks);  // the zero chunk is stored once
  EXPECT_EQ(*get(s, "zeros"), data);
  EXPECT_TRUE(s.verify(2).ok());
}

TEST_F(StoreFixture, ReplacingANameIsAtomicAndKeepsOneManifest) {
  auto s = init();
  put_bytes(s, "x", chunker::test::random_bytes(5000, 1));
  auto second = chunker::test::random_bytes(7000, 2);
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
  auto data = chunker::test::text_bytes(50000, 3);
  put_bytes(s, "t", data);
  auto m = s.read_manifest("t");
  ASSERT_TRUE(m.ok());
  const auto [pack, entry] = locate(m->chunks[1].hash);
  ASSERT_FALSE(pack.empty());
  auto bytes = chunker::test::read_file(pack);
  auto flipped = bytes;
  flipped[entry.offset + entry.length / 2] ^= 0x20;
  chunker::test::write_file(pack, flipped);
  std::vector<std::uint8_t> written;
  chunker::Status st = s.get("t", [&](std::span<const std::uint8_t> b) {
    written.insert(written.end(), b.begin(), b.end());
    return chunker::Status{};
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Errc::corrupt_input);
  EXPECT_NE(st.message().find(pack.substr(sdir.size() + 1)), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("chunk 1 "), std::string::npos) << st.message();
  EXPECT_TRUE(written.empty()) << "a small file is written only once fully checked";
  auto v = s.verify(1);
  EXPECT_FALSE(v.ok());
  bool pack_reported = false;
  for (const auto& p : v.problems) pack_reported |= p.find(pack + ": content does not match its name") != std::string::npos;
  EXPECT_TRUE(pack_reported);
  ::unlink(pack.c_str());
  EXPECT_FALSE(get(s, "t").ok());
  v = s.verify(1);
  ASSERT_FALSE(v.ok());
  bool missing = false;
  for (const auto& p : v.problems) missing |= p.find(pack + ": missing (the index lists it)") != std::string::npos;
  EXPECT_TRUE(missing) << v.problems[0];
  chunker::test::write_file(pack, bytes);
  EXPECT_TRUE(s.verify(1).ok());
  EXPECT_EQ(*get(s, "t"), data);
}

TEST_F(StoreFixture, WholeFileHashAndManifestChecksumAreChecked) {
  auto s = init();
  put_bytes(s, "t", chunker::test::random_bytes(9000, 3));
  auto m = s.read_manifest("t");
  ASSERT_TRUE(m.ok());
  const std::string path = sdir + "/" + store::manifest_rel_path("t");
  const auto good = chunker::test::read_file(path);
  // A flipped hex digit of the whole-file hash: the manifest checksum catches it before any output.
  std::string doc(good.begin(), good.end());
  const std::size_t at = doc.find("\"blake3\":\"") + 10;
  doc[at] = doc[at] == 'a' ? 'b' : 'a';
  chunker::test::write_file(path, {doc.begin(), doc.end()});
  auto r = get(s, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::corrupt_input);
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos);
  EXPECT_FALSE(s.verify(1).ok());
  // A writer that committed a self-consistent manifest with a wrong file hash: get fails, writes nothing.
  m->blake3[0] ^= 1;
  doc = store::manifest_json(*m);
  chunker::test::write_file(path, {doc.begin(), doc.end()});
  bool wrote = false;
  chunker::Status st = s.get("t", [&](std::span<const std::uint8_t>) {
    wrote = true;
    return chunker::Status{};
  });
  EXPECT_EQ(st.code(), Errc::verification_failed);
  EXPECT_FALSE(wrote);
  auto v = s.verify(1);
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_NE(v.problems[0].find("do not match the manifest's blake3"), std::string::npos) << v.problems[0];
  // Two swapped chunk entries with a recomputed checksum: verify (= get) sees the wrong order.
  put_bytes(s, "t", chunker::test::random_bytes(60000, 4));
  m = s.read_manifest("t");
  ASSERT_TRUE(m.ok());
  ASSERT_GE(m->chunks.size(), 2u);
  std::swap(m->chunks[0], m->chunks[1]);
  doc = store::manifest_json(*m);
  chunker::test::write_file(path, {doc.begin(), doc.end()});
  EXPECT_FALSE(s.verify(1).ok());
  EXPECT_EQ(get(s, "t").status().code(), Errc::verification_failed);
}

TEST_F(StoreFixture, GcDropsGarbagePacksOnlyWhenOldAndUnreferenced) {
  auto s = init();
  put_bytes(s, "keep", chunker::test::random_bytes(40000, 1));
  put_bytes(s, "drop", chunker::test::random_bytes(40000, 2));
  ASSERT_EQ(::unlink((sdir + "/" + store::manifest_rel_path("drop")).c_str()), 0);
  chunker::test::write_file(sdir + "/tmp/leftover", {1, 2, 3});
  EXPECT_EQ(count_packs(), 2u);
  auto young = s.gc({});  // default grace: everything was just written
  ASSERT_TRUE(young.ok());
  EXPECT_EQ(young->packs_removed, 0u);
  EXPECT_EQ(young->packs_young, 1u);
  age_everything();
  auto dry = s.gc({.grace_seconds = 0, .dry_run = true});
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->packs_removed, 1u);
  EXPECT_EQ(count_packs(), 2u);  // a dry run deletes nothing
  auto real = s.gc({.grace_seconds = 0});
  ASSERT_TRUE(real.ok());
  EXPECT_FALSE(real->deferred);
  EXPECT_EQ(real->packs_removed, 1u);
  EXPECT_EQ(real->tmp_removed, 1u);
  EXPECT_EQ(count_packs(), 1u);
  EXPECT_EQ(chunker::test::run("ls " + sdir + "/index | wc -l").out, "1\n");  // compacted
  EXPECT_EQ(chunker::test::run("find " + sdir + "/gc " + sdir + "/leases -type f | wc -l").out, "0\n");
  EXPECT_TRUE(get(s, "keep").ok());
  EXPECT_TRUE(s.verify(1).ok());
}

TEST_F(StoreFixture, GcRepacksSparsePacks) {
  auto s = init();
  auto a = chunker::test::random_bytes(30000, 1), b = chunker::test::random_bytes(90000, 2);
  chunker::test::write_file(dir + "/a", a);
  chunker::test::write_file(dir + "/b", b);
  auto r = s.put_files({{"a", dir + "/a"}, {"b", dir + "/b"}}, {.threads = 1, .use_cache = false, .cache_dir = {}},
                       [](const store::PutResult& r) { EXPECT_TRUE(r.status.ok()) << r.status.to_string(); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packs_written, 1u);
  ::unlink((sdir + "/" + store::manifest_rel_path("b")).c_str());
  age_everything();
  auto g = s.gc({.grace_seconds = 0});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->packs_repacked, 1u);
  EXPECT_EQ(g->packs_removed, 1u);
  EXPECT_EQ(count_packs(), 1u);
  EXPECT_EQ(*get(s, "a"), a);
  EXPECT_TRUE(s.verify(1).ok());
  // The new pack holds only a's chunks: about 30000 bytes, not 120000.
  EXPECT_LT(std::stoul(chunker::test::run("du -b " + sdir + "/packs | tail -1 | cut -f1").out), 60000u);
}

// The put/gc protocol (docs/store-format.md): a running writer's lease makes gc
// defer; a gc plan makes put store condemned chunks again; dead markers are cleaned.
TEST_F(StoreFixture, GcDefersWhileAWriterThatPredatesItsPlanRuns) {
  auto s = init();
  put_bytes(s, "drop", chunker::test::random_bytes(40000, 2));
  ::unlink((sdir + "/" + store::manifest_rel_path("drop")).c_str());
  age_everything();
  // A lease of a put on another machine (never presumed dead).
  const std::string lease = sdir + "/leases/0123456789abcdef0123456789abcdef.json";
  const std::string foreign = "{\"kind\":\"put\",\"host\":\"elsewhere\",\"boot_id\":\"x\",\"pid\":1}";
  chunker::test::write_file(lease, {foreign.begin(), foreign.end()});
  auto g = s.gc({.grace_seconds = 0});
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->deferred);
  EXPECT_EQ(g->writers_running, 1u);
  EXPECT_EQ(count_packs(), 1u);
  EXPECT_EQ(chunker::test::run("ls " + sdir + "/gc | wc -l").out, "0\n");  // its markers are gone
  // A lease of a process of this machine that no longer runs is dead: removed, gc proceeds.
  auto pid = chunker::test::run("sh -c 'echo $$'").out;
  pid.pop_back();
  const std::string boot = chunker::test::run("cat /proc/sys/kernel/random/boot_id").out;
  const std::string host = chunker::test::run("hostname").out;
  const std::string dead = "{\"kind\":\"put\",\"host\":\"" + host.substr(0, host.size() - 1) + "\",\"boot_id\":\"" +
                           boot.substr(0, boot.size() - 1) + "\",\"pid\":" + pid + "}";
  chunker::test::write_file(lease, {dead.begin(), dead.end()});
  g = s.gc({.grace_seconds = 0});
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->deferred);
  EXPECT_EQ(g->markers_removed, 1u);
  EXPECT_EQ(count_packs(), 0u);
}

TEST_F(StoreFixture, PutDoesNotReuseChunksOfACondemnedPack) {
  auto s = init();
  auto data = chunker::test::random_bytes(40000, 5);
  store::PutResult a, b;
  put_bytes(s, "a", data, &a);
  const std::string pack = chunker::test::run("find " + sdir + "/packs -name '*.pack'").out;
  const std::string hex = pack.substr(pack.rfind('/') + 1, 64);
  const std::string plan = "{\"condemned\":[\"" + hex + "\"]}";
  chunker::test::write_file(sdir + "/gc/00000000000000000000000000000000.plan", {plan.begin(), plan.end()});
  put_bytes(s, "b", data, &b);
  EXPECT_EQ(b.new_chunks, b.chunks) << "chunks in a condemned pack are stored again";
  EXPECT_EQ(count_packs(), 2u);
}

TEST_F(StoreFixture, FilesCacheSkipsUnchangedFilesButNeverTrustsAMissingPack) {
  auto s = init();
  chunker::test::write_file(dir + "/f", chunker::test::random_bytes(50000, 1));
  chunker::test::write_file(dir + "/g", chunker::test::random_bytes(50000, 2));
  ::sleep(2);  // files whose ctime is within 1 s of the put are not cached
  store::PutOptions o{.threads = 2, .use_cache = true, .cache_dir = dir + "/cache"};
  auto run_put = [&](std::uint64_t& unchanged) {
    auto r = s.put_files({{"f", dir + "/f"}, {"g", dir + "/g"}}, o,
                         [](const store::PutResult& r) { EXPECT_TRUE(r.status.ok()) << r.status.to_string(); });
    EXPECT_TRUE(r.ok());
    unchanged = r ? r->files_unchanged : 99;
  };
  std::uint64_t u = 0;
  run_put(u);
  EXPECT_EQ(u, 0u);
  run_put(u);
  EXPECT_EQ(u, 2u);
  o.use_cache = false;
  run_put(u);
  EXPECT_EQ(u, 0u);
  o.use_cache = true;
  run_put(u);
  EXPECT_EQ(u, 2u);
  // Damage: the pack is gone. A cache hit must not hide it: put stores the data again.
  chunker::test::run("rm -f " + sdir + "/packs/*/*.pack");
  run_put(u);
  EXPECT_EQ(u, 0u);
  EXPECT_EQ(*get(s, "f"), chunker::test::read_file(dir + "/f"));
  auto v = s.verify(1);  // the files restore; the index still names the lost pack
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_NE(v.problems[0].find("missing (the index lists it)"), std::string::npos) << v.problems[0];
  ASSERT_TRUE(s.gc({.grace_seconds = 0}).ok());  // compaction drops entries of packs that are gone
  EXPECT_TRUE(s.verify(1).ok());
}

TEST_F(StoreFixture, Version1StoresAreReadableAndMigrate) {
  // A v1 store written by hand: store.json v1, one file per chunk (tag 0), v1 manifests.
  ASSERT_EQ(chunker::test::run("mkdir -p " + sdir + "/chunks " + sdir + "/manifests " + sdir + "/tmp").status, 0);
  const std::string cfg =
      "{\"format\":\"chunker-store\",\"version\":1,\"hash\":\"blake3\",\"chunking\":{\"min\":1024,\"avg\":4096,"
      "\"max\":16384,\"level\":1,\"seed\":0}}\n";
  chunker::test::write_file(sdir + "/store.json", {cfg.begin(), cfg.end()});
  std::vector<std::vector<std::uint8_t>> parts = {chunker::test::random_bytes(10000, 1), chunker::test::text_bytes(7000, 2)};
  std::vector<std::uint8_t> whole;
  store::Manifest m;
  m.name = "old/file";
  for (const auto& p : parts) {
    auto h = chunker::blake3::hash(p);
    std::vector<std::uint8_t> blob = {0};
    blob.insert(blob.end(), p.begin(), p.end());
    chunker::test::run("mkdir -p " + sdir + "/chunks/" + store::to_hex(h).substr(0, 2));
    chunker::test::write_file(sdir + "/" + store::chunk_rel_path(h), blob);
    m.chunks.push_back({h, static_cast<std::uint32_t>(p.size())});
    whole.insert(whole.end(), p.begin(), p.end());
  }
  m.size = whole.size();
  m.blake3 = chunker::blake3::hash(whole);
  std::string doc = "{\"format\":\"chunker-manifest\",\"version\":1,\"name\":\"old/file\",\"size\":" +
                    std::to_string(m.size) + ",\"blake3\":\"" + store::to_hex(m.blake3) + "\",\"chunks\":[[\"" +
                    store::to_hex(m.chunks[0].hash) + "\",10000],[\"" + store::to_hex(m.chunks[1].hash) + "\",7000]]}";
  chunker::test::write_file(sdir + "/" + store::manifest_rel_path("old/file"), {doc.begin(), doc.end()});
  auto s = store::Store::open(sdir);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->version(), 1u);
  EXPECT_EQ(*get(*s, "old/file"), whole);
  EXPECT_TRUE(s->verify(1).ok());
  chunker::test::write_file(dir + "/new", {1, 2, 3});
  auto p = s->put("new", dir + "/new");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("migrate"), std::string::npos);
  ASSERT_TRUE(s->migrate().ok());
  EXPECT_EQ(s->version(), 2u);
  auto again = store::Store::open(sdir);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version(), 2u);
  EXPECT_EQ(*get(*again, "old/file"), whole);
  EXPECT_TRUE(again->verify(1).ok());
  EXPECT_NE(chunker::test::run("test -e " + sdir + "/chunks").status, 0);
  EXPECT_TRUE(again->put("new", dir + "/new").ok());
  EXPECT_EQ(*get(*again, "new"), (std::vector<std::uint8_t>{1, 2, 3}));
  // A migration cut short after its switch leaves chunks/: gc removes it.
  chunker::test::run("mkdir -p " + sdir + "/chunks/ab && echo x > " + sdir + "/chunks/ab/leftover");
  ASSERT_TRUE(again->gc({.grace_seconds = 3600}).ok());
  EXPECT_NE(chunker::test::run("test -e " + sdir + "/chunks").status, 0);
  EXPECT_EQ(*get(*again, "old/file"), whole);
}

TEST_F(StoreFixture, GcRefusesWhenAManifestIsUnreadable) {
  auto s = init();
  put_bytes(s, "a", chunker::test::random_bytes(20000, 9));
  chunker::test::write_file(sdir + "/manifests/" + std::string(64, 'a') + ".json", {'{'});
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
