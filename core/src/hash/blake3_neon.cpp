// BLAKE3 NEON kernel (aarch64): 4 inputs in parallel, one per 32-bit lane.
#include <arm_neon.h>

#include "hash/blake3_lanes.hpp"

namespace chunker::blake3::detail {
namespace {

struct Neon {
  using T = uint32x4_t;
  static constexpr std::size_t N = 4;
  static CHUNKER_B3_INLINE T add(T a, T b) { return vaddq_u32(a, b); }
  static CHUNKER_B3_INLINE T xor_(T a, T b) { return veorq_u32(a, b); }
  static CHUNKER_B3_INLINE T set1(std::uint32_t x) { return vdupq_n_u32(x); }
  static CHUNKER_B3_INLINE T loadu(const void* p) { return vreinterpretq_u32_u8(vld1q_u8(static_cast<const std::uint8_t*>(p))); }
  static CHUNKER_B3_INLINE T rot16(T x) { return vreinterpretq_u32_u16(vrev32q_u16(vreinterpretq_u16_u32(x))); }
  // Shift-left, then shift-right-and-insert: two instructions per rotation.
  static CHUNKER_B3_INLINE T rot12(T x) { return vsriq_n_u32(vshlq_n_u32(x, 20), x, 12); }
  static CHUNKER_B3_INLINE T rot8(T x) { return vsriq_n_u32(vshlq_n_u32(x, 24), x, 8); }
  static CHUNKER_B3_INLINE T rot7(T x) { return vsriq_n_u32(vshlq_n_u32(x, 25), x, 7); }

  static CHUNKER_B3_INLINE void transpose(T x[4]) {
    uint32x4x2_t t01 = vtrnq_u32(x[0], x[1]);  // a0 b0 a2 b2 | a1 b1 a3 b3
    uint32x4x2_t t23 = vtrnq_u32(x[2], x[3]);  // c0 d0 c2 d2 | c1 d1 c3 d3
    x[0] = vcombine_u32(vget_low_u32(t01.val[0]), vget_low_u32(t23.val[0]));
    x[1] = vcombine_u32(vget_low_u32(t01.val[1]), vget_low_u32(t23.val[1]));
    x[2] = vcombine_u32(vget_high_u32(t01.val[0]), vget_high_u32(t23.val[0]));
    x[3] = vcombine_u32(vget_high_u32(t01.val[1]), vget_high_u32(t23.val[1]));
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
      vst1q_u8(out + 32 * i, vreinterpretq_u8_u32(a[i]));
      vst1q_u8(out + 32 * i + 16, vreinterpretq_u8_u32(b[i]));
    }
  }
};

void hash_many_neon(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                    const std::uint32_t key[8], std::uint64_t counter, bool increment_counter, std::uint8_t flags,
                    std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  lanes::hash_many<Neon>(inputs, num_inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end,
                         out, hash_many_portable);
}

void xof_many_neon(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                 std::uint64_t counter, std::uint8_t flags, std::uint8_t* out, std::size_t outblocks) {
  lanes::xof_many<Neon>(cv, block, block_len, counter, flags, out, outblocks, xof_many_portable);
}

}  // namespace

const Kernel kNeonKernel = {"neon", 4, compress_in_place_portable, compress_xof_portable, hash_many_neon,
                            xof_many_neon};

}  // namespace chunker::blake3::detail
