// BLAKE3 SSE4.1 kernel: 4 inputs in parallel (one per 32-bit lane).
#include <immintrin.h>

#include <cstring>

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

// --- Single-block compression, one row of the 4x4 state per register ---------

CHUNKER_B3_INLINE void g_half(__m128i& a, __m128i& b, __m128i& c, __m128i& d, __m128i m, bool first) {
  a = Sse41::add(Sse41::add(a, m), b);
  d = first ? Sse41::rot16(Sse41::xor_(d, a)) : Sse41::rot8(Sse41::xor_(d, a));
  c = Sse41::add(c, d);
  b = first ? Sse41::rot12(Sse41::xor_(b, c)) : Sse41::rot7(Sse41::xor_(b, c));
}

// Lane j of the row vectors becomes the j-th diagonal G (0,5,10,15), (1,6,11,12), ...
CHUNKER_B3_INLINE void diagonalize(__m128i& b, __m128i& c, __m128i& d) {
  b = _mm_shuffle_epi32(b, _MM_SHUFFLE(0, 3, 2, 1));
  c = _mm_shuffle_epi32(c, _MM_SHUFFLE(1, 0, 3, 2));
  d = _mm_shuffle_epi32(d, _MM_SHUFFLE(2, 1, 0, 3));
}
CHUNKER_B3_INLINE void undiagonalize(__m128i& b, __m128i& c, __m128i& d) {
  b = _mm_shuffle_epi32(b, _MM_SHUFFLE(2, 1, 0, 3));
  c = _mm_shuffle_epi32(c, _MM_SHUFFLE(1, 0, 3, 2));
  d = _mm_shuffle_epi32(d, _MM_SHUFFLE(0, 3, 2, 1));
}

// The message as four vectors, in the order the round consumes it: x/y words of
// the column G's (lanes 0-3 = G0-G3), then of the diagonal G's.
struct Msg {
  __m128 xc, yc, xd, yd;
};

CHUNKER_B3_INLINE __m128i as_int(__m128 v) { return _mm_castps_si128(v); }

CHUNKER_B3_INLINE void row_round(__m128i& a, __m128i& b, __m128i& c, __m128i& d, const Msg& m) {
  g_half(a, b, c, d, as_int(m.xc), true);
  g_half(a, b, c, d, as_int(m.yc), false);
  diagonalize(b, c, d);
  g_half(a, b, c, d, as_int(m.xd), true);
  g_half(a, b, c, d, as_int(m.yd), false);
  undiagonalize(b, c, d);
}

// Apply BLAKE3's message permutation to the four vectors in registers
// (derived for this lane layout: next xc = words 2,3,7,4 of the current
// order, yc = 6,10,0,13, xd = 1,12,9,15, yd = 11,5,14,8).
CHUNKER_B3_INLINE Msg permute(const Msg& m) {
  Msg n;
  __m128 t = _mm_shuffle_ps(m.xc, m.yc, _MM_SHUFFLE(3, 1, 2, 1));
  n.xc = _mm_shuffle_ps(t, t, _MM_SHUFFLE(1, 3, 2, 0));
  __m128 u = _mm_shuffle_ps(m.xc, m.xd, _MM_SHUFFLE(1, 1, 0, 3));
  __m128 v = _mm_shuffle_ps(m.xc, m.yd, _MM_SHUFFLE(2, 2, 0, 0));
  n.yc = _mm_shuffle_ps(u, v, _MM_SHUFFLE(2, 0, 2, 0));
  t = _mm_shuffle_ps(m.yc, m.xd, _MM_SHUFFLE(2, 2, 0, 0));
  n.xd = _mm_shuffle_ps(t, m.yd, _MM_SHUFFLE(3, 0, 2, 0));
  t = _mm_shuffle_ps(m.yd, m.yc, _MM_SHUFFLE(2, 2, 1, 1));
  n.yd = _mm_shuffle_ps(t, m.xd, _MM_SHUFFLE(0, 3, 2, 0));
  return n;
}

CHUNKER_B3_INLINE void compress_rows(__m128i rows[4], const std::uint32_t cv[8], const std::uint8_t block[kBlock],
                                     std::uint8_t block_len, std::uint64_t counter, std::uint8_t flags) {
  const float* w = reinterpret_cast<const float*>(block);  // only moved, never used as floats
  __m128 m0 = _mm_loadu_ps(w), m1 = _mm_loadu_ps(w + 4), m2 = _mm_loadu_ps(w + 8), m3 = _mm_loadu_ps(w + 12);
  Msg m{_mm_shuffle_ps(m0, m1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(m0, m1, _MM_SHUFFLE(3, 1, 3, 1)),
        _mm_shuffle_ps(m2, m3, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(m2, m3, _MM_SHUFFLE(3, 1, 3, 1))};
  __m128i a = Sse41::loadu(cv), b = Sse41::loadu(cv + 4);
  __m128i c = _mm_set_epi32(int(kIV[3]), int(kIV[2]), int(kIV[1]), int(kIV[0]));
  __m128i d = _mm_set_epi32(int(flags), int(block_len), int(counter_high(counter)), int(counter_low(counter)));
  row_round(a, b, c, d, m);
  for (int r = 1; r < 7; ++r) {
    m = permute(m);
    row_round(a, b, c, d, m);
  }
  rows[0] = a;
  rows[1] = b;
  rows[2] = c;
  rows[3] = d;
}

}  // namespace

void compress_in_place_sse41(std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                             std::uint64_t counter, std::uint8_t flags) {
  __m128i r[4];
  compress_rows(r, cv, block, block_len, counter, flags);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(cv), _mm_xor_si128(r[0], r[2]));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(cv + 4), _mm_xor_si128(r[1], r[3]));
}

void compress_xof_sse41(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                        std::uint64_t counter, std::uint8_t flags, std::uint8_t out[64]) {
  __m128i r[4];
  compress_rows(r, cv, block, block_len, counter, flags);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_xor_si128(r[0], r[2]));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_xor_si128(r[1], r[3]));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 32), _mm_xor_si128(r[2], Sse41::loadu(cv)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 48), _mm_xor_si128(r[3], Sse41::loadu(cv + 4)));
}

void xof_many_sse41(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                    std::uint64_t counter, std::uint8_t flags, std::uint8_t* out, std::size_t outblocks) {
  for (std::size_t i = 0; i < outblocks; ++i) compress_xof_sse41(cv, block, block_len, counter + i, flags, out + 64 * i);
}

// Fewer than four inputs left: one at a time with the row-wise compression.
static void hash_serial_sse41(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                              const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                              std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  for (std::size_t i = 0; i < num_inputs; ++i) {
    alignas(16) std::uint32_t cv[8];
    std::memcpy(cv, key, sizeof cv);
    std::uint8_t block_flags = flags | flags_start;
    for (std::size_t b = 0; b < blocks; ++b) {
      if (b + 1 == blocks) block_flags |= flags_end;
      compress_in_place_sse41(cv, inputs[i] + b * kBlock, kBlock, counter, block_flags);
      block_flags = flags;
    }
    std::memcpy(out + i * kCv, cv, kCv);
    if (increment_counter) ++counter;
  }
}

void hash_many_sse41(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                     const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                     std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  lanes::hash_many<Sse41>(inputs, num_inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end,
                          out, hash_serial_sse41);
}

const Kernel kSse41Kernel = {"sse41", 4, compress_in_place_sse41, compress_xof_sse41, hash_many_sse41,
                             xof_many_sse41};

}  // namespace chunker::blake3::detail
