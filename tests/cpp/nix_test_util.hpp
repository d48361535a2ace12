// Helpers for the Nix tests: running the real Nix tools offline in a private
// state directory, building file trees, and NAR byte builders for hostile input.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace chunker::test {

// Skips the calling test when the Nix tools are missing (e.g. under qemu).
#define NIXTEST_REQUIRE_NIX()                                                          \
  do {                                                                                 \
    CHUNKER_NEED_PROGRAM("nix-store");                                                 \
    CHUNKER_NEED_PROGRAM("nix-hash");                                                  \
  } while (0)

// Environment prefix that lets nix-store / nix run without a daemon or /nix.
inline std::string nix_env(const std::string& state) {
  return "NIX_STATE_DIR=" + state + "/state NIX_STORE_DIR=" + state + "/store NIX_LOG_DIR=" + state +
         "/log NIX_CONF_DIR=" + state + "/conf NIX_REMOTE= HOME=" + state + " ";
}

inline void put_file(const std::string& path, const std::string& content, bool exec = false) {
  write_file(path, std::vector<std::uint8_t>(content.begin(), content.end()));
  ASSERT_EQ(::chmod(path.c_str(), exec ? 0755 : 0644), 0);
}

// Raw NAR token builders, for archives our writer refuses to produce.
inline void str(std::vector<std::uint8_t>& out, const std::string& s) {
  std::uint64_t n = s.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  out.insert(out.end(), s.begin(), s.end());
  while (out.size() % 8) out.push_back(0);
}
inline void u64(std::vector<std::uint8_t>& out, std::uint64_t n) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
}
inline std::vector<std::uint8_t> tokens(std::initializer_list<std::string> toks) {
  std::vector<std::uint8_t> out;
  for (const auto& t : toks) str(out, t);
  return out;
}

}  // namespace chunker::test
