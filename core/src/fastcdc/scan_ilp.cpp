// The portable kernel: the 4-stream window-local search of scan_ilp.hpp.
#include "fastcdc/scan_ilp.hpp"

namespace chunker::fastcdc::detail {
namespace {
std::size_t ilp_find_first(const std::uint8_t* data, std::size_t from, std::size_t to, const std::uint64_t* gear,
                           std::uint64_t mask, std::size_t avg) noexcept {
  return find_first(data, from, to, gear, mask, avg);
}
// One stream, two bytes per step (scan_scalar): the plain loop. On cores that
// run its shift-add chain at about a byte per cycle it beats every
// multi-stream kernel (it does the least work per byte); on others it is the
// slowest, hence the run-time calibration in scan_dispatch.cpp.
std::size_t scalar_find_first(const std::uint8_t* data, std::size_t from, std::size_t to, const std::uint64_t* gear,
                              std::uint64_t mask, std::size_t) noexcept {
  std::uint64_t h = warm_up(data, from, gear);
  return scan_scalar(data, from, to, gear, mask, h);
}
}  // namespace
const ScanKernel kIlpKernel{"ilp4", ilp_find_first};
const ScanKernel kScalarKernel{"scalar", scalar_find_first};
}  // namespace chunker::fastcdc::detail
