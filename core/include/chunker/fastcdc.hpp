// FastCDC 2020, byte-compatible with fastcdc-rs 4.x `v2020` (same cut points,
// same 64-bit fingerprints) for every size, normalisation level and seed.
//
//   chunker::fastcdc::Params p;                 // 256 KiB / 1 MiB / 4 MiB, level 1
//   std::vector<chunker::fastcdc::Chunk> out;
//   auto st = chunker::fastcdc::chunk_buffer(data, p, out);   // one-shot
//
//   auto sc = chunker::fastcdc::StreamChunker::create(p);     // streaming
//   sc->push(slice, out); ... sc->finish(out);                // same chunks
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/error.hpp"
#include "chunker/function_ref.hpp"

namespace chunker::fastcdc {

// Allowed ranges (inclusive), identical to fastcdc-rs v2020.
inline constexpr std::uint32_t kMinSizeLower = 64, kMinSizeUpper = 1048576;
inline constexpr std::uint32_t kAvgSizeLower = 256, kAvgSizeUpper = 4194304;
inline constexpr std::uint32_t kMaxSizeLower = 1024, kMaxSizeUpper = 16777216;

struct Params {
  std::uint32_t min_size = 256 * 1024;      // defaults: the reference library's NAR sizes
  std::uint32_t avg_size = 1024 * 1024;
  std::uint32_t max_size = 4 * 1024 * 1024;
  std::uint32_t level = 1;                  // normalisation 0..3
  std::uint64_t seed = 0;                   // 0 = the published gear table
};

// Checks ranges and min <= avg <= max; the message names the field and range.
Status validate(const Params& p);

struct Preset {
  const char* name;
  Params params;
  const char* description;
};
// "default" (= "nar", 256K/1M/4M), "4k", "16k", "64k" (16K/64K/256K), "256k", "1m".
std::span<const Preset> presets();
Result<Params> preset(std::string_view name);

struct Chunk {
  std::uint64_t offset = 0;       // from the start of the input / stream
  std::uint32_t length = 0;       // 1 .. max_size
  std::uint64_t fingerprint = 0;  // the gear hash at the cut, as fastcdc-rs reports it
  friend bool operator==(const Chunk&, const Chunk&) = default;
};

struct Cut {
  std::uint32_t length;
  std::uint64_t fingerprint;
};

// Precomputed (seeded) gear tables and masks for one parameter set. Cheap to
// copy (4 KiB); immutable, so one instance can be shared between threads.
class Cutter {
 public:
  static Result<Cutter> create(const Params& p);

  // Length and fingerprint of the chunk starting at data[0] when `size` bytes
  // remain in the input. If more input follows, pass at least max_size bytes
  // (anything beyond max_size is ignored).
  Cut find_cut(const std::uint8_t* data, std::size_t size) const noexcept;

  const Params& params() const noexcept { return params_; }

 private:
  // The seeded gear table and the two masks (held by value: a Cutter is copied freely).
  struct Tables {
    std::uint64_t gear[256];
    std::uint64_t mask_s, mask_l;
  };
  Params params_;
  Tables t_{};
};

// The candidate-search kernel in use ("ilp4", "avx2", "neon", "simd128"):
// the platform's measured fastest, or with CHUNKER_FORCE_ISA set the one of
// the highest enabled ISA. Every kernel gives identical chunks.
const char* backend() noexcept;
const char* available_backends() noexcept;  // comma-separated, runnable here

// Zero-copy iterator over a buffer: yields chunks in order.
class BufferChunker {
 public:
  BufferChunker(const Cutter& cutter, std::span<const std::uint8_t> data) : cutter_(&cutter), data_(data) {}
  std::optional<Chunk> next() noexcept;

 private:
  const Cutter* cutter_;
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

// One-shot: appends every chunk of `data` to `out`. Validates `p` first.
Status chunk_buffer(std::span<const std::uint8_t> data, const Params& p, std::vector<Chunk>& out);

// Called for every chunk with the chunk's bytes (valid only during the call).
using ChunkSink = FunctionRef<void(const Chunk&, std::span<const std::uint8_t>)>;

// Streaming chunker fed arbitrary slices. Emits exactly the chunks of
// chunk_buffer() over the concatenation of all slices. Holds at most one
// max_size window of unconsumed bytes between calls; chunks found wholly inside
// a pushed slice are reported straight from it, without copying.
class StreamChunker {
 public:
  static Result<StreamChunker> create(const Params& p);

  void push(std::span<const std::uint8_t> data, ChunkSink sink);
  void finish(ChunkSink sink);  // emits the tail; the chunker is then reset
  void reset() noexcept;

  // Convenience forms collecting chunk metadata only.
  void push(std::span<const std::uint8_t> data, std::vector<Chunk>& out);
  void finish(std::vector<Chunk>& out);

  std::uint64_t bytes_consumed() const noexcept { return consumed_; }  // pushed so far
  std::size_t bytes_buffered() const noexcept { return buf_.size() - head_; }
  const Cutter& cutter() const noexcept { return cutter_; }

 private:
  explicit StreamChunker(const Cutter& c) : cutter_(c) {}
  void compact_for(std::size_t extra);

  Cutter cutter_;
  std::vector<std::uint8_t> buf_;  // pending bytes live in buf_[head_ .. end)
  std::size_t head_ = 0;
  std::uint64_t next_offset_ = 0;  // stream offset of the next chunk
  std::uint64_t consumed_ = 0;
};

}  // namespace chunker::fastcdc
