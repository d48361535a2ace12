// AVX2 kernels.
//
// "avx2": the four ILP streams in one ymm, scalar loads (scan_vec4.hpp).
//
// "avx2-gather": 8 independent hash streams (two ymm of four 64-bit lanes), each
// lane hashing its own block of kBlock bytes, table lookups by vpgatherqq.
//
// Lane s of group `base` covers [base + s*kBlock, base + (s+1)*kBlock) and is
// warmed up on the 48 bytes before it (the test only sees bits < 48). Every 8
// steps each lane loads its next 8 input bytes as one qword and peels a byte
// per step. Per step the lanes that pass the test give one bit each; the first
// candidate overall is the lowest lane's first hit, so after a hit only lanes
// below the best one found so far keep mattering (the loop runs to the end of
// the block at most).
#include <immintrin.h>

#include <cstring>

#include "fastcdc/scan_kernel.hpp"
#include "fastcdc/scan_scalar.hpp"
#include "fastcdc/scan_vec4.hpp"

namespace chunker::fastcdc::detail {
namespace {

inline std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

template <std::size_t kBlock>
std::size_t find_first_avx2(const std::uint8_t* data, std::size_t from, std::size_t to, const std::uint64_t* gear,
                            std::uint64_t mask) noexcept {
  static_assert(kBlock % 8 == 0 && kTestWindow % 8 == 0);
  constexpr std::size_t kLanes = 8, kGroup = kLanes * kBlock;
  const auto* g = reinterpret_cast<const long long*>(gear);
  const __m256i vmask = _mm256_set1_epi64x(static_cast<long long>(mask));
  const __m256i zero = _mm256_setzero_si256();
  const __m256i low = _mm256_set1_epi64x(0xff);
  std::size_t base = from;
  for (; base + kGroup <= to; base += kGroup) {
    const std::uint8_t* lane[kLanes];
    for (std::size_t s = 0; s < kLanes; ++s) lane[s] = data + base + s * kBlock;
    auto bytes = [&](std::ptrdiff_t off, __m256i& a, __m256i& b) {
      a = _mm256_set_epi64x(static_cast<long long>(load64(lane[3] + off)), static_cast<long long>(load64(lane[2] + off)),
                            static_cast<long long>(load64(lane[1] + off)), static_cast<long long>(load64(lane[0] + off)));
      b = _mm256_set_epi64x(static_cast<long long>(load64(lane[7] + off)), static_cast<long long>(load64(lane[6] + off)),
                            static_cast<long long>(load64(lane[5] + off)), static_cast<long long>(load64(lane[4] + off)));
    };
    __m256i ha = zero, hb = zero;
    for (std::ptrdiff_t off = -static_cast<std::ptrdiff_t>(kTestWindow); off < 0; off += 8) {  // warm-up
      __m256i va, vb;
      bytes(off, va, vb);
      for (int k = 0; k < 8; ++k) {
        const __m256i ga = _mm256_i64gather_epi64(g, _mm256_and_si256(va, low), 8);
        const __m256i gb = _mm256_i64gather_epi64(g, _mm256_and_si256(vb, low), 8);
        ha = _mm256_add_epi64(_mm256_slli_epi64(ha, 1), ga);
        hb = _mm256_add_epi64(_mm256_slli_epi64(hb, 1), gb);
        va = _mm256_srli_epi64(va, 8);
        vb = _mm256_srli_epi64(vb, 8);
      }
    }
    std::size_t best_lane = kLanes, best_pos = kNoCut;
    for (std::size_t off = 0; off < kBlock; off += 8) {
      __m256i va, vb;
      bytes(static_cast<std::ptrdiff_t>(off), va, vb);
      std::uint64_t hits = 0;  // bit 8k+s: lane s passes at offset off+k
      for (int k = 0; k < 8; ++k) {
        const __m256i ga = _mm256_i64gather_epi64(g, _mm256_and_si256(va, low), 8);
        const __m256i gb = _mm256_i64gather_epi64(g, _mm256_and_si256(vb, low), 8);
        ha = _mm256_add_epi64(_mm256_slli_epi64(ha, 1), ga);
        hb = _mm256_add_epi64(_mm256_slli_epi64(hb, 1), gb);
        va = _mm256_srli_epi64(va, 8);
        vb = _mm256_srli_epi64(vb, 8);
        const __m256i ca = _mm256_cmpeq_epi64(_mm256_and_si256(ha, vmask), zero);
        const __m256i cb = _mm256_cmpeq_epi64(_mm256_and_si256(hb, vmask), zero);
        const unsigned m = static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(ca))) |
                           static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(cb))) << 4;
        hits |= static_cast<std::uint64_t>(m) << (8 * k);
      }
      if (hits != 0) [[unlikely]] {
        for (std::size_t s = 0; s < best_lane; ++s) {
          const std::uint64_t mine = (hits >> s) & 0x0101010101010101ull;
          if (mine != 0) {
            best_lane = s;
            best_pos = base + s * kBlock + off + static_cast<std::size_t>(__builtin_ctzll(mine)) / 8;
            break;
          }
        }
        if (best_lane == 0) return best_pos;
      }
    }
    if (best_lane < kLanes) return best_pos;
  }
  if (base < to) {  // tail shorter than a group: plain loop
    std::uint64_t h = 0;
    for (std::size_t i = base - kTestWindow; i < base; ++i) h = (h << 1) + gear[data[i]];
    return scan_scalar(data, base, to, gear, mask, h);
  }
  return kNoCut;
}

std::size_t avx2_find_first(const std::uint8_t* data, std::size_t from, std::size_t to, const std::uint64_t* gear,
                            std::uint64_t mask, std::size_t avg) noexcept {
  if (avg >= (64u << 10)) return find_first_avx2<1024>(data, from, to, gear, mask);
  return find_first_avx2<256>(data, from, to, gear, mask);
}

std::size_t avx2_vec_find_first(const std::uint8_t* data, std::size_t from, std::size_t to, const std::uint64_t* gear,
                                std::uint64_t mask, std::size_t avg) noexcept {
  if (avg >= (64u << 10)) return find_first_vec4<2048>(data, from, to, gear, mask);
  return find_first_vec4<512>(data, from, to, gear, mask);
}

}  // namespace

const ScanKernel kAvx2GatherKernel{"avx2-gather", avx2_find_first};
const ScanKernel kAvx2Kernel{"avx2", avx2_vec_find_first};

}  // namespace chunker::fastcdc::detail
