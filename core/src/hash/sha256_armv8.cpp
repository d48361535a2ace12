// SHA-256 block function with the ARMv8 Cryptography Extension (SHA2 subset).
// sha256h/sha256h2 do four rounds on {a,b,c,d},{e,f,g,h}; sha256su0/su1
// extend the message schedule four words at a time.
#include <arm_neon.h>

#include "hash/sha256_internal.hpp"

namespace chunker::sha256::detail {

void compress_armv8(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t n) noexcept {
  uint32x4_t abcd = vld1q_u32(state);
  uint32x4_t efgh = vld1q_u32(state + 4);
  for (; n > 0; --n, blocks += 64) {
    const uint32x4_t abcd_in = abcd, efgh_in = efgh;
    uint32x4_t m[4];
    for (int i = 0; i < 4; ++i) m[i] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(blocks + 16 * i)));
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) {
      const uint32x4_t wk = vaddq_u32(m[g & 3], vld1q_u32(kRound + 4 * g));
      if (g < 12)
        m[g & 3] = vsha256su1q_u32(vsha256su0q_u32(m[g & 3], m[(g + 1) & 3]), m[(g + 2) & 3],
                                   m[(g + 3) & 3]);
      const uint32x4_t abcd_prev = abcd;
      abcd = vsha256hq_u32(abcd, efgh, wk);
      efgh = vsha256h2q_u32(efgh, abcd_prev, wk);
    }
    abcd = vaddq_u32(abcd, abcd_in);
    efgh = vaddq_u32(efgh, efgh_in);
  }
  vst1q_u32(state, abcd);
  vst1q_u32(state + 4, efgh);
}

}  // namespace chunker::sha256::detail
