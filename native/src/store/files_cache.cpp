#include "files_cache.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fs_util.hpp"
#include "le_bytes.hpp"

namespace chunker::store {
namespace {
constexpr char kMagic1[] = "chkfc001";  // without the object-storage fields (still read)
constexpr char kMagic[] = "chkfc002";
constexpr std::size_t kMaxCacheBytes = std::size_t{1} << 30;
}  // namespace

std::string FilesCache::path_for(const std::string& dir, const std::string& store_id) {
  std::string base = dir;
  if (base.empty()) {
    const char* x = std::getenv("XDG_CACHE_HOME");
    const char* h = std::getenv("HOME");
    base = (x && *x) ? std::string(x) + "/chunker/files" : std::string(h && *h ? h : "/tmp") + "/.cache/chunker/files";
  }
  return base + "/" + store_id + ".cache";
}

FilesCache FilesCache::load(const std::string& path) {
  FilesCache c;
  std::vector<std::uint8_t> b;
  if (!fs::read_file(path, kMaxCacheBytes, b).ok() || b.size() < 8) return c;
  const bool v1 = std::memcmp(b.data(), kMagic1, 8) == 0;
  if (!v1 && std::memcmp(b.data(), kMagic, 8) != 0) return c;
  std::size_t p = 8;
  auto take_str = [&](std::string& out) {
    if (b.size() - p < 4) return false;
    std::uint32_t n = le::get_u32(&b[p]);
    p += 4;
    if (b.size() - p < n) return false;
    out.assign(reinterpret_cast<const char*>(&b[p]), n);
    p += n;
    return true;
  };
  while (p < b.size()) {
    std::string path_key;
    CacheEntry e;
    if (!take_str(path_key) || !take_str(e.name) || b.size() - p < 40 + 32) return FilesCache{};
    e.stamp.dev = le::get_u64(&b[p]);
    e.stamp.ino = le::get_u64(&b[p + 8]);
    e.stamp.size = le::get_u64(&b[p + 16]);
    e.stamp.mtime_ns = static_cast<std::int64_t>(le::get_u64(&b[p + 24]));
    e.stamp.ctime_ns = static_cast<std::int64_t>(le::get_u64(&b[p + 32]));
    std::memcpy(e.checksum.data(), &b[p + 40], 32);
    p += 72;
    if (!v1) {
      if (!take_str(e.etag)) return FilesCache{};
      if (!e.etag.empty()) {
        if (b.size() - p < 8 + 32 + 8) return FilesCache{};
        e.size = le::get_u64(&b[p]);
        std::memcpy(e.blake3.data(), &b[p + 8], 32);
        const std::uint64_t n = le::get_u64(&b[p + 40]);
        p += 48;
        if (n > (b.size() - p) / 36) return FilesCache{};
        e.chunks.resize(static_cast<std::size_t>(n));
        for (auto& ch : e.chunks) {
          std::memcpy(ch.hash.data(), &b[p], 32);
          ch.length = le::get_u32(&b[p + 32]);
          p += 36;
        }
      }
    }
    c.map_[std::move(path_key)] = std::move(e);
  }
  return c;
}

Status FilesCache::save(const std::string& path) const {
  const std::string dir = path.substr(0, path.rfind('/'));
  // mkdir -p
  for (std::size_t i = 1; i <= dir.size(); ++i)
    if (i == dir.size() || dir[i] == '/') CHUNKER_TRY(fs::make_dir(dir.substr(0, i)));
  std::vector<std::uint8_t> b(kMagic, kMagic + 8);
  for (const auto& [k, e] : map_) {
    le::put_u32(b, static_cast<std::uint32_t>(k.size()));
    b.insert(b.end(), k.begin(), k.end());
    le::put_u32(b, static_cast<std::uint32_t>(e.name.size()));
    b.insert(b.end(), e.name.begin(), e.name.end());
    le::put_u64(b, e.stamp.dev);
    le::put_u64(b, e.stamp.ino);
    le::put_u64(b, e.stamp.size);
    le::put_u64(b, static_cast<std::uint64_t>(e.stamp.mtime_ns));
    le::put_u64(b, static_cast<std::uint64_t>(e.stamp.ctime_ns));
    b.insert(b.end(), e.checksum.begin(), e.checksum.end());
    le::put_u32(b, static_cast<std::uint32_t>(e.etag.size()));
    b.insert(b.end(), e.etag.begin(), e.etag.end());
    if (!e.etag.empty()) {
      le::put_u64(b, e.size);
      b.insert(b.end(), e.blake3.begin(), e.blake3.end());
      le::put_u64(b, e.chunks.size());
      for (const auto& ch : e.chunks) {
        b.insert(b.end(), ch.hash.begin(), ch.hash.end());
        le::put_u32(b, ch.length);
      }
    }
  }
  // A cache is an optimisation: no fsync (a torn cache file fails its parse and means a full read).
  return fs::write_atomic(dir, path, b);
}

}  // namespace chunker::store
