// Compression codecs over the system libraries: zstd frames, LZ4 frame format,
// .xz and .bz2 — the formats the zstd/lz4/xz/bzip2 programs read and write.
//
//   std::vector<std::uint8_t> z, back;
//   CHUNKER_TRY(codec::compress(data, z, {.codec = codec::Codec::zstd, .level = 3}));
//   CHUNKER_TRY(codec::decompress(z, back));            // auto-detects by magic
//
//   auto c = codec::Compressor::create({.codec = codec::Codec::xz});   // streaming,
//   c->update(in, out, /*finish=*/false) ...                          // reusable
//
// Every decoder has an output limit (default 1 GiB); crossing it fails with
// Errc::output_limit as soon as it happens. Contexts are reusable: after the
// first frame, further frames of similar size allocate nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chunker/error.hpp"

namespace chunker::codec {

enum class Codec : std::uint8_t { none = 0, zstd, lz4, xz, bzip2 };
struct Detection;  // format detection, below

// "none", "zstd", "lz4", "xz", "bzip2".
const char* codec_name(Codec c) noexcept;
// Accepts the names above plus "bz2", "zst", "gzip" is rejected with a hint.
Result<Codec> parse_codec(std::string_view name);

struct LevelRange {
  int min, max, default_level;
};
// zstd -131072..22 (default 3; negative = `zstd --fast=N`), lz4 1..12 (default 1; 3+ is LZ4-HC), xz 0..9 (6), bzip2 1..9 (9).
LevelRange level_range(Codec c) noexcept;

inline constexpr std::uint64_t kDefaultOutputLimit = std::uint64_t{1} << 30;  // 1 GiB

struct CompressOptions {
  Codec codec = Codec::zstd;
  std::optional<int> level{};                 // unset = the codec's default level
  std::span<const std::uint8_t> dictionary{}; // zstd only; copied into the context
  // Content checksum in the frame (zstd XXH64, LZ4 XXH32, xz CRC64), on by
  // default as in the programs; bzip2 always has its CRCs.
  bool checksum = true;
  // zstd only: 2 or more compresses in zstd's multithreaded mode (that many
  // worker threads, input split into jobs of 4x the window, e.g. 8 MiB at level
  // 3). The frame is the same for every count >= 2 (and what `zstd -T N` writes),
  // but not the same as with 1; one-shot inputs of at most 512 KiB use one thread.
  // Other codecs compress on the calling thread.
  unsigned threads = 1;
};

struct DecompressOptions {
  Codec codec = Codec::none;                  // none = auto-detect each frame by magic
  std::uint64_t output_limit = kDefaultOutputLimit;
  std::span<const std::uint8_t> dictionary{}; // zstd only; copied into the context
};

// What one update() call did.
struct Step {
  std::size_t in_used = 0;    // bytes consumed from `in`
  std::size_t out_used = 0;   // bytes written to the front of `out`
  bool done = false;          // compressor: frame finished and flushed
                              // decompressor: at a frame boundary with nothing buffered
};

// Worst-case compressed size of `n` input bytes in one frame (for compress_into).
std::size_t compress_bound(Codec c, std::size_t n) noexcept;

namespace detail {
class EncoderBackend;
}  // namespace detail

// Streaming compressor (push input, pull output). Reusable: after a frame is
// done, the next update() starts a new frame with the same settings.
class Compressor {
 public:
  static Result<Compressor> create(const CompressOptions& opts);
  Compressor(Compressor&&) noexcept;
  Compressor& operator=(Compressor&&) noexcept;
  ~Compressor();

  // Consumes input and writes output. With finish=false, call again while
  // in_used < in.size() (output was full). With finish=true, pass the last input
  // (or none) and call until Step::done; output is flushed as it goes.
  Result<Step> update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, bool finish);
  // Abandons a frame in progress; the next update() starts a fresh frame.
  void reset();
  // The next frame started by update() holds exactly `size` input bytes
  // (e.g. a named file). zstd records it in the frame header, as `zstd FILE`
  // does (so the bytes match), and fails the frame if the input differs; the
  // other codecs ignore it, as their programs do by default.
  void pledge_size(std::uint64_t size) noexcept { pledged_ = size; }

  // One frame holding all of `in`, replacing `out`'s contents.
  Status compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);
  // One frame into a caller buffer; Errc::output_limit if it does not fit.
  Result<std::size_t> compress_into(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);

  Codec codec() const noexcept { return codec_; }
  int level() const noexcept { return level_; }

 private:
  Compressor(std::unique_ptr<detail::EncoderBackend> b, Codec c, int level);
  std::unique_ptr<detail::EncoderBackend> b_;
  Codec codec_;
  int level_;
  bool in_frame_ = false;
  std::optional<std::uint64_t> pledged_;
};

// Streaming decompressor for one or more concatenated frames (or .xz/.bz2
// streams), detected by magic number at each frame start unless a codec is set.
// Also decodes, as `xz -d` and `lz4 -d` do, LZMA-alone (.lzma: one stream,
// nothing after it; reported as Codec::xz) and legacy LZ4 frames (`lz4 -l`,
// which end with the input or where another frame's magic starts; Codec::lz4).
class Decompressor {
 public:
  static Result<Decompressor> create(const DecompressOptions& opts = {});
  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;
  ~Decompressor();

  // Consumes input and writes output. Output is complete for the input given
  // so far when in_used == in.size() and out_used < out.size(); otherwise call
  // again (with the rest of the input) after draining `out`.
  Result<Step> update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
  // End of input: OK at a frame boundary (or for empty input), else
  // truncated_input (or corrupt_input for bad xz stream padding).
  Status finish();
  // Forgets any frame in progress and the output count (limit starts anew).
  void reset();
  // Changes the output limit for the next stream (takes effect at once).
  void set_output_limit(std::uint64_t limit) noexcept;

  // Whole input → `out` (replaced). Grows up to the limit.
  Status decompress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);
  // Whole input → caller buffer; limit is min(output_limit, out.size()).
  Result<std::size_t> decompress_into(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);

  std::uint64_t total_out() const noexcept;
  std::uint64_t total_in() const noexcept;
  std::uint64_t frames() const noexcept;
  // Codec of the current (or last) frame; none before the first.
  Codec current_codec() const noexcept;

 private:
  struct State;  // backends, frame detection and counters (codec.cpp)
  explicit Decompressor(std::unique_ptr<State> s) noexcept;
  std::unique_ptr<State> s_;
};

// One-shot helpers (a fresh context per call; keep a Compressor/Decompressor
// to reuse memory across calls).
Status compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out,
                const CompressOptions& opts = {});
Result<std::size_t> compress_into(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                                  const CompressOptions& opts = {});
Status decompress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out,
                  const DecompressOptions& opts = {});
Result<std::size_t> decompress_into(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                                    const DecompressOptions& opts = {});

// ---- Format detection --------------------------------------------------------

enum class Detect : std::uint8_t { known, need_more, unknown };
struct Detection {
  Detect state = Detect::unknown;
  Codec codec = Codec::none;   // when known
};
// Looks at the start of a frame: zstd (incl. skippable frames), LZ4 frame or
// legacy frame (lz4), xz or LZMA-alone (xz: it has no magic number, so a
// properties byte and a dictionary size of the form liblzma accepts), bzip2.
Detection detect(std::span<const std::uint8_t> prefix) noexcept;
// "unknown format (starts with 1f 8b: gzip, not supported); tried zstd, lz4 frame, xz, bzip2"
std::string describe_unknown(std::span<const std::uint8_t> prefix);
// The decompressed size the frame header(s) at the start of `in` declare: all
// concatenated zstd frames summed (unset if one of them declares none), or the
// first LZ4 frame's content size; unset for other formats. Only a hint for
// sizing an output buffer: a header may lie, or frames of another kind may follow.
std::optional<std::uint64_t> declared_size(std::span<const std::uint8_t> in) noexcept;

// What the header of the first frame at the start of `in` says. `length` is
// the exact compressed length of that frame (header, blocks and checksum), so
// `length == in.size()` means `in` is exactly one frame; `window` is the
// history a decoder must keep (zstd: the header's window size; LZ4 frame: the
// block maximum size). Fields are unset where the format does not record
// them or cannot be measured without decoding (xz, bzip2, LZ4 legacy: only
// `codec`). A zstd skippable frame reports codec zstd, content_size 0.
struct FrameInfo {
  Codec codec = Codec::none;
  std::optional<std::uint64_t> length;
  std::optional<std::uint64_t> window;
  std::optional<std::uint64_t> content_size;
};
// unsupported_format when `in` does not start with a known frame (message as
// describe_unknown()), truncated_input when it ends inside the header or (zstd,
// LZ4 frame) before the frame's last block, corrupt_input for a malformed header
// or block structure.
Result<FrameInfo> frame_info(std::span<const std::uint8_t> in);

// ---- zstd dictionaries ---------------------------------------------------------

// Trains a dictionary of at most `capacity` bytes from samples (ZDICT).
Result<std::vector<std::uint8_t>> train_dictionary(std::span<const std::uint8_t> samples,
                                                   std::span<const std::size_t> sample_sizes,
                                                   std::size_t capacity = 112640);

// ---- Strategies ----------------------------------------------------------------

enum class Strategy : std::uint8_t { fastest, balanced, smallest, adaptive };
const char* strategy_name(Strategy s) noexcept;
Result<Strategy> parse_strategy(std::string_view name);
// fastest = lz4 1, balanced = zstd 3, smallest = xz 6; adaptive = balanced
// settings, used by compress_adaptive().
CompressOptions strategy_options(Strategy s) noexcept;

// The one place user-given names become options (CLI flags, JS options).
// `strategy` (a Strategy name) sets codec and level; `codec` (a parse_codec
// name, not "none") then overrides the codec and, without a strategy, takes
// its default level; `level` overrides the level and is checked against the
// codec's range. Empty names: balanced. The level is always filled in.
struct CompressChoice {
  CompressOptions options;
  bool adaptive = false;  // Strategy::adaptive: the caller compresses with compress_adaptive()
};
Result<CompressChoice> resolve_compress(std::string_view codec, std::string_view strategy,
                                        std::optional<int> level = {});

// Cheap compressibility probe: LZ4-compresses a few spread-out samples
// (at most ~16 KiB in total). True when they shrink by less than ~3%.
bool looks_incompressible(std::span<const std::uint8_t> data) noexcept;

struct AdaptiveResult {
  Codec codec = Codec::none;   // none = stored: `out` holds the input verbatim (or nothing, see below)
  bool stored = false;
  bool probed_incompressible = false;   // stored on the probe alone, nothing compressed
  std::size_t size = 0;                 // bytes in `out`
};
// Compresses with `c` unless the probe says the data is incompressible or the
// frame would not be smaller than the input; then stores it (a copy in `out`,
// or, with copy_stored false, nothing: the caller uses `in`, size is in.size()).
Result<AdaptiveResult> compress_adaptive(Compressor& c, std::span<const std::uint8_t> in,
                                         std::vector<std::uint8_t>& out, bool copy_stored = true);

}  // namespace chunker::codec
