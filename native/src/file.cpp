#include "chunker/file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace chunker {

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
  std::optional<std::uint64_t> size;
  if (S_ISREG(st.st_mode)) {
    size = static_cast<std::uint64_t>(st.st_size);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  return InputFile(fd, std::move(name), size);
}

InputFile::InputFile(InputFile&& o) noexcept : fd_(o.fd_), name_(std::move(o.name_)), size_(o.size_) { o.fd_ = -1; }

InputFile& InputFile::operator=(InputFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    name_ = std::move(o.name_);
    size_ = o.size_;
    o.fd_ = -1;
  }
  return *this;
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {
// Calls io(dst, len, done) - read(2) or pread(2) - until buf is full or the
// file ends; retries EINTR.
template <class Io>
Result<std::size_t> fill(std::span<std::uint8_t> buf, const std::string& name, Io io) {
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = io(buf.data() + got, buf.size() - got, got);
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

Result<MappedFile> MappedFile::map(const InputFile& f) {
  if (!f.size()) return Status(Errc::invalid_argument, f.name() + ": not a regular file, cannot be mapped");
  const std::size_t n = static_cast<std::size_t>(*f.size());
  if (n == 0) return MappedFile(nullptr, 0);
  void* p = ::mmap(nullptr, n, PROT_READ, MAP_PRIVATE, f.fd(), 0);
  if (p == MAP_FAILED) return Status(Errc::io_error, f.name() + ": mmap: " + std::strerror(errno));
  ::madvise(p, n, MADV_SEQUENTIAL);
  return MappedFile(static_cast<const std::uint8_t*>(p), n);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
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

Result<std::span<const std::uint8_t>> file_bytes(InputFile& in, std::vector<std::uint8_t>& buf,
                                                std::optional<MappedFile>& map) {
  const std::uint64_t size = in.size().value_or(0);
  if (size > kReadWholeBelow) {
    auto m = MappedFile::map(in);
    if (!m) return m.status();
    map.emplace(std::move(m).value());
    return map->bytes();
  }
  buf.resize(static_cast<std::size_t>(size));
  std::size_t got = 0;
  while (got < buf.size()) {
    auto r = in.read({buf.data() + got, buf.size() - got});
    if (!r) return r.status();
    if (*r == 0) break;  // shrank while we read: use what is there
    got += *r;
  }
  return std::span<const std::uint8_t>(buf.data(), got);
}

Status chunk_file(const std::string& path, const fastcdc::Params& params, fastcdc::ChunkSink sink) {
  auto f = InputFile::open(path);
  if (!f) return f.status();
  return chunk_reader([&](std::span<std::uint8_t> b) { return f->read(b); }, params, sink);
}

}  // namespace chunker
