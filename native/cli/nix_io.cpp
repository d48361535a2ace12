#include "nix_io.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <vector>

#include "chunker/file.hpp"

namespace chunker::cli {

namespace {
Status write_fd(int fd, const std::string& text, const std::string& path) {
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(Errc::io_error, "write '" + path + "': " + std::strerror(errno));
    }
    off += static_cast<std::size_t>(n);
  }
  return {};
}
}  // namespace

Result<std::string> read_text_file(const std::string& path, std::size_t limit) {
  auto in = InputFile::open(path);
  if (!in.ok()) return in.status();
  // Key files hold secrets: size the string once (no reallocation copies) and
  // wipe the read buffer before it is freed.
  std::string out;
  out.reserve(std::min<std::size_t>(limit, 64 * 1024));
  std::vector<std::uint8_t> buf(64 * 1024);
  struct Wipe {
    std::vector<std::uint8_t>& b;
    ~Wipe() { sodium_memzero(b.data(), b.size()); }
  } wipe{buf};
  for (;;) {
    auto n = in->read(buf);
    if (!n.ok()) return n.status();
    if (n.value() == 0) break;
    if (out.size() + n.value() > limit)
      return Status(Errc::output_limit, "'" + path + "' is larger than " + std::to_string(limit) + " bytes");
    out.append(reinterpret_cast<const char*>(buf.data()), n.value());
  }
  return out;
}

Status write_new_file(const std::string& path, const std::string& text, unsigned mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return Status(Errc::io_error, "create '" + path + "': " + std::strerror(errno));
  Status s = write_fd(fd, text, path);
  if (::close(fd) != 0 && s.ok()) s = Status(Errc::io_error, "close '" + path + "': " + std::strerror(errno));
  return s;
}

Status replace_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-chunker";
  ::unlink(tmp.c_str());
  struct stat st;
  const unsigned mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  CHUNKER_TRY(write_new_file(tmp, text, mode));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Status(Errc::io_error, "rename to '" + path + "': " + std::strerror(err));
  }
  return {};
}

}  // namespace chunker::cli
