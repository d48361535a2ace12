#include "fs_util.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

namespace chunker::store::fs {

Status errno_status(const std::string& what, const std::string& path, int err) {
  return Status(Errc::io_error, path + ": " + what + ": " + std::strerror(err));
}

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status write_all(int fd, const std::string& path, std::span<const std::uint8_t> data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("write", path, errno);
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

std::string random_name() {
  static std::atomic<std::uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}() ^ (static_cast<std::uint64_t>(::getpid()) << 32)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d-%llu-%016llx", static_cast<int>(::getpid()),
                static_cast<unsigned long long>(counter.fetch_add(1)), static_cast<unsigned long long>(rng()));
  return buf;
}

Status read_file(const std::string& path, std::size_t limit, std::vector<std::uint8_t>& out) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) return errno_status("open", path, errno);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return errno_status("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status(Errc::io_error, path + ": not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > limit)
    return Status(Errc::output_limit, path + ": file of " + std::to_string(st.st_size) + " bytes exceeds the limit of " +
                                          std::to_string(limit));
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(f.fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("read", path, errno);
    }
    if (n == 0) break;  // shrank while reading
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return {};
}

Status fsync_dir(const std::string& dir) {
  Fd f;
  f.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (f.fd < 0) return errno_status("open directory", dir, errno);
  if (::fsync(f.fd) != 0) return errno_status("fsync directory", dir, errno);
  return {};
}

Status make_dir(const std::string& path, bool* created) {
  if (created) *created = false;
  if (::mkdir(path.c_str(), 0777) == 0) {
    if (created) *created = true;
    return {};
  }
  if (errno != EEXIST) return errno_status("mkdir", path, errno);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return Status(Errc::io_error, path + ": not a directory");
  return {};
}

Status write_atomic(const std::string& tmp_dir, const std::string& dest, std::span<const std::uint8_t> data,
                    bool no_replace, bool* existed) {
  if (existed) *existed = false;
  std::string tmp = tmp_dir + "/" + random_name();
  Fd f;
  f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (f.fd < 0) return errno_status("create", tmp, errno);
  Status s = write_all(f.fd, tmp, data);
  if (s.ok() && ::fsync(f.fd) != 0) s = errno_status("fsync", tmp, errno);
  int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0 && s.ok()) s = errno_status("close", tmp, errno);
  if (s.ok()) {
    if (no_replace) {
      // link() fails with EEXIST instead of replacing: a chunk file is never rewritten.
      if (::link(tmp.c_str(), dest.c_str()) != 0) {
        if (errno == EEXIST) {
          if (existed) *existed = true;
        } else if (errno == EPERM || errno == ENOSYS || errno == EOPNOTSUPP) {
          // No hard links on this file system: rename (a racing writer has the same bytes).
          if (::rename(tmp.c_str(), dest.c_str()) != 0) s = errno_status("rename", dest, errno);
        } else {
          s = errno_status("link", dest, errno);
        }
      }
    } else if (::rename(tmp.c_str(), dest.c_str()) != 0) {
      s = errno_status("rename", dest, errno);
    }
  }
  if (no_replace || !s.ok()) ::unlink(tmp.c_str());
  return s;
}

Result<std::string> write_tmp(const std::string& tmp_dir, std::span<const std::uint8_t> data, bool sync) {
  std::string tmp = tmp_dir + "/" + random_name();
  Fd f;
  f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (f.fd < 0) return errno_status("create", tmp, errno);
  Status s = write_all(f.fd, tmp, data);
  if (s.ok() && sync && ::fdatasync(f.fd) != 0) s = errno_status("fsync", tmp, errno);
  int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0 && s.ok()) s = errno_status("close", tmp, errno);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return tmp;
}

Status link_into_place(const std::string& tmp, const std::string& dest, bool* existed) {
  if (existed) *existed = false;
  Status s;
  if (::link(tmp.c_str(), dest.c_str()) != 0) {
    if (errno == EEXIST) {
      if (existed) *existed = true;
    } else if (errno == EPERM || errno == ENOSYS || errno == EOPNOTSUPP) {
      // No hard links here: rename (content-named, so a racing writer has the same bytes).
      if (::rename(tmp.c_str(), dest.c_str()) != 0) s = errno_status("rename", dest, errno);
      return s;
    } else {
      s = errno_status("link", dest, errno);
    }
  }
  ::unlink(tmp.c_str());
  return s;
}

Status link_pack(const std::string& tmp, const std::string& dest) {
  bool existed = false;
  CHUNKER_TRY(link_into_place(tmp, dest, &existed));
  if (existed) return Status(Errc::io_error, dest + ": a pack of this name exists already (salt collision); not reused");
  return {};
}

Status sync_fs(const std::string& path) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) return errno_status("open", path, errno);
  if (::syncfs(f.fd) != 0) return errno_status("syncfs", path, errno);
  return {};
}

Result<std::int64_t> mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_status("stat", path, errno);
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

Status list_dir(const std::string& dir, std::vector<DirEntry>& out) {
  out.clear();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return errno_status("open directory", dir, errno);
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    DirEntry de;
    de.name = n;
    unsigned char t = e->d_type;
    if (t == DT_UNKNOWN) {
      struct stat st {};
      if (::lstat((dir + "/" + n).c_str(), &st) == 0) t = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
    }
    de.is_dir = t == DT_DIR;
    de.is_regular = t == DT_REG;
    out.push_back(std::move(de));
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return errno_status("read directory", dir, err);
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return {};
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status remove_tree(const std::string& path) {
  if (!exists(path)) return {};
  std::vector<DirEntry> es;
  CHUNKER_TRY(list_dir(path, es));
  for (const auto& e : es) {
    const std::string p = path + "/" + e.name;
    if (e.is_dir) CHUNKER_TRY(remove_tree(p));
    else if (::unlink(p.c_str()) != 0 && errno != ENOENT) return errno_status("unlink", p, errno);
  }
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return errno_status("rmdir", path, errno);
  return {};
}

std::string clean_components(std::string_view path, bool* dotdot) {
  std::string out;
  if (dotdot) *dotdot = false;
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view comp = path.substr(start, end - start);
    if (comp == ".." && dotdot) *dotdot = true;
    if (!comp.empty() && comp != ".") {
      if (!out.empty()) out += '/';
      out.append(comp);
    }
    start = end + 1;
  }
  return out;
}

}  // namespace chunker::store::fs
