// Directory trees <-> NAR through POSIX *at() calls on directory fds.
// Needs the Nix component (core/src/nix); compiled to nothing without it.
#ifdef CHUNKER_HAVE_NIX
#include "chunker/nar_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace chunker::nar {

namespace {

constexpr std::size_t kIoBlock = 256 * 1024;
constexpr int kMaxDumpDepth = 1024;

Status errno_status(const std::string& what, const std::string& path, int err = errno) {
  return Status(Errc::io_error, what + " '" + path + "': " + std::strerror(err));
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Result<std::string> read_link_at(int dirfd, const char* name, const std::string& shown, std::size_t hint) {
  std::string buf(std::max<std::size_t>(hint, 64) + 1, '\0');
  for (;;) {
    const ssize_t n = ::readlinkat(dirfd, name, buf.data(), buf.size());
    if (n < 0) return errno_status("readlink", shown);
    if (static_cast<std::size_t>(n) < buf.size()) {
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
    if (buf.size() > (1u << 20)) return Status(Errc::io_error, "symlink target too long: '" + shown + "'");
    buf.resize(buf.size() * 2);
  }
}

class Dumper {
 public:
  explicit Dumper(Writer& w) : w_(w), buf_(kIoBlock) {}

  // Dumps the object `name` inside `dirfd` (AT_FDCWD + path for the root).
  Status dump(int dirfd, const char* name, const std::string& shown, int depth) {
    if (depth > kMaxDumpDepth) return Status(Errc::io_error, "directory nesting too deep at '" + shown + "'");
    struct stat st;
    if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno_status("stat", shown);
    if (S_ISLNK(st.st_mode)) {
      auto t = read_link_at(dirfd, name, shown, static_cast<std::size_t>(st.st_size));
      if (!t.ok()) return t.status();
      return w_.symlink(t.value());
    }
    if (S_ISREG(st.st_mode)) {
      Fd f(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (f.fd < 0) return errno_status("open", shown);
      return dump_file(f.fd, static_cast<std::uint64_t>(st.st_size), (st.st_mode & S_IXUSR) != 0, shown);
    }
    if (S_ISDIR(st.st_mode)) {
      Fd d(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (d.fd < 0) return errno_status("open directory", shown);
      auto names = list(d.fd, shown);
      if (!names.ok()) return names.status();
      CHUNKER_TRY(w_.begin_directory());
      for (const std::string& n : names.value()) {
        CHUNKER_TRY(w_.begin_entry(n));
        CHUNKER_TRY(dump(d.fd, n.c_str(), shown + "/" + n, depth + 1));
        CHUNKER_TRY(w_.end_entry());
      }
      return w_.end_directory();
    }
    return Status(Errc::unsupported_format, "cannot archive '" + shown + "': not a regular file, directory or symlink");
  }

 private:
  Result<std::vector<std::string>> list(int dfd, const std::string& shown) {
    const int dup_fd = ::dup(dfd);  // closedir() closes the fd it was given
    if (dup_fd < 0) return errno_status("dup", shown);
    DIR* dir = ::fdopendir(dup_fd);
    if (!dir) {
      const int err = errno;
      ::close(dup_fd);
      return errno_status("opendir", shown, err);
    }
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(dir)) {
      const std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
      errno = 0;
    }
    const int err = errno;
    ::closedir(dir);
    if (err) return errno_status("readdir", shown, err);
    std::sort(names.begin(), names.end());  // bytewise, as Nix's std::map
    return names;
  }

  Status dump_file(int fd, std::uint64_t size, bool exec, const std::string& shown) {
    CHUNKER_TRY(w_.begin_regular(exec, size));
    std::uint64_t left = size;
    while (left > 0) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf_.size()));
      const ssize_t n = ::read(fd, buf_.data(), want);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_status("read", shown);
      }
      if (n == 0) return Status(Errc::io_error, "file '" + shown + "' shrank while being archived");
      CHUNKER_TRY(w_.write({buf_.data(), static_cast<std::size_t>(n)}));
      left -= static_cast<std::uint64_t>(n);
    }
    return w_.end_regular();
  }

  Writer& w_;
  std::vector<std::uint8_t> buf_;
};

}  // namespace

Status dump_path(const std::string& path, Writer& writer) {
  Dumper d(writer);
  CHUNKER_TRY(d.dump(AT_FDCWD, path.c_str(), path, 0));
  return writer.finish();
}

Status dump_path(const std::string& path, const Sink& sink) {
  Writer w(sink);
  return dump_path(path, w);
}

Result<PathHash> hash_path(const std::string& path) {
  NarHasher h;
  CHUNKER_TRY(dump_path(path, Sink([&](std::span<const std::uint8_t> b) -> Status {
                h.update(b);
                return {};
              })));
  PathHash out;
  out.nar_size = h.size();
  out.digest = h.digest();
  return out;
}

// ---- restore ----------------------------------------------------------------

Result<DirectoryRestorer> DirectoryRestorer::create(const std::string& target) {
  std::string t = target;
  while (t.size() > 1 && t.back() == '/') t.pop_back();
  if (t.empty()) return Status(Errc::invalid_argument, "restore target is empty");
  const auto slash = t.rfind('/');
  std::string parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : t.substr(0, slash));
  std::string base = slash == std::string::npos ? t : t.substr(slash + 1);
  if (base == "." || base == "..")
    return Status(Errc::invalid_argument, "restore target '" + target + "' must name a new entry");
  const int pfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0) return errno_status("open directory", parent);
  struct stat st;
  if (::fstatat(pfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    ::close(pfd);
    return Status(Errc::io_error, "restore target '" + target + "' already exists");
  }
  return DirectoryRestorer(pfd, std::move(base), target);
}

DirectoryRestorer::DirectoryRestorer(DirectoryRestorer&& o) noexcept
    : parent_fd_(o.parent_fd_), base_(std::move(o.base_)), target_(std::move(o.target_)),
      dirs_(std::move(o.dirs_)), file_fd_(o.file_fd_) {
  o.parent_fd_ = -1;
  o.file_fd_ = -1;
  o.dirs_.clear();
}

DirectoryRestorer::~DirectoryRestorer() {
  if (file_fd_ >= 0) ::close(file_fd_);
  for (int fd : dirs_) ::close(fd);
  if (parent_fd_ >= 0) ::close(parent_fd_);
}

Status DirectoryRestorer::os_error(const char* op, std::string_view rel) const {
  std::string shown = target_;
  if (!rel.empty()) shown.append("/").append(rel);
  return errno_status(op, shown);
}

Status DirectoryRestorer::on_node(const Node& n) {
  // The parser guarantees names are single, valid components, unique per directory.
  const int pfd = n.depth == 0 ? parent_fd_ : dirs_.back();
  const std::string name(n.depth == 0 ? std::string_view(base_) : n.name);
  if (n.depth != dirs_.size()) return Status(Errc::internal, "restore: node outside the open directory");
  switch (n.type) {
    case NodeType::directory: {
      if (::mkdirat(pfd, name.c_str(), 0777) != 0) return os_error("mkdir", n.path);
      const int fd = ::openat(pfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return os_error("open directory", n.path);
      dirs_.push_back(fd);
      return {};
    }
    case NodeType::regular: {
      const mode_t mode = n.executable ? 0777 : 0666;
      file_fd_ = ::openat(pfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
      if (file_fd_ < 0) return os_error("create", n.path);
      return {};
    }
    case NodeType::symlink:
      if (::symlinkat(std::string(n.target).c_str(), pfd, name.c_str()) != 0) return os_error("symlink", n.path);
      return {};
  }
  return Status(Errc::internal, "restore: unknown node type");
}

Status DirectoryRestorer::on_data(std::span<const std::uint8_t> data) {
  while (!data.empty()) {
    const ssize_t w = ::write(file_fd_, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno_status("write", target_);
    }
    data = data.subspan(static_cast<std::size_t>(w));
  }
  return {};
}

Status DirectoryRestorer::on_node_end(const Node& n, std::uint64_t) {
  if (n.type == NodeType::regular) {
    const int fd = file_fd_;
    file_fd_ = -1;
    if (::close(fd) != 0) return os_error("close", n.path);
  } else if (n.type == NodeType::directory) {
    ::close(dirs_.back());
    dirs_.pop_back();
  }
  return {};
}

Status restore(ReadFn read, const std::string& target, Limits limits) {
  auto r = DirectoryRestorer::create(target);
  if (!r.ok()) return r.status();
  Parser p(r.value(), limits);
  std::vector<std::uint8_t> buf(kIoBlock);
  for (;;) {
    auto n = read(buf);
    if (!n.ok()) return n.status();
    if (n.value() == 0) break;
    CHUNKER_TRY(p.push({buf.data(), n.value()}));
  }
  return p.finish();
}

}  // namespace chunker::nar
#endif  // CHUNKER_HAVE_NIX
