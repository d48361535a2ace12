// POSIX helpers for the chunk store: bounded reads, crash-safe writes,
// directory listing. Every error message names the path.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/error.hpp"

namespace chunker::store::fs {

Status errno_status(const std::string& what, const std::string& path, int err);

// Whole file, failing with Errc::output_limit if it is larger than `limit`.
Status read_file(const std::string& path, std::size_t limit, std::vector<std::uint8_t>& out);
inline Status read_text(const std::string& path, std::size_t limit, std::string& out) {
  std::vector<std::uint8_t> b;
  CHUNKER_TRY(read_file(path, limit, b));
  out.assign(b.begin(), b.end());
  return {};
}

Status fsync_dir(const std::string& dir);
// mkdir that accepts an existing directory; `created` tells whether it was new.
Status make_dir(const std::string& path, bool* created = nullptr);

// Crash-safe write: tmp_dir/<random>, write, fsync, rename onto `dest`. The
// caller fsyncs dest's directory (so several renames can share one fsync).
// With no_replace, an existing `dest` is kept (the tmp file is removed) and
// *existed is set.
Status write_atomic(const std::string& tmp_dir, const std::string& dest, std::span<const std::uint8_t> data,
                    bool no_replace = false, bool* existed = nullptr);

// Writes data to a new tmp_dir/<random> (fsync'd when `sync`); returns its path.
Result<std::string> write_tmp(const std::string& tmp_dir, std::span<const std::uint8_t> data, bool sync);
// Create-only move of a complete temporary into place (link(2), rename(2) where
// hard links are unsupported); the temporary is removed. *existed: dest was there.
Status link_into_place(const std::string& tmp, const std::string& dest, bool* existed);
// link_into_place for a pack: a pack name that exists already is an error
// (salted packs never collide; reusing an existing one could mean reusing a
// pack a gc plan has condemned).
Status link_pack(const std::string& tmp, const std::string& dest);
// syncfs(2) of the file system holding `path` (one flush for a batch of files).
Status sync_fs(const std::string& path);
// Modification time in ns since the epoch; Errc::io_error naming the path (ENOENT included).
Result<std::int64_t> mtime_ns(const std::string& path);
std::int64_t now_ns();
std::string random_name();

struct DirEntry {
  std::string name;
  bool is_dir = false;
  bool is_regular = false;
};
// Entries except "." and "..", sorted by name; a missing directory is an error.
Status list_dir(const std::string& dir, std::vector<DirEntry>& out);

bool exists(const std::string& path);
// rm -r (a missing path is fine).
Status remove_tree(const std::string& path);

// `path`'s components without empty and "." ones, joined by '/' (no leading
// or trailing '/'); nothing touches the file system. *dotdot (if given) tells
// whether a ".." component was among them (kept as it is).
std::string clean_components(std::string_view path, bool* dotdot = nullptr);

}  // namespace chunker::store::fs
