#include "progress_line.hpp"

#include <unistd.h>

#include <cstdio>

namespace chunker::cli {

ProgressLine::ProgressLine(const char* verb, std::uint64_t total_bytes, bool quiet) : verb_(verb), total_(total_bytes) {
  // Small jobs finish before a line would be useful.
  enabled_ = !quiet && total_bytes >= (16u << 20) && ::isatty(STDERR_FILENO);
  start_ = last_ = std::chrono::steady_clock::now();
}

ProgressLine::~ProgressLine() { done(); }

void ProgressLine::update(std::uint64_t done_bytes) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_ < std::chrono::milliseconds(250)) return;  // first draw at once
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double mib = done_bytes / 1048576.0;
  const double rate = secs > 0 ? mib / secs : 0.0;
  char eta[32] = "";
  if (rate > 0 && total_ > done_bytes) {
    const unsigned long left = static_cast<unsigned long>((total_ - done_bytes) / 1048576.0 / rate + 0.5);
    std::snprintf(eta, sizeof eta, ", ETA %lu:%02lu", left / 60, left % 60);
  }
  const double pct = total_ ? 100.0 * static_cast<double>(done_bytes) / static_cast<double>(total_) : 100.0;
  std::fprintf(stderr, "\r%s: %3.0f%% %.1f / %.1f MiB, %.0f MiB/s%s   ", verb_, pct, mib, total_ / 1048576.0, rate, eta);
  std::fflush(stderr);
  shown_ = true;
}

void ProgressLine::done() {
  if (shown_) std::fprintf(stderr, "\r\033[K");
  shown_ = false;
}

}  // namespace chunker::cli
