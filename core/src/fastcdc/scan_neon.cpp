// aarch64 NEON kernel: the shared two-lane vector kernel (scan_vec.hpp).
#include "fastcdc/scan_vec.hpp"

namespace chunker::fastcdc::detail {
const ScanKernel kNeonKernel{"neon", vec_find_first};
}  // namespace chunker::fastcdc::detail
