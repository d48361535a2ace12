// chunker store through the CLI, checked with independent tools: cmp, b3sum,
// zstd (chunk files decoded by hand), stat/find.
#include <gtest/gtest.h>

#include <string>

#include "test_util.hpp"

using chunker::test::cli;
using chunker::test::run;

namespace {

struct CliStore : ::testing::Test {
  std::string dir, s;
  void SetUp() override {
    CHUNKER_NEED_PROGRAM("b3sum");
    CHUNKER_NEED_PROGRAM("zstd");
    dir = chunker::test::temp_dir();
    s = dir + "/store";
    ASSERT_EQ(run(cli() + " store init " + s + " --preset 4k >/dev/null").status, 0);
  }
  void TearDown() override {
    if (!dir.empty()) run("rm -rf " + dir);
  }
  std::string b3(const std::string& path) { return run("b3sum --no-names " + path).out.substr(0, 64); }
  std::string b3_of_text(const std::string& text) {
    return run("printf '%s' '" + text + "' | b3sum --no-names").out.substr(0, 64);
  }
  std::string manifest_path(const std::string& name) { return s + "/manifests/" + b3_of_text(name) + ".json"; }
  // Writes a manifest file for `name` with the given JSON text.
  void plant_manifest(const std::string& name, const std::string& text) {
    chunker::test::write_file(manifest_path(name), {text.begin(), text.end()});
  }
};

}  // namespace

TEST_F(CliStore, RoundTripIsByteExactAndMatchesB3sum) {
  ASSERT_EQ(run("mkdir -p " + dir + "/in/sub/deeper").status, 0);
  struct F {
    std::string name;
    std::vector<std::uint8_t> data;
  } files[] = {{"in/empty", {}},
               {"in/one", {0x7f}},
               {"in/random.bin", chunker::test::random_bytes(200000, 1)},  // > 12 x max (16K)
               {"in/sub/text.txt", chunker::test::text_bytes(300000, 2)},
               {"in/sub/deeper/exact-max", chunker::test::random_bytes(16384, 3)},
               {"in/sub/deeper/max-plus-one", chunker::test::random_bytes(16385, 4)}};
  for (const auto& f : files) chunker::test::write_file(dir + "/" + f.name, f.data);
  // Directory put from inside dir, so names are relative ("in/...").
  auto put = run("cd " + dir + " && " + cli() + " store put " + s + " ./in 2>&1");
  ASSERT_EQ(put.status, 0) << put.out;
  EXPECT_NE(put.out.find("stored in/sub/text.txt: 300000 bytes"), std::string::npos) << put.out;
  auto ls = run(cli() + " store ls --json " + s);
  ASSERT_EQ(ls.status, 0);
  auto list = chunker::test::parse_json(ls.out);
  ASSERT_EQ(list.arr.size(), std::size(files));
  for (const auto& f : files) {
    const std::string orig = dir + "/" + f.name, back = dir + "/restored";
    auto g = run(cli() + " store get " + s + " " + f.name + " -o " + back + " 2>&1");
    ASSERT_EQ(g.status, 0) << f.name << ": " << g.out;
    EXPECT_EQ(run("cmp " + orig + " " + back + " && echo same").out, "same\n") << f.name;
    EXPECT_EQ(run(cli() + " store get " + s + " " + f.name + " | cmp - " + orig + " && echo same").out, "same\n");
    // The manifest's whole-file hash is b3sum's, and its file name is BLAKE3(name).
    const std::string want = b3(orig);
    EXPECT_EQ(b3(back), want);
    bool found = false;
    for (const auto& e : list.arr)
      if (e["name"].str == f.name) {
        found = true;
        EXPECT_EQ(e["blake3"].str, want);
        EXPECT_EQ(e["size"].u64(), f.data.size());
      }
    EXPECT_TRUE(found) << f.name;
    auto m = chunker::test::load_json(manifest_path(f.name));
    EXPECT_EQ(m["name"].str, f.name);
    EXPECT_EQ(m["format"].str, "chunker-manifest");
    std::uint64_t sum = 0;
    for (const auto& c : m["chunks"].arr) {
      EXPECT_LE(c[1].u64(), 16384u);
      sum += c[1].u64();
    }
    EXPECT_EQ(sum, f.data.size());
  }
  EXPECT_EQ(run(cli() + " store verify " + s + " >/dev/null").status, 0);
}

// The pack layout of docs/store-format.md read with od/dd/zstd/b3sum only: the
// pack's name is the b3sum of its bytes, every footer entry's blob decodes
// (tag 0 raw, 1 zstd) to bytes whose b3sum is the entry's hash.
TEST_F(CliStore, PackBlobsDecodeWithStandardToolsToTheirName) {
  chunker::test::write_file(dir + "/r", chunker::test::random_bytes(40000, 1));
  chunker::test::write_file(dir + "/t", chunker::test::text_bytes(40000, 2));
  ASSERT_EQ(run("cd " + dir + " && " + cli() + " store put " + s + " r t >/dev/null").status, 0);
  const std::string script =
      "for f in $(find " + s + "/packs -type f); do "
      "n=$(basename $f .pack); [ \"$(b3sum --no-names $f | cut -c1-64)\" = \"$n\" ] || echo PACKNAME $f; "
      "[ \"$(head -c8 $f)\" = chkpack2 ] || echo MAGIC; [ \"$(tail -c8 $f)\" = chkpend2 ] || echo END; "
      "size=$(stat -c %s $f); cnt=$(od -An -tu4 -j $((size-16)) -N4 $f | tr -d ' '); "
      "i=0; while [ $i -lt $cnt ]; do e=$((size-16-48*cnt+48*i)); "
      "h=$(od -An -tx1 -j $e -N32 $f | tr -d ' \\n'); off=$(od -An -tu8 -j $((e+32)) -N8 $f | tr -d ' '); "
      "len=$(od -An -tu4 -j $((e+40)) -N4 $f | tr -d ' '); raw=$(od -An -tu4 -j $((e+44)) -N4 $f | tr -d ' '); "
      "t=$(od -An -tu1 -j $off -N1 $f | tr -d ' '); "
      "tail -c +$((off+2)) $f | head -c $((len-1)) > " + dir + "/blob; "
      "case $t in 0) cat " + dir + "/blob;; 1) zstd -dcq < " + dir + "/blob;; esac > " + dir + "/chunk; "
      "[ \"$(b3sum --no-names " + dir + "/chunk | cut -c1-64)\" = \"$h\" ] && [ $(stat -c %s " + dir + "/chunk) = $raw ] "
      "&& echo ok-$t || echo MISMATCH $f $i; i=$((i+1)); done; done";
  auto r = run(script);
  EXPECT_EQ(r.out.find("MISMATCH"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("PACKNAME"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("MAGIC"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("END"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok-0"), std::string::npos) << r.out;  // random data: stored
  EXPECT_NE(r.out.find("ok-1"), std::string::npos) << r.out;  // text: zstd
  // One pack for the whole put, one index file; blobs = distinct hashes the manifests reference.
  EXPECT_EQ(run("find " + s + "/packs -type f | wc -l").out, "1\n");
  EXPECT_EQ(run("find " + s + "/index -type f | wc -l").out, "1\n");
  auto n = run("cat " + s + "/manifests/*.json | grep -o '\\[\"[0-9a-f]\\{64\\}' | sort -u | wc -l").out;
  std::size_t oks = 0;
  for (std::size_t at = 0; (at = r.out.find("ok-", at)) != std::string::npos; ++at) ++oks;
  EXPECT_EQ(oks, std::stoul(n)) << r.out;
}

TEST_F(CliStore, VerifyDetectsFlippedBytesMissingPackAndBadManifest) {
  chunker::test::write_file(dir + "/t", chunker::test::text_bytes(100000, 2));
  ASSERT_EQ(run(cli() + " store put " + s + " " + dir + "/t --name t >/dev/null").status, 0);
  auto ok = run(cli() + " store verify " + s);
  ASSERT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find(", 0 problems"), std::string::npos);
  const std::string victim = run("find " + s + "/packs -type f | sort | head -1").out;
  const std::string pack = victim.substr(0, victim.size() - 1);
  ASSERT_EQ(run("cp " + pack + " " + dir + "/saved").status, 0);
  // Flip one byte inside the first blob.
  ASSERT_EQ(run("printf '\\x55' | dd of=" + pack + " bs=1 seek=20 conv=notrunc status=none").status, 0);
  ASSERT_NE(run("cmp -s " + pack + " " + dir + "/saved").status, 0);
  auto bad = run(cli() + " store verify " + s + " 2>&1");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("problem: " + pack + ": content does not match its name"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("'t': chunk 0 "), std::string::npos) << bad.out;
  auto get = run(cli() + " store get " + s + " t -o " + dir + "/out 2>&1");
  EXPECT_EQ(get.status, 1);
  EXPECT_NE(get.out.find(pack.substr(s.size() + 1)), std::string::npos) << get.out;
  EXPECT_NE(run("test -e " + dir + "/out").status, 0) << "partial output must be removed";
  // To standard output: nothing at all (a small file is written only once fully checked).
  EXPECT_EQ(run(cli() + " store get " + s + " t 2>/dev/null | wc -c").out, "0\n");
  // An existing OUT is left as it was, and no temporary file remains.
  chunker::test::write_file(dir + "/out", {'o', 'l', 'd'});
  EXPECT_EQ(run(cli() + " store get " + s + " t -o " + dir + "/out 2>/dev/null").status, 1);
  EXPECT_EQ(run("cat " + dir + "/out").out, "old");
  EXPECT_EQ(run("ls " + dir + " | grep -c chunker-get").out, "0\n");
  // Missing pack.
  ASSERT_EQ(run("rm " + pack).status, 0);
  auto missing = run(cli() + " store verify " + s);
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find(": missing"), std::string::npos) << missing.out;
  ASSERT_EQ(run("cp " + dir + "/saved " + pack).status, 0);
  EXPECT_EQ(run(cli() + " store verify " + s + " >/dev/null").status, 0);
  // A flipped byte in the index file.
  const std::string idx = run("find " + s + "/index -type f").out;
  ASSERT_EQ(run("cp " + idx.substr(0, idx.size() - 1) + " " + dir + "/idx && printf '\\x01' | dd of=" +
                idx.substr(0, idx.size() - 1) + " bs=1 seek=70 conv=notrunc status=none")
                .status,
            0);
  auto bi = run(cli() + " store verify " + s);
  EXPECT_EQ(bi.status, 1);
  EXPECT_NE(bi.out.find("content does not match its name (damaged index file)"), std::string::npos) << bi.out;
  ASSERT_EQ(run("cp " + dir + "/idx " + idx.substr(0, idx.size() - 1)).status, 0);
  // Bad manifest.
  plant_manifest("broken", "{\"format\":\"chunker-manifest\",\"version\":1,\"name\":\"broken\"");
  auto bm = run(cli() + " store verify " + s);
  EXPECT_EQ(bm.status, 1);
  EXPECT_NE(bm.out.find(manifest_path("broken") + ": manifest: invalid JSON at byte"), std::string::npos) << bm.out;
}

TEST_F(CliStore, GcRemovesUnreferencedKeepsReferencedAndYoung) {
  chunker::test::write_file(dir + "/keep", chunker::test::random_bytes(60000, 1));
  chunker::test::write_file(dir + "/drop", chunker::test::random_bytes(60000, 2));
  ASSERT_EQ(run("cd " + dir + " && " + cli() + " store put " + s + " keep >/dev/null").status, 0);
  ASSERT_EQ(run("cd " + dir + " && " + cli() + " store put " + s + " drop >/dev/null").status, 0);
  auto packs = [&] { return std::stoul(run("find " + s + "/packs -type f | wc -l").out); };
  ASSERT_EQ(packs(), 2u);
  ASSERT_EQ(run("rm " + manifest_path("drop")).status, 0);
  chunker::test::write_file(s + "/tmp/crashed-writer", {1, 2, 3});
  auto young = run(cli() + " store gc " + s);  // default grace 1 h: nothing is old enough
  EXPECT_EQ(young.status, 0) << young.out;
  EXPECT_EQ(packs(), 2u);
  ASSERT_EQ(run("find " + s + " -exec touch -h -d '2 hours ago' {} +").status, 0);
  auto dry = run(cli() + " store gc " + s + " --grace 0 --dry-run");
  EXPECT_EQ(dry.status, 0);
  EXPECT_NE(dry.out.find("dry run: 1 packs"), std::string::npos) << dry.out;
  EXPECT_EQ(packs(), 2u);
  auto gc = run(cli() + " store gc " + s + " --grace 0");
  EXPECT_EQ(gc.status, 0) << gc.out;
  EXPECT_NE(gc.out.find("1 packs"), std::string::npos) << gc.out;
  EXPECT_EQ(packs(), 1u);
  EXPECT_EQ(run("ls " + s + "/tmp | wc -l").out, "0\n");
  EXPECT_EQ(run(cli() + " store get " + s + " keep | cmp - " + dir + "/keep && echo same").out, "same\n");
  EXPECT_EQ(run(cli() + " store verify " + s + " >/dev/null").status, 0);
  // A lease of a running put on another machine: gc defers and deletes nothing; --break-lease lifts it.
  ASSERT_EQ(run("rm " + manifest_path("keep") + " && find " + s + " -exec touch -h -d '2 hours ago' {} +").status, 0);
  const std::string id = "0123456789abcdef0123456789abcdef";
  chunker::test::write_file(s + "/leases/" + id + ".json", {'{', '}'});
  auto deferred = run(cli() + " store gc " + s + " --grace 0");
  EXPECT_EQ(deferred.status, 0);
  EXPECT_NE(deferred.out.find("deferred: 1 puts"), std::string::npos) << deferred.out;
  EXPECT_EQ(packs(), 1u);
  auto broken = run(cli() + " store gc " + s + " --grace 0 --break-lease " + id);
  EXPECT_EQ(broken.status, 0) << broken.out;
  EXPECT_EQ(packs(), 0u);
}

TEST_F(CliStore, LeftoverTmpFilesAreIgnoredByReaders) {
  chunker::test::write_file(dir + "/f", chunker::test::random_bytes(30000, 1));
  ASSERT_EQ(run(cli() + " store put " + s + " " + dir + "/f --name f >/dev/null").status, 0);
  chunker::test::write_file(s + "/tmp/partial-chunk", chunker::test::random_bytes(1000, 2));
  chunker::test::write_file(s + "/tmp/partial-manifest", {'{', '"'});
  EXPECT_EQ(run(cli() + " store ls " + s + " | wc -l").out, "1\n");
  EXPECT_EQ(run(cli() + " store verify " + s + " >/dev/null").status, 0);
  EXPECT_EQ(run(cli() + " store get " + s + " f | cmp - " + dir + "/f && echo same").out, "same\n");
}

TEST_F(CliStore, ForeignLayoutManifestIsAccepted) {
  chunker::test::write_file(dir + "/f", chunker::test::text_bytes(40000, 1));
  ASSERT_EQ(run(cli() + " store put " + s + " " + dir + "/f --name docs/f.txt >/dev/null").status, 0);
  // Re-layout as another JSON writer might: newlines, spaces around ':' and ','.
  const std::string m = manifest_path("docs/f.txt");
  ASSERT_EQ(run("sed -e 's/,/ ,\\n  /g' -e 's/:/ : /g' " + m + " > " + dir + "/m && mv " + dir + "/m " + m).status, 0);
  ASSERT_NE(chunker::test::read_file(m).size(), 0u);
  EXPECT_EQ(run(cli() + " store get " + s + " docs/f.txt | cmp - " + dir + "/f && echo same").out, "same\n");
  EXPECT_EQ(run(cli() + " store verify " + s + " >/dev/null").status, 0);
}

TEST_F(CliStore, BadNamesAreRejected) {
  const std::string h = std::string(64, 'a');
  const std::string rest = ",\"size\":0,\"blake3\":\"" + b3_of_text("") + "\",\"chunks\":[]}";
  struct Case {
    std::string file_name;  // name the manifest file is keyed by
    std::string json_name;  // the "name" field as JSON
  } cases[] = {{"../evil", "\"../evil\""}, {"/etc/passwd", "\"/etc/passwd\""}, {"a//b", "\"a//b\""},
               {"", "\"\""},               {"x", "\"x\\u0000y\""},             {"a/./b", "\"a/./b\""}};
  for (const auto& c : cases) {
    plant_manifest(c.file_name, "{\"format\":\"chunker-manifest\",\"version\":1,\"name\":" + c.json_name + rest);
    auto ls = run(cli() + " store ls " + s + " 2>&1");
    EXPECT_EQ(ls.status, 1) << c.json_name;
    EXPECT_NE(ls.out.find("invalid stored name"), std::string::npos) << ls.out;
    EXPECT_EQ(run(cli() + " store verify " + s + " >/dev/null 2>&1").status, 1);
    run("rm -f " + s + "/manifests/*");
  }
  // On the command line: usage errors, nothing written.
  chunker::test::write_file(dir + "/f", {1});
  for (const char* n : {"../x", "/abs", "a//b", "a/./b"}) {
    auto r = run(cli() + " store put " + s + " " + dir + "/f --name '" + n + "' 2>&1");
    EXPECT_EQ(r.status, 2) << n << ": " << r.out;
    EXPECT_EQ(run(cli() + " store get " + s + " '" + n + "' 2>/dev/null").status, 2) << n;
  }
  auto dots = run("cd " + dir + " && " + cli() + " store put " + s + " ../" + dir.substr(dir.rfind('/') + 1) + "/f 2>&1");
  EXPECT_EQ(dots.status, 2);  // the same exit code as --name ../x
  EXPECT_NE(dots.out.find("'..' component"), std::string::npos) << dots.out;
  EXPECT_EQ(run("ls " + s + "/manifests | wc -l").out, "0\n");
}

TEST_F(CliStore, MalformedJsonIsAClearErrorNeverACrash) {
  chunker::test::write_file(dir + "/f", chunker::test::random_bytes(5000, 1));
  ASSERT_EQ(run(cli() + " store put " + s + " " + dir + "/f --name f >/dev/null").status, 0);
  const std::string good = run("cat " + manifest_path("f")).out;
  const std::string deep(200000, '[');
  const std::string bads[] = {"",
                              "{",
                              good.substr(0, good.size() / 2),
                              good + "trailing",
                              deep,
                              std::string("\xff\xfe\x00\x01garbage", 12),
                              "{\"format\":\"chunker-manifest\",\"version\":1,\"name\":\"f\",\"name\":\"f\"}",
                              "[" + good + "]",
                              "{\"format\":\"chunker-manifest\",\"version\":99}"};
  for (const auto& b : bads) {
    plant_manifest("f", b);
    auto g = run(cli() + " store get " + s + " f 2>&1 >/dev/null");
    EXPECT_EQ(g.status, 1) << g.out;
    EXPECT_NE(g.out.find(manifest_path("f")), std::string::npos) << g.out;
    auto v = run(cli() + " store verify " + s + " 2>&1");
    EXPECT_EQ(v.status, 1) << v.out.substr(0, 500);
  }
  // A bad store.json stops every command with a message naming it.
  chunker::test::write_file(s + "/store.json", {'{', '}'});
  auto ls = run(cli() + " store ls " + s + " 2>&1");
  EXPECT_EQ(ls.status, 1);
  EXPECT_NE(ls.out.find("store.json"), std::string::npos) << ls.out;
  auto nostore = run(cli() + " store ls " + dir + " 2>&1");
  EXPECT_EQ(nostore.status, 1);
  EXPECT_NE(nostore.out.find("not a chunk store"), std::string::npos) << nostore.out;
}

TEST_F(CliStore, UsageAndInit) {
  EXPECT_EQ(run(cli() + " store 2>/dev/null").status, 2);
  EXPECT_EQ(run(cli() + " store frob x 2>/dev/null").status, 2);
  EXPECT_EQ(run(cli() + " store --help").status, 0);
  for (const char* sub : {"init", "put", "get", "ls", "verify", "gc", "migrate"})
    EXPECT_EQ(run(cli() + " store " + sub + " --help >/dev/null").status, 0) << sub;
  EXPECT_EQ(run(cli() + " store init " + s + " 2>/dev/null").status, 1);  // already a store
  EXPECT_EQ(run(cli() + " store init " + dir + "/s2 --min 1 2>/dev/null").status, 2);
  ASSERT_EQ(run(cli() + " store init " + dir + "/s2 --min 8K --avg 32K --max 128K --level 2 --seed 9 >/dev/null").status, 0);
  auto j = chunker::test::load_json(dir + "/s2/store.json");
  EXPECT_EQ(j["format"].str, "chunker-store");
  EXPECT_EQ(j["version"].u64(), 2u);
  EXPECT_EQ(j["id"].str.size(), 32u);
  EXPECT_EQ(j["pack_size"].u64(), 16u << 20);
  EXPECT_EQ(j["hash"].str, "blake3");
  EXPECT_EQ(j["chunking"]["min"].u64(), 8192u);
  EXPECT_EQ(j["chunking"]["avg"].u64(), 32768u);
  EXPECT_EQ(j["chunking"]["max"].u64(), 131072u);
  EXPECT_EQ(j["chunking"]["level"].u64(), 2u);
  EXPECT_EQ(j["chunking"]["seed"].u64(), 9u);
  for (const char* sub : {"packs", "index", "manifests", "tmp"})
    EXPECT_EQ(run(std::string("test -d ") + dir + "/s2/" + sub).status, 0);
}

TEST_F(CliStore, HandWrittenStoreWithAllFiveCodecTags) {
  for (const char* tool : {"lz4", "xz", "bzip2"})
    CHUNKER_NEED_PROGRAM(tool);
  // A version-1 store (one file per chunk) as the demo server wrote them before version 2.
  ASSERT_EQ(run("rm -rf " + s + " && mkdir -p " + s + "/chunks " + s + "/manifests " + s + "/tmp").status, 0);
  const std::string v1 = "{\"format\":\"chunker-store\",\"version\":1,\"hash\":\"blake3\",\"chunking\":{\"min\":1024,"
                         "\"avg\":4096,\"max\":16384,\"level\":1,\"seed\":0}}\n";
  chunker::test::write_file(s + "/store.json", {v1.begin(), v1.end()});
  // Five chunks, each written by a standard tool with its tag: 0 raw, 1 zstd, 2 lz4, 3 xz, 4 bzip2.
  const char* encoders[] = {"cat", "zstd -q -c", "lz4 -q -c", "xz -q -c", "bzip2 -q -c"};
  std::string chunks_json, all;
  std::uint64_t size = 0;
  for (int tag = 0; tag < 5; ++tag) {
    auto part = chunker::test::text_bytes(3000 + 1000 * tag, 100 + tag);
    const std::string p = dir + "/part" + std::to_string(tag);
    chunker::test::write_file(p, part);
    const std::string h = b3(p);
    ASSERT_EQ(run("mkdir -p " + s + "/chunks/" + h.substr(0, 2) + " && printf '\\00" + std::to_string(tag) + "' > " + s +
                  "/chunks/" + h.substr(0, 2) + "/" + h + " && " + encoders[tag] + " " + p + " >> " + s + "/chunks/" +
                  h.substr(0, 2) + "/" + h)
                  .status,
              0);
    chunks_json += std::string(tag ? "," : "") + "[\"" + h + "\"," + std::to_string(part.size()) + "]";
    all += " " + p;
    size += part.size();
  }
  ASSERT_EQ(run("cat" + all + " > " + dir + "/whole").status, 0);
  plant_manifest("mixed/file", "{\"format\":\"chunker-manifest\",\"version\":1,\"name\":\"mixed/file\",\"size\":" +
                                   std::to_string(size) + ",\"blake3\":\"" + b3(dir + "/whole") + "\",\"chunks\":[" +
                                   chunks_json + "]}");
  auto v = run(cli() + " store verify " + s);
  EXPECT_EQ(v.status, 0) << v.out;
  EXPECT_NE(v.out.find("5 chunks, 1 manifests checked, 0 problems"), std::string::npos) << v.out;
  EXPECT_EQ(run(cli() + " store get " + s + " mixed/file | cmp - " + dir + "/whole && echo same").out, "same\n");
  // put refuses a v1 store; migrate converts it (every blob copied as it is, tags 0-4 included).
  auto p = run(cli() + " store put " + s + " " + dir + "/whole --name w 2>&1");
  EXPECT_EQ(p.status, 1);
  EXPECT_NE(p.out.find("store migrate"), std::string::npos) << p.out;
  auto m = run(cli() + " store migrate " + s);
  ASSERT_EQ(m.status, 0) << m.out;
  EXPECT_EQ(chunker::test::load_json(s + "/store.json")["version"].u64(), 2u);
  EXPECT_NE(run("test -e " + s + "/chunks").status, 0);
  auto v2 = run(cli() + " store verify " + s);
  EXPECT_EQ(v2.status, 0) << v2.out;
  EXPECT_NE(v2.out.find("1 packs (5 chunks), 1 index files, 1 manifests checked, 0 problems"), std::string::npos) << v2.out;
  EXPECT_EQ(run(cli() + " store get " + s + " mixed/file | cmp - " + dir + "/whole && echo same").out, "same\n");
  EXPECT_EQ(chunker::test::load_json(manifest_path("mixed/file"))["version"].u64(), 2u);
  EXPECT_EQ(run(cli() + " store put " + s + " " + dir + "/whole --name w >/dev/null").status, 0);
  EXPECT_EQ(run(cli() + " store migrate " + s).out, s + ": already version 2\n");
}

TEST_F(CliStore, LsEscapesControlCharactersInNames) {
  chunker::test::write_file(dir + "/f", {1, 2, 3});
  ASSERT_EQ(run(cli() + " store put " + s + " " + dir + "/f --name \"$(printf 'evil\\n\\033[2Jname\\\\x')\" >/dev/null").status, 0);
  auto ls = run(cli() + " store ls " + s);
  ASSERT_EQ(ls.status, 0);
  EXPECT_EQ(ls.out.substr(ls.out.find("evil")), "evil\\x0a\\x1b[2Jname\\\\x\n") << ls.out;
  // JSON output keeps the exact name (JSON-escaped).
  auto js = chunker::test::parse_json(run(cli() + " store ls --json " + s).out);
  EXPECT_EQ(js[0]["name"].str, "evil\n\x1b[2Jname\\x");
}

TEST_F(CliStore, GetRemovesTemporariesOfKilledGets) {
  chunker::test::write_file(dir + "/f", chunker::test::random_bytes(5000, 1));
  ASSERT_EQ(run(cli() + " store put " + s + " " + dir + "/f --name f >/dev/null").status, 0);
  auto pid = run("sh -c 'echo $$'").out;  // a process that has exited
  pid.pop_back();
  chunker::test::write_file(dir + "/out.chunker-get-" + pid, {9, 9});
  chunker::test::write_file(dir + "/other.chunker-get-" + pid, {9});  // another OUT's: not ours to judge
  chunker::test::write_file(dir + "/out.chunker-get-1", {9});          // pid 1 runs: kept
  ASSERT_EQ(run(cli() + " store get " + s + " f -o " + dir + "/out").status, 0);
  EXPECT_EQ(run("cmp " + dir + "/out " + dir + "/f && echo same").out, "same\n");
  EXPECT_NE(run("test -e " + dir + "/out.chunker-get-" + pid).status, 0);
  EXPECT_EQ(run("test -e " + dir + "/other.chunker-get-" + pid).status, 0);
  EXPECT_EQ(run("test -e " + dir + "/out.chunker-get-1").status, 0);
}

TEST_F(CliStore, FilesCacheSkipsUnchangedFiles) {
  ASSERT_EQ(run("mkdir -p " + dir + "/tree").status, 0);
  for (int i = 0; i < 6; ++i) chunker::test::write_file(dir + "/tree/f" + std::to_string(i), chunker::test::text_bytes(20000, i));
  ::sleep(2);  // files changed within 1 s of a put are not cached
  const std::string env = "XDG_CACHE_HOME=" + dir + "/cache ";
  const std::string put = "cd " + dir + " && " + env + cli() + " store put " + s + " tree";
  auto first = run(put);
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_NE(first.out.find("(0 unchanged, 0 failed)"), std::string::npos) << first.out;
  auto second = run(put);
  EXPECT_NE(second.out.find("(6 unchanged, 0 failed)"), std::string::npos) << second.out;
  chunker::test::write_file(dir + "/tree/f3", chunker::test::text_bytes(20001, 99));
  auto third = run(put);
  EXPECT_NE(third.out.find("(5 unchanged, 0 failed)"), std::string::npos) << third.out;
  EXPECT_NE(third.out.find("stored tree/f3: 20001 bytes"), std::string::npos) << third.out;
  auto forced = run(put + " --no-cache");
  EXPECT_NE(forced.out.find("(0 unchanged, 0 failed)"), std::string::npos) << forced.out;
  EXPECT_EQ(run(cli() + " store get " + s + " tree/f3 | cmp - " + dir + "/tree/f3 && echo same").out, "same\n");
}

TEST_F(CliStore, ProcfsFilesAreStoredWhole) {
  auto r = run(cli() + " store put " + s + " /proc/self/status --name status 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  auto got = run(cli() + " store get " + s + " status").out;
  EXPECT_GT(got.size(), 100u);  // not the 0 bytes st_size claims
  EXPECT_NE(got.find("Name:"), std::string::npos);
}
