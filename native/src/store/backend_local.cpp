// The local-directory backend: temporaries in DIR/tmp (same file system),
// create-only by link(2), overwrite by rename(2), fsync of the directories a
// batch touched once per batch (the caller's SyncSet), positional reads.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "backend.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "fs_util.hpp"

namespace chunker::store {
namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

class LocalReader final : public RangeReader {
 public:
  explicit LocalReader(std::string dir) : dir_(std::move(dir)) {}
  ~LocalReader() override {
    for (auto& [k, fd] : open_) ::close(fd);
  }
  Status read(std::string_view key, std::uint64_t offset, std::uint32_t length, std::vector<std::uint8_t>& out) override {
    int fd = -1;
    for (const auto& [k, f] : open_)
      if (k == key) {
        fd = f;
        break;
      }
    const std::string path = dir_ + "/" + std::string(key);
    if (fd < 0) {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return fs::errno_status("open", path, errno);
      if (open_.size() >= 8) {
        ::close(open_.front().second);
        open_.erase(open_.begin());
      }
      open_.emplace_back(std::string(key), fd);
    }
    out.resize(length);
    std::size_t got = 0;
    while (got < length) {
      ssize_t n = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        return fs::errno_status("read", path, errno);
      }
      if (n == 0) return Status(Errc::corrupt_input, path + ": pack ends before the blob the index names (truncated pack)");
      got += static_cast<std::size_t>(n);
    }
    return {};
  }

 private:
  std::string dir_;
  std::vector<std::pair<std::string, int>> open_;  // most recent last
};

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(std::string dir) : dir_(std::move(dir)), tmp_(dir_ + "/tmp") {}

  std::string describe(std::string_view key) const override {
    return key.empty() ? dir_ : dir_ + "/" + std::string(key);
  }
  bool local() const noexcept override { return true; }
  unsigned io_parallelism() const noexcept override { return 1; }

  Status prepare_root(SyncSet& pending) override {
    bool created = false;
    CHUNKER_TRY(fs::make_dir(dir_, &created));
    if (created) pending.insert(parent_of(dir_));
    for (const char* sub : {"packs", "index", "manifests", "leases", "gc", "tmp"}) CHUNKER_TRY(fs::make_dir(dir_ + "/" + sub));
    pending.insert(dir_);
    return {};
  }

  Status check_root(std::span<const char* const> subdirs) override {
    for (const char* sub : subdirs) {
      struct stat st {};
      std::string path = dir_ + "/" + sub;
      if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return Status(Errc::corrupt_input, path + ": missing directory (not a complete chunk store)");
    }
    return {};
  }

  Result<bool> read(std::string_view key, std::size_t limit, std::vector<std::uint8_t>& out) override {
    const std::string path = describe(key);
    Status s = fs::read_file(path, limit, out);
    if (s.ok()) return true;
    if (!fs::exists(path)) return false;
    return s;
  }

  Result<std::optional<ObjectInfo>> stat(std::string_view key) override {
    const std::string path = describe(key);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return std::optional<ObjectInfo>{};
      return fs::errno_status("stat", path, errno);
    }
    ObjectInfo o;
    o.key = std::string(key);
    o.size = static_cast<std::uint64_t>(st.st_size);
    o.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    o.regular = S_ISREG(st.st_mode);
    return std::optional<ObjectInfo>(std::move(o));
  }

  Status list(std::string_view prefix, bool times, std::vector<ObjectInfo>& out) override {
    out.clear();
    std::string rel(prefix);
    if (!rel.empty() && rel.back() == '/') rel.pop_back();
    if (!fs::exists(describe(rel))) return {};
    CHUNKER_TRY(walk(rel, times, out));
    std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return {};
  }

  std::unique_ptr<RangeReader> range_reader() override { return std::make_unique<LocalReader>(dir_); }

  Result<bool> create(std::string_view key, std::span<const std::uint8_t> data, SyncSet& pending) override {
    const std::string dest = describe(key);
    const std::string sub = parent_of(dest);
    if (key.find('/') != std::string_view::npos) {
      bool made = false;
      CHUNKER_TRY(fs::make_dir(sub, &made));
      if (made) pending.insert(parent_of(sub));
    }
    auto tmp = fs::write_tmp(tmp_, data, /*sync=*/true);
    if (!tmp) return tmp.status();
    bool existed = false;
    CHUNKER_TRY(fs::link_into_place(*tmp, dest, &existed));
    // Also when it existed: its creator may not have made the name durable yet.
    pending.insert(sub);
    return !existed;
  }

  Status replace(std::string_view key, std::span<const std::uint8_t> data, SyncSet& pending) override {
    const std::string dest = describe(key);
    CHUNKER_TRY(fs::write_atomic(tmp_, dest, data));
    pending.insert(parent_of(dest));
    return {};
  }

  Result<Staged> stage(std::string key, std::span<const std::uint8_t> data) override {
    auto t = fs::write_tmp(tmp_, data, /*sync=*/false);
    if (!t) return t.status();
    return Staged{std::move(key), std::move(*t), {}, {}};
  }

  // The temporaries were written unsynced: one syncfs(2) for all of them,
  // renames, one fsync per directory.
  Status commit_staged(std::span<Staged* const> items) override {
    if (items.empty()) return {};
    Status s = fs::sync_fs(parent_of(describe(items[0]->key)));
    SyncSet dirs;
    for (Staged* it : items) {
      const std::string dest = describe(it->key);
      if (s.ok() && ::rename(it->tmp.c_str(), dest.c_str()) != 0) s = fs::errno_status("rename", dest, errno);
      if (!s.ok()) break;
      it->tmp.clear();
      dirs.insert(parent_of(dest));
    }
    if (s.ok()) s = sync(dirs);
    return s;
  }

  void discard(Staged& st) noexcept override {
    if (!st.tmp.empty()) ::unlink(st.tmp.c_str());
    st.tmp.clear();
  }

  Result<bool> remove(std::string_view key, SyncSet* pending) override {
    const std::string path = describe(key);
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) return false;
      return fs::errno_status("unlink", path, errno);
    }
    if (pending) pending->insert(parent_of(path));
    return true;
  }

  Status remove_prefix(std::string_view prefix) override {
    std::string rel(prefix);
    if (!rel.empty() && rel.back() == '/') rel.pop_back();
    return fs::remove_tree(describe(rel));
  }

  Status sync(SyncSet& pending) override {
    for (const auto& d : pending) CHUNKER_TRY(fs::fsync_dir(d));
    pending.clear();
    return {};
  }

  Status sweep_temporaries(std::int64_t before_ns, bool dry_run, std::uint64_t& removed) override {
    std::vector<fs::DirEntry> tmp;
    CHUNKER_TRY(fs::list_dir(tmp_, tmp));
    for (const auto& t : tmp) {
      const std::string path = tmp_ + "/" + t.name;
      auto mt = fs::mtime_ns(path);
      if (!t.is_regular || !mt || *mt >= before_ns) continue;
      if (dry_run) ++removed;
      else if (::unlink(path.c_str()) == 0) ++removed;
    }
    return {};
  }

 private:
  Status walk(const std::string& rel, bool times, std::vector<ObjectInfo>& out) {
    std::vector<fs::DirEntry> es;
    CHUNKER_TRY(fs::list_dir(describe(rel), es));
    for (const auto& e : es) {
      std::string key = rel + "/" + e.name;
      if (e.is_dir) {
        CHUNKER_TRY(walk(key, times, out));
        continue;
      }
      ObjectInfo o;
      o.regular = e.is_regular;
      if (times) {
        struct stat st {};
        if (::lstat(describe(key).c_str(), &st) != 0) continue;  // gone meanwhile
        o.size = static_cast<std::uint64_t>(st.st_size);
        o.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      }
      o.key = std::move(key);
      out.push_back(std::move(o));
    }
    return {};
  }

  std::string dir_, tmp_;
};

}  // namespace

std::shared_ptr<Backend> local_backend(std::string dir) { return std::make_shared<LocalBackend>(std::move(dir)); }

bool is_s3_url(std::string_view location) { return location.substr(0, 5) == "s3://"; }

Result<std::shared_ptr<Backend>> open_backend(const std::string& location) {
  if (is_s3_url(location)) {
#ifdef CHUNKER_HAVE_S3
    return s3_backend(location);
#else
    return Status(Errc::unsupported_format, location + ": this chunker was built without S3 support (CHUNKER_WITH_S3)");
#endif
  }
  return local_backend(location);
}

#ifndef CHUNKER_HAVE_S3
std::string s3_request_stats() { return {}; }
#endif

}  // namespace chunker::store
