// A progress line with percentage, throughput and ETA on stderr, in the style
// of the compress CLI's (codec_io.hpp); drawn only when stderr is a terminal
// and the job is at least 16 MiB; redrawn at most 4 times a second.
#pragma once

#include <chrono>
#include <cstdint>

namespace chunker::cli {

class ProgressLine {
 public:
  ProgressLine(const char* verb, std::uint64_t total_bytes, bool quiet);
  ~ProgressLine();
  void update(std::uint64_t done_bytes);
  void done();  // clears the line

 private:
  const char* verb_;
  std::uint64_t total_;
  bool enabled_ = false, shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace chunker::cli
