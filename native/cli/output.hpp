// Buffered stdout writer for line-oriented CLI output (no iostreams, no
// per-line syscalls; integers via std::to_chars).
#pragma once

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "chunker/encoding.hpp"
#include "chunker/error.hpp"

namespace chunker::cli {

class OutputBuffer {
 public:
  explicit OutputBuffer(std::FILE* f) : f_(f) { buf_.reserve(kCap + 64); }
  ~OutputBuffer() { (void)flush(); }

  void append(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kCap) (void)flush();
  }
  void append_uint(std::uint64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    buf_.append(tmp, static_cast<std::size_t>(r.ptr - tmp));
  }
  template <std::size_t N>
  void append_hex(const std::array<std::uint8_t, N>& bytes) {
    char tmp[2 * N];
    hex_encode_to(bytes, tmp);
    buf_.append(tmp, 2 * N);
  }
  Status flush() {
    if (!buf_.empty() && !failed_) {
      if (std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size() || std::fflush(f_) != 0) failed_ = true;
    }
    buf_.clear();
    if (failed_) return Status(Errc::io_error, std::string("write error on output: ") + std::strerror(errno));
    return {};
  }

 private:
  static constexpr std::size_t kCap = 1 << 16;
  std::FILE* f_;
  std::string buf_;
  bool failed_ = false;
};

}  // namespace chunker::cli
