// `chunker --version` line for BLAKE3: the kernel in use and the CPU features.
#include <string>

#include "chunker/blake3.hpp"
#include "chunker/cpu.hpp"
#include "command.hpp"

namespace {

std::string blake3_version_line() {
  std::string s = "blake3: ";
  s += chunker::blake3::backend();
  s += " (cpu: " + chunker::cpu::describe(chunker::cpu::detected());
  s += "; available: ";
  s += chunker::blake3::available_backends();
  s += ")";
  std::string warn = chunker::cpu::force_warning();
  while (!warn.empty() && (warn.back() == ' ' || warn.back() == ';')) warn.pop_back();
  if (!warn.empty()) s += " [" + warn + "]";
  return s;
}

const chunker::cli::VersionInfo vi{blake3_version_line};

}  // namespace
