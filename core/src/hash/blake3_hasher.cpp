// BLAKE3 incremental hasher: the current chunk plus a stack of chaining values
// of completed subtrees, merged lazily (the newest one might still become the
// root, so it can only be merged once more input arrives).
#include <algorithm>
#include <bit>
#include <cstring>

#include "chunker/blake3.hpp"
#include "hash/blake3_impl.hpp"

namespace chunker::blake3 {

using namespace detail;

namespace {

// The last compression of a tree node, kept so it can be emitted either as a
// chaining value or (for the root) as any number of output bytes.
struct Output {
  std::uint32_t cv[8];
  std::uint8_t block[kBlock];
  std::uint8_t block_len;
  std::uint64_t counter;
  std::uint8_t flags;

  void chaining_value(const Kernel& k, std::uint8_t out[kCv]) const {
    std::uint32_t c[8];
    std::memcpy(c, cv, sizeof c);
    k.compress_in_place(c, block, block_len, counter, flags);
    for (int w = 0; w < 8; ++w) store32(out + 4 * w, c[w]);
  }

  void root_bytes(const Kernel& k, std::uint64_t seek, std::uint8_t* out, std::size_t len) const {
    if (len == 0) return;
    std::uint64_t block_counter = seek / 64;
    std::size_t offset = static_cast<std::size_t>(seek % 64);
    std::uint8_t buf[64];
    if (offset != 0) {  // leading partial block
      k.compress_xof(cv, block, block_len, block_counter, flags | kRoot, buf);
      std::size_t take = std::min<std::size_t>(64 - offset, len);
      std::memcpy(out, buf + offset, take);
      out += take;
      len -= take;
      ++block_counter;
    }
    if (len >= 64) {
      std::size_t full = len / 64;
      k.xof_many(cv, block, block_len, block_counter, flags | kRoot, out, full);
      block_counter += full;
      out += full * 64;
      len -= full * 64;
    }
    if (len > 0) {
      k.compress_xof(cv, block, block_len, block_counter, flags | kRoot, buf);
      std::memcpy(out, buf, len);
    }
  }
};

Output parent_output(const std::uint8_t block[kBlock], const std::uint32_t key[8], std::uint8_t flags) {
  Output o;
  std::memcpy(o.cv, key, sizeof o.cv);
  std::memcpy(o.block, block, kBlock);
  o.block_len = kBlock;
  o.counter = 0;
  o.flags = flags | kParent;
  return o;
}

void words_from_bytes(const std::uint8_t* in, std::uint32_t out[8]) {
  for (int i = 0; i < 8; ++i) out[i] = load32(in + 4 * i);
}

}  // namespace

Hasher::Hasher(const std::uint32_t key[8], std::uint8_t flags) noexcept : flags_(flags) {
  std::memcpy(key_, key, sizeof key_);
  reset();
}

Hasher::Hasher() noexcept : Hasher(kIV, 0) {}

Hasher Hasher::keyed(std::span<const std::uint8_t, kKeyLen> key) noexcept {
  std::uint32_t words[8];
  words_from_bytes(key.data(), words);
  return Hasher(words, kKeyedHash);
}

Hasher Hasher::derive_key(std::string_view context) noexcept {
  Hasher ctx(kIV, kDeriveKeyContext);
  ctx.update({reinterpret_cast<const std::uint8_t*>(context.data()), context.size()});
  std::uint8_t context_key[kKeyLen];
  ctx.finalize(context_key);
  std::uint32_t words[8];
  words_from_bytes(context_key, words);
  return Hasher(words, kDeriveKeyMaterial);
}

void Hasher::reset() noexcept {
  std::memcpy(chunk_cv_, key_, sizeof chunk_cv_);
  chunk_counter_ = base_chunk_;
  std::memset(buf_, 0, sizeof buf_);
  buf_len_ = 0;
  blocks_compressed_ = 0;
  cv_stack_len_ = 0;
}

std::uint64_t Hasher::end_offset() const noexcept {
  return chunk_counter_ * kChunk + blocks_compressed_ * kBlock + buf_len_;
}

std::uint64_t Hasher::count() const noexcept { return end_offset() - base_chunk_ * kChunk; }

// Absorb bytes into the current chunk; the caller never passes more than fits.
// The last block is always kept buffered: it needs CHUNK_END (and maybe ROOT).
void Hasher::chunk_update(const std::uint8_t* in, std::size_t len) noexcept {
  const Kernel& k = kernel();
  if (buf_len_ > 0) {
    std::size_t take = std::min<std::size_t>(kBlock - buf_len_, len);
    std::memcpy(buf_ + buf_len_, in, take);
    buf_len_ = static_cast<std::uint8_t>(buf_len_ + take);
    in += take;
    len -= take;
    if (len > 0) {
      k.compress_in_place(chunk_cv_, buf_, kBlock, chunk_counter_,
                          flags_ | (blocks_compressed_ == 0 ? kChunkStart : 0));
      ++blocks_compressed_;
      buf_len_ = 0;
      std::memset(buf_, 0, sizeof buf_);
    }
  }
  while (len > kBlock) {
    k.compress_in_place(chunk_cv_, in, kBlock, chunk_counter_, flags_ | (blocks_compressed_ == 0 ? kChunkStart : 0));
    ++blocks_compressed_;
    in += kBlock;
    len -= kBlock;
  }
  std::memcpy(buf_ + buf_len_, in, len);
  buf_len_ = static_cast<std::uint8_t>(buf_len_ + len);
}

void Hasher::merge_stack(std::uint64_t total_chunks) noexcept {
  // A complete tree of total_chunks chunks has one CV per set bit (a part
  // counts from its own first chunk).
  std::size_t target = static_cast<std::size_t>(std::popcount(total_chunks - base_chunk_));
  const Kernel& k = kernel();
  while (cv_stack_len_ > target) {
    std::uint8_t* pair = cv_stack_ + (cv_stack_len_ - 2) * kCv;
    parent_output(pair, key_, flags_).chaining_value(k, pair);
    --cv_stack_len_;
  }
}

void Hasher::push_cv(const std::uint8_t cv[kCv], std::uint64_t chunk_counter) noexcept {
  merge_stack(chunk_counter);
  std::memcpy(cv_stack_ + cv_stack_len_ * kCv, cv, kCv);
  ++cv_stack_len_;
}

void Hasher::close_chunk() noexcept {
  std::uint8_t cv[kCv];
  Output o;
  std::memcpy(o.cv, chunk_cv_, sizeof o.cv);
  std::memcpy(o.block, buf_, kBlock);
  o.block_len = buf_len_;
  o.counter = chunk_counter_;
  o.flags = flags_ | (blocks_compressed_ == 0 ? kChunkStart : 0) | kChunkEnd;
  o.chaining_value(kernel(), cv);
  push_cv(cv, chunk_counter_);
  std::memcpy(chunk_cv_, key_, sizeof chunk_cv_);
  ++chunk_counter_;
  std::memset(buf_, 0, sizeof buf_);
  buf_len_ = 0;
  blocks_compressed_ = 0;
}

void Hasher::update(std::span<const std::uint8_t> in) noexcept { update_impl(in.data(), in.size(), 1); }

void Hasher::update_parallel(std::span<const std::uint8_t> in, unsigned threads) noexcept {
  update_impl(in.data(), in.size(), std::clamp(threads, 1u, kMaxThreads));
}

void Hasher::update_impl(const std::uint8_t* in, std::size_t len, unsigned threads) noexcept {
  // An empty span may carry a null pointer (std::span{}, C callers' (NULL, 0)):
  // memcpy from it is undefined even for 0 bytes.
  if (len == 0) return;
  const Kernel& k = kernel();
  std::size_t chunk_len = blocks_compressed_ * kBlock + buf_len_;
  if (chunk_len > 0) {  // finish the partial chunk first
    std::size_t take = std::min(kChunk - chunk_len, len);
    chunk_update(in, take);
    in += take;
    len -= take;
    if (len == 0) return;
    close_chunk();  // more input follows, so this chunk is not the root
  }
  // Whole subtrees straight from the input. Keep at least one byte back unless
  // a subtree ends exactly at the end (finalize handles an empty chunk).
  while (len > kChunk) {
    std::size_t subtree = std::size_t{1} << (63 - std::countl_zero(static_cast<std::uint64_t>(len)));
    // The subtree must start on a multiple of its own size in the tree.
    std::uint64_t so_far = chunk_counter_ * kChunk;
    while (((subtree - 1) & so_far) != 0) subtree /= 2;
    std::uint64_t subtree_chunks = subtree / kChunk;
    if (subtree <= kChunk) {
      std::uint8_t cv[kCv];
      std::uint32_t c[8];
      std::memcpy(c, key_, sizeof c);
      std::uint8_t start = kChunkStart;
      for (std::size_t b = 0; b < kChunk / kBlock; ++b) {
        std::uint8_t f = flags_ | start | (b + 1 == kChunk / kBlock ? kChunkEnd : 0);
        k.compress_in_place(c, in + b * kBlock, kBlock, chunk_counter_, f);
        start = 0;
      }
      for (int w = 0; w < 8; ++w) store32(cv + 4 * w, c[w]);
      push_cv(cv, chunk_counter_);
    } else {
      std::uint8_t pair[2 * kCv];
      compress_subtree_to_parent(k, in, subtree, key_, chunk_counter_, flags_, threads, pair);
      push_cv(pair, chunk_counter_);
      push_cv(pair + kCv, chunk_counter_ + subtree_chunks / 2);
    }
    chunk_counter_ += subtree_chunks;
    in += subtree;
    len -= subtree;
  }
  if (len > 0) {
    chunk_update(in, len);
    merge_stack(chunk_counter_);
  }
}

Hasher Hasher::part(std::uint64_t first_chunk) const noexcept {
  Hasher h(key_, flags_);
  h.base_chunk_ = first_chunk;
  h.reset();
  return h;
}

bool Hasher::append(const Hasher& part) noexcept {
  if (part.flags_ != flags_ || std::memcmp(part.key_, key_, sizeof key_) != 0) return false;
  const std::uint64_t at = end_offset();
  if (at != part.base_chunk_ * kChunk) return false;
  const std::uint64_t len = part.count();
  if (part.base_chunk_ != 0 && part.base_chunk_ % std::bit_ceil((len + kChunk - 1) / kChunk) != 0) return false;
  if (len == 0) return true;
  if (at == base_chunk_ * kChunk) {  // nothing absorbed yet: the part's state is ours
    const std::uint64_t base = base_chunk_;
    *this = part;
    base_chunk_ = base;
    return true;
  }
  // `at` is a multiple of kChunk, so an open chunk here is full; input follows,
  // so it is not the root.
  if (blocks_compressed_ != 0 || buf_len_ != 0) close_chunk();
  // The part's completed subtrees, one per set bit of its chunk count, largest
  // first. Merging them is safe: input precedes the part, so none is the root.
  Hasher p = part;
  const std::uint64_t n = p.chunk_counter_ - p.base_chunk_;
  p.merge_stack(p.chunk_counter_);
  std::uint64_t c = p.base_chunk_;
  std::size_t i = 0;
  for (int bit = 63; bit >= 0; --bit) {
    const std::uint64_t size = std::uint64_t{1} << bit;
    if ((n & size) == 0) continue;
    push_cv(p.cv_stack_ + i++ * kCv, c);
    c += size;
  }
  std::memcpy(chunk_cv_, p.chunk_cv_, sizeof chunk_cv_);
  std::memcpy(buf_, p.buf_, sizeof buf_);
  buf_len_ = p.buf_len_;
  blocks_compressed_ = p.blocks_compressed_;
  chunk_counter_ = p.chunk_counter_;
  // As update() leaves it: merged below an open chunk, lazy at a subtree's end.
  if (blocks_compressed_ != 0 || buf_len_ != 0) merge_stack(chunk_counter_);
  return true;
}

void Hasher::finalize_seek(std::uint64_t offset, std::span<std::uint8_t> out) const noexcept {
  const Kernel& k = kernel();
  Output o;
  std::size_t remaining;
  std::size_t chunk_len = blocks_compressed_ * kBlock + buf_len_;
  if (cv_stack_len_ == 0 || chunk_len > 0) {
    std::memcpy(o.cv, chunk_cv_, sizeof o.cv);
    std::memcpy(o.block, buf_, kBlock);
    o.block_len = buf_len_;
    o.counter = chunk_counter_;
    o.flags = flags_ | (blocks_compressed_ == 0 ? kChunkStart : 0) | kChunkEnd;
    remaining = cv_stack_len_;
  } else {
    // Input ended on a subtree boundary: the top two stacked CVs are the last node.
    o = parent_output(cv_stack_ + (cv_stack_len_ - 2) * kCv, key_, flags_);
    remaining = cv_stack_len_ - 2;
  }
  while (remaining > 0) {
    --remaining;
    std::uint8_t block[kBlock];
    std::memcpy(block, cv_stack_ + remaining * kCv, kCv);
    o.chaining_value(k, block + kCv);
    o = parent_output(block, key_, flags_);
  }
  o.root_bytes(k, offset, out.data(), out.size());
}

void Hasher::finalize(std::span<std::uint8_t> out) const noexcept { finalize_seek(0, out); }

std::array<std::uint8_t, kOutLen> Hasher::finalize() const noexcept {
  std::array<std::uint8_t, kOutLen> out;
  finalize_seek(0, out);
  return out;
}

std::array<std::uint8_t, kOutLen> hash(std::span<const std::uint8_t> in) noexcept {
  Hasher h;
  h.update(in);
  return h.finalize();
}

void hash(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, unsigned threads) noexcept {
  Hasher h;
  h.update_parallel(in, threads);
  h.finalize(out);
}

std::array<std::uint8_t, kOutLen> keyed_hash(std::span<const std::uint8_t, kKeyLen> key,
                                             std::span<const std::uint8_t> in) noexcept {
  Hasher h = Hasher::keyed(key);
  h.update(in);
  return h.finalize();
}

void derive_key(std::string_view context, std::span<const std::uint8_t> key_material,
                std::span<std::uint8_t> out) noexcept {
  Hasher h = Hasher::derive_key(context);
  h.update(key_material);
  h.finalize(out);
}

}  // namespace chunker::blake3
