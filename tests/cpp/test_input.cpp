// The one input path (input.hpp): read_input against the in-memory pipeline
// and the official BLAKE3 of the same bytes, procfs/sysfs inputs against their
// content read by cat, and files that grow, shrink or are rewritten while read
// (changed at a known point: from the sink, or by stopping the CLI with the
// CHUNKER_TEST_STOP_AFTER_READ hook) -> Errc::changed naming the file.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "chunker/blake3.hpp"
#include "chunker/input.hpp"
#include "chunker/pipeline.hpp"
#include "test_util.hpp"

using namespace chunker;
using chunker::test::cli;
using chunker::test::run;

namespace {

struct InputFixture : ::testing::Test {
  std::string dir;
  void SetUp() override { dir = chunker::test::temp_dir(); }
  void TearDown() override { run("rm -rf " + dir); }

  // A file with an mtime long past, so that a rewrite now is seen even when
  // it lands in the same timestamp tick as the file's creation.
  std::string make_file(const std::string& name, const std::vector<std::uint8_t>& data) {
    const std::string p = dir + "/" + name;
    chunker::test::write_file(p, data);
    struct timespec old[2] = {{946684800, 0}, {946684800, 0}};
    EXPECT_EQ(::utimensat(AT_FDCWD, p.c_str(), old, 0), 0);
    return p;
  }
};

fastcdc::Params params_64k() { return fastcdc::preset("64k").value(); }

ChunkPipeline pipeline(unsigned threads, HashAlgo algo = HashAlgo::blake3) {
  PipelineOptions o;
  o.params = params_64k();
  o.hash = algo;
  o.threads = threads;
  return ChunkPipeline::create(o).value();
}

std::vector<HashedChunk> reference_chunks(const std::vector<std::uint8_t>& data) {
  std::vector<HashedChunk> out;
  EXPECT_TRUE(chunk_and_hash(data, params_64k(), HashAlgo::blake3, out, 1).ok());
  return out;
}

// Contents by another reader (cat), for inputs whose st_size lies.
std::vector<std::uint8_t> cat(const std::string& path) {
  auto r = run("cat " + path);
  return {r.out.begin(), r.out.end()};
}

void append(const std::string& path, const std::string& s) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  ::close(fd);
}

void rewrite_at(const std::string& path, std::uint64_t off, std::uint8_t byte) {
  int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, &byte, 1, static_cast<off_t>(off)), 1);
  ::close(fd);
}

// read_input of `path` with the whole-file BLAKE3 on; every chunk handed out
// must be the bytes that were hashed.
Result<InputReport> read_with_whole_hash(const std::string& path, unsigned threads, std::vector<HashedChunk>& got) {
  auto pl = pipeline(threads);
  auto in = InputFile::open(path).value();
  InputOptions io;
  io.whole_blake3 = true;
  return read_input(pl, in, [&](const HashedChunk& c, std::span<const std::uint8_t> b) {
    EXPECT_EQ(b.size(), c.length);
    EXPECT_EQ(blake3::hash(b), c.hash);
    got.push_back(c);
  }, io);
}

}  // namespace

TEST_F(InputFixture, ReadInputEqualsInMemoryChunkingAndWholeHash) {
  // Empty, small (one whole read), exactly the whole-read bound, and large
  // (run_file) files, on one and two threads.
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{100000}, std::size_t{kReadWholeBelow},
                           std::size_t{kReadWholeBelow + 1}, std::size_t{21u << 20}}) {
    auto data = chunker::test::random_bytes(size, size + 7);
    const std::string p = make_file("f" + std::to_string(size), data);
    const auto want = reference_chunks(data);
    for (unsigned threads : {1u, 2u}) {
      std::vector<HashedChunk> got;
      auto rep = read_with_whole_hash(p, threads, got);
      ASSERT_TRUE(rep.ok()) << rep.status().to_string();
      EXPECT_EQ(got, want) << size << " bytes, " << threads << " threads";
      EXPECT_EQ(rep->bytes, size);
      EXPECT_EQ(rep->whole_blake3, blake3::hash(data));
      EXPECT_EQ(rep->before, rep->after);
      EXPECT_EQ(rep->before.size, size);
      EXPECT_TRUE(rep->before.regular);
      EXPECT_EQ(rep->before, stamp_path(p).value());
    }
  }
}

TEST_F(InputFixture, ProcAndSysFilesAreReadToEof) {
  // st_size is 0 (procfs) or 4096 (sysfs); the content is what cat reads.
  for (const char* p : {"/proc/version", "/proc/sys/kernel/ostype", "/sys/kernel/mm/transparent_hugepage/enabled"}) {
    if (::access(p, R_OK) != 0) continue;
    const auto want = cat(p);
    ASSERT_FALSE(want.empty()) << p;
    for (unsigned threads : {1u, 2u}) {
      std::vector<HashedChunk> got;
      auto rep = read_with_whole_hash(p, threads, got);
      ASSERT_TRUE(rep.ok()) << rep.status().to_string();
      EXPECT_EQ(rep->bytes, want.size()) << p;
      EXPECT_EQ(got, reference_chunks(want)) << p;
      EXPECT_EQ(rep->whole_blake3, blake3::hash(want)) << p;
    }
  }
}

// Cross-checks need these programs; a missing one fails in CI and skips elsewhere.
bool tools_or_skip(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (!chunker::test::have_program(n)) {
      const char* ci = std::getenv("CI");
      const char* req = std::getenv("CHUNKER_REQUIRE_TOOLS");
      if ((ci && std::string(ci) == "true") || (req && std::string(req) == "1")) ADD_FAILURE() << n << " missing";
      return false;
    }
  return true;
}

TEST_F(InputFixture, CliReadsProcFilesLikeAPipe) {
  // /proc/version and ostype do not change between reads.
  for (const std::string f : {"/proc/version", "/proc/sys/kernel/ostype"}) {
    for (const std::string args : {"chunk --hash blake3", "chunk --hash sha256 --threads 2 --preset 4k",
                                   "hash --no-names", "hash --no-names --algo sha256"}) {
      auto direct = run(cli() + " " + args + " " + f + " 2>&1");
      auto piped = run("cat " + f + " | " + cli() + " " + args + " - 2>&1");
      EXPECT_EQ(direct.status, 0) << args << " " << f << "\n" << direct.out;
      EXPECT_GT(direct.out.size(), 60u) << args << " " << f;
      EXPECT_EQ(direct.out, piped.out) << args << " " << f;
    }
    const auto content = cat(f);
    auto j = chunker::test::parse_json(run(cli() + " dedup --json --quiet " + f).out);
    EXPECT_EQ(j["total_bytes"].u64(), content.size());
    // Independent references: b3sum for the digest, zstd for compress.
    if (tools_or_skip({"b3sum", "zstd"})) {
      EXPECT_EQ(run(cli() + " hash --no-names " + f).out, run("cat " + f + " | b3sum --no-names").out);
#if CHUNKER_HAVE_CODECS  // builds without codecs have no compress command
      EXPECT_EQ(run(cli() + " compress " + f + " | zstd -dc").out, std::string(content.begin(), content.end()));
#endif
    }
  }
}

TEST_F(InputFixture, FileChangedFromTheSinkIsAnErrorNamingIt) {
  // Larger than one run_file window, so the first chunks reach the sink while
  // most of the file is still unread; the sink then changes the file.
  const auto data = chunker::test::random_bytes(40u << 20, 5);
  struct Case {
    const char* what;
    std::function<void(const std::string&)> change;
  };
  const std::vector<Case> cases = {
      {"append", [](const std::string& p) { append(p, "more"); }},
      {"truncate", [](const std::string& p) { ASSERT_EQ(::truncate(p.c_str(), 1 << 20), 0); }},
      {"truncate to 0", [](const std::string& p) { ASSERT_EQ(::truncate(p.c_str(), 0), 0); }},
      {"rewrite in place", [](const std::string& p) { rewrite_at(p, 30u << 20, 0x5a); }},
  };
  for (const auto& c : cases) {
    for (unsigned threads : {1u, 2u}) {
      const std::string p = make_file("changing", data);
      auto pl = pipeline(threads);
      auto in = InputFile::open(p).value();
      bool changed = false;
      auto rep = read_input(pl, in, [&](const HashedChunk&, std::span<const std::uint8_t>) {
        if (!changed) c.change(p);
        changed = true;
      });
      ASSERT_TRUE(changed);
      ASSERT_FALSE(rep.ok()) << c.what << ", " << threads << " threads";
      EXPECT_EQ(rep.status().code(), Errc::changed) << rep.status().to_string();
      EXPECT_NE(rep.status().message().find(p + ": changed while being read"), std::string::npos)
          << rep.status().message();
    }
  }
}

TEST_F(InputFixture, FileThatGrewBeforeTheReadIsNotCut) {
  // Stamped at open with st_size N, then longer: the whole read sees more
  // than st_size and streams the rest; the size in the stamp changed.
  const std::string p = make_file("grows", chunker::test::random_bytes(5000, 9));
  auto in = InputFile::open(p).value();
  append(p, std::string(100000, 'x'));
  auto pl = pipeline(1);
  std::uint64_t seen = 0;
  auto rep = read_input(pl, in, [&](const HashedChunk& c, std::span<const std::uint8_t>) { seen = c.offset + c.length; });
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.status().code(), Errc::changed);
  EXPECT_NE(rep.status().message().find("size 5000 -> 105000"), std::string::npos) << rep.status().message();
  EXPECT_EQ(seen, 105000u);  // read to EOF, not cut at st_size
}

TEST_F(InputFixture, ReaderChecksPastTheEnd) {
  // A caller that stops before EOF: finish() reads past the end and refuses,
  // though the stamp is unchanged.
  const std::string p = make_file("f", chunker::test::random_bytes(3000, 4));
  auto in = InputFile::open(p).value();
  InputReader rd(in);
  std::uint8_t buf[1000];
  ASSERT_EQ(rd.read(buf).value(), 1000u);
  auto rep = rd.finish();
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.status().code(), Errc::changed);
  EXPECT_NE(rep.status().message().find("more than the 1000 bytes read"), std::string::npos) << rep.status().message();

  // Positional: all of it -> fine, the read past the end finds nothing.
  auto in2 = InputFile::open(p).value();
  InputReader rd2(in2);
  std::vector<std::uint8_t> all(3000);
  ASSERT_EQ(rd2.pread(all, 0).value(), 3000u);
  auto ok = rd2.finish(3000);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->bytes, 3000u);
  EXPECT_EQ(std::string(errc_name(Errc::changed)), "ERR_CHANGED");
}

// ---- the CLI, stopped after its first read of one file (SIGSTOP hook) ----

namespace {

struct Stopped {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
  bool was_stopped = false;
};

// Runs `args` (a shell word list) with CHUNKER_TEST_STOP_AFTER_READ=stop_path;
// when the CLI stops, calls change() and lets it go on.
Stopped run_stopped(const std::string& dir, const std::string& args, const std::string& stop_path,
                    const std::function<void()>& change) {
  Stopped r;
  const std::string out = dir + "/.out", err = dir + "/.err";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("CHUNKER_TEST_STOP_AFTER_READ", stop_path.c_str(), 1);
    const std::string cmd = "exec " + cli() + " " + args + " >" + out + " 2>" + err;
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int st = 0;
  for (;;) {
    if (::waitpid(pid, &st, WUNTRACED) != pid) break;
    if (WIFSTOPPED(st)) {
      r.was_stopped = true;
      change();
      ::kill(pid, SIGCONT);
      continue;
    }
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    break;
  }
  auto o = chunker::test::read_file(out), e = chunker::test::read_file(err);
  r.out.assign(o.begin(), o.end());
  r.err.assign(e.begin(), e.end());
  return r;
}

}  // namespace

TEST_F(InputFixture, CliReportsFileChangedWhileReadAndGoesOn) {
  const auto big = chunker::test::random_bytes(24u << 20, 21);
  const auto small = chunker::test::random_bytes(70000, 22);
  struct Case {
    const char* what;
    std::function<void(const std::string&)> change;
  };
  const std::vector<Case> changes = {
      {"rewrite in place", [](const std::string& p) { rewrite_at(p, 20u << 20, 0xa5); }},
      {"truncate", [](const std::string& p) { ASSERT_EQ(::truncate(p.c_str(), 4096), 0); }},
      {"append", [](const std::string& p) { append(p, "tail"); }},
  };
  for (const auto& c : changes) {
    SCOPED_TRACE(c.what);
    // hash: several files; the changed one is reported, the others printed.
    {
      const std::string a = make_file("a", small), b = make_file("b", big), d = make_file("d", small);
      for (const char* threads : {"1", "2"}) {
        make_file("b", big);
        auto r = run_stopped(dir, "hash --threads " + std::string(threads) + " " + a + " " + b + " " + d, b,
                             [&] { c.change(b); });
        EXPECT_TRUE(r.was_stopped);
        EXPECT_EQ(r.status, 1) << r.err;
        EXPECT_NE(r.err.find(b + ": changed while being read"), std::string::npos) << r.err;
        const std::string digest = chunker::test::run(cli() + " hash --no-names " + a).out;
        EXPECT_EQ(r.out, digest.substr(0, 64) + "  " + a + "\n" + digest.substr(0, 64) + "  " + d + "\n");
      }
    }
    // chunk: one file, 1 and 2 threads; never a crash (no SIGBUS), exit 1.
    for (const char* threads : {"1", "2"}) {
      const std::string p = make_file("c", big);
      auto r = run_stopped(dir, "chunk --preset 64k --hash blake3 --threads " + std::string(threads) + " " + p, p,
                           [&] { c.change(p); });
      EXPECT_TRUE(r.was_stopped);
      EXPECT_EQ(r.status, 1) << r.err;
      EXPECT_NE(r.err.find(p + ": changed while being read"), std::string::npos) << r.err;
    }
    // dedup: the changed file is an error, the other files are counted.
    {
      const std::string tree = dir + "/tree";
      ASSERT_EQ(::mkdir(tree.c_str(), 0755), 0);
      chunker::test::write_file(tree + "/s1", small);
      chunker::test::write_file(tree + "/s2", chunker::test::random_bytes(3000, 23));
      const std::string p = make_file("tree/big", big);
      auto r = run_stopped(dir, "dedup --json --quiet " + tree, p, [&] { c.change(p); });
      EXPECT_TRUE(r.was_stopped);
      EXPECT_EQ(r.status, 1) << r.err;
      EXPECT_NE(r.err.find(p + ": changed while being read"), std::string::npos) << r.err;
      auto j = chunker::test::parse_json(r.out);
      EXPECT_EQ(j["files"].u64(), 2u);
      EXPECT_EQ(j["total_bytes"].u64(), small.size() + 3000u);
      run("rm -rf " + tree);
    }
#if CHUNKER_HAVE_CODECS
    // compress: exit 1 and no output file left behind.
    {
      const std::string p = make_file("z", big), out = dir + "/z.zst";
      auto r = run_stopped(dir, "compress -q " + p + " " + out, p, [&] { c.change(p); });
      EXPECT_TRUE(r.was_stopped);
      EXPECT_EQ(r.status, 1) << r.err;
      EXPECT_NE(r.err.find(p + ": changed while being read"), std::string::npos) << r.err;
      EXPECT_NE(::access(out.c_str(), F_OK), 0);
    }
#endif
  }
}

TEST_F(InputFixture, CliSmallFileChangedAfterItsOneReadIsCaught) {
  // A small file is read in one call; a change right after it is still seen
  // by the stamp taken after EOF.
  const auto data = chunker::test::random_bytes(50000, 31);
  const std::string p = make_file("s", data);
  auto r = run_stopped(dir, "chunk --preset 64k " + p, p, [&] { rewrite_at(p, 10, 1); });
  EXPECT_TRUE(r.was_stopped);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(p + ": changed while being read (mtime"), std::string::npos) << r.err;
  // Unchanged, the same command succeeds (the hook only pauses).
  auto ok = run_stopped(dir, "chunk --preset 64k " + p, p, [] {});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, run(cli() + " chunk --preset 64k " + p).out);
}
