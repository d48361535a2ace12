// SHA-256 block function for wasm simd128 (no SHA instructions there): the
// vector-schedule kernel of sha256_vec.hpp. In V8 clearly faster than the
// all-scalar block function (docs/benchmarks-log.md, "2026-12-04, later").
// Built only for wasm with -msimd128.
#include <wasm_simd128.h>

#include "hash/sha256_vec.hpp"

namespace chunker::sha256::detail {
namespace {

struct Simd128 {
  using T = v128_t;
  static T load_be(const std::uint8_t* p) {
    return wasm_i8x16_swizzle(wasm_v128_load(p), wasm_i8x16_make(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
  }
  static T load(const std::uint32_t* p) { return wasm_v128_load(p); }
  static T add(T a, T b) { return wasm_i32x4_add(a, b); }
  static T xor_(T a, T b) { return wasm_v128_xor(a, b); }
  static T or_(T a, T b) { return wasm_v128_or(a, b); }
  template <int n> static T shl(T x) { return wasm_i32x4_shl(x, n); }
  template <int n> static T shr(T x) { return wasm_u32x4_shr(x, n); }
  static T w15(T x0, T x1) { return wasm_i32x4_shuffle(x0, x1, 1, 2, 3, 4); }
  static T hi_pair(T x) { return wasm_i32x4_shuffle(x, x, 2, 3, 2, 3); }
  static T lo_pair(T x) { return wasm_i32x4_shuffle(x, x, 0, 1, 0, 1); }
  static T merge(T lo, T hi) { return wasm_i32x4_shuffle(lo, hi, 0, 1, 6, 7); }
  template <int i> static std::uint32_t lane(T x) { return static_cast<std::uint32_t>(wasm_i32x4_extract_lane(x, i)); }
};

}  // namespace

void compress_simd128(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t n) noexcept {
  vec::compress_blocks<Simd128>(state, blocks, n);
}

}  // namespace chunker::sha256::detail
