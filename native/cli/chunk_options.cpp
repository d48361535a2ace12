#include "chunk_options.hpp"

namespace chunker::cli {

void add_chunk_options(ArgParser& ap, ChunkOptions& o, const std::string& defaults) {
  ap.option("--preset", "NAME", "size preset: default|nar|4k|16k|64k|256k|1m (" + defaults + ")", &o.preset);
  ap.size_option("--min", "SIZE", "minimum chunk size (64 .. 1M)", [&o](std::uint64_t v) { o.min = v, o.have_min = true; });
  ap.size_option("--avg", "SIZE", "average chunk size (256 .. 4M)", [&o](std::uint64_t v) { o.avg = v, o.have_avg = true; });
  ap.size_option("--max", "SIZE", "maximum chunk size (1K .. 16M)", [&o](std::uint64_t v) { o.max = v, o.have_max = true; });
  ap.uint_option("--level", "N", "normalisation level 0..3 (default 1)", 3,
                 [&o](std::uint64_t v) { o.level = static_cast<std::uint32_t>(v); });
  ap.uint_option("--seed", "N", "gear table seed (default 0)", UINT64_MAX, [&o](std::uint64_t v) { o.seed = v; });
}

Result<fastcdc::Params> resolve_chunk_options(const ChunkOptions& o, fastcdc::Params p) {
  if (!o.preset.empty()) {
    auto pr = fastcdc::preset(o.preset);
    if (!pr) return pr.status();
    std::uint32_t level = p.level;
    std::uint64_t seed = p.seed;
    p = *pr;
    p.level = level;
    p.seed = seed;
  }
  if (o.level) p.level = *o.level;
  if (o.seed) p.seed = *o.seed;
  auto set = [](bool have, std::uint64_t v, const char* field, std::uint32_t& out) -> Status {
    if (!have) return {};
    if (v > 0xffffffffu) return Status(Errc::invalid_argument, std::string(field) + " is out of range: " + std::to_string(v));
    out = static_cast<std::uint32_t>(v);
    return {};
  };
  CHUNKER_TRY(set(o.have_min, o.min, "min_size", p.min_size));
  CHUNKER_TRY(set(o.have_avg, o.avg, "avg_size", p.avg_size));
  CHUNKER_TRY(set(o.have_max, o.max, "max_size", p.max_size));
  CHUNKER_TRY(fastcdc::validate(p));
  return p;
}

}  // namespace chunker::cli
