// BLAKE3 AVX-512 kernel: 16 inputs in parallel, native 32-bit rotates (vprord).
// The message is loaded as two 8-input halves with the AVX2-style 8x8
// transpose, then joined per word. (No AVX-512 CPU was available while this
// was written: it is compile-tested here and run by the tests wherever the
// CPU has AVX-512 F+VL+BW.)
#include <immintrin.h>

// GCC 12 warns about the deliberately undefined pass-through operand inside
// its own AVX-512 intrinsics headers; the warning is a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "hash/blake3_lanes.hpp"

namespace chunker::blake3::detail {
namespace {

using Y = __m256i;

CHUNKER_B3_INLINE void transpose8(Y x[8]) {
  Y ab0145 = _mm256_unpacklo_epi32(x[0], x[1]);
  Y ab2367 = _mm256_unpackhi_epi32(x[0], x[1]);
  Y cd0145 = _mm256_unpacklo_epi32(x[2], x[3]);
  Y cd2367 = _mm256_unpackhi_epi32(x[2], x[3]);
  Y ef0145 = _mm256_unpacklo_epi32(x[4], x[5]);
  Y ef2367 = _mm256_unpackhi_epi32(x[4], x[5]);
  Y gh0145 = _mm256_unpacklo_epi32(x[6], x[7]);
  Y gh2367 = _mm256_unpackhi_epi32(x[6], x[7]);
  Y abcd04 = _mm256_unpacklo_epi64(ab0145, cd0145);
  Y abcd15 = _mm256_unpackhi_epi64(ab0145, cd0145);
  Y abcd26 = _mm256_unpacklo_epi64(ab2367, cd2367);
  Y abcd37 = _mm256_unpackhi_epi64(ab2367, cd2367);
  Y efgh04 = _mm256_unpacklo_epi64(ef0145, gh0145);
  Y efgh15 = _mm256_unpackhi_epi64(ef0145, gh0145);
  Y efgh26 = _mm256_unpacklo_epi64(ef2367, gh2367);
  Y efgh37 = _mm256_unpackhi_epi64(ef2367, gh2367);
  x[0] = _mm256_permute2x128_si256(abcd04, efgh04, 0x20);
  x[1] = _mm256_permute2x128_si256(abcd15, efgh15, 0x20);
  x[2] = _mm256_permute2x128_si256(abcd26, efgh26, 0x20);
  x[3] = _mm256_permute2x128_si256(abcd37, efgh37, 0x20);
  x[4] = _mm256_permute2x128_si256(abcd04, efgh04, 0x31);
  x[5] = _mm256_permute2x128_si256(abcd15, efgh15, 0x31);
  x[6] = _mm256_permute2x128_si256(abcd26, efgh26, 0x31);
  x[7] = _mm256_permute2x128_si256(abcd37, efgh37, 0x31);
}

struct Avx512 {
  using T = __m512i;
  static constexpr std::size_t N = 16;
  static CHUNKER_B3_INLINE T add(T a, T b) { return _mm512_add_epi32(a, b); }
  static CHUNKER_B3_INLINE T xor_(T a, T b) { return _mm512_xor_si512(a, b); }
  static CHUNKER_B3_INLINE T set1(std::uint32_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
  static CHUNKER_B3_INLINE T loadu(const void* p) { return _mm512_loadu_si512(p); }
  static CHUNKER_B3_INLINE T rot16(T x) { return _mm512_ror_epi32(x, 16); }
  static CHUNKER_B3_INLINE T rot12(T x) { return _mm512_ror_epi32(x, 12); }
  static CHUNKER_B3_INLINE T rot8(T x) { return _mm512_ror_epi32(x, 8); }
  static CHUNKER_B3_INLINE T rot7(T x) { return _mm512_ror_epi32(x, 7); }

  static CHUNKER_B3_INLINE void load_msg(const std::uint8_t* const* in, std::size_t off, T m[16]) {
    // Chunks come in contiguous batches of 16: fetch the same block of the next batch.
    for (int i = 0; i < 16; ++i) _mm_prefetch(reinterpret_cast<const char*>(in[i] + off + 16 * kChunk), _MM_HINT_T0);
    for (int half = 0; half < 2; ++half) {  // message words 0-7, then 8-15
      Y lo[8], hi[8];
      for (int i = 0; i < 8; ++i) {
        lo[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in[i] + off + 32 * half));
        hi[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in[8 + i] + off + 32 * half));
      }
      transpose8(lo);
      transpose8(hi);
      for (int j = 0; j < 8; ++j) m[8 * half + j] = _mm512_inserti64x4(_mm512_castsi256_si512(lo[j]), hi[j], 1);
    }
  }
  static CHUNKER_B3_INLINE void store_cvs(const T h[8], std::uint8_t* out) {
    Y lo[8], hi[8];
    for (int j = 0; j < 8; ++j) {
      lo[j] = _mm512_castsi512_si256(h[j]);
      hi[j] = _mm512_extracti64x4_epi64(h[j], 1);
    }
    transpose8(lo);
    transpose8(hi);
    for (int i = 0; i < 8; ++i) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * i), lo[i]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * (8 + i)), hi[i]);
    }
  }
};

void hash_many_avx512(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                      const std::uint32_t key[8], std::uint64_t counter, bool increment_counter, std::uint8_t flags,
                      std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  lanes::hash_many<Avx512>(inputs, num_inputs, blocks, key, counter, increment_counter, flags, flags_start,
                           flags_end, out, hash_many_avx2);
}

}  // namespace

const Kernel kAvx512Kernel = {"avx512", 16, compress_in_place_sse41, compress_xof_sse41, hash_many_avx512,
                              xof_many_sse41};

}  // namespace chunker::blake3::detail
