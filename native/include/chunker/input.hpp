// One way to read input files, shared by `chunk`, `dedup`, `hash`, `compress`
// and `store put`: every byte is read once, to end of file, into memory the
// process owns, and whatever is computed from it (chunks, chunk hashes, stage
// output, the whole-file hash) comes from those same bytes.
//
// Why not mmap: a mapped file that is truncated kills the process with
// SIGBUS, and two passes over a mapping (hash, then compress) can see two
// versions of a file that changes, so a chunk's bytes need not match its name.
// Why read to EOF: st_size lies for procfs (0) and sysfs (4096), and a file
// can grow or shrink while it is read.
// Why stamps: as backup tools do, a regular file whose size, mtime, ctime or
// inode differ after the read from before it changed while being read; the
// result would mix two versions, so it is an error (Errc::changed) naming it.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

#include "chunker/error.hpp"
#include "chunker/file.hpp"
#include "chunker/hash.hpp"
#include "chunker/pipeline.hpp"

namespace chunker {

// FileStamp (file.hpp): dev, ino, size, mtime_ns, ctime_ns, regular.
// fstat of an open file now.
Result<FileStamp> stamp_of(const InputFile& f);
// stat(2) of a path (follows symlinks, like opening it does): for a files cache.
Result<FileStamp> stamp_path(const std::string& path);

struct InputReport {
  std::uint64_t bytes = 0;  // bytes actually read (to EOF; st_size is never trusted alone)
  FileStamp before, after;  // fstat at open (before any read) and after EOF
  Digest whole_blake3{};    // BLAKE3 of all the bytes, when InputOptions::whole_blake3
};

// The one low-level reading primitive: one pass over one open input. All
// reads of an input's content go through it (read_input() below, and the
// commands that do not chunk: hash, compress). finish() is the verdict.
class InputReader {
 public:
  explicit InputReader(InputFile& in) noexcept;
  InputReader(const InputReader&) = delete;
  InputReader& operator=(const InputReader&) = delete;

  const std::string& name() const noexcept { return in_.name(); }
  const FileStamp& before() const noexcept { return in_.stamp(); }

  // Sequential: fills `buf` unless the input ends first; 0 = end of input.
  Result<std::size_t> read(std::span<std::uint8_t> buf);
  // Positional (pread, from byte 0 of the file): fills `buf` unless the file
  // ends first. Safe from several threads at once.
  Result<std::size_t> pread(std::span<std::uint8_t> buf, std::uint64_t offset) const;
  // Bytes consumed by read() so far.
  std::uint64_t position() const noexcept { return pos_; }

  // After the caller's last read: makes sure the input really ends at `end`
  // bytes (reads past it unless a read already saw the end there), takes the
  // stamp after, and fails with Errc::changed ("<name>: changed while being
  // read (...)") when a regular file's stamp differs from before(), or when
  // it holds more than `end` bytes. finish() = finish(position()).
  Result<InputReport> finish(std::uint64_t end);
  Result<InputReport> finish() { return finish(pos_); }
  // Errc::changed naming the file and what differs when a regular file's
  // stamp now differs from before(); ok otherwise. `after` gets the new stamp.
  Status check_unchanged(FileStamp* after = nullptr) const;

 private:
  InputFile& in_;
  std::uint64_t pos_ = 0;
  bool eof_ = false;  // read() returned 0 at pos_
  // Where a short pread() found the end of the file (~0 = not seen).
  mutable std::atomic<std::uint64_t> eof_at_{~std::uint64_t{0}};
  // Test hook (CHUNKER_TEST_STOP_AFTER_READ=PATH): SIGSTOP once after the
  // first read of PATH, so a test can change the file at a known point.
  mutable std::atomic<bool> stop_after_read_{false};
  void after_read() const noexcept {
    if (stop_after_read_.load(std::memory_order_relaxed)) stop_now();
  }
  void stop_now() const noexcept;
};

struct InputOptions {
  bool whole_blake3 = false;  // also BLAKE3 of the whole input, from the same bytes, in order
};

// Below this size (or twice the pipeline's max chunk size, if larger) a
// regular file is read whole into a reused per-thread buffer and chunked in
// memory; larger ones go through ChunkPipeline::run_file (pread into a ring of
// owned slots, reading spread over the threads).
inline constexpr std::uint64_t kReadWholeBelow = 4u << 20;

// Reads `in` once, to EOF, into memory the process owns, and runs every byte
// through `pipeline` (chunks, chunk hashes and the optional ChunkStage all
// from those bytes); `sink` as in ChunkPipeline. Regular files of known size
// use the parallel pread path (larger ones) or one whole read (small ones);
// size 0, procfs/sysfs and other pseudo file systems, pipes and devices use
// the streaming path. A regular file that turns out shorter or longer than
// st_size is never silently cut. On success the chunks emitted describe one
// version of the file: its stamps before and after agree. Otherwise the
// result is an error (Errc::changed when the file changed while read, naming
// it) and what the sink received must be discarded.
Result<InputReport> read_input(ChunkPipeline& pipeline, InputFile& in, HashedChunkSink sink,
                               const InputOptions& opts = {});

}  // namespace chunker
