#pragma once
#include <cstdint>

namespace chunker::fastcdc::detail {
extern const std::uint64_t kGear[256];   // unseeded gear table
extern const std::uint64_t kMasks[26];   // masks[bits], bits 5..25 used
}  // namespace chunker::fastcdc::detail
