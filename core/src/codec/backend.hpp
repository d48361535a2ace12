// Internal interface each codec file implements. Calls are per buffer, not per
// byte, so one virtual call per update() is irrelevant to throughput.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "chunker/codec.hpp"

namespace chunker::codec::detail {

class EncoderBackend {
 public:
  virtual ~EncoderBackend() = default;
  // Starts a new frame (called before the first update of every frame).
  // size_or_0: the frame's exact input size when known (one-shot), else 0.
  virtual Status begin(std::size_t size_or_0) = 0;
  // After begin(0): the frame's exact input size is known after all (a named
  // file); codecs whose program records it (zstd) put it in the header.
  virtual Status pledge(std::uint64_t /*size*/) { return {}; }
  // Consumes input / produces output; with finish, done=true once the frame is flushed.
  virtual Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, bool finish) = 0;
};

class DecoderBackend {
 public:
  virtual ~DecoderBackend() = default;
  // Ready for a new frame (also after an error). `output_limit` is the most the
  // caller will accept from this frame, so a backend can size (or refuse) its
  // buffers by it.
  virtual Status begin(std::uint64_t output_limit) = 0;
  // Decodes at most one frame: done=true when its end was reached and all of
  // its output delivered; never consumes bytes past the end of the frame.
  virtual Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) = 0;
  // Formats without an end marker (lz4 legacy frames end with the input):
  // true when the input may end here, between blocks.
  virtual bool can_end_here() const { return false; }
  // Formats that learn where they end only by reading the next frame's magic
  // (lz4 legacy): after done=true, hands those already-consumed bytes back.
  virtual std::size_t take_next_magic(std::uint8_t* /*buf of 6*/) { return 0; }
};

// detect() for the start of a second or later frame: LZMA-alone, which can
// only stand alone, is not a candidate there.
Detection detect_next(std::span<const std::uint8_t> prefix) noexcept;

// declared_size() of input starting with a zstd / LZ4 frame.
std::optional<std::uint64_t> zstd_declared_size(std::span<const std::uint8_t> in) noexcept;
std::optional<std::uint64_t> lz4_declared_size(std::span<const std::uint8_t> in) noexcept;
// frame_info() of input starting with a zstd / LZ4 frame magic.
Result<FrameInfo> zstd_frame_info(std::span<const std::uint8_t> in);
Result<FrameInfo> lz4_frame_info(std::span<const std::uint8_t> in);

Result<std::unique_ptr<EncoderBackend>> make_zstd_encoder(int level, std::span<const std::uint8_t> dict,
                                                          bool checksum, unsigned threads);
Result<std::unique_ptr<EncoderBackend>> make_lz4_encoder(int level, bool checksum);
Result<std::unique_ptr<EncoderBackend>> make_xz_encoder(int level, bool checksum);
Result<std::unique_ptr<EncoderBackend>> make_bzip2_encoder(int level);

Result<std::unique_ptr<DecoderBackend>> make_zstd_decoder(std::span<const std::uint8_t> dict);
Result<std::unique_ptr<DecoderBackend>> make_lz4_decoder();
Result<std::unique_ptr<DecoderBackend>> make_xz_decoder(std::uint64_t memlimit);
Result<std::unique_ptr<DecoderBackend>> make_bzip2_decoder();

std::size_t zstd_bound(std::size_t n) noexcept;
int zstd_min_level() noexcept;  // negative = `zstd --fast=N`
int zstd_max_level() noexcept;
std::size_t lz4_bound(std::size_t n) noexcept;
std::size_t xz_bound(std::size_t n) noexcept;
std::size_t bzip2_bound(std::size_t n) noexcept;

}  // namespace chunker::codec::detail
