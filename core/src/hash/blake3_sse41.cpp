// BLAKE3 SSE4.1 kernel: 4 inputs in parallel (one per 32-bit lane).
#include <immintrin.h>

#include "hash/blake3_lanes.hpp"

namespace chunker::blake3::detail {
namespace {

struct Sse41 {
  using T = __m128i;
  static constexpr std::size_t N = 4;
  static CHUNKER_B3_INLINE T add(T a, T b) { return _mm_add_epi32(a, b); }
  static CHUNKER_B3_INLINE T xor_(T a, T b) { return _mm_xor_si128(a, b); }
  static CHUNKER_B3_INLINE T set1(std::uint32_t x) { return _mm_set1_epi32(static_cast<int>(x)); }
  static CHUNKER_B3_INLINE T loadu(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
  // Byte-aligned rotations are one pshufb; the others need shift+shift+or.
  static CHUNKER_B3_INLINE T rot16(T x) {
    return _mm_shuffle_epi8(x, _mm_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2));
  }
  static CHUNKER_B3_INLINE T rot12(T x) { return _mm_or_si128(_mm_srli_epi32(x, 12), _mm_slli_epi32(x, 20)); }
  static CHUNKER_B3_INLINE T rot8(T x) {
    return _mm_shuffle_epi8(x, _mm_set_epi8(12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3, 2, 1));
  }
  static CHUNKER_B3_INLINE T rot7(T x) { return _mm_or_si128(_mm_srli_epi32(x, 7), _mm_slli_epi32(x, 25)); }

  static CHUNKER_B3_INLINE void transpose(T x[4]) {
    T ab01 = _mm_unpacklo_epi32(x[0], x[1]);
    T ab23 = _mm_unpackhi_epi32(x[0], x[1]);
    T cd01 = _mm_unpacklo_epi32(x[2], x[3]);
    T cd23 = _mm_unpackhi_epi32(x[2], x[3]);
    x[0] = _mm_unpacklo_epi64(ab01, cd01);
    x[1] = _mm_unpackhi_epi64(ab01, cd01);
    x[2] = _mm_unpacklo_epi64(ab23, cd23);
    x[3] = _mm_unpackhi_epi64(ab23, cd23);
  }
  static CHUNKER_B3_INLINE void load_msg(const std::uint8_t* const* in, std::size_t off, T m[16]) {
    // Chunks come in contiguous batches of 4: fetch the same block of the next batch.
    for (int i = 0; i < 4; ++i) _mm_prefetch(reinterpret_cast<const char*>(in[i] + off + 4 * kChunk), _MM_HINT_T0);
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
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 32 * i), a[i]);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 32 * i + 16), b[i]);
    }
  }
};

}  // namespace

void hash_many_sse41(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                     const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                     std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  lanes::hash_many<Sse41>(inputs, num_inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end,
                          out, hash_many_portable);
}

const Kernel kSse41Kernel = {"sse41", 4, compress_in_place_portable, compress_xof_portable, hash_many_sse41,
                             xof_many_portable};

}  // namespace chunker::blake3::detail
