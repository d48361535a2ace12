// The portable kernel: the 4-stream window-local search of scan_ilp.hpp.
#include "fastcdc/scan_ilp.hpp"

namespace chunker::fastcdc::detail {
namespace {
std::size_t ilp_find_first(const std::uint8_t* data, std::size_t from, std::size_t to, const std::uint64_t* gear,
                           std::uint64_t mask, std::size_t avg) noexcept {
  return find_first(data, from, to, gear, mask, avg);
}
}  // namespace
const ScanKernel kIlpKernel{"ilp4", ilp_find_first};
}  // namespace chunker::fastcdc::detail
