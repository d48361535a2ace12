// BLAKE3 wasm simd128 kernel: 4 inputs in parallel, one per 32-bit lane.
// Built only for wasm with -msimd128.
#include <wasm_simd128.h>

#include "hash/blake3_lanes.hpp"

namespace chunker::blake3::detail {
namespace {

struct Simd128 {
  using T = v128_t;
  static constexpr std::size_t N = 4;
  static CHUNKER_B3_INLINE T add(T a, T b) { return wasm_i32x4_add(a, b); }
  static CHUNKER_B3_INLINE T xor_(T a, T b) { return wasm_v128_xor(a, b); }
  static CHUNKER_B3_INLINE T set1(std::uint32_t x) { return wasm_u32x4_splat(x); }
  static CHUNKER_B3_INLINE T loadu(const void* p) { return wasm_v128_load(p); }
  static constexpr bool kMsgFromMemory = true;  // see lanes::msg
  // rot16 and rot8 are byte swizzles by a constant mask: V8 (Node 20 and
  // current Chromium) emits a single pshufb for a swizzle whose constant
  // indices are all in range. The same permutation written as i8x16.shuffle
  // costs pshuflw + pshufhw (rot16) or a mask rebuilt from immediates at every
  // use (rot8). Measured: +10% over shuffle / shift-shift-or.
  static CHUNKER_B3_INLINE T rot16(T x) {
    return wasm_i8x16_swizzle(x, wasm_i8x16_const(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
  }
  static CHUNKER_B3_INLINE T rot8(T x) {
    return wasm_i8x16_swizzle(x, wasm_i8x16_const(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
  }
  static CHUNKER_B3_INLINE T rot12(T x) { return wasm_v128_or(wasm_u32x4_shr(x, 12), wasm_i32x4_shl(x, 20)); }
  static CHUNKER_B3_INLINE T rot7(T x) { return wasm_v128_or(wasm_u32x4_shr(x, 7), wasm_i32x4_shl(x, 25)); }

  static CHUNKER_B3_INLINE void transpose(T x[4]) {
    T ab01 = wasm_i32x4_shuffle(x[0], x[1], 0, 4, 1, 5);
    T ab23 = wasm_i32x4_shuffle(x[0], x[1], 2, 6, 3, 7);
    T cd01 = wasm_i32x4_shuffle(x[2], x[3], 0, 4, 1, 5);
    T cd23 = wasm_i32x4_shuffle(x[2], x[3], 2, 6, 3, 7);
    x[0] = wasm_i64x2_shuffle(ab01, cd01, 0, 2);
    x[1] = wasm_i64x2_shuffle(ab01, cd01, 1, 3);
    x[2] = wasm_i64x2_shuffle(ab23, cd23, 0, 2);
    x[3] = wasm_i64x2_shuffle(ab23, cd23, 1, 3);
  }
  static CHUNKER_B3_INLINE void load_msg(const std::uint8_t* const* in, std::size_t off, T m[16]) {
    for (int q = 0; q < 4; ++q) {
      T* x = m + 4 * q;
      for (int i = 0; i < 4; ++i) x[i] = loadu(in[i] + off + 16 * q);
      transpose(x);
    }
  }
  static CHUNKER_B3_INLINE void store_cvs(const T h[8], std::uint8_t* out) {
    T a[4] = {h[0], h[1], h[2], h[3]};
    T b[4] = {h[4], h[5], h[6], h[7]};
    transpose(a);
    transpose(b);
    for (int i = 0; i < 4; ++i) {
      wasm_v128_store(out + 32 * i, a[i]);
      wasm_v128_store(out + 32 * i + 16, b[i]);
    }
  }
};

void hash_many_simd128(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                       const std::uint32_t key[8], std::uint64_t counter, bool increment_counter, std::uint8_t flags,
                       std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  lanes::hash_many<Simd128>(inputs, num_inputs, blocks, key, counter, increment_counter, flags, flags_start,
                            flags_end, out, hash_many_portable);
}

void xof_many_simd128(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                 std::uint64_t counter, std::uint8_t flags, std::uint8_t* out, std::size_t outblocks) {
  lanes::xof_many<Simd128>(cv, block, block_len, counter, flags, out, outblocks, xof_many_portable);
}

}  // namespace

const Kernel kSimd128Kernel = {"simd128", 4, compress_in_place_portable, compress_xof_portable, hash_many_simd128,
                               xof_many_simd128};

}  // namespace chunker::blake3::detail
