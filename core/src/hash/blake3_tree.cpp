// BLAKE3 tree hashing of whole subtrees: leaves in SIMD batches (hash_many),
// parents in SIMD batches, and optional fan-out of the two halves of large
// subtrees onto threads. The tree shape is fixed by the spec, so any
// split across lanes or threads gives the exact same result.
#include <cstring>

#include "hash/blake3_impl.hpp"
#include "pipeline/os_thread.hpp"

namespace chunker::blake3::detail {
namespace {

// Below this size a subtree is not worth a thread (spawn costs ~tens of µs).
[[maybe_unused]] constexpr std::size_t kMinThreadSubtree = 256 * 1024;

std::size_t round_down_pow2(std::size_t x) {
  std::size_t p = 1;
  while (p <= x / 2) p <<= 1;
  return p;
}

// Bytes in the left subtree of a `len`-byte input: the largest power-of-two
// number of chunks that leaves at least one byte for the right side.
std::size_t left_len(std::size_t len) {
  std::size_t full_chunks = (len - 1) / kChunk;
  return round_down_pow2(full_chunks) * kChunk;
}

// Chaining value of one (possibly partial, non-empty) chunk that is not the root.
void hash_partial_chunk(const Kernel& k, const std::uint8_t* in, std::size_t len, const std::uint32_t key[8],
                        std::uint64_t chunk_counter, std::uint8_t flags, std::uint8_t out[kCv]) {
  std::uint32_t cv[8];
  std::memcpy(cv, key, sizeof cv);
  std::uint8_t start = kChunkStart;
  while (len > kBlock) {
    k.compress_in_place(cv, in, kBlock, chunk_counter, flags | start);
    start = 0;
    in += kBlock;
    len -= kBlock;
  }
  std::uint8_t block[kBlock] = {};
  std::memcpy(block, in, len);
  k.compress_in_place(cv, block, static_cast<std::uint8_t>(len), chunk_counter, flags | start | kChunkEnd);
  for (int w = 0; w < 8; ++w) store32(out + 4 * w, cv[w]);
}

// Hash up to simd_degree chunks; returns the number of chaining values written.
std::size_t compress_chunks(const Kernel& k, const std::uint8_t* in, std::size_t len, const std::uint32_t key[8],
                            std::uint64_t chunk_counter, std::uint8_t flags, std::uint8_t* out) {
  const std::uint8_t* ptrs[kMaxSimdDegree];
  std::size_t n = 0;
  while (len - n * kChunk >= kChunk) {
    ptrs[n] = in + n * kChunk;
    ++n;
  }
  if (n > 0) k.hash_many(ptrs, n, kChunk / kBlock, key, chunk_counter, true, flags, kChunkStart, kChunkEnd, out);
  if (len > n * kChunk) {
    hash_partial_chunk(k, in + n * kChunk, len - n * kChunk, key, chunk_counter + n, flags, out + n * kCv);
    ++n;
  }
  return n;
}

// Combine pairs of chaining values; an odd one out is carried up unchanged.
std::size_t compress_parents(const Kernel& k, const std::uint8_t* cvs, std::size_t num_cvs, const std::uint32_t key[8],
                             std::uint8_t flags, std::uint8_t* out) {
  const std::uint8_t* ptrs[kMaxSimdDegree];
  std::size_t pairs = num_cvs / 2;
  for (std::size_t i = 0; i < pairs; ++i) ptrs[i] = cvs + 2 * kCv * i;
  k.hash_many(ptrs, pairs, 1, key, 0, false, flags | kParent, 0, 0, out);
  if (num_cvs & 1) {
    std::memcpy(out + pairs * kCv, cvs + 2 * kCv * pairs, kCv);
    return pairs + 1;
  }
  return pairs;
}

struct Job {
  const Kernel* k;
  const std::uint8_t* in;
  std::size_t len;
  const std::uint32_t* key;
  std::uint64_t counter;
  std::uint8_t flags;
  unsigned threads;
  std::uint8_t* out;
  std::size_t result;
};

std::size_t compress_wide(const Kernel& k, const std::uint8_t* in, std::size_t len, const std::uint32_t key[8],
                          std::uint64_t chunk_counter, std::uint8_t flags, unsigned threads, std::uint8_t* out);

void run_job(void* p) {
  auto* j = static_cast<Job*>(p);
  j->result = compress_wide(*j->k, j->in, j->len, j->key, j->counter, j->flags, j->threads, j->out);
}

// Returns up to max(simd_degree, 2) chaining values for the subtree (more than
// one, unless the input is a single chunk), so every level can use full SIMD batches.
std::size_t compress_wide(const Kernel& k, const std::uint8_t* in, std::size_t len, const std::uint32_t key[8],
                          std::uint64_t chunk_counter, std::uint8_t flags, unsigned threads, std::uint8_t* out) {
  if (len <= k.simd_degree * kChunk) return compress_chunks(k, in, len, key, chunk_counter, flags, out);
  std::size_t l = left_len(len);
  // With one lane, a left side bigger than a chunk yields two CVs: make room.
  std::size_t degree = (k.simd_degree == 1 && l > kChunk) ? 2 : k.simd_degree;
  std::uint8_t cvs[2 * kMaxSimdDegree * kCv];
  // The left side is the larger one, so it gets the larger share of threads.
  Job left{&k, in, l, key, chunk_counter, flags, threads - threads / 2, cvs, 0};
  Job right{&k, in + l, len - l, key, chunk_counter + l / kChunk, flags, threads / 2, cvs + degree * kCv, 0};
  bool done = false;
  if (threads >= 2 && len - l >= kMinThreadSubtree) {
    ::chunker::detail::HelperThreads<1> t(1, run_job, &right);
    if (t.started()) {
      run_job(&left);
      t.join();
      done = true;
    } else {
      threads = 1;  // could not start a thread: hash everything here
    }
  }
  if (!done) {
    // Right side too small to share: the whole budget goes down the left.
    left.threads = threads;
    right.threads = 1;
    run_job(&left);
    run_job(&right);
  }
  if (left.result == 1) {  // only with degree 1: return both children directly
    std::memcpy(out, cvs, 2 * kCv);
    return 2;
  }
  return compress_parents(k, cvs, left.result + right.result, key, flags, out);
}

}  // namespace

void compress_subtree_to_parent(const Kernel& k, const std::uint8_t* in, std::size_t len, const std::uint32_t key[8],
                                std::uint64_t chunk_counter, std::uint8_t flags, unsigned threads,
                                std::uint8_t out[2 * kCv]) {
  std::uint8_t cvs[kMaxSimdDegree * kCv];
  std::uint8_t next[kMaxSimdDegree * kCv / 2 + kCv];
  std::size_t n = compress_wide(k, in, len, key, chunk_counter, flags, threads == 0 ? 1 : threads, cvs);
  while (n > 2) {
    n = compress_parents(k, cvs, n, key, flags, next);
    std::memcpy(cvs, next, n * kCv);
  }
  std::memcpy(out, cvs, 2 * kCv);
}

}  // namespace chunker::blake3::detail
