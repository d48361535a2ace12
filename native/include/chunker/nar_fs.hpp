// NAR <-> file system: dump a directory tree as a NAR (Nix's `nix-store
// --dump`) and restore a NAR into a new directory.
//
// Restoring is confined: every object is created relative to an open
// directory fd with mkdirat/openat(O_EXCL|O_NOFOLLOW)/symlinkat, names are
// validated by the parser, and nothing existing is ever opened for writing, so
// neither hostile names nor symlinks inside the archive can redirect a write
// outside the target.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "chunker/error.hpp"
#include "chunker/file.hpp"
#include "chunker/nar.hpp"
#include "chunker/sha256.hpp"

namespace chunker::nar {

// Serialises `path` (a directory, regular file or symlink; not followed) into
// `writer`. Other file types (devices, sockets, fifos) are errors.
Status dump_path(const std::string& path, Writer& writer);
Status dump_path(const std::string& path, const Sink& sink);

struct PathHash {
  sha256::Digest digest{};
  std::uint64_t nar_size = 0;
  std::string to_string() const { return format_nar_hash(digest); }  // sha256:<nix base32>
};
// NAR hash of `path`, as `nix-hash --type sha256 --base32` / NarHash.
Result<PathHash> hash_path(const std::string& path);

// A Visitor that materialises the archive at `target`, which must not exist
// (its parent must). On error, what was created so far is left in place --
// always inside `target`.
class DirectoryRestorer final : public Visitor {
 public:
  static Result<DirectoryRestorer> create(const std::string& target);
  DirectoryRestorer(DirectoryRestorer&& o) noexcept;
  DirectoryRestorer& operator=(DirectoryRestorer&&) = delete;
  DirectoryRestorer(const DirectoryRestorer&) = delete;
  ~DirectoryRestorer() override;

  Status on_node(const Node& n) override;
  Status on_data(std::span<const std::uint8_t> data) override;
  Status on_node_end(const Node& n, std::uint64_t end_offset) override;

 private:
  DirectoryRestorer(int parent_fd, std::string base, std::string target)
      : parent_fd_(parent_fd), base_(std::move(base)), target_(std::move(target)) {}
  Status os_error(const char* op, std::string_view rel) const;

  int parent_fd_ = -1;      // directory containing target
  std::string base_;        // target's last component
  std::string target_;      // as given, for messages
  std::vector<int> dirs_;   // open directory fds, root first
  int file_fd_ = -1;        // regular file being written
};

// Reads a NAR from `read` and restores it at `target`.
Status restore(ReadFn read, const std::string& target, Limits limits = {});

}  // namespace chunker::nar
