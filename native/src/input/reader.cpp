// InputReader: the one reading primitive (reads to EOF, stamps before/after).
#include <csignal>
#include <cstdlib>
#include <string>

#include "chunker/input.hpp"

namespace chunker {
namespace {

// What differs between two stamps of a regular file, e.g. "size 10 -> 0, mtime".
std::string differences(const FileStamp& a, const FileStamp& b) {
  std::string d;
  auto add = [&](const std::string& s) { d += (d.empty() ? "" : ", ") + s; };
  if (a.size != b.size) add("size " + std::to_string(a.size) + " -> " + std::to_string(b.size));
  if (a.mtime_ns != b.mtime_ns) add("mtime");
  if (a.ctime_ns != b.ctime_ns) add("ctime");
  if (a.ino != b.ino || a.dev != b.dev) add("inode");
  if (a.regular != b.regular) add("type");
  return d;
}

// The test hook's path, looked up once.
const char* stop_after_read_path() noexcept {
  static const char* p = std::getenv("CHUNKER_TEST_STOP_AFTER_READ");
  return p;
}

}  // namespace

InputReader::InputReader(InputFile& in) noexcept : in_(in) {
  if (const char* p = stop_after_read_path(); p && in.name() == p) stop_after_read_.store(true);
}

void InputReader::stop_now() const noexcept {
  if (stop_after_read_.exchange(false)) std::raise(SIGSTOP);
}

Result<std::size_t> InputReader::read(std::span<std::uint8_t> buf) {
  auto n = in_.read(buf);
  if (!n) return n;
  pos_ += *n;
  if (*n < buf.size()) eof_ = true;  // InputFile::read fills unless the input ends
  after_read();
  return n;
}

Result<std::size_t> InputReader::pread(std::span<std::uint8_t> buf, std::uint64_t offset) const {
  auto n = in_.pread(buf, offset);
  if (n && *n < buf.size()) eof_at_.store(offset + *n, std::memory_order_relaxed);
  after_read();
  return n;
}

Status InputReader::check_unchanged(FileStamp* after) const {
  auto now = stamp_of(in_);
  if (!now) return now.status();
  if (after) *after = *now;
  if (before().regular && *now != before())
    return Status(Errc::changed, name() + ": changed while being read (" + differences(before(), *now) + ")");
  return {};
}

Result<InputReport> InputReader::finish(std::uint64_t end) {
  InputReport r;
  r.bytes = end;
  r.before = before();
  const bool sequential = pos_ != 0 || eof_;
  bool more = false;
  // Read past the end unless a read already ended there: st_size alone is not
  // trusted, and a file that grew after its last read must not pass.
  if (!(sequential ? eof_ && pos_ == end : eof_at_.load(std::memory_order_relaxed) == end)) {
    std::uint8_t probe[1];
    auto n = sequential ? in_.read(probe) : in_.pread(probe, end);
    if (!n) return n.status();
    more = *n != 0;
  }
  CHUNKER_TRY(check_unchanged(&r.after));
  if (more)
    return Status(Errc::changed, name() + ": changed while being read (it has more than the " + std::to_string(end) +
                                     " bytes read)");
  return r;
}

}  // namespace chunker
