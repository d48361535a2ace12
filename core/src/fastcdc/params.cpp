#include <cmath>

#include "chunker/fastcdc.hpp"

namespace chunker::fastcdc {
namespace {

Status range_error(const char* field, std::uint64_t value, std::uint32_t lo, std::uint32_t hi) {
  return Status(Errc::invalid_argument, std::string(field) + " must be between " + std::to_string(lo) + " and " +
                                            std::to_string(hi) + " bytes, got " + std::to_string(value));
}

constexpr std::uint32_t K = 1024, M = 1024 * 1024;
constexpr Preset kPresets[] = {
    {"default", {256 * K, 1 * M, 4 * M, 1, 0}, "256 KiB / 1 MiB / 4 MiB (NAR defaults of the reference library)"},
    {"nar", {256 * K, 1 * M, 4 * M, 1, 0}, "alias of default"},
    {"4k", {1 * K, 4 * K, 16 * K, 1, 0}, "1 KiB / 4 KiB / 16 KiB"},
    {"16k", {4 * K, 16 * K, 64 * K, 1, 0}, "4 KiB / 16 KiB / 64 KiB"},
    {"64k", {16 * K, 64 * K, 256 * K, 1, 0}, "16 KiB / 64 KiB / 256 KiB"},
    {"256k", {64 * K, 256 * K, 1 * M, 1, 0}, "64 KiB / 256 KiB / 1 MiB"},
    {"1m", {256 * K, 1 * M, 4 * M, 1, 0}, "256 KiB / 1 MiB / 4 MiB"},
};

}  // namespace

Status validate(const Params& p) {
  if (p.min_size < kMinSizeLower || p.min_size > kMinSizeUpper)
    return range_error("min_size", p.min_size, kMinSizeLower, kMinSizeUpper);
  if (p.avg_size < kAvgSizeLower || p.avg_size > kAvgSizeUpper)
    return range_error("avg_size", p.avg_size, kAvgSizeLower, kAvgSizeUpper);
  if (p.max_size < kMaxSizeLower || p.max_size > kMaxSizeUpper)
    return range_error("max_size", p.max_size, kMaxSizeLower, kMaxSizeUpper);
  if (p.min_size > p.avg_size)
    return Status(Errc::invalid_argument, "min_size (" + std::to_string(p.min_size) +
                                              ") must not exceed avg_size (" + std::to_string(p.avg_size) + ")");
  if (p.avg_size > p.max_size)
    return Status(Errc::invalid_argument, "avg_size (" + std::to_string(p.avg_size) +
                                              ") must not exceed max_size (" + std::to_string(p.max_size) + ")");
  if (p.level > 3)
    return Status(Errc::invalid_argument, "level must be between 0 and 3, got " + std::to_string(p.level));
  return {};
}

std::span<const Preset> presets() { return kPresets; }

Result<Params> preset(std::string_view name) {
  for (const auto& pr : kPresets)
    if (name == pr.name) return pr.params;
  std::string names;
  for (const auto& pr : kPresets) {
    if (!names.empty()) names += ", ";
    names += pr.name;
  }
  return Status(Errc::invalid_argument, "unknown preset '" + std::string(name) + "' (known: " + names + ")");
}

}  // namespace chunker::fastcdc
