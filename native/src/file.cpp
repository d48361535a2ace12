#include "chunker/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "chunker/input.hpp"
#include "input/stamp.hpp"

namespace chunker {
namespace {
// Below this a file is read in one or two calls: the advice would only cost a syscall.
constexpr std::uint64_t kAdviseSequentialFrom = 1u << 20;
}  // namespace

Result<InputFile> InputFile::open(const std::string& path) {
  int fd;
  std::string name = path;
  if (path == "-") {
    fd = ::dup(STDIN_FILENO);
    name = "-";
  } else {
    do fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
  }
  if (fd < 0) return Status(Errc::io_error, path + ": " + std::strerror(errno));
  return adopt(fd, std::move(name));
}

Result<InputFile> InputFile::open_fd(int fd, std::string name) {
  if (fd < 0) return Status(Errc::invalid_argument, name + ": not a file descriptor");
  const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return Status(Errc::io_error, name + ": " + std::strerror(errno));
  return adopt(own, std::move(name));
}

// Takes ownership of `fd` (closed on every error path).
Result<InputFile> InputFile::adopt(int fd, std::string name) {
  const std::string& path = name;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status(Errc::io_error, path + ": " + std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status(Errc::io_error, path + ": is a directory");
  }
  const FileStamp stamp = detail::stamp_from_stat(st);
  if (stamp.regular && stamp.size > kAdviseSequentialFrom) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return InputFile(fd, std::move(name), stamp);
}

InputFile::InputFile(InputFile&& o) noexcept : fd_(o.fd_), name_(std::move(o.name_)), stamp_(o.stamp_) { o.fd_ = -1; }

InputFile& InputFile::operator=(InputFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    name_ = std::move(o.name_);
    stamp_ = o.stamp_;
    o.fd_ = -1;
  }
  return *this;
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {
// At most this much per read(2)/pread(2): procfs sysctl files allocate the
// whole count in the kernel and fail with ENOMEM from 4 MiB on. Larger calls
// save nothing measurable (a syscall per MiB copied).
constexpr std::size_t kMaxIoPerCall = 1u << 20;

// Calls io(dst, len, done) - read(2) or pread(2) - until buf is full or the
// file ends; retries EINTR.
template <class Io>
Result<std::size_t> fill(std::span<std::uint8_t> buf, const std::string& name, Io io) {
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = io(buf.data() + got, std::min(buf.size() - got, kMaxIoPerCall), got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(Errc::io_error, name + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}
}  // namespace

Result<std::size_t> InputFile::read(std::span<std::uint8_t> buf) {
  return fill(buf, name_, [&](std::uint8_t* p, std::size_t n, std::size_t) { return ::read(fd_, p, n); });
}

Result<std::size_t> InputFile::pread(std::span<std::uint8_t> buf, std::uint64_t offset) const {
  return fill(buf, name_, [&](std::uint8_t* p, std::size_t n, std::size_t done) {
    return ::pread(fd_, p, n, static_cast<off_t>(offset + done));
  });
}

Status chunk_reader(ReadFn read, const fastcdc::Params& params, fastcdc::ChunkSink sink, std::size_t block_size) {
  auto sc = fastcdc::StreamChunker::create(params);
  if (!sc) return sc.status();
  // Blocks well above max_size let most chunks be cut in place (no copy).
  if (block_size < 2u * params.max_size) block_size = 2u * params.max_size;
  std::unique_ptr<std::uint8_t[]> buf(new (std::nothrow) std::uint8_t[block_size]);
  if (!buf) return Status(Errc::out_of_memory, "cannot allocate a read buffer of " + std::to_string(block_size));
  for (;;) {
    auto n = read({buf.get(), block_size});
    if (!n) return n.status();
    if (*n == 0) break;
    sc->push({buf.get(), *n}, sink);
  }
  sc->finish(sink);
  return {};
}

Status chunk_file(const std::string& path, const fastcdc::Params& params, fastcdc::ChunkSink sink) {
  auto f = InputFile::open(path);
  if (!f) return f.status();
  InputReader rd(*f);
  CHUNKER_TRY(chunk_reader([&](std::span<std::uint8_t> b) { return rd.read(b); }, params, sink));
  return rd.finish().status();
}

}  // namespace chunker
