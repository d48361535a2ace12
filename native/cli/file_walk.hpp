// Expands command-line paths into the regular files below them (used by
// `chunker dedup` and `chunker store put`). Symlinks are skipped unless
// follow_symlinks is set; then each directory is entered at most once (by
// device + inode), so symlink cycles cannot loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chunker::cli {

struct WalkedFile {
  std::string path;      // as reached: the argument, or argument + "/" + relative path
  std::string relative;  // path below the argument ("" when the argument is the file itself)
  std::size_t arg = 0;   // index of the argument it came from
  std::uint64_t size = 0;
};

struct WalkResult {
  std::vector<WalkedFile> files;           // in argument order, each directory sorted by name
  std::uint64_t total_bytes = 0;
  std::uint64_t skipped_symlinks = 0;
  std::uint64_t skipped_other = 0;         // sockets, FIFOs, devices
  std::vector<std::string> errors;         // "path: reason", one per failure
};

WalkResult walk_paths(const std::vector<std::string>& paths, bool follow_symlinks);

}  // namespace chunker::cli
