// File/stdio plumbing shared by `chunker compress` and `chunker decompress`:
// an output file that removes itself on failure, and a progress line for
// large inputs when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "chunker/error.hpp"

namespace chunker::cli {

class OutputFile {
 public:
  // "-" = standard output. A named file is created/truncated.
  static Result<OutputFile> open(const std::string& path);
  OutputFile(OutputFile&& o) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();

  Status write(std::span<const std::uint8_t> data);
  // Closes; on success the file is kept.
  Status close();
  // Failure path: closes and deletes a named file (never stdout).
  void discard() noexcept;
  bool is_terminal() const noexcept;
  const std::string& name() const noexcept { return name_; }

 private:
  OutputFile(int fd, std::string name, bool owned) : fd_(fd), name_(std::move(name)), owned_(owned) {}
  int fd_ = -1;
  std::string name_;
  bool owned_ = false;  // a named file we created (delete on discard)
};

class Progress {
 public:
  // Shown only if stderr is a TTY and the input is large (>= 64 MiB) or of unknown size.
  Progress(const char* verb, std::optional<std::uint64_t> input_size, bool quiet);
  ~Progress();
  void update(std::uint64_t in, std::uint64_t out);
  void done();

 private:
  const char* verb_;
  std::optional<std::uint64_t> total_;
  bool enabled_ = false, shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace chunker::cli
