// The one home for helpers the GoogleTest files share: deterministic data,
// files and temporary directories, running commands (the CLI and the
// reference programs), and reading JSON with the library's own reader.
// Domain helpers build on it in the same namespace (codec_test_util.hpp,
// nix_test_util.hpp).
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "chunker/cpu.hpp"
#include "chunker/json_reader.hpp"

namespace chunker::test {

using Bytes = std::vector<std::uint8_t>;

// ---- data ----------------------------------------------------------------------

struct SplitMix64 {
  std::uint64_t s;
  explicit SplitMix64(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

inline Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  SplitMix64 r(seed);
  Bytes v(n);
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t x = r.next();
    for (std::size_t j = 0; j < 8 && i + j < n; ++j) v[i + j] = static_cast<std::uint8_t>(x >> (8 * j));
  }
  return v;
}

// English-like text from a small vocabulary, spaces and newlines: compresses ~3-4x.
inline Bytes text_bytes(std::size_t n, std::uint64_t seed) {
  static const char* words[] = {"chunk", "the", "of", "content", "defined", "hash", "archive", "store",
                                "compression", "frame", "a", "is", "nix", "block", "stream", "data",
                                "and", "with", "zstd", "window", "level", "output", "limit", "path"};
  SplitMix64 r(seed);
  Bytes v;
  v.reserve(n + 16);
  while (v.size() < n) {
    const char* w = words[r.below(std::size(words))];
    while (*w) v.push_back(static_cast<std::uint8_t>(*w++));
    v.push_back(r.below(11) == 0 ? '\n' : ' ');
  }
  v.resize(n);
  return v;
}

// Text, zeros, random and repeated segments interleaved.
inline Bytes mixed_bytes(std::size_t n, std::uint64_t seed) {
  SplitMix64 r(seed);
  Bytes b;
  b.reserve(n);
  while (b.size() < n) {
    std::size_t len = 1 + r.below(50000);
    Bytes part;
    switch (r.below(4)) {
      case 0: part = text_bytes(len, r.next()); break;
      case 1: part.assign(len, 0); break;
      case 2: part = random_bytes(len, r.next()); break;
      default:
        if (b.size() > 1000) {
          std::size_t from = r.below(b.size() - 500);
          part.assign(b.begin() + from, b.begin() + from + std::min<std::size_t>(len, b.size() - from));
        }
    }
    b.insert(b.end(), part.begin(), part.end());
  }
  b.resize(n);
  return b;
}

// ---- files ---------------------------------------------------------------------

inline std::string data_path(const std::string& name) { return std::string(CHUNKER_TEST_DATA_DIR) + "/" + name; }

inline Bytes read_file(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path.string());
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& path, std::span<const std::uint8_t> d) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
}
// For braced byte lists: write_file(p, {1, 2, 3}).
inline void write_file(const std::filesystem::path& path, const Bytes& d) {
  write_file(path, std::span<const std::uint8_t>(d));
}

// A fresh directory (kept: tests that fail leave it to look at).
inline std::string temp_dir() {
  char tmpl[] = "/tmp/chunker-test-XXXXXX";
  char* d = ::mkdtemp(tmpl);
  if (!d) throw std::runtime_error("mkdtemp failed");
  return d;
}

// A fresh directory removed at scope exit.
class TempDir {
 public:
  TempDir() : path_(temp_dir()) {}
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ---- commands ------------------------------------------------------------------

// Single-quoted for /bin/sh.
inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}
inline std::string q(const std::filesystem::path& p) { return shell_quote(p.string()); }

struct RunResult {
  int status = -1;       // exit status, or 128 + signal
  std::string out;       // standard output (add 2>&1 to the command for stderr too)
  long max_rss_kib = 0;  // peak RSS of the shell and every process it waited for
  double seconds = 0;
};

// Runs `cmd` with /bin/sh -c, capturing its standard output.
inline RunResult run(const std::string& cmd) {
  RunResult r;
  timespec t0{}, t1{};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int fds[2];
  if (::pipe(fds) != 0) return r;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], 1);
    ::close(fds[1]);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) r.out.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  ::close(fds[0]);
  int st = 0;
  struct rusage ru {};
  if (pid > 0 && ::wait4(pid, &st, 0, &ru) == pid) r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.max_rss_kib = std::max(ru.ru_maxrss, 0L);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  r.seconds = static_cast<double>(t1.tv_sec - t0.tv_sec) + static_cast<double>(t1.tv_nsec - t0.tv_nsec) / 1e9;
  return r;
}

inline std::string cli() { return CHUNKER_CLI_PATH; }

inline bool have_program(const std::string& name) {
  return run("command -v " + name + " >/dev/null 2>&1").status == 0;
}

// A cross-check whose tool is missing must fail in CI (honest tests).
inline bool require_tools() {
  const char* ci = std::getenv("CI");
  const char* req = std::getenv("CHUNKER_REQUIRE_TOOLS");
  return (ci && std::string(ci) == "true") || (req && std::string(req) == "1");
}

// Skips the calling test (or SetUp) when a reference program is missing; fails
// instead when tools are required (scripts/test.sh sets CHUNKER_REQUIRE_TOOLS=1:
// it installs them all), so a cross-check cannot silently vanish.
#define CHUNKER_NEED_PROGRAM(name)                                                                  \
  do {                                                                                              \
    const std::string need_program_ = (name);                                                       \
    if (!::chunker::test::have_program(need_program_)) {                                            \
      if (::chunker::test::require_tools())                                                         \
        FAIL() << need_program_ << " is not installed (required: CI / CHUNKER_REQUIRE_TOOLS=1)";    \
      GTEST_SKIP() << need_program_ << " not installed (scripts/apt-packages.txt)";                 \
    }                                                                                               \
  } while (0)

// Sets an environment variable for the scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old, had_ = true;
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_) ::setenv(name_.c_str(), old_.c_str(), 1);
    else ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_, old_;
  bool had_ = false;
};

// Sets CHUNKER_FORCE_ISA for the scope (and re-reads it), then restores it.
class ForceIsa {
 public:
  explicit ForceIsa(const std::string& isa) {
    env_.emplace("CHUNKER_FORCE_ISA", isa);
    chunker::cpu::reload_for_testing();
  }
  ~ForceIsa() {
    env_.reset();
    chunker::cpu::reload_for_testing();
  }

 private:
  std::optional<ScopedEnv> env_;
};

// ---- JSON ----------------------------------------------------------------------

// A parsed document with throwing accessors, for terse assertions. Parsing is
// the library's json::parse (one JSON reader in the tree).
struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool b = false;
  double num = 0;
  std::string str;  // also the literal text of numbers
  std::vector<Json> arr;
  std::map<std::string, Json> obj;
  const Json& operator[](const std::string& k) const { return obj.at(k); }
  const Json& operator[](std::size_t i) const { return arr.at(i); }
  bool has(const std::string& k) const { return obj.count(k) != 0; }
  std::uint64_t u64() const { return std::stoull(str); }  // numbers or decimal strings

  static Json from(const json::Value& v) {
    Json j;
    switch (v.kind) {
      case json::Value::Kind::null: break;
      case json::Value::Kind::boolean: j.kind = Bool; j.b = v.boolean; break;
      case json::Value::Kind::number: j.kind = Number; j.str = v.text; j.num = std::stod(v.text); break;
      case json::Value::Kind::string: j.kind = String; j.str = v.text; break;
      case json::Value::Kind::array:
        j.kind = Array;
        for (const auto& i : v.items) j.arr.push_back(from(i));
        break;
      case json::Value::Kind::object:
        j.kind = Object;
        for (const auto& m : v.members) j.obj[m.key] = from(m.value);
        break;
    }
    return j;
  }
};

inline Json parse_json(const std::string& text) {
  auto v = json::parse(text);
  if (!v) throw std::runtime_error(v.status().message());
  return Json::from(*v);
}

inline Json load_json(const std::string& path) {
  auto bytes = read_file(path);
  return parse_json(std::string(bytes.begin(), bytes.end()));
}

}  // namespace chunker::test
