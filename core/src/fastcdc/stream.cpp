#include <cstring>

#include "chunker/fastcdc.hpp"

namespace chunker::fastcdc {

Result<StreamChunker> StreamChunker::create(const Params& p) {
  auto c = Cutter::create(p);
  if (!c) return c.status();
  return StreamChunker(*c);
}

void StreamChunker::reset() noexcept {
  buf_.clear();
  head_ = 0;
  next_offset_ = 0;
  consumed_ = 0;
}

// Makes room for `extra` more bytes at the end of buf_ without growing it past
// max_size: pending bytes are moved to the front only when needed.
void StreamChunker::compact_for(std::size_t extra) {
  if (head_ > 0 && buf_.size() + extra > buf_.capacity()) {
    std::memmove(buf_.data(), buf_.data() + head_, buf_.size() - head_);
    buf_.resize(buf_.size() - head_);
    head_ = 0;
  }
}

void StreamChunker::push(std::span<const std::uint8_t> data, ChunkSink sink) {
  const std::size_t max = cutter_.params().max_size;
  if (buf_.capacity() < max) buf_.reserve(max);
  consumed_ += data.size();
  std::size_t pos = 0;

  // Phase 1: pending bytes from earlier pushes. A cut is only final once
  // max_size bytes are visible (the cut search never looks further), so top the
  // window up to exactly max_size from `data` and cut there.
  while (head_ < buf_.size()) {
    const std::size_t pending = buf_.size() - head_;
    const std::size_t fill = max - pending;
    if (data.size() - pos < fill) {
      compact_for(data.size() - pos);
      buf_.insert(buf_.end(), data.begin() + pos, data.end());
      return;
    }
    compact_for(fill);
    buf_.insert(buf_.end(), data.begin() + pos, data.begin() + pos + fill);
    pos += fill;
    const std::uint8_t* w = buf_.data() + head_;
    const Cut c = cutter_.find_cut(w, max);
    sink(Chunk{next_offset_, c.length, c.fingerprint}, {w, c.length});
    next_offset_ += c.length;
    if (c.length >= pending) {
      // The chunk used up every old byte: the rest of the window is still in
      // `data`, so drop the copy and continue straight from the slice.
      pos -= max - c.length;
      buf_.clear();
      head_ = 0;
    } else {
      head_ += c.length;
    }
  }

  // Phase 2: cut directly inside the caller's slice while a full window fits.
  buf_.clear();
  head_ = 0;
  while (data.size() - pos >= max) {
    const Cut c = cutter_.find_cut(data.data() + pos, max);
    sink(Chunk{next_offset_, c.length, c.fingerprint}, {data.data() + pos, c.length});
    next_offset_ += c.length;
    pos += c.length;
  }
  buf_.insert(buf_.end(), data.begin() + pos, data.end());
}

void StreamChunker::finish(ChunkSink sink) {
  while (head_ < buf_.size()) {
    const std::uint8_t* w = buf_.data() + head_;
    const Cut c = cutter_.find_cut(w, buf_.size() - head_);
    sink(Chunk{next_offset_, c.length, c.fingerprint}, {w, c.length});
    next_offset_ += c.length;
    head_ += c.length;
  }
  reset();
}

void StreamChunker::push(std::span<const std::uint8_t> data, std::vector<Chunk>& out) {
  push(data, [&out](const Chunk& c, std::span<const std::uint8_t>) { out.push_back(c); });
}

void StreamChunker::finish(std::vector<Chunk>& out) {
  finish([&out](const Chunk& c, std::span<const std::uint8_t>) { out.push_back(c); });
}

}  // namespace chunker::fastcdc
