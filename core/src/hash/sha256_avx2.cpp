// SHA-256 block function for x86-64 CPUs with AVX2 but without the SHA
// extensions (Intel before Ice Lake, e.g. Skylake/Cascade Lake servers): the
// vector-schedule kernel of sha256_vec.hpp with 128-bit VEX instructions, and
// BMI2 rorx for the scalar rotations (this file is built with -mavx2 -mbmi2).
#include <immintrin.h>

#include "hash/sha256_vec.hpp"

namespace chunker::sha256::detail {
namespace {

struct Avx2 {
  using T = __m128i;
  static T load_be(const std::uint8_t* p) {
    return _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                            _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL));
  }
  static T load(const std::uint32_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
  static T add(T a, T b) { return _mm_add_epi32(a, b); }
  static T xor_(T a, T b) { return _mm_xor_si128(a, b); }
  static T or_(T a, T b) { return _mm_or_si128(a, b); }
  template <int n> static T shl(T x) { return _mm_slli_epi32(x, n); }
  template <int n> static T shr(T x) { return _mm_srli_epi32(x, n); }
  static T w15(T x0, T x1) { return _mm_alignr_epi8(x1, x0, 4); }
  static T hi_pair(T x) { return _mm_shuffle_epi32(x, 0xEE); }
  static T lo_pair(T x) { return _mm_shuffle_epi32(x, 0x44); }
  static T merge(T lo, T hi) { return _mm_blend_epi16(lo, hi, 0xF0); }
  template <int i> static std::uint32_t lane(T x) { return static_cast<std::uint32_t>(_mm_extract_epi32(x, i)); }
};

}  // namespace

void compress_avx2(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t n) noexcept {
  vec::compress_blocks<Avx2>(state, blocks, n);
}

}  // namespace chunker::sha256::detail
