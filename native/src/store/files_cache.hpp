// The files cache of `put` (docs/store-format.md, "Files cache"): local to
// the machine, keyed by absolute path, lets put skip unchanged files.
#pragma once

#include <string>
#include <unordered_map>

#include "chunker/store.hpp"
#include "format.hpp"

namespace chunker::store {

struct Stamp {
  std::uint64_t dev = 0, ino = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  friend bool operator==(const Stamp&, const Stamp&) = default;
};

struct CacheEntry {
  std::string name;
  Stamp stamp;
  Digest checksum{};  // of the manifest that put committed for it
  // Object storage: the manifest object's ETag as its PUT returned it, and
  // the manifest itself (name, size, blake3, chunks), so that a listing of
  // manifests/ (one request per 1000) replaces a GET per unchanged file.
  // Empty for a local store (reading the manifest file is cheap there).
  std::string etag;
  std::uint64_t size = 0;
  Digest blake3{};
  std::vector<ChunkRef> chunks;
};

class FilesCache {
 public:
  // $XDG_CACHE_HOME/chunker/files/<id>.cache (or ~/.cache/...); `dir` overrides the directory.
  static std::string path_for(const std::string& dir, const std::string& store_id);
  // A missing or damaged file is an empty cache (the cost is a full read).
  static FilesCache load(const std::string& path);
  // Atomically (tmp + rename); creates the directory.
  Status save(const std::string& path) const;

  const CacheEntry* find(const std::string& abs_path) const {
    auto it = map_.find(abs_path);
    return it == map_.end() ? nullptr : &it->second;
  }
  void set(const std::string& abs_path, CacheEntry e) { map_[abs_path] = std::move(e); }
  std::size_t size() const noexcept { return map_.size(); }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [k, e] : map_) f(k, e);
  }

 private:
  std::unordered_map<std::string, CacheEntry> map_;
};

}  // namespace chunker::store
