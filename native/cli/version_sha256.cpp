// `chunker --version` line for SHA-256: the block function in use.
#include <string>

#include "chunker/cpu.hpp"
#include "chunker/sha256.hpp"
#include "command.hpp"

namespace {

std::string sha256_version_line() {
  std::string s = "sha256: ";
  s += chunker::sha256::backend();
  const std::uint32_t d = chunker::cpu::detected();
  std::string avail = "portable";
  // The same order and conditions as sha256_dispatch.cpp's pick().
#if defined(__x86_64__)
  if (d & chunker::cpu::kShaNi) avail += ",sha_ni";
  if (d & chunker::cpu::kAvx2) avail += ",avx2";
#endif
#if defined(__aarch64__)
  if (d & chunker::cpu::kArmv8Sha2) avail += ",armv8";
#endif
  s += " (available: " + avail + ")";
  return s;
}

const chunker::cli::VersionInfo vi{sha256_version_line};

}  // namespace
