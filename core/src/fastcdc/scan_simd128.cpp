// wasm simd128 kernel: the shared two-lane vector kernel (scan_vec.hpp),
// compiled with -msimd128.
#include "fastcdc/scan_vec.hpp"

namespace chunker::fastcdc::detail {
const ScanKernel kSimd128Kernel{"simd128", vec_find_first};
}  // namespace chunker::fastcdc::detail
