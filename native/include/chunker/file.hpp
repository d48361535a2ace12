// Native input plumbing: files and stdin read in large sequential blocks, and
// chunking of any reader through the streaming chunker.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "chunker/error.hpp"
#include "chunker/fastcdc.hpp"
#include "chunker/function_ref.hpp"

namespace chunker {

// Identity of a file as fstat/stat report it: for change detection (input.hpp)
// and for caches keyed by path + size + mtime + ctime + inode.
struct FileStamp {
  std::uint64_t dev = 0, ino = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  bool regular = false;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

// A readable file descriptor; "-" means standard input. Errors name the path.
// Reading input files for their content goes through InputReader / read_input
// (input.hpp), which add the EOF and changed-while-read checks.
class InputFile {
 public:
  static Result<InputFile> open(const std::string& path);
  // Reads an already open descriptor through a duplicate of it (the caller's
  // fd stays open and its own; the two share the file offset). `name` is for
  // messages.
  static Result<InputFile> open_fd(int fd, std::string name);
  InputFile(InputFile&& o) noexcept;
  InputFile& operator=(InputFile&& o) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  // Fills as much of `buf` as possible; returns 0 only at end of input.
  Result<std::size_t> read(std::span<std::uint8_t> buf);
  // Positional read (pread(2)): fills buf from `offset` until full or end of
  // file; safe to call from several threads at once.
  Result<std::size_t> pread(std::span<std::uint8_t> buf, std::uint64_t offset) const;
  const std::string& name() const noexcept { return name_; }
  int fd() const noexcept { return fd_; }
  // Size for regular files, nullopt for pipes/terminals. Only what fstat said
  // at open: procfs reports 0, sysfs 4096, and a file may change after.
  std::optional<std::uint64_t> size() const noexcept {
    return stamp_.regular ? std::optional<std::uint64_t>(stamp_.size) : std::nullopt;
  }
  // fstat at open, before any read.
  const FileStamp& stamp() const noexcept { return stamp_; }

 private:
  static Result<InputFile> adopt(int fd, std::string name);
  InputFile(int fd, std::string name, const FileStamp& stamp) : fd_(fd), name_(std::move(name)), stamp_(stamp) {}
  int fd_ = -1;
  std::string name_;
  FileStamp stamp_;
};

// Reads into the span, returns bytes read (0 = end of input) or an error.
using ReadFn = FunctionRef<Result<std::size_t>(std::span<std::uint8_t>)>;

inline constexpr std::size_t kDefaultReadBlock = 8u << 20;

// Chunks everything `read` yields; identical to chunk_buffer() over the whole input.
Status chunk_reader(ReadFn read, const fastcdc::Params& params, fastcdc::ChunkSink sink,
                    std::size_t block_size = kDefaultReadBlock);

// Chunks a file ("-" = stdin).
Status chunk_file(const std::string& path, const fastcdc::Params& params, fastcdc::ChunkSink sink);

}  // namespace chunker
