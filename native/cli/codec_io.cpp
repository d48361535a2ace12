#include "codec_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace chunker::cli {

Status with_path(const std::string& path, const Status& s) {
  if (s.ok()) return s;
  const std::string name = path == "-" ? "(stdin)" : path;
  if (s.message().compare(0, name.size(), name) == 0) return s;
  return Status(s.code(), name + ": " + s.message());
}

Result<OutputFile> OutputFile::open(const std::string& path, Existing mode) {
  if (path == "-") {
    int fd = ::dup(STDOUT_FILENO);
    if (fd < 0) return Status(Errc::io_error, std::string("stdout: ") + std::strerror(errno));
    return OutputFile(fd, "(stdout)", false);
  }
  struct stat st;
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) mode = Existing::truncate;  // a device or FIFO: write in place, never replace
  if (mode == Existing::refuse && exists)
    return Status(Errc::io_error, path + ": already exists (use -f to overwrite)");
  if (mode == Existing::truncate) {
    int fd;
    do fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return Status(Errc::io_error, path + ": " + std::strerror(errno));
    return OutputFile(fd, path, !exists || S_ISREG(st.st_mode));
  }
  // A temp file next to the target: the name only ever shows complete output.
  const std::size_t slash = path.rfind('/');
  std::string temp = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + ".chunker-out-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return Status(Errc::io_error, path + ": cannot create a temporary file next to it: " + std::strerror(errno));
  const mode_t mask = ::umask(0);
  ::umask(mask);
  (void)::fchmod(fd, 0666 & ~mask);
  OutputFile f(fd, path, true);
  f.temp_ = std::move(temp);
  f.mode_ = mode;
  return f;
}

OutputFile::OutputFile(OutputFile&& o) noexcept
    : fd_(o.fd_), name_(std::move(o.name_)), owned_(o.owned_), temp_(std::move(o.temp_)), mode_(o.mode_) {
  o.fd_ = -1;
  o.owned_ = false;
  o.temp_.clear();
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());  // never closed successfully
}

Status OutputFile::write(std::span<const std::uint8_t> data) {
  // Errors name the target, not the temp file.
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(Errc::io_error, name_ + ": " + std::strerror(errno));
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

Status OutputFile::close() {
  if (fd_ < 0) return {};
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0 && errno != EINTR) return Status(Errc::io_error, name_ + ": " + std::strerror(errno));
  if (temp_.empty()) return {};
  // refuse: link() fails if the name appeared meanwhile (no clobbering race).
  rc = mode_ == Existing::refuse ? ::link(temp_.c_str(), name_.c_str()) : ::rename(temp_.c_str(), name_.c_str());
  const int err = errno;
  ::unlink(temp_.c_str());  // after link(), or a failed rename()
  temp_.clear();
  owned_ = false;
  if (rc != 0)
    return Status(Errc::io_error, name_ + ": " + (err == EEXIST ? std::string("already exists (use -f to overwrite)")
                                                                : std::string(std::strerror(err))));
  return {};
}

void OutputFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) {
    ::unlink(temp_.c_str());
    temp_.clear();
  } else if (owned_) {
    ::unlink(name_.c_str());
  }
  owned_ = false;
}

bool OutputFile::is_terminal() const noexcept { return fd_ >= 0 && ::isatty(fd_); }

Progress::Progress(const char* verb, std::optional<std::uint64_t> input_size, bool quiet)
    : verb_(verb), total_(input_size) {
  enabled_ = !quiet && ::isatty(STDERR_FILENO) && (!total_ || *total_ >= (64u << 20));
  start_ = last_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { done(); }

void Progress::update(std::uint64_t in, std::uint64_t out) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double mib_in = in / 1048576.0, mib_out = out / 1048576.0;
  char pct[16] = "";
  if (total_ && *total_ > 0) std::snprintf(pct, sizeof pct, " %3.0f%%", 100.0 * in / *total_);
  std::fprintf(stderr, "\r%s:%s %.1f MiB -> %.1f MiB, %.0f MiB/s   ", verb_, pct, mib_in, mib_out,
               secs > 0 ? mib_in / secs : 0.0);
  std::fflush(stderr);
  shown_ = true;
}

void Progress::done() {
  if (shown_) std::fprintf(stderr, "\r\033[K");  // clear the progress line
  shown_ = false;
}

}  // namespace chunker::cli
