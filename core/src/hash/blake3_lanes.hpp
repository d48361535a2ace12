// Generic N-lane BLAKE3 hash_many, shared by every SIMD kernel: lane i hashes
// input i, so all vector ops are plain 32-bit lane-wise arithmetic. Each ISA
// file supplies a traits type V (in an anonymous namespace) with:
//   using T; static constexpr std::size_t N;
//   add, xor_, set1, loadu(const uint32_t*), rot16, rot12, rot8, rot7,
//   load_msg(inputs, byte_offset, T m[16])  (load one block per lane, transposed)
//   store_cvs(const T h[8], uint8_t* out)   (transpose back, N x 32 bytes)
// and optionally rounds(T v[16], const T m[16]) replacing the seven round_fn calls.
// Only include this from ISA-suffixed sources: it is compiled with their flags.
#pragma once

#include "hash/blake3_impl.hpp"

namespace chunker::blake3::detail::lanes {

// Message word i of the block. With V::kMsgFromMemory the word is re-read
// from the (stack) array at each use instead of being kept in a register:
// V8 has too few vector registers for state and message, and its own spill
// choices are worse than these plain loads (wasm: +4%).
template <class V>
CHUNKER_B3_INLINE typename V::T msg(const typename V::T m[16], int i) {
  if constexpr (requires { V::kMsgFromMemory; }) {
    return *reinterpret_cast<const volatile typename V::T*>(&m[i]);
  } else {
    return m[i];
  }
}

// One full round, the four column G's then the four diagonal G's, each step
// interleaved across the four G's for instruction-level parallelism.
template <class V, int R>
CHUNKER_B3_INLINE void round_fn(typename V::T v[16], const typename V::T m[16]) {
  constexpr const std::uint8_t* s = kSchedule[R];
  v[0] = V::add(v[0], msg<V>(m, s[0]));
  v[1] = V::add(v[1], msg<V>(m, s[2]));
  v[2] = V::add(v[2], msg<V>(m, s[4]));
  v[3] = V::add(v[3], msg<V>(m, s[6]));
  v[0] = V::add(v[0], v[4]);
  v[1] = V::add(v[1], v[5]);
  v[2] = V::add(v[2], v[6]);
  v[3] = V::add(v[3], v[7]);
  v[12] = V::rot16(V::xor_(v[12], v[0]));
  v[13] = V::rot16(V::xor_(v[13], v[1]));
  v[14] = V::rot16(V::xor_(v[14], v[2]));
  v[15] = V::rot16(V::xor_(v[15], v[3]));
  v[8] = V::add(v[8], v[12]);
  v[9] = V::add(v[9], v[13]);
  v[10] = V::add(v[10], v[14]);
  v[11] = V::add(v[11], v[15]);
  v[4] = V::rot12(V::xor_(v[4], v[8]));
  v[5] = V::rot12(V::xor_(v[5], v[9]));
  v[6] = V::rot12(V::xor_(v[6], v[10]));
  v[7] = V::rot12(V::xor_(v[7], v[11]));
  v[0] = V::add(v[0], msg<V>(m, s[1]));
  v[1] = V::add(v[1], msg<V>(m, s[3]));
  v[2] = V::add(v[2], msg<V>(m, s[5]));
  v[3] = V::add(v[3], msg<V>(m, s[7]));
  v[0] = V::add(v[0], v[4]);
  v[1] = V::add(v[1], v[5]);
  v[2] = V::add(v[2], v[6]);
  v[3] = V::add(v[3], v[7]);
  v[12] = V::rot8(V::xor_(v[12], v[0]));
  v[13] = V::rot8(V::xor_(v[13], v[1]));
  v[14] = V::rot8(V::xor_(v[14], v[2]));
  v[15] = V::rot8(V::xor_(v[15], v[3]));
  v[8] = V::add(v[8], v[12]);
  v[9] = V::add(v[9], v[13]);
  v[10] = V::add(v[10], v[14]);
  v[11] = V::add(v[11], v[15]);
  v[4] = V::rot7(V::xor_(v[4], v[8]));
  v[5] = V::rot7(V::xor_(v[5], v[9]));
  v[6] = V::rot7(V::xor_(v[6], v[10]));
  v[7] = V::rot7(V::xor_(v[7], v[11]));

  v[0] = V::add(v[0], msg<V>(m, s[8]));
  v[1] = V::add(v[1], msg<V>(m, s[10]));
  v[2] = V::add(v[2], msg<V>(m, s[12]));
  v[3] = V::add(v[3], msg<V>(m, s[14]));
  v[0] = V::add(v[0], v[5]);
  v[1] = V::add(v[1], v[6]);
  v[2] = V::add(v[2], v[7]);
  v[3] = V::add(v[3], v[4]);
  v[15] = V::rot16(V::xor_(v[15], v[0]));
  v[12] = V::rot16(V::xor_(v[12], v[1]));
  v[13] = V::rot16(V::xor_(v[13], v[2]));
  v[14] = V::rot16(V::xor_(v[14], v[3]));
  v[10] = V::add(v[10], v[15]);
  v[11] = V::add(v[11], v[12]);
  v[8] = V::add(v[8], v[13]);
  v[9] = V::add(v[9], v[14]);
  v[5] = V::rot12(V::xor_(v[5], v[10]));
  v[6] = V::rot12(V::xor_(v[6], v[11]));
  v[7] = V::rot12(V::xor_(v[7], v[8]));
  v[4] = V::rot12(V::xor_(v[4], v[9]));
  v[0] = V::add(v[0], msg<V>(m, s[9]));
  v[1] = V::add(v[1], msg<V>(m, s[11]));
  v[2] = V::add(v[2], msg<V>(m, s[13]));
  v[3] = V::add(v[3], msg<V>(m, s[15]));
  v[0] = V::add(v[0], v[5]);
  v[1] = V::add(v[1], v[6]);
  v[2] = V::add(v[2], v[7]);
  v[3] = V::add(v[3], v[4]);
  v[15] = V::rot8(V::xor_(v[15], v[0]));
  v[12] = V::rot8(V::xor_(v[12], v[1]));
  v[13] = V::rot8(V::xor_(v[13], v[2]));
  v[14] = V::rot8(V::xor_(v[14], v[3]));
  v[10] = V::add(v[10], v[15]);
  v[11] = V::add(v[11], v[12]);
  v[8] = V::add(v[8], v[13]);
  v[9] = V::add(v[9], v[14]);
  v[5] = V::rot7(V::xor_(v[5], v[10]));
  v[6] = V::rot7(V::xor_(v[6], v[11]));
  v[7] = V::rot7(V::xor_(v[7], v[8]));
  v[4] = V::rot7(V::xor_(v[4], v[9]));
}

template <class V>
CHUNKER_B3_INLINE void rounds(typename V::T v[16], const typename V::T m[16]) {
  using T = typename V::T;
  if constexpr (requires(T* a, const T* b) { V::rounds(a, b); }) {
    V::rounds(v, m);  // the ISA file has a hand-scheduled version
  } else {
    round_fn<V, 0>(v, m);
    round_fn<V, 1>(v, m);
    round_fn<V, 2>(v, m);
    round_fn<V, 3>(v, m);
    round_fn<V, 4>(v, m);
    round_fn<V, 5>(v, m);
    round_fn<V, 6>(v, m);
  }
}

// Hash exactly V::N inputs of `blocks` blocks each.
template <class V>
CHUNKER_B3_INLINE void hash_n(const std::uint8_t* const* inputs, std::size_t blocks, const std::uint32_t key[8],
                              std::uint64_t counter, bool increment_counter, std::uint8_t flags,
                              std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  using T = typename V::T;
  alignas(64) std::uint32_t lo[V::N], hi[V::N];
  for (std::size_t i = 0; i < V::N; ++i) {
    std::uint64_t c = counter + (increment_counter ? i : 0);
    lo[i] = counter_low(c);
    hi[i] = counter_high(c);
  }
  const T counter_lo = V::loadu(lo), counter_hi = V::loadu(hi);
  T h[8];
  for (int i = 0; i < 8; ++i) h[i] = V::set1(key[i]);
  std::uint8_t block_flags = flags | flags_start;
  for (std::size_t b = 0; b < blocks; ++b) {
    if (b + 1 == blocks) block_flags |= flags_end;
    T m[16];
    V::load_msg(inputs, b * kBlock, m);
    T v[16] = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
               V::set1(kIV[0]), V::set1(kIV[1]), V::set1(kIV[2]), V::set1(kIV[3]),
               counter_lo, counter_hi, V::set1(kBlock), V::set1(block_flags)};
    rounds<V>(v, m);
    for (int i = 0; i < 8; ++i) h[i] = V::xor_(v[i], v[i + 8]);
    block_flags = flags;
  }
  V::store_cvs(h, out);
}

// The ISA file's own hash_n when it has one (a hand-written block loop).
template <class V>
CHUNKER_B3_INLINE void hash_n_best(const std::uint8_t* const* inputs, std::size_t blocks, const std::uint32_t key[8],
                                   std::uint64_t counter, bool increment_counter, std::uint8_t flags,
                                   std::uint8_t flags_start, std::uint8_t flags_end, std::uint8_t* out) {
  if constexpr (requires { V::hash_n(inputs, blocks, key, counter, increment_counter, flags, flags_start,
                                     flags_end, out); }) {
    V::hash_n(inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end, out);
  } else {
    hash_n<V>(inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end, out);
  }
}

// Full batches of V::N lanes, then `tail` (a narrower kernel) for the rest.
template <class V>
CHUNKER_B3_INLINE void hash_many(const std::uint8_t* const* inputs, std::size_t num_inputs, std::size_t blocks,
                                 const std::uint32_t key[8], std::uint64_t counter, bool increment_counter,
                                 std::uint8_t flags, std::uint8_t flags_start, std::uint8_t flags_end,
                                 std::uint8_t* out, HashManyFn tail) {
  while (num_inputs >= V::N) {
    hash_n_best<V>(inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end, out);
    if (increment_counter) counter += V::N;
    inputs += V::N;
    num_inputs -= V::N;
    out += V::N * kCv;
  }
  // A partial batch: one padded full-width pass (extra lanes repeat the last
  // input, their outputs are dropped) is cheaper than narrower kernels once a
  // few inputs are left. Chunk-sized inputs that are not a multiple of the
  // width (typical for content-defined chunks) depend on this.
  constexpr std::size_t min_pad = [] {
    if constexpr (requires { V::kMinPad; }) return std::size_t{V::kMinPad};  // the ISA file knows better
    return V::N == 4 ? std::size_t{3} : (V::N == 8 ? std::size_t{2} : V::N / 2 + 1);
  }();
  if (num_inputs >= min_pad) {
    const std::uint8_t* padded[V::N];
    for (std::size_t i = 0; i < V::N; ++i) padded[i] = inputs[i < num_inputs ? i : num_inputs - 1];
    alignas(32) std::uint8_t cvs[V::N * kCv];
    hash_n_best<V>(padded, blocks, key, counter, increment_counter, flags, flags_start, flags_end, cvs);
    std::memcpy(out, cvs, num_inputs * kCv);
  } else if (num_inputs > 0) {
    tail(inputs, num_inputs, blocks, key, counter, increment_counter, flags, flags_start, flags_end, out);
  }
}

// Extended output: V::N consecutive 64-byte output blocks of the same root
// node at once (lane i uses output block counter + i).
template <class V>
CHUNKER_B3_INLINE void xof_n(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                             std::uint64_t counter, std::uint8_t flags, std::uint8_t* out) {
  using T = typename V::T;
  alignas(64) std::uint32_t lo[V::N], hi[V::N];
  for (std::size_t i = 0; i < V::N; ++i) {
    lo[i] = counter_low(counter + i);
    hi[i] = counter_high(counter + i);
  }
  T m[16];
  for (int i = 0; i < 16; ++i) m[i] = V::set1(load32(block + 4 * i));
  T v[16] = {V::set1(cv[0]), V::set1(cv[1]), V::set1(cv[2]), V::set1(cv[3]),
             V::set1(cv[4]), V::set1(cv[5]), V::set1(cv[6]), V::set1(cv[7]),
             V::set1(kIV[0]), V::set1(kIV[1]), V::set1(kIV[2]), V::set1(kIV[3]),
             V::loadu(lo), V::loadu(hi), V::set1(block_len), V::set1(flags)};
  rounds<V>(v, m);
  T first[8], second[8];
  for (int i = 0; i < 8; ++i) {
    first[i] = V::xor_(v[i], v[i + 8]);
    second[i] = V::xor_(v[i + 8], V::set1(cv[i]));
  }
  alignas(64) std::uint8_t a[V::N * kCv], b[V::N * kCv];
  V::store_cvs(first, a);
  V::store_cvs(second, b);
  for (std::size_t i = 0; i < V::N; ++i) {
    std::memcpy(out + 64 * i, a + kCv * i, kCv);
    std::memcpy(out + 64 * i + kCv, b + kCv * i, kCv);
  }
}

template <class V>
CHUNKER_B3_INLINE void xof_many(const std::uint32_t cv[8], const std::uint8_t block[kBlock], std::uint8_t block_len,
                                std::uint64_t counter, std::uint8_t flags, std::uint8_t* out, std::size_t outblocks,
                                XofManyFn tail) {
  while (outblocks >= V::N) {
    xof_n<V>(cv, block, block_len, counter, flags, out);
    counter += V::N;
    out += 64 * V::N;
    outblocks -= V::N;
  }
  if (outblocks > 0) tail(cv, block, block_len, counter, flags, out, outblocks);
}

}  // namespace chunker::blake3::detail::lanes
