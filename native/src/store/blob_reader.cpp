#include "blob_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "fs_util.hpp"

namespace chunker::store {

BlobReader::~BlobReader() {
  for (auto& [d, fd] : open_) ::close(fd);
}

Status BlobReader::read(const Digest& pack, std::uint64_t offset, std::uint32_t length, std::vector<std::uint8_t>& out) {
  const std::string path = dir_ + "/" + pack_rel_path(pack);
  int fd = -1;
  for (std::size_t i = 0; i < open_.size(); ++i)
    if (open_[i].first == pack) {
      fd = open_[i].second;
      break;
    }
  if (fd < 0) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fs::errno_status("open", path, errno);
    if (open_.size() >= 8) {
      ::close(open_.front().second);
      open_.erase(open_.begin());
    }
    open_.emplace_back(pack, fd);
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

}  // namespace chunker::store
