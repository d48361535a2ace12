// FileStamp: what fstat/stat say about a file, for change detection and caches.
#include "stamp.hpp"

#include <cerrno>
#include <cstring>

#include "chunker/input.hpp"

namespace chunker {
namespace detail {

FileStamp stamp_from_stat(const struct stat& st) noexcept {
  FileStamp s;
  s.dev = static_cast<std::uint64_t>(st.st_dev);
  s.ino = static_cast<std::uint64_t>(st.st_ino);
  s.regular = S_ISREG(st.st_mode);
  s.size = s.regular ? static_cast<std::uint64_t>(st.st_size) : 0;
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return s;
}

}  // namespace detail

Result<FileStamp> stamp_of(const InputFile& f) {
  struct stat st {};
  if (::fstat(f.fd(), &st) != 0) return Status(Errc::io_error, f.name() + ": " + std::strerror(errno));
  return detail::stamp_from_stat(st);
}

Result<FileStamp> stamp_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status(Errc::io_error, path + ": " + std::strerror(errno));
  return detail::stamp_from_stat(st);
}

}  // namespace chunker
