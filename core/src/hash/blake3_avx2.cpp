// BLAKE3 AVX2 kernel: 8 inputs in parallel (one per 32-bit lane). This is the
// hot path for large inputs on x86-64; everything below hash_n is inlined.
#include <immintrin.h>

#include "hash/blake3_lanes.hpp"

namespace chunker::blake3::detail {
namespace {

struct Avx2 {
  using T = __m256i;
  static constexpr std::size_t N = 8;
  static CHUNKER_B3_INLINE T add(T a, T b) { return _mm256_add_epi32(a, b); }
  static CHUNKER_B3_INLINE T xor_(T a, T b) { return _mm256_xor_si256(a, b); }
  static CHUNKER_B3_INLINE T set1(std::uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
  static CHUNKER_B3_INLINE T loadu(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static CHUNKER_B3_INLINE T rot16(T x) {
    return _mm256_shuffle_epi8(x, _mm256_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2, 13, 12, 15,
                                                  14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2));
  }
  static CHUNKER_B3_INLINE T rot12(T x) { return _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20)); }
  static CHUNKER_B3_INLINE T rot8(T x) {
    return _mm256_shuffle_epi8(x, _mm256_set_epi8(12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3, 2, 1, 12, 15, 14,
                                                  13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3, 2, 1));
  }
  static CHUNKER_B3_INLINE T rot7(T x) { return _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25)); }

  // 8x8 transpose of 32-bit words: x[i] word j  ->  x[j] word i.
  static CHUNKER_B3_INLINE void transpose(T x[8]) {
    T ab0145 = _mm256_unpacklo_epi32(x[0], x[1]);
    T ab2367 = _mm256_unpackhi_epi32(x[0], x[1]);
    T cd0145 = _mm256_unpacklo_epi32(x[2], x[3]);
    T cd2367 = _mm256_unpackhi_epi32(x[2], x[3]);
    T ef0145 = _mm256_unpacklo_epi32(x[4], x[5]);
    T ef2367 = _mm256_unpackhi_epi32(x[4], x[5]);
    T gh0145 = _mm256_unpacklo_epi32(x[6], x[7]);
    T gh2367 = _mm256_unpackhi_epi32(x[6], x[7]);
    T abcd04 = _mm256_unpacklo_epi64(ab0145, cd0145);
    T abcd15 = _mm256_unpackhi_epi64(ab0145, cd0145);
    T abcd26 = _mm256_unpacklo_epi64(ab2367, cd2367);
    T abcd37 = _mm256_unpackhi_epi64(ab2367, cd2367);
    T efgh04 = _mm256_unpacklo_epi64(ef0145, gh0145);
    T efgh15 = _mm256_unpackhi_epi64(ef0145, gh0145);
    T efgh26 = _mm256_unpacklo_epi64(ef2367, gh2367);
    T efgh37 = _mm256_unpackhi_epi64(ef2367, gh2367);
    x[0] = _mm256_permute2x128_si256(abcd04, efgh04, 0x20);
    x[1] = _mm256_permute2x128_si256(abcd15, efgh15, 0x20);
    x[2] = _mm256_permute2x128_si256(abcd26, efgh26, 0x20);
    x[3] = _mm256_permute2x128_si256(abcd37, efgh37, 0x20);
    x[4] = _mm256_permute2x128_si256(abcd04, efgh04, 0x31);
    x[5] = _mm256_permute2x128_si256(abcd15, efgh15, 0x31);
    x[6] = _mm256_permute2x128_si256(abcd26, efgh26, 0x31);
    x[7] = _mm256_permute2x128_si256(abcd37, efgh37, 0x31);
  }
  static CHUNKER_B3_INLINE void load_msg(const std::uint8_t* const* in, std::size_t off, T m[16]) {
    for (int i = 0; i < 8; ++i) m[i] = loadu(in[i] + off);
    for (int i = 0; i < 8; ++i) m[8 + i] = loadu(in[i] + off + 32);
    transpose(m);
    transpose(m + 8);
  }
  static CHUNKER_B3_INLINE void store_cvs(const T h[8], std::uint8_t* out) {
    T x[8] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]};
    transpose(x);
    for (int i = 0; i < 8; ++i) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * i), x[i]);
  }
};

}  // namespace

void hash_many_avx2(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                    const std::uint32_t key[8], std::uint64_t counter, bool increment_counter, std::uint8_t flags,
                    std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  lanes::hash_many<Avx2>(inputs, num_inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end,
                         out, hash_many_sse41);
}

const Kernel kAvx2Kernel = {"avx2", 8, compress_in_place_portable, compress_xof_portable, hash_many_avx2,
                            xof_many_portable};

}  // namespace chunker::blake3::detail
