// File/stdio plumbing shared by `chunker compress` and `chunker decompress`:
// an output file that appears under its name only when complete (and never
// destroys an existing file on failure), a progress line for large inputs
// when stderr is a terminal, and error messages that name the file.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "chunker/error.hpp"

namespace chunker::cli {

// Prefixes the message with the file's name ("(stdin)" for "-"), unless it
// already starts with it; the README promises errors that name the file.
Status with_path(const std::string& path, const Status& s);

class OutputFile {
 public:
  enum class Existing {
    truncate,  // created/truncated in place; discard() deletes it
    refuse,    // an existing regular file is an error; written to a temp file, linked into place by close()
    replace,   // written to a temp file, renamed over any existing file by close()
  };
  // "-" = standard output. A path that exists but is not a regular file
  // (/dev/null, a FIFO) is written in place whatever the mode.
  static Result<OutputFile> open(const std::string& path, Existing mode = Existing::truncate);
  OutputFile(OutputFile&& o) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();

  Status write(std::span<const std::uint8_t> data);
  // Closes; on success the file is kept (and moved into place).
  Status close();
  // Failure path: closes and deletes what this object wrote (never stdout,
  // never a file that existed before).
  void discard() noexcept;
  bool is_terminal() const noexcept;
  const std::string& name() const noexcept { return name_; }

 private:
  OutputFile(int fd, std::string name, bool owned) : fd_(fd), name_(std::move(name)), owned_(owned) {}
  int fd_ = -1;
  std::string name_;
  bool owned_ = false;  // a named file we created (delete on discard)
  std::string temp_;    // refuse/replace: the file written, moved to name_ by close()
  Existing mode_ = Existing::truncate;
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
