// The codec-independent layer: names and levels, the Compressor/Decompressor
// facades (frame detection, concatenation, output limit) and one-shot helpers.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "chunker/codec.hpp"
#include "codec/backend.hpp"

namespace chunker::codec {

using detail::DecoderBackend;
using detail::EncoderBackend;

const char* codec_name(Codec c) noexcept {
  switch (c) {
    case Codec::none: return "none";
    case Codec::zstd: return "zstd";
    case Codec::lz4: return "lz4";
    case Codec::xz: return "xz";
    case Codec::bzip2: return "bzip2";
  }
  return "?";
}

Result<Codec> parse_codec(std::string_view n) {
  if (n == "zstd" || n == "zst") return Codec::zstd;
  if (n == "lz4") return Codec::lz4;
  if (n == "xz") return Codec::xz;
  if (n == "bzip2" || n == "bz2") return Codec::bzip2;
  if (n == "none") return Codec::none;
  return Status(Errc::invalid_argument,
                "codec: unknown codec '" + std::string(n) + "' (use zstd, lz4, xz or bzip2)");
}

LevelRange level_range(Codec c) noexcept {
  switch (c) {
    case Codec::zstd: return {detail::zstd_min_level(), detail::zstd_max_level(), 3};
    case Codec::lz4: return {1, 12, 1};
    case Codec::xz: return {0, 9, 6};
    case Codec::bzip2: return {1, 9, 9};
    case Codec::none: break;
  }
  return {0, 0, 0};
}

std::size_t compress_bound(Codec c, std::size_t n) noexcept {
  switch (c) {
    case Codec::zstd: return detail::zstd_bound(n);
    case Codec::lz4: return detail::lz4_bound(n);
    case Codec::xz: return detail::xz_bound(n);
    case Codec::bzip2: return detail::bzip2_bound(n);
    case Codec::none: break;
  }
  return n;
}

// ---- Compressor -----------------------------------------------------------------

Compressor::Compressor(std::unique_ptr<EncoderBackend> b, Codec c, int level)
    : b_(std::move(b)), codec_(c), level_(level) {}
Compressor::Compressor(Compressor&&) noexcept = default;
Compressor& Compressor::operator=(Compressor&&) noexcept = default;
Compressor::~Compressor() = default;

Result<Compressor> Compressor::create(const CompressOptions& o) {
  if (o.codec == Codec::none) return Status(Errc::invalid_argument, "codec: choose zstd, lz4, xz or bzip2");
  LevelRange r = level_range(o.codec);
  int level = o.level.value_or(r.default_level);
  if (level < r.min || level > r.max)
    return Status(Errc::invalid_argument, std::string("level: ") + codec_name(o.codec) + " levels are " +
                                              std::to_string(r.min) + ".." + std::to_string(r.max) + ", got " +
                                              std::to_string(level));
  if (!o.dictionary.empty() && o.codec != Codec::zstd)
    return Status(Errc::invalid_argument, "dictionary: only zstd supports dictionaries");
  Result<std::unique_ptr<EncoderBackend>> b = Status(Errc::internal, "no encoder");
  switch (o.codec) {
    case Codec::zstd: b = detail::make_zstd_encoder(level, o.dictionary, o.checksum, o.threads); break;
    case Codec::lz4: b = detail::make_lz4_encoder(level, o.checksum); break;
    case Codec::xz: b = detail::make_xz_encoder(level, o.checksum); break;
    case Codec::bzip2: b = detail::make_bzip2_encoder(level); break;
    case Codec::none: break;
  }
  if (!b) return b.status();
  return Compressor(std::move(b).value(), o.codec, level);
}

Result<Step> Compressor::update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, bool finish) {
  if (!in_frame_) {
    CHUNKER_TRY(b_->begin(0));
    if (pledged_) CHUNKER_TRY(b_->pledge(*std::exchange(pledged_, std::nullopt)));
    in_frame_ = true;
  }
  auto r = b_->step(in, out, finish);
  if (!r || r->done) in_frame_ = false;
  return r;
}

void Compressor::reset() { in_frame_ = false; }

Result<std::size_t> Compressor::compress_into(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  in_frame_ = false;
  CHUNKER_TRY(b_->begin(in.size()));
  std::size_t ip = 0, op = 0;
  for (;;) {
    auto r = b_->step(in.subspan(ip), out.subspan(op), true);
    if (!r) return r.status();
    ip += r->in_used;
    op += r->out_used;
    if (r->done) return op;
    if (op == out.size() || (r->in_used == 0 && r->out_used == 0))
      return Status(Errc::output_limit, std::string(codec_name(codec_)) + ": compressed data does not fit in " +
                                            std::to_string(out.size()) + " bytes");
  }
}

Status Compressor::compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  out.resize(compress_bound(codec_, in.size()));
  auto r = compress_into(in, out);
  if (!r) {
    out.clear();
    return r.status();
  }
  out.resize(*r);
  return {};
}

// ---- Decompressor ---------------------------------------------------------------

struct Decompressor::State {
  DecoderBackend* backend(Codec c);
  Status start_frame(Codec c);
  Result<Step> step_frame(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
  Detection detect_at_frame_start() const noexcept;
  Result<Step> update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
  Status finish();
  void reset();

  std::unique_ptr<DecoderBackend> zstd_, lz4_, xz_, bzip2_;
  std::vector<std::uint8_t> dictionary_;
  Codec fixed_ = Codec::none;
  Codec current_ = Codec::none;
  std::uint64_t limit_ = kDefaultOutputLimit;
  std::uint64_t total_out_ = 0, total_in_ = 0, frames_ = 0;
  bool in_frame_ = false;
  std::uint8_t magic_[6] = {};
  std::size_t magic_len_ = 0;      // bytes of a frame start held back while detecting
  std::size_t magic_fed_ = 0;      // of those, bytes already given to the backend
  std::uint32_t xz_padding_ = 0;   // NUL bytes after an .xz stream (must be 4k)
  bool lzma_alone_ = false;        // the (only) stream is LZMA-alone: nothing may follow it
};

Decompressor::Decompressor(std::unique_ptr<State> s) noexcept : s_(std::move(s)) {}
Decompressor::Decompressor(Decompressor&&) noexcept = default;
Decompressor& Decompressor::operator=(Decompressor&&) noexcept = default;
Decompressor::~Decompressor() = default;

Result<Decompressor> Decompressor::create(const DecompressOptions& o) {
  if (!o.dictionary.empty() && o.codec != Codec::none && o.codec != Codec::zstd)
    return Status(Errc::invalid_argument, "dictionary: only zstd supports dictionaries");
  auto s = std::unique_ptr<State>(new (std::nothrow) State);
  if (!s) return Status(Errc::out_of_memory, "cannot allocate a decompressor");
  s->fixed_ = o.codec;
  s->limit_ = o.output_limit;
  s->dictionary_.assign(o.dictionary.begin(), o.dictionary.end());
  return Decompressor(std::move(s));
}

Result<Step> Decompressor::update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  return s_->update(in, out);
}
Status Decompressor::finish() { return s_->finish(); }
void Decompressor::reset() { s_->reset(); }
void Decompressor::set_output_limit(std::uint64_t limit) noexcept { s_->limit_ = limit; }
std::uint64_t Decompressor::total_out() const noexcept { return s_->total_out_; }
std::uint64_t Decompressor::total_in() const noexcept { return s_->total_in_; }
std::uint64_t Decompressor::frames() const noexcept { return s_->frames_; }
Codec Decompressor::current_codec() const noexcept { return s_->current_; }


DecoderBackend* Decompressor::State::backend(Codec c) {
  switch (c) {
    case Codec::zstd: return zstd_.get();
    case Codec::lz4: return lz4_.get();
    case Codec::xz: return xz_.get();
    case Codec::bzip2: return bzip2_.get();
    case Codec::none: break;
  }
  return nullptr;
}

Status Decompressor::State::start_frame(Codec c) {
  // Backends are created on first use and kept for reuse.
  if (!backend(c)) {
    Result<std::unique_ptr<DecoderBackend>> b = Status(Errc::internal, "no decoder");
    switch (c) {
      case Codec::zstd: b = detail::make_zstd_decoder(dictionary_); break;
      case Codec::lz4: b = detail::make_lz4_decoder(); break;
      // liblzma allocates the whole dictionary the stream header asks for; allow
      // every standard preset (xz -9e: 65 MiB) and otherwise the output limit.
      case Codec::xz: b = detail::make_xz_decoder(std::max<std::uint64_t>(limit_, 128u << 20)); break;
      case Codec::bzip2: b = detail::make_bzip2_decoder(); break;
      case Codec::none: break;
    }
    if (!b) return b.status();
    switch (c) {
      case Codec::zstd: zstd_ = std::move(b).value(); break;
      case Codec::lz4: lz4_ = std::move(b).value(); break;
      case Codec::xz: xz_ = std::move(b).value(); break;
      case Codec::bzip2: bzip2_ = std::move(b).value(); break;
      case Codec::none: break;
    }
  }
  // What this frame may still produce: a zstd frame declaring more fails at
  // once, whatever buffers the caller uses (see ZstdDecoder::step).
  CHUNKER_TRY(backend(c)->begin(limit_ > total_out_ ? limit_ - total_out_ : 0));
  current_ = c;
  in_frame_ = true;
  return {};
}

Result<Step> Decompressor::State::step_frame(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  // Offer at most one byte more than the limit allows: producing it proves the
  // limit is crossed, and nothing beyond that is ever decoded.
  std::uint64_t room = limit_ > total_out_ ? limit_ - total_out_ : 0;
  if (room < out.size()) out = out.first(static_cast<std::size_t>(room) + 1);
  auto r = backend(current_)->step(in, out);
  if (!r) {
    in_frame_ = false;
    magic_len_ = magic_fed_ = 0;
    return r;
  }
  total_in_ += r->in_used;
  total_out_ += r->out_used;
  if (total_out_ > limit_) {
    in_frame_ = false;
    magic_len_ = magic_fed_ = 0;
    (void)backend(current_)->begin(limit_);
    return Status(Errc::output_limit, "decompressed output exceeds the limit of " + std::to_string(limit_) +
                                          " bytes (raise it with --max-output / output_limit)");
  }
  if (r->done) {
    in_frame_ = false;
    magic_fed_ = 0;
    // A format that ends only where the next frame's magic starts (lz4
    // legacy) hands that magic back for detection.
    magic_len_ = backend(current_)->take_next_magic(magic_);
    ++frames_;
  }
  return r;
}

Detection Decompressor::State::detect_at_frame_start() const noexcept {
  const std::span<const std::uint8_t> m{magic_, magic_len_};
  return frames_ == 0 ? detect(m) : detail::detect_next(m);
}

Result<Step> Decompressor::State::update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  Step s;
  for (;;) {
    if (!in_frame_) {
      if (lzma_alone_ && frames_ > 0 && s.in_used < in.size())
        return Status(Errc::trailing_data, "trailing data after an LZMA-alone (.lzma) stream at byte offset " +
                                               std::to_string(total_in_));
      // Between frames: .xz allows NUL stream padding after a stream.
      if (current_ == Codec::xz && magic_len_ == 0)
        while (s.in_used < in.size() && in[s.in_used] == 0) {
          ++s.in_used;
          ++xz_padding_;
          ++total_in_;
        }
      // Collect just enough bytes to recognise the next frame's magic.
      const std::size_t magic_before = magic_len_;
      while (s.in_used < in.size() && magic_len_ < sizeof magic_) {
        magic_[magic_len_++] = in[s.in_used++];
        ++total_in_;
        if (detect_at_frame_start().state != Detect::need_more) break;
      }
      const bool magic_in_this_input = magic_before == 0;
      if (magic_len_ == 0) {
        s.done = true;
        return s;
      }
      Detection d = detect_at_frame_start();
      if (d.state == Detect::need_more) return s;
      if (d.state == Detect::unknown) {
        // Show a few more of the offending bytes when the input has them.
        std::uint8_t shown[8];
        std::size_t n = 0;
        for (; n < magic_len_; ++n) shown[n] = magic_[n];
        for (std::size_t i = s.in_used; i < in.size() && n < sizeof shown; ++i) shown[n++] = in[i];
        std::span<const std::uint8_t> seen{shown, n};
        std::uint64_t at = total_in_ - magic_len_;
        magic_len_ = 0;
        if (frames_ > 0)
          return Status(Errc::trailing_data, "trailing data after the last " + std::string(codec_name(current_)) +
                                                 " frame at byte offset " + std::to_string(at) + " (" +
                                                 describe_unknown(seen) + ")");
        return Status(Errc::unsupported_format, describe_unknown(seen));
      }
      if (xz_padding_ % 4 != 0)
        return Status(Errc::corrupt_input, "xz: stream padding is not a multiple of four bytes");
      xz_padding_ = 0;
      // LZMA-alone has no framing that would allow anything after it (xz -d
      // rejects that too); detect_at_frame_start() never finds it after a frame.
      lzma_alone_ = d.codec == Codec::xz && magic_[0] != 0xFD;
      Codec c = d.codec;
      if (fixed_ != Codec::none && c != fixed_) {
        // LZ4 frames may contain the skippable frames we classify as zstd.
        if (fixed_ == Codec::lz4 && magic_[0] >= 0x50 && magic_[0] <= 0x5F) {
          c = Codec::lz4;
        } else {
          magic_len_ = 0;
          return Status(Errc::unsupported_format, std::string("expected ") + codec_name(fixed_) +
                                                      " data but found a " + codec_name(c) + " frame");
        }
      }
      CHUNKER_TRY(start_frame(c));
      magic_fed_ = 0;
      if (magic_in_this_input) {
        // The magic still lies in `in`, just before s.in_used: the backend
        // reads it from there, so a frame that is whole in `in` reaches the
        // backend in one piece (zstd decodes such a frame straight into the
        // output; a header split across calls sends it through its window
        // buffers, a copy and an allocation per frame).
        s.in_used -= magic_len_;
        total_in_ -= magic_len_;
        magic_fed_ = magic_len_;
      }
    }
    if (magic_fed_ < magic_len_) {
      // The held-back magic goes to the backend first (header bytes: no output).
      auto r = step_frame({magic_ + magic_fed_, magic_len_ - magic_fed_}, out.subspan(s.out_used));
      if (!r) return r.status();
      total_in_ -= r->in_used;  // already counted while detecting
      magic_fed_ += r->in_used;
      s.out_used += r->out_used;
      if (r->in_used == 0 && r->out_used == 0) return s;
      continue;
    }
    std::span<const std::uint8_t> rest_in = in.subspan(s.in_used);
    std::span<std::uint8_t> rest_out = out.subspan(s.out_used);
    if (rest_in.empty() && rest_out.empty()) return s;
    auto r = step_frame(rest_in, rest_out);
    if (!r) return r.status();
    s.in_used += r->in_used;
    s.out_used += r->out_used;
    if (r->done) continue;
    if (r->in_used == 0 && r->out_used == 0) return s;
  }
}

Status Decompressor::State::finish() {
  if (in_frame_ && magic_fed_ == magic_len_ && backend(current_)->can_end_here()) {
    in_frame_ = false;  // a frame that ends with the input (lz4 legacy)
    magic_len_ = magic_fed_ = 0;
    ++frames_;
  }
  if (in_frame_ || magic_len_ > 0) {
    bool partial_magic = !in_frame_;
    std::string what = partial_magic ? "the start of a frame" : std::string("a ") + codec_name(current_) + " frame";
    return Status(Errc::truncated_input, "input ends inside " + what + " (after " + std::to_string(total_in_) +
                                             " input bytes, " + std::to_string(total_out_) + " output bytes)");
  }
  if (xz_padding_ % 4 != 0)
    return Status(Errc::corrupt_input, "xz: stream padding is not a multiple of four bytes");
  return {};
}

void Decompressor::State::reset() {
  in_frame_ = false;
  current_ = Codec::none;
  total_out_ = total_in_ = frames_ = 0;
  magic_len_ = magic_fed_ = 0;
  xz_padding_ = 0;
  lzma_alone_ = false;
}

Result<std::size_t> Decompressor::decompress_into(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  reset();
  std::uint64_t saved = s_->limit_;
  s_->limit_ = std::min<std::uint64_t>(s_->limit_, out.size());
  std::uint8_t probe;
  std::size_t ip = 0, op = 0;
  Status st;
  for (;;) {
    // Once `out` is full, a one-byte probe shows whether more output follows.
    std::span<std::uint8_t> dst = op < out.size() ? out.subspan(op) : std::span<std::uint8_t>(&probe, 1);
    auto r = update(in.subspan(ip), dst);
    if (!r) {
      st = r.status();
      break;
    }
    ip += r->in_used;
    op += r->out_used;
    if (ip == in.size() && op < out.size()) break;
    if (r->in_used == 0 && r->out_used == 0) break;
  }
  s_->limit_ = saved;
  if (st.ok()) st = finish();
  if (!st.ok()) return st;
  return op;
}

Status Decompressor::decompress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  reset();
  // Room for the byte that proves the limit crossed; also bounded by what a
  // vector can hold (wasm32 has a 32-bit size_t).
  const std::uint64_t vec_max = std::min<std::uint64_t>(out.max_size(), SIZE_MAX / 2);
  const std::uint64_t cap_max = std::min(s_->limit_ >= vec_max ? vec_max : s_->limit_ + 1, vec_max);
  std::uint64_t want = std::clamp<std::uint64_t>(std::uint64_t{in.size()} * 4, 64u << 10, 64u << 20);
  out.resize(static_cast<std::size_t>(std::min(want, cap_max)));
  std::size_t ip = 0, op = 0;
  for (;;) {
    if (op == out.size()) {
      if (out.size() >= cap_max) {  // only when the limit exceeds what memory can address
        out.clear();
        return Status(Errc::out_of_memory, "decompressed output does not fit in memory; use streaming");
      }
      std::uint64_t grow = std::min<std::uint64_t>(std::uint64_t{out.size()} * 2, cap_max);
      out.reserve(static_cast<std::size_t>(grow));  // exact: no doubling slack beyond the limit
      out.resize(static_cast<std::size_t>(grow));
    }
    auto r = update(in.subspan(ip), std::span<std::uint8_t>(out).subspan(op));
    if (!r) {
      out.clear();
      return r.status();
    }
    ip += r->in_used;
    op += r->out_used;
    if (ip == in.size() && op < out.size()) break;
    if (r->in_used == 0 && r->out_used == 0 && op < out.size()) break;
  }
  out.resize(op);
  Status st = finish();
  if (!st.ok()) out.clear();
  return st;
}

// ---- One-shot helpers -------------------------------------------------------------

Status compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out, const CompressOptions& o) {
  auto c = Compressor::create(o);
  if (!c) return c.status();
  return c->compress(in, out);
}

Result<std::size_t> compress_into(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                                  const CompressOptions& o) {
  auto c = Compressor::create(o);
  if (!c) return c.status();
  return c->compress_into(in, out);
}

Status decompress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out, const DecompressOptions& o) {
  auto d = Decompressor::create(o);
  if (!d) return d.status();
  return d->decompress(in, out);
}

Result<std::size_t> decompress_into(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                                    const DecompressOptions& o) {
  auto d = Decompressor::create(o);
  if (!d) return d.status();
  return d->decompress_into(in, out);
}

}  // namespace chunker::codec
