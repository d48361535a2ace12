#include "chunk_options.hpp"

namespace chunker::cli {

void add_chunk_options(ArgParser& ap, ChunkOptions& o, const std::string& defaults) {
  auto size_opt = [](const char* name, std::uint64_t* out, bool* seen) {
    return [=](const std::string& v) -> Status {
      auto r = parse_size(v, name);
      if (!r) return r.status();
      *out = *r;
      *seen = true;
      return {};
    };
  };
  ap.option("--preset", "NAME", "size preset: default|nar|4k|16k|64k|256k|1m (" + defaults + ")", &o.preset);
  ap.option("--min", "SIZE", "minimum chunk size (64 .. 1M)", size_opt("--min", &o.min, &o.have_min));
  ap.option("--avg", "SIZE", "average chunk size (256 .. 4M)", size_opt("--avg", &o.avg, &o.have_avg));
  ap.option("--max", "SIZE", "maximum chunk size (1K .. 16M)", size_opt("--max", &o.max, &o.have_max));
  ap.option("--level", "N", "normalisation level 0..3 (default 1)", [&o](const std::string& v) -> Status {
    auto r = parse_uint(v, "--level");
    if (!r) return r.status();
    if (*r > 3) return Status(Errc::invalid_argument, "--level must be between 0 and 3, got " + v);
    o.level = static_cast<std::uint32_t>(*r);
    return {};
  });
  ap.option("--seed", "N", "gear table seed (default 0)", [&o](const std::string& v) -> Status {
    auto r = parse_uint(v, "--seed");
    if (!r) return r.status();
    o.seed = *r;
    return {};
  });
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
