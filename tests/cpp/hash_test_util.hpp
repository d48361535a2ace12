// Helpers for tests that compare against external reference tools
// (sha256sum, b3sum, openssl, nix-hash) and the built CLI.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace chunker::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout only
};

// Runs `cmd` through /bin/sh and captures its stdout.
inline CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline bool have_tool(const std::string& name) {
  return run_command("command -v " + name + " >/dev/null 2>&1").exit_code == 0;
}

// Single-quoted for /bin/sh.
inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

// A fresh directory removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "chunker-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::vector<std::uint8_t>& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

}  // namespace chunker::test

#include "chunker/cpu.hpp"

namespace chunker::test {

// Sets CHUNKER_FORCE_ISA for the scope (and re-reads it), then restores it.
class ForceIsa {
 public:
  explicit ForceIsa(const std::string& isa) {
    if (const char* old = std::getenv("CHUNKER_FORCE_ISA")) old_ = old, had_ = true;
    ::setenv("CHUNKER_FORCE_ISA", isa.c_str(), 1);
    chunker::cpu::reload_for_testing();
  }
  ~ForceIsa() {
    if (had_) ::setenv("CHUNKER_FORCE_ISA", old_.c_str(), 1);
    else ::unsetenv("CHUNKER_FORCE_ISA");
    chunker::cpu::reload_for_testing();
  }
  ForceIsa(const ForceIsa&) = delete;
  ForceIsa& operator=(const ForceIsa&) = delete;

 private:
  std::string old_;
  bool had_ = false;
};

}  // namespace chunker::test
