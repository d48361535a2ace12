// Shared helpers for the codec tests: deterministic test data, a temp dir,
// and running the reference programs (zstd, lz4, xz, bzip2) and our CLI.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "chunker/codec.hpp"

namespace chunker::codectest {

using Bytes = std::vector<std::uint8_t>;

inline std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(splitmix(seed) >> 56);
  return b;
}

// English-like text from a small vocabulary: compresses ~3-4x.
inline Bytes text_bytes(std::size_t n, std::uint64_t seed) {
  static const char* words[] = {"chunk", "the", "of", "content", "defined", "hash", "archive", "store",
                                "compression", "frame", "a", "is", "nix", "block", "stream", "data",
                                "and", "with", "zstd", "window", "level", "output", "limit", "path"};
  Bytes b;
  b.reserve(n + 16);
  while (b.size() < n) {
    const char* w = words[splitmix(seed) % std::size(words)];
    while (*w) b.push_back(static_cast<std::uint8_t>(*w++));
    b.push_back(splitmix(seed) % 11 == 0 ? '\n' : ' ');
  }
  b.resize(n);
  return b;
}

// Text, zeros, random and repeated segments interleaved.
inline Bytes mixed_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b;
  b.reserve(n);
  while (b.size() < n) {
    std::size_t len = 1 + splitmix(seed) % 50000;
    Bytes part;
    switch (splitmix(seed) % 4) {
      case 0: part = text_bytes(len, splitmix(seed)); break;
      case 1: part.assign(len, 0); break;
      case 2: part = random_bytes(len, splitmix(seed)); break;
      default:
        if (b.size() > 1000) {
          std::size_t from = splitmix(seed) % (b.size() - 500);
          part.assign(b.begin() + from, b.begin() + from + std::min<std::size_t>(len, b.size() - from));
        }
    }
    b.insert(b.end(), part.begin(), part.end());
  }
  b.resize(n);
  return b;
}

inline Bytes read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

inline void write_file(const std::filesystem::path& p, std::span<const std::uint8_t> d) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "chunker-codec-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::filesystem::path operator/(const std::string& n) const { return path_ / n; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  long max_rss_kib = 0;  // peak RSS of the command (the shell's largest child)
  double seconds = 0;
};

// Runs `cmd` via /bin/sh -c and waits with wait4 to get its peak RSS.
inline RunResult run(const std::string& cmd) {
  RunResult r;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  struct rusage ru {};
  if (pid > 0 && ::wait4(pid, &status, 0, &ru) == pid) {
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Linux's wait4 reports RUSAGE_BOTH of the child: ru_maxrss is the peak of
  // the shell and every process it waited for (the pipeline).
  r.max_rss_kib = std::max(ru.ru_maxrss, 0L);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  r.seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  return r;
}

inline bool have_program(const std::string& name) {
  return run("command -v " + name + " >/dev/null 2>&1").exit_code == 0;
}

inline std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

inline const char* cli() { return CHUNKER_CLI_PATH; }

// The standard program for each codec and its decompress-to-stdout command.
inline const char* program(codec::Codec c) {
  switch (c) {
    case codec::Codec::zstd: return "zstd";
    case codec::Codec::lz4: return "lz4";
    case codec::Codec::xz: return "xz";
    case codec::Codec::bzip2: return "bzip2";
    default: return "false";
  }
}

inline constexpr codec::Codec kAllCodecs[] = {codec::Codec::zstd, codec::Codec::lz4, codec::Codec::xz,
                                              codec::Codec::bzip2};

}  // namespace chunker::codectest
