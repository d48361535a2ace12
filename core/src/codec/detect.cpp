// Magic-number detection of frame starts, and the error text for unknown data.
#include <algorithm>
#include <cstdio>
#include <string>

#include "chunker/codec.hpp"
#include "codec/backend.hpp"

namespace chunker::codec {

namespace {

// A magic number as byte ranges [lo, hi] (most bytes are exact: lo == hi).
struct Magic {
  Codec codec;
  std::uint8_t len;
  std::uint8_t lo[6], hi[6];
};

constexpr Magic kMagics[] = {
    {Codec::zstd, 4, {0x28, 0xB5, 0x2F, 0xFD}, {0x28, 0xB5, 0x2F, 0xFD}},
    // Skippable frames (0x184D2A50..5F) are shared by zstd and the LZ4 frame
    // format; libzstd skips them.
    {Codec::zstd, 4, {0x50, 0x2A, 0x4D, 0x18}, {0x5F, 0x2A, 0x4D, 0x18}},
    {Codec::lz4, 4, {0x04, 0x22, 0x4D, 0x18}, {0x04, 0x22, 0x4D, 0x18}},
    // lz4 legacy frame (`lz4 -l`): decoded by the lz4 backend.
    {Codec::lz4, 4, {0x02, 0x21, 0x4C, 0x18}, {0x02, 0x21, 0x4C, 0x18}},
    {Codec::xz, 6, {0xFD, '7', 'z', 'X', 'Z', 0x00}, {0xFD, '7', 'z', 'X', 'Z', 0x00}},
    {Codec::bzip2, 4, {'B', 'Z', 'h', '1'}, {'B', 'Z', 'h', '9'}},
};

// Formats we recognise only to name them in the error.
struct Known {
  std::uint8_t len;
  std::uint8_t bytes[4];
  const char* name;
};
constexpr Known kUnsupported[] = {
    {2, {0x1F, 0x8B}, "gzip"},
    {4, {'P', 'K', 0x03, 0x04}, "zip"},
    {4, {'7', 'z', 0xBC, 0xAF}, "7z"},
    {3, {0xB5, 0x2F, 0xFD}, nullptr},  // zstd 0.x legacy: 0x1E..0x27 then B5 2F FD
};

// LZMA-alone (.lzma) has no magic number: a properties byte (lc/lp/pb,
// < 9*5*5) and a little-endian dictionary size. Like liblzma's auto-decoder
// (xz -d), accept only dictionary sizes 2^n or 2^n + 2^(n-1) (or "unknown",
// all ones), which keeps random data from looking like .lzma.
Detect detect_lzma_alone(std::span<const std::uint8_t> p) noexcept {
  if (p.empty() || p[0] >= 9 * 5 * 5) return Detect::unknown;
  if (p.size() < 5) return Detect::need_more;
  const std::uint32_t dict = std::uint32_t{p[1]} | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]} << 16 |
                             std::uint32_t{p[4]} << 24;
  if (dict == 0xFFFFFFFFu) return Detect::known;
  std::uint32_t d = dict - 1;  // round up to 2^n + 2^(n-1) steps, as liblzma does
  d |= d >> 2;
  d |= d >> 3;
  d |= d >> 4;
  d |= d >> 8;
  d |= d >> 16;
  ++d;
  return d == dict && dict != 0 ? Detect::known : Detect::unknown;
}

}  // namespace

namespace {

Detection detect_frame(std::span<const std::uint8_t> prefix, bool first) noexcept {
  bool partial = false;
  for (const auto& m : kMagics) {
    std::size_t n = prefix.size() < m.len ? prefix.size() : m.len;
    bool ok = true;
    for (std::size_t i = 0; i < n && ok; ++i) ok = prefix[i] >= m.lo[i] && prefix[i] <= m.hi[i];
    if (!ok) continue;
    if (n == m.len) return {Detect::known, m.codec};
    partial = true;
  }
  // The xz backend reads .lzma too (liblzma's auto-decoder).
  switch (first ? detect_lzma_alone(prefix) : Detect::unknown) {
    case Detect::known: return {Detect::known, Codec::xz};
    case Detect::need_more: partial = true; break;
    case Detect::unknown: break;
  }
  return {partial ? Detect::need_more : Detect::unknown, Codec::none};
}

}  // namespace

Detection detect(std::span<const std::uint8_t> prefix) noexcept { return detect_frame(prefix, true); }

namespace detail {
Detection detect_next(std::span<const std::uint8_t> prefix) noexcept { return detect_frame(prefix, false); }
}  // namespace detail

std::optional<std::uint64_t> declared_size(std::span<const std::uint8_t> in) noexcept {
  const Detection d = detect(in.first(std::min<std::size_t>(in.size(), 16)));
  if (d.state != Detect::known) return std::nullopt;
  if (d.codec == Codec::zstd) return detail::zstd_declared_size(in);
  if (d.codec == Codec::lz4) return detail::lz4_declared_size(in);
  return std::nullopt;
}

Result<FrameInfo> frame_info(std::span<const std::uint8_t> in) {
  const Detection d = detect(in.first(std::min<std::size_t>(in.size(), 16)));
  if (d.state == Detect::need_more && !in.empty())
    return Status(Errc::truncated_input, "frame_info: input ends inside the frame magic (" +
                                             std::to_string(in.size()) + " bytes)");
  if (d.state != Detect::known) return Status(Errc::unsupported_format, "frame_info: " + describe_unknown(in));
  if (d.codec == Codec::zstd) return detail::zstd_frame_info(in);
  // The LZ4 frame magic; the legacy format has no end marker or lengths to walk.
  if (d.codec == Codec::lz4 && in[0] == 0x04) return detail::lz4_frame_info(in);
  FrameInfo f;
  f.codec = d.codec;
  return f;
}

std::string describe_unknown(std::span<const std::uint8_t> prefix) {
  std::string hex;
  for (std::size_t i = 0; i < prefix.size() && i < 8; ++i) {
    char b[4];
    std::snprintf(b, sizeof b, "%s%02x", i ? " " : "", prefix[i]);
    hex += b;
  }
  const char* name = nullptr;
  for (const auto& k : kUnsupported) {
    if (!k.name) {
      if (prefix.size() >= 4 && prefix[0] >= 0x1E && prefix[0] <= 0x27 && prefix[1] == 0xB5 &&
          prefix[2] == 0x2F && prefix[3] == 0xFD)
        name = "zstd legacy v0.x";
      continue;
    }
    if (prefix.size() < k.len) continue;
    bool ok = true;
    for (std::size_t i = 0; i < k.len && ok; ++i) ok = prefix[i] == k.bytes[i];
    if (ok) name = k.name;
  }
  std::string msg = prefix.empty() ? std::string("unknown format (no data)")
                                   : "unknown format (starts with " + hex + ")";
  if (name) msg = std::string("unsupported format ") + name + " (starts with " + hex + ")";
  return msg + "; tried zstd, lz4 (frame and legacy), xz, lzma-alone, bzip2";
}

}  // namespace chunker::codec
