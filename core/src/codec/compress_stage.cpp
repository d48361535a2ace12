#include "chunker/codec_stage.hpp"

namespace chunker::codec {

Result<std::unique_ptr<CompressStage>> CompressStage::create(const CompressOptions& opts, unsigned threads,
                                                             bool adaptive) {
  if (threads == 0) threads = 1;
  std::unique_ptr<CompressStage> st(new CompressStage());
  st->adaptive_ = adaptive;
  st->ctx_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) {
    auto c = Compressor::create(opts);
    if (!c) return c.status();
    st->ctx_.push_back(std::move(*c));
  }
  return st;
}

Status CompressStage::process(unsigned worker, const HashedChunk&, std::span<const std::uint8_t> in,
                              std::vector<std::uint8_t>& out) {
  if (worker >= ctx_.size()) return Status(Errc::internal, "compress stage: worker index out of range");
  Compressor& c = ctx_[worker];
  if (!adaptive_) return c.compress(in, out);
  auto r = compress_adaptive(c, in, out);
  return r ? Status() : r.status();
}

}  // namespace chunker::codec
