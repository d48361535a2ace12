// BLAKE3 AVX2 kernel: 8 inputs in parallel (one per 32-bit lane). This is the
// hot path for large inputs on x86-64; everything below hash_n is inlined.
#include <immintrin.h>

#include "hash/blake3_lanes.hpp"

namespace chunker::blake3::detail {
namespace {

#if defined(__GNUC__) && defined(__x86_64__) && !defined(CHUNKER_B3_NO_ASM)
// The seven rounds as inline asm. Compilers spill BLAKE3's 16 state vectors
// (plus temporaries) badly, putting store->load round trips on the critical
// path; these schedules keep v0-v7 and v9-v15 in ymm registers and park only
// v8 in memory while ymm8 serves as the temporary for the shift-based rotations
// (rotations by 16 and 8 are one vpshufb each, masks as memory operands). The
// message stays in memory: each word is a memory operand of a vpaddd.
// B3R<i> names the register holding state word i; each asm block below
// defines them before use (the macros expand inside that function's body).
#define CHUNKER_B3_AVX2_ASM 1
#define B3_ADD(x, y) "vpaddd " B3R##x ", " B3R##y ", " B3R##y "\n\t"
#define B3_XOR(x, y) "vpxor " B3R##x ", " B3R##y ", " B3R##y "\n\t"
#define B3_ADDM(off, y) "vpaddd " off "(%[m]), " B3R##y ", " B3R##y "\n\t"
#define B3_ROT16(y) "vpshufb " B3_R16 ", " B3R##y ", " B3R##y "\n\t"
#define B3_ROT8(y) "vpshufb " B3_R8 ", " B3R##y ", " B3R##y "\n\t"
#define B3_ROTS(y, r, l)                            \
  "vpsrld $" #r ", " B3R##y ", %%ymm8\n\t"          \
  "vpslld $" #l ", " B3R##y ", " B3R##y "\n\t"      \
  "vpor %%ymm8, " B3R##y ", " B3R##y "\n\t"
#define B3_LOAD8 "vmovdqa " B3_PARK ", %%ymm8\n\t"
#define B3_PARK8 "vmovdqa %%ymm8, " B3_PARK "\n\t"
// Half of four G functions at once (a += m + b; d = rot(d ^ a); c += d; b = rot(b ^ c)).
#define B3_HALF(a0, b0, c0, d0, a1, b1, c1, d1, a2, b2, c2, d2, a3, b3, c3, d3, m0, m1, m2, m3, ROTD, rr, rl) \
  B3_ADDM(m0, a0) B3_ADDM(m1, a1) B3_ADDM(m2, a2) B3_ADDM(m3, a3)                                            \
  B3_ADD(b0, a0) B3_ADD(b1, a1) B3_ADD(b2, a2) B3_ADD(b3, a3)                                                \
  B3_XOR(a0, d0) B3_XOR(a1, d1) B3_XOR(a2, d2) B3_XOR(a3, d3)                                                \
  ROTD(d0) ROTD(d1) ROTD(d2) ROTD(d3)                                                                        \
  B3_LOAD8                                                                                                   \
  B3_ADD(d0, c0) B3_ADD(d1, c1) B3_ADD(d2, c2) B3_ADD(d3, c3)                                                \
  B3_XOR(c0, b0) B3_XOR(c1, b1) B3_XOR(c2, b2) B3_XOR(c3, b3)                                                \
  B3_PARK8                                                                                                   \
  B3_ROTS(b0, rr, rl) B3_ROTS(b1, rr, rl) B3_ROTS(b2, rr, rl) B3_ROTS(b3, rr, rl)
// One round; the arguments are the byte offsets of the scheduled message words.
#define B3_ROUND(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15)               \
  B3_HALF(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, m0, m2, m4, m6, B3_ROT16, 12, 20)   \
  B3_HALF(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, m1, m3, m5, m7, B3_ROT8, 7, 25)     \
  B3_HALF(0, 5, 10, 15, 1, 6, 11, 12, 2, 7, 8, 13, 3, 4, 9, 14, m8, m10, m12, m14, B3_ROT16, 12, 20) \
  B3_HALF(0, 5, 10, 15, 1, 6, 11, 12, 2, 7, 8, 13, 3, 4, 9, 14, m9, m11, m13, m15, B3_ROT8, 7, 25)
#define B3_SEVEN_ROUNDS                                                                                    \
  B3_ROUND("0", "32", "64", "96", "128", "160", "192", "224", "256", "288", "320", "352", "384", "416", "448", "480") \
  B3_ROUND("64", "192", "96", "320", "224", "0", "128", "416", "32", "352", "384", "160", "288", "448", "480", "256") \
  B3_ROUND("96", "128", "320", "384", "416", "64", "224", "448", "192", "160", "288", "0", "352", "480", "256", "32") \
  B3_ROUND("320", "224", "384", "288", "448", "96", "416", "480", "128", "0", "352", "64", "160", "256", "32", "192") \
  B3_ROUND("384", "416", "288", "352", "480", "320", "448", "256", "224", "64", "160", "96", "0", "32", "192", "128") \
  B3_ROUND("288", "448", "352", "160", "256", "384", "480", "32", "416", "96", "0", "320", "64", "192", "128", "224") \
  B3_ROUND("352", "480", "160", "0", "32", "288", "256", "192", "448", "320", "64", "384", "96", "128", "224", "416")
#define B3R8 "%%ymm8"
#define B3R9 "%%ymm9"
#define B3R10 "%%ymm10"
#define B3R11 "%%ymm11"
#define B3R12 "%%ymm12"
#define B3R13 "%%ymm13"
#define B3R14 "%%ymm14"
#define B3R15 "%%ymm15"

alignas(32) const std::uint8_t kRot16[32] = {2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
                                             2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13};
alignas(32) const std::uint8_t kRot8[32] = {1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
                                            1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12};

// --- Generic rounds on a v[16] array (used by the XOF path) -----------------
#define B3R0 "%%ymm0"
#define B3R1 "%%ymm1"
#define B3R2 "%%ymm2"
#define B3R3 "%%ymm3"
#define B3R4 "%%ymm4"
#define B3R5 "%%ymm5"
#define B3R6 "%%ymm6"
#define B3R7 "%%ymm7"
#define B3_R16 "(%[r16])"
#define B3_R8 "(%[r8])"
#define B3_PARK "256(%[v])"

// v: 16 state vectors (32-byte aligned, updated in place); m: 16 message vectors.
CHUNKER_B3_INLINE void rounds_asm(__m256i v[16], const __m256i m[16]) {
  __asm__ volatile(
      "vmovdqa 0(%[v]), %%ymm0\n\t"
      "vmovdqa 32(%[v]), %%ymm1\n\t"
      "vmovdqa 64(%[v]), %%ymm2\n\t"
      "vmovdqa 96(%[v]), %%ymm3\n\t"
      "vmovdqa 128(%[v]), %%ymm4\n\t"
      "vmovdqa 160(%[v]), %%ymm5\n\t"
      "vmovdqa 192(%[v]), %%ymm6\n\t"
      "vmovdqa 224(%[v]), %%ymm7\n\t"
      "vmovdqa 288(%[v]), %%ymm9\n\t"
      "vmovdqa 320(%[v]), %%ymm10\n\t"
      "vmovdqa 352(%[v]), %%ymm11\n\t"
      "vmovdqa 384(%[v]), %%ymm12\n\t"
      "vmovdqa 416(%[v]), %%ymm13\n\t"
      "vmovdqa 448(%[v]), %%ymm14\n\t"
      "vmovdqa 480(%[v]), %%ymm15\n\t"
      B3_SEVEN_ROUNDS
      "vmovdqa %%ymm0, 0(%[v])\n\t"
      "vmovdqa %%ymm1, 32(%[v])\n\t"
      "vmovdqa %%ymm2, 64(%[v])\n\t"
      "vmovdqa %%ymm3, 96(%[v])\n\t"
      "vmovdqa %%ymm4, 128(%[v])\n\t"
      "vmovdqa %%ymm5, 160(%[v])\n\t"
      "vmovdqa %%ymm6, 192(%[v])\n\t"
      "vmovdqa %%ymm7, 224(%[v])\n\t"
      "vmovdqa %%ymm9, 288(%[v])\n\t"
      "vmovdqa %%ymm10, 320(%[v])\n\t"
      "vmovdqa %%ymm11, 352(%[v])\n\t"
      "vmovdqa %%ymm12, 384(%[v])\n\t"
      "vmovdqa %%ymm13, 416(%[v])\n\t"
      "vmovdqa %%ymm14, 448(%[v])\n\t"
      "vmovdqa %%ymm15, 480(%[v])\n\t"
      :
      : [v] "r"(v), [m] "r"(m), [r16] "r"(kRot16), [r8] "r"(kRot8)
      : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
        "xmm12", "xmm13", "xmm14", "xmm15");
}
#undef B3R0
#undef B3R1
#undef B3R2
#undef B3R3
#undef B3R4
#undef B3R5
#undef B3R6
#undef B3R7
#undef B3_R16
#undef B3_R8
#undef B3_PARK

// --- Whole-block compression for hash_many ----------------------------------
// The chaining value h0-h7 stays in registers from block to block (the asm's
// in/out operands), and each block's message is loaded and transposed inside
// the asm (two 16-byte halves per register, unpack + shufps), so a block costs
// the rounds plus ~30 other instructions and no state round trip through memory.
struct alignas(32) BlockConsts {
  __m256i ctr_lo, ctr_hi, block_len, flags, iv0, park, rot16, rot8, iv1, iv2, iv3;
};
#define B3R0 "%[h0]"
#define B3R1 "%[h1]"
#define B3R2 "%[h2]"
#define B3R3 "%[h3]"
#define B3R4 "%[h4]"
#define B3R5 "%[h5]"
#define B3R6 "%[h6]"
#define B3R7 "%[h7]"
#define B3_R16 "192(%[k])"
#define B3_R8 "224(%[k])"
#define B3_PARK "160(%[k])"
// Words 4g..4g+3 of the eight inputs (bytes 16g..16g+15), transposed into m.
#define B3_MSG4(G, M0, M1, M2, M3)                        \
  "vmovdqu " G "(%[p0],%[off]), %%xmm8\n\t"                 \
  "vinserti128 $1, " G "(%[p4],%[off]), %%ymm8, %%ymm8\n\t"  \
  "vmovdqu " G "(%[p1],%[off]), %%xmm9\n\t"                 \
  "vinserti128 $1, " G "(%[p5],%[off]), %%ymm9, %%ymm9\n\t"  \
  "vmovdqu " G "(%[p2],%[off]), %%xmm10\n\t"               \
  "vinserti128 $1, " G "(%[p6],%[off]), %%ymm10, %%ymm10\n\t" \
  "vmovdqu " G "(%[p3],%[off]), %%xmm11\n\t"               \
  "vinserti128 $1, " G "(%[p7],%[off]), %%ymm11, %%ymm11\n\t" \
  "vunpcklpd %%ymm9, %%ymm8, %%ymm12\n\t"                  \
  "vunpckhpd %%ymm9, %%ymm8, %%ymm13\n\t"                  \
  "vunpcklpd %%ymm11, %%ymm10, %%ymm14\n\t"                \
  "vunpckhpd %%ymm11, %%ymm10, %%ymm15\n\t"                \
  "vshufps $136, %%ymm14, %%ymm12, %%ymm8\n\t"             \
  "vshufps $221, %%ymm14, %%ymm12, %%ymm9\n\t"             \
  "vshufps $136, %%ymm15, %%ymm13, %%ymm10\n\t"            \
  "vshufps $221, %%ymm15, %%ymm13, %%ymm11\n\t"            \
  "vmovdqa %%ymm8, " M0 "(%[m])\n\t"                       \
  "vmovdqa %%ymm9, " M1 "(%[m])\n\t"                       \
  "vmovdqa %%ymm10, " M2 "(%[m])\n\t"                      \
  "vmovdqa %%ymm11, " M3 "(%[m])\n\t"

// One 64-byte block of each of the 8 inputs at byte offset `off`.
CHUNKER_B3_INLINE void block8_asm(__m256i h[8], const std::uint8_t* const* in, std::size_t off, __m256i* m,
                                  BlockConsts* k) {
  __m256i h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4], h5 = h[5], h6 = h[6], h7 = h[7];
  __asm__ volatile(
      B3_MSG4("0", "0", "32", "64", "96")
      B3_MSG4("16", "128", "160", "192", "224")
      B3_MSG4("32", "256", "288", "320", "352")
      B3_MSG4("48", "384", "416", "448", "480")
      // Inputs come in contiguous batches of 8 chunks: fetch this block of the next batch.
      "prefetcht0 8192(%[p0],%[off])\n\t"
      "prefetcht0 8192(%[p1],%[off])\n\t"
      "prefetcht0 8192(%[p2],%[off])\n\t"
      "prefetcht0 8192(%[p3],%[off])\n\t"
      "prefetcht0 8192(%[p4],%[off])\n\t"
      "prefetcht0 8192(%[p5],%[off])\n\t"
      "prefetcht0 8192(%[p6],%[off])\n\t"
      "prefetcht0 8192(%[p7],%[off])\n\t"
      "vmovdqa 128(%[k]), %%ymm8\n\t"
      "vmovdqa %%ymm8, 160(%[k])\n\t"
      "vmovdqa 256(%[k]), %%ymm9\n\t"
      "vmovdqa 288(%[k]), %%ymm10\n\t"
      "vmovdqa 320(%[k]), %%ymm11\n\t"
      "vmovdqa 0(%[k]), %%ymm12\n\t"
      "vmovdqa 32(%[k]), %%ymm13\n\t"
      "vmovdqa 64(%[k]), %%ymm14\n\t"
      "vmovdqa 96(%[k]), %%ymm15\n\t"
      B3_SEVEN_ROUNDS
      "vpxor 160(%[k]), %[h0], %[h0]\n\t"
      "vpxor %%ymm9, %[h1], %[h1]\n\t"
      "vpxor %%ymm10, %[h2], %[h2]\n\t"
      "vpxor %%ymm11, %[h3], %[h3]\n\t"
      "vpxor %%ymm12, %[h4], %[h4]\n\t"
      "vpxor %%ymm13, %[h5], %[h5]\n\t"
      "vpxor %%ymm14, %[h6], %[h6]\n\t"
      "vpxor %%ymm15, %[h7], %[h7]\n\t"
      : [h0] "+x"(h0), [h1] "+x"(h1), [h2] "+x"(h2), [h3] "+x"(h3), [h4] "+x"(h4), [h5] "+x"(h5), [h6] "+x"(h6),
        [h7] "+x"(h7)
      : [p0] "r"(in[0]), [p1] "r"(in[1]), [p2] "r"(in[2]), [p3] "r"(in[3]), [p4] "r"(in[4]), [p5] "r"(in[5]),
        [p6] "r"(in[6]), [p7] "r"(in[7]), [off] "r"(off), [m] "r"(m), [k] "r"(k)
      : "memory", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
        "xmm13", "xmm14", "xmm15");
  h[0] = h0, h[1] = h1, h[2] = h2, h[3] = h3, h[4] = h4, h[5] = h5, h[6] = h6, h[7] = h7;
}
#endif

struct Avx2 {
  using T = __m256i;
  static constexpr std::size_t N = 8;
  // Up to four inputs go to hash_rows (below): latency-bound but without the
  // 8-lane pass's fixed cost, which dominates for the few parents at the top of a tree.
  static constexpr std::size_t kMinPad = 5;
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
    // Chunks come in contiguous batches of 8: fetch the same block of the next batch.
    for (int i = 0; i < 8; ++i) _mm_prefetch(reinterpret_cast<const char*>(in[i] + off + 8 * kChunk), _MM_HINT_T0);
    for (int i = 0; i < 8; ++i) m[i] = loadu(in[i] + off);
    for (int i = 0; i < 8; ++i) m[8 + i] = loadu(in[i] + off + 32);
    transpose(m);
    transpose(m + 8);
  }
#ifdef CHUNKER_B3_AVX2_ASM
  static CHUNKER_B3_INLINE void rounds(T v[16], const T m[16]) { rounds_asm(v, m); }
  // Replaces lanes::hash_n: the block loop runs on block8_asm.
  static CHUNKER_B3_INLINE void hash_n(const std::uint8_t* const* inputs, std::size_t blocks,
                                       const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                                       std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end,
                                       std::uint8_t* out) {
    BlockConsts k;
    alignas(32) std::uint32_t lo[8], hi[8];
    for (int i = 0; i < 8; ++i) {
      std::uint64_t c = counter + (increment_counter ? static_cast<std::uint64_t>(i) : 0);
      lo[i] = counter_low(c);
      hi[i] = counter_high(c);
    }
    k.ctr_lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(lo));
    k.ctr_hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(hi));
    k.block_len = set1(kBlock);
    k.iv0 = set1(kIV[0]);
    k.iv1 = set1(kIV[1]);
    k.iv2 = set1(kIV[2]);
    k.iv3 = set1(kIV[3]);
    k.rot16 = _mm256_load_si256(reinterpret_cast<const __m256i*>(kRot16));
    k.rot8 = _mm256_load_si256(reinterpret_cast<const __m256i*>(kRot8));
    alignas(32) __m256i m[16];
    T h[8];
    for (int i = 0; i < 8; ++i) h[i] = set1(key[i]);
    std::uint8_t block_flags = flags | flags_start;
    for (std::size_t b = 0; b < blocks; ++b) {
      if (b + 1 == blocks) block_flags |= flags_end;
      k.flags = set1(block_flags);
      block8_asm(h, inputs, b * kBlock, m, &k);
      block_flags = flags;
    }
    store_cvs(h, out);
  }
#endif
  static CHUNKER_B3_INLINE void store_cvs(const T h[8], std::uint8_t* out) {
    T x[8] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]};
    transpose(x);
    for (int i = 0; i < 8; ++i) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * i), x[i]);
  }
};


// --- Row-wise compression of 2 or 4 inputs ---------------------------------
// The single-block layout of blake3_sse41.cpp (one 4-word row of the state per
// register), with two inputs side by side in the two 128-bit halves of a ymm:
// every operation it needs is lane-local in AVX2. K register sets are
// interleaved so the K dependency chains overlap. Used for the last 1-4 inputs
// of a hash_many call (the top levels of a tree, a chunk-sized tail).
CHUNKER_B3_INLINE __m256i rot16r(__m256i x) { return Avx2::rot16(x); }
CHUNKER_B3_INLINE __m256i rot8r(__m256i x) { return Avx2::rot8(x); }

template <int K>
CHUNKER_B3_INLINE void g_rows(__m256i a[K], __m256i b[K], __m256i c[K], __m256i d[K], const __m256 m[K], bool first) {
  for (int k = 0; k < K; ++k) a[k] = _mm256_add_epi32(_mm256_add_epi32(a[k], _mm256_castps_si256(m[k])), b[k]);
  for (int k = 0; k < K; ++k) d[k] = first ? rot16r(_mm256_xor_si256(d[k], a[k])) : rot8r(_mm256_xor_si256(d[k], a[k]));
  for (int k = 0; k < K; ++k) c[k] = _mm256_add_epi32(c[k], d[k]);
  for (int k = 0; k < K; ++k)
    b[k] = first ? Avx2::rot12(_mm256_xor_si256(b[k], c[k])) : Avx2::rot7(_mm256_xor_si256(b[k], c[k]));
}

// The four message vectors of a round: x/y words of the column G's, then of the diagonal G's.
struct Msg2 {
  __m256 xc, yc, xd, yd;
};

// BLAKE3's message permutation for this layout (see permute() in blake3_sse41.cpp).
CHUNKER_B3_INLINE Msg2 permute2(const Msg2& m) {
  Msg2 n;
  __m256 t = _mm256_shuffle_ps(m.xc, m.yc, _MM_SHUFFLE(3, 1, 2, 1));
  n.xc = _mm256_shuffle_ps(t, t, _MM_SHUFFLE(1, 3, 2, 0));
  __m256 u = _mm256_shuffle_ps(m.xc, m.xd, _MM_SHUFFLE(1, 1, 0, 3));
  __m256 v = _mm256_shuffle_ps(m.xc, m.yd, _MM_SHUFFLE(2, 2, 0, 0));
  n.yc = _mm256_shuffle_ps(u, v, _MM_SHUFFLE(2, 0, 2, 0));
  t = _mm256_shuffle_ps(m.yc, m.xd, _MM_SHUFFLE(2, 2, 0, 0));
  n.xd = _mm256_shuffle_ps(t, m.yd, _MM_SHUFFLE(3, 0, 2, 0));
  t = _mm256_shuffle_ps(m.yd, m.yc, _MM_SHUFFLE(2, 2, 1, 1));
  n.yd = _mm256_shuffle_ps(t, m.xd, _MM_SHUFFLE(0, 3, 2, 0));
  return n;
}

CHUNKER_B3_INLINE __m256 load_pair(const std::uint8_t* lo, const std::uint8_t* hi) {
  __m128 l = _mm_loadu_ps(reinterpret_cast<const float*>(lo));  // only moved, never used as floats
  return _mm256_insertf128_ps(_mm256_castps128_ps256(l), _mm_loadu_ps(reinterpret_cast<const float*>(hi)), 1);
}

// Hashes 2K inputs (in[0..2K-1], all valid pointers) of `blocks` blocks each.
template <int K>
void hash_rows(const std::uint8_t* const* in, std::size_t blocks, const std::uint32_t key[8], std::uint64_t counter,
               bool increment_counter, std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end,
               std::uint8_t out[2 * K * kCv]) {
  const __m256i key_lo = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(key)));
  const __m256i key_hi = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(key + 4)));
  const __m256i iv = _mm256_setr_epi32(int(kIV[0]), int(kIV[1]), int(kIV[2]), int(kIV[3]), int(kIV[0]), int(kIV[1]),
                                       int(kIV[2]), int(kIV[3]));
  __m256i h0[K], h1[K];
  std::uint32_t lo[2 * K], hi[2 * K];
  for (int k = 0; k < K; ++k) h0[k] = key_lo, h1[k] = key_hi;
  for (int i = 0; i < 2 * K; ++i) {
    std::uint64_t c = counter + (increment_counter ? static_cast<std::uint64_t>(i) : 0);
    lo[i] = counter_low(c);
    hi[i] = counter_high(c);
  }
  std::uint8_t block_flags = flags | flags_start;
  for (std::size_t blk = 0; blk < blocks; ++blk) {
    if (blk + 1 == blocks) block_flags |= flags_end;
    const std::size_t off = blk * kBlock;
    __m256i a[K], b[K], c[K], d[K];
    Msg2 m[K];
    for (int k = 0; k < K; ++k) {
      const std::uint8_t* p = in[2 * k] + off;
      const std::uint8_t* q = in[2 * k + 1] + off;
      __m256 m0 = load_pair(p, q), m1 = load_pair(p + 16, q + 16), m2 = load_pair(p + 32, q + 32),
             m3 = load_pair(p + 48, q + 48);
      m[k] = {_mm256_shuffle_ps(m0, m1, _MM_SHUFFLE(2, 0, 2, 0)), _mm256_shuffle_ps(m0, m1, _MM_SHUFFLE(3, 1, 3, 1)),
              _mm256_shuffle_ps(m2, m3, _MM_SHUFFLE(2, 0, 2, 0)), _mm256_shuffle_ps(m2, m3, _MM_SHUFFLE(3, 1, 3, 1))};
      a[k] = h0[k];
      b[k] = h1[k];
      c[k] = iv;
      d[k] = _mm256_setr_epi32(int(lo[2 * k]), int(hi[2 * k]), int(kBlock), block_flags, int(lo[2 * k + 1]),
                               int(hi[2 * k + 1]), int(kBlock), block_flags);
    }
    for (int r = 0; r < 7; ++r) {
      if (r > 0)
        for (int k = 0; k < K; ++k) m[k] = permute2(m[k]);
      __m256 x[K], y[K];
      for (int k = 0; k < K; ++k) x[k] = m[k].xc, y[k] = m[k].yc;
      g_rows<K>(a, b, c, d, x, true);
      g_rows<K>(a, b, c, d, y, false);
      for (int k = 0; k < K; ++k) {  // diagonalise
        b[k] = _mm256_shuffle_epi32(b[k], _MM_SHUFFLE(0, 3, 2, 1));
        c[k] = _mm256_shuffle_epi32(c[k], _MM_SHUFFLE(1, 0, 3, 2));
        d[k] = _mm256_shuffle_epi32(d[k], _MM_SHUFFLE(2, 1, 0, 3));
      }
      for (int k = 0; k < K; ++k) x[k] = m[k].xd, y[k] = m[k].yd;
      g_rows<K>(a, b, c, d, x, true);
      g_rows<K>(a, b, c, d, y, false);
      for (int k = 0; k < K; ++k) {  // undiagonalise
        b[k] = _mm256_shuffle_epi32(b[k], _MM_SHUFFLE(2, 1, 0, 3));
        c[k] = _mm256_shuffle_epi32(c[k], _MM_SHUFFLE(1, 0, 3, 2));
        d[k] = _mm256_shuffle_epi32(d[k], _MM_SHUFFLE(0, 3, 2, 1));
      }
    }
    for (int k = 0; k < K; ++k) {
      h0[k] = _mm256_xor_si256(a[k], c[k]);
      h1[k] = _mm256_xor_si256(b[k], d[k]);
    }
    block_flags = flags;
  }
  for (int k = 0; k < K; ++k) {
    // Input 2k: the low halves; input 2k+1: the high halves.
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * k * kCv), _mm256_permute2x128_si256(h0[k], h1[k], 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (2 * k + 1) * kCv),
                        _mm256_permute2x128_si256(h0[k], h1[k], 0x31));
  }
}

// The tail of hash_many_avx2: 1-4 inputs.
void hash_few_avx2(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                   const std::uint32_t key[8], std::uint64_t counter, bool increment_counter, std::uint8_t flags,
                   std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  const std::uint8_t* in[4];
  for (std::size_t i = 0; i < 4; ++i) in[i] = inputs[i < num_inputs ? i : num_inputs - 1];  // pad with the last
  alignas(32) std::uint8_t cvs[4 * kCv];
  if (num_inputs > 2)
    hash_rows<2>(in, blocks, key, counter, increment_counter, flags, flags_start, flags_end, cvs);
  else
    hash_rows<1>(in, blocks, key, counter, increment_counter, flags, flags_start, flags_end, cvs);
  std::memcpy(out, cvs, num_inputs * kCv);
}

}  // namespace

void hash_many_avx2(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                    const std::uint32_t key[8], std::uint64_t counter, bool increment_counter, std::uint8_t flags,
                    std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  lanes::hash_many<Avx2>(inputs, num_inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end,
                         out, hash_few_avx2);
}

static void xof_many_avx2(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                          std::uint64_t counter, std::uint8_t flags, std::uint8_t* out, std::size_t outblocks) {
  lanes::xof_many<Avx2>(cv, block, block_len, counter, flags, out, outblocks, xof_many_sse41);
}

const Kernel kAvx2Kernel = {"avx2", 8, compress_in_place_sse41, compress_xof_sse41, hash_many_avx2,
                            xof_many_avx2};

}  // namespace chunker::blake3::detail
