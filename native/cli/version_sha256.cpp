// `chunker --version` line for SHA-256: the block function in use.
#include <string>

#include "chunker/sha256.hpp"
#include "command.hpp"

namespace {

std::string sha256_version_line() {
  return std::string("sha256: ") + chunker::sha256::backend() + " (available: " +
         chunker::sha256::available_backends() + ")";
}

const chunker::cli::VersionInfo vi{sha256_version_line};

}  // namespace
