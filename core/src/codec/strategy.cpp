// Named strategies and the adaptive mode: a cheap LZ4 probe on a few samples
// decides whether compressing is worth it, so already-compressed chunks cost
// a memcpy plus ~16 KiB of LZ4 work.
#include <lz4.h>

#include <string>

#include "chunker/codec.hpp"

namespace chunker::codec {

const char* strategy_name(Strategy s) noexcept {
  switch (s) {
    case Strategy::fastest: return "fastest";
    case Strategy::balanced: return "balanced";
    case Strategy::smallest: return "smallest";
    case Strategy::adaptive: return "adaptive";
  }
  return "?";
}

Result<Strategy> parse_strategy(std::string_view n) {
  if (n == "fastest") return Strategy::fastest;
  if (n == "balanced") return Strategy::balanced;
  if (n == "smallest") return Strategy::smallest;
  if (n == "adaptive") return Strategy::adaptive;
  return Status(Errc::invalid_argument, "strategy: unknown strategy '" + std::string(n) +
                                            "' (use fastest, balanced, smallest or adaptive)");
}

CompressOptions strategy_options(Strategy s) noexcept {
  CompressOptions o;
  switch (s) {
    case Strategy::fastest: o.codec = Codec::lz4; o.level = 1; break;
    case Strategy::smallest: o.codec = Codec::xz; o.level = 6; break;
    case Strategy::balanced:
    case Strategy::adaptive: o.codec = Codec::zstd; o.level = 3; break;
  }
  return o;
}

Result<CompressChoice> resolve_compress(std::string_view codec, std::string_view strategy, std::optional<int> level) {
  CompressChoice ch;
  ch.options = strategy_options(Strategy::balanced);
  if (!strategy.empty()) {
    auto s = parse_strategy(strategy);
    if (!s) return s.status();
    ch.options = strategy_options(*s);
    ch.adaptive = *s == Strategy::adaptive;
  }
  if (!codec.empty()) {
    auto c = parse_codec(codec);
    if (!c) return c.status();
    if (*c == Codec::none) return Status(Errc::invalid_argument, "codec: choose zstd, lz4, xz or bzip2");
    ch.options.codec = *c;
    if (strategy.empty()) ch.options.level = level_range(*c).default_level;
  }
  if (level) {
    const LevelRange r = level_range(ch.options.codec);
    if (*level < r.min || *level > r.max)
      return Status(Errc::invalid_argument, std::string("level: ") + codec_name(ch.options.codec) + " levels are " +
                                                std::to_string(r.min) + ".." + std::to_string(r.max) + ", got " +
                                                std::to_string(*level));
    ch.options.level = level;
  }
  return ch;
}

bool looks_incompressible(std::span<const std::uint8_t> data) noexcept {
  constexpr std::size_t kSample = 4096, kSamples = 4;
  if (data.size() < 64) return true;  // frame overhead exceeds any saving
  char dst[LZ4_COMPRESSBOUND(kSample)];
  std::size_t in_total = 0, out_total = 0;
  auto probe = [&](std::span<const std::uint8_t> s) {
    int n = LZ4_compress_default(reinterpret_cast<const char*>(s.data()), dst, static_cast<int>(s.size()),
                                 static_cast<int>(sizeof dst));
    in_total += s.size();
    out_total += n > 0 ? static_cast<std::size_t>(n) : s.size();
  };
  // Samples spread evenly, first and last included. A first sample that LZ4
  // shrinks below 3/4 settles it: even three incompressible samples after it
  // would leave the total under the 97 % bar (most compressible data stops
  // here, after one sample instead of four).
  const std::size_t n = data.size() <= kSample * kSamples ? (data.size() + kSample - 1) / kSample : kSamples;
  const std::size_t step = n == kSamples && data.size() > kSample * kSamples ? (data.size() - kSample) / (kSamples - 1)
                                                                            : kSample;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t off = i * step;
    probe(data.subspan(off, std::min(kSample, data.size() - off)));
    if (i == 0 && in_total == kSample && out_total * 4 < in_total * 3) return false;
  }
  return out_total * 100 >= in_total * 97;
}

Result<AdaptiveResult> compress_adaptive(Compressor& c, std::span<const std::uint8_t> in,
                                         std::vector<std::uint8_t>& out, bool copy_stored) {
  AdaptiveResult r;
  auto store = [&] {
    if (copy_stored)
      out.assign(in.begin(), in.end());
    else
      out.clear();
    r.stored = true;
    r.size = in.size();
  };
  if (looks_incompressible(in)) {
    store();
    r.probed_incompressible = true;
    return r;
  }
  CHUNKER_TRY(c.compress(in, out));
  if (out.size() >= in.size()) {
    store();
  } else {
    r.codec = c.codec();
    r.size = out.size();
  }
  return r;
}

}  // namespace chunker::codec
