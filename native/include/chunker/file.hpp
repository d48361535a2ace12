// Native input plumbing: files and stdin read in large sequential blocks, and
// chunking of any reader through the streaming chunker.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chunker/error.hpp"
#include "chunker/fastcdc.hpp"
#include "chunker/function_ref.hpp"

namespace chunker {

// A readable file descriptor; "-" means standard input. Errors name the path.
class InputFile {
 public:
  static Result<InputFile> open(const std::string& path);
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
  // Size for regular files, nullopt for pipes/terminals.
  std::optional<std::uint64_t> size() const noexcept { return size_; }

 private:
  InputFile(int fd, std::string name, std::optional<std::uint64_t> size)
      : fd_(fd), name_(std::move(name)), size_(size) {}
  int fd_ = -1;
  std::string name_;
  std::optional<std::uint64_t> size_;
};

// A read-only memory map of a regular file (empty files map to an empty span).
class MappedFile {
 public:
  static Result<MappedFile> map(const InputFile& f);
  MappedFile(MappedFile&& o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr; o.size_ = 0; }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile& operator=(MappedFile&&) = delete;
  ~MappedFile();
  std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }

 private:
  MappedFile(const std::uint8_t* d, std::size_t n) : data_(d), size_(n) {}
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// The whole contents of a regular file (in.size() known), valid while `buf`
// and `map` live: files up to kReadWholeBelow are read into `buf`, larger ones
// are mapped into `map`.
// For small files mmap + munmap costs more than the copy, and munmap in a
// multi-threaded process interrupts the other cores (TLB shootdown): with 2
// threads over /usr/share/doc's small files it tripled the system time.
inline constexpr std::uint64_t kReadWholeBelow = 4u << 20;
Result<std::span<const std::uint8_t>> file_bytes(InputFile& in, std::vector<std::uint8_t>& buf,
                                                std::optional<MappedFile>& map);

// Reads into the span, returns bytes read (0 = end of input) or an error.
using ReadFn = FunctionRef<Result<std::size_t>(std::span<std::uint8_t>)>;

inline constexpr std::size_t kDefaultReadBlock = 8u << 20;

// Chunks everything `read` yields; identical to chunk_buffer() over the whole input.
Status chunk_reader(ReadFn read, const fastcdc::Params& params, fastcdc::ChunkSink sink,
                    std::size_t block_size = kDefaultReadBlock);

// Chunks a file ("-" = stdin).
Status chunk_file(const std::string& path, const fastcdc::Params& params, fastcdc::ChunkSink sink);

}  // namespace chunker
