// The FastCDC options shared by `chunker dedup` and `chunker store init`
// (--preset, --min, --avg, --max, --level, --seed), as in `chunker chunk`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "args.hpp"
#include "chunker/fastcdc.hpp"

namespace chunker::cli {

struct ChunkOptions {
  std::string preset;
  std::uint64_t min = 0, avg = 0, max = 0;
  bool have_min = false, have_avg = false, have_max = false;
  std::optional<std::uint32_t> level;
  std::optional<std::uint64_t> seed;
};

// Registers the options; `defaults` names the default sizes in the help text.
void add_chunk_options(ArgParser& ap, ChunkOptions& o, const std::string& defaults);
// Final parameters on top of `base` (preset first, then explicit sizes), validated.
Result<fastcdc::Params> resolve_chunk_options(const ChunkOptions& o, fastcdc::Params base);

}  // namespace chunker::cli
