// x86-64 SSE4.1 build of the two-lane vector kernel (scan_vec.hpp), the same
// code NEON and wasm simd128 run; kept selectable to measure and test it natively.
#include "fastcdc/scan_vec.hpp"

namespace chunker::fastcdc::detail {
const ScanKernel kSse41Kernel{"sse41", vec_find_first};
}  // namespace chunker::fastcdc::detail
