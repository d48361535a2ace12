#include <cmath>

#include "chunker/fastcdc.hpp"
#include "fastcdc/scan_ilp.hpp"
#include "fastcdc/scan_kernel.hpp"
#include "fastcdc/scan_scalar.hpp"
#include "fastcdc/tables.hpp"

namespace chunker::fastcdc {

Result<Cutter> Cutter::create(const Params& p) {
  CHUNKER_TRY(validate(p));
  Cutter c;
  c.params_ = p;
  // fastcdc-rs: bits = round(log2(avg)); mask_s is stricter (more bits) before
  // the average point, mask_l looser after it.
  const unsigned bits = static_cast<unsigned>(std::lround(std::log2(static_cast<double>(p.avg_size))));
  c.t_.mask_s = detail::kMasks[bits + p.level];
  c.t_.mask_l = detail::kMasks[bits - p.level];
  // gear_ls ^ (seed << 1) == (gear ^ seed) << 1, so one seeded table suffices.
  for (int i = 0; i < 256; ++i) c.t_.gear[i] = detail::kGear[i] ^ p.seed;
  return c;
}

namespace {
// A cut on the first byte of a pair (even offset) reports the pairwise hash, 2h.
inline Cut finish_cut(std::size_t p, std::uint64_t h) {
  return {static_cast<std::uint32_t>(p), (p & 1) ? h : h << 1};
}
}  // namespace

Cut Cutter::find_cut(const std::uint8_t* data, std::size_t size) const noexcept {
  const std::size_t min = params_.min_size;
  if (size <= min) return {static_cast<std::uint32_t>(size), 0};
  const std::size_t remaining = size < params_.max_size ? size : params_.max_size;
  const std::size_t center = remaining < params_.avg_size ? remaining : params_.avg_size;
  // The reference works on byte pairs: it starts at 2*floor(min/2), switches
  // masks at 2*floor(center/2) and stops at 2*floor(remaining/2) (an odd last
  // byte is never hashed).
  const std::size_t start = min & ~std::size_t{1};
  const std::size_t switch_at = center & ~std::size_t{1};
  const std::size_t end = remaining & ~std::size_t{1};
  const std::uint64_t* gear = t_.gear;
  std::uint64_t h = 0;
  if (params_.avg_size < detail::kIlpMinAvg) {
    // Small chunks: the plain loop all the way; the window-local search would
    // spend more on warm-up and fingerprint recomputation than it saves.
    std::size_t p = detail::scan_scalar(data, start, switch_at, gear, t_.mask_s, h);
    if (p == detail::kNoCut) p = detail::scan_scalar(data, switch_at, end, gear, t_.mask_l, h);
    if (p == detail::kNoCut) return {static_cast<std::uint32_t>(remaining), h};
    return finish_cut(p, h);
  }
  // Exact hashing for the first 64 bytes (the hash still depends on where the
  // chunk started); from then on every position's hash is window-local and the
  // fast kernel can search many positions at once.
  const std::size_t exact_end = start + detail::kWindow < end ? start + detail::kWindow : end;
  const std::size_t e1 = switch_at < exact_end ? switch_at : exact_end;
  std::size_t p = detail::scan_scalar(data, start, e1, gear, t_.mask_s, h);
  if (p == detail::kNoCut && exact_end > e1) p = detail::scan_scalar(data, e1, exact_end, gear, t_.mask_l, h);
  if (p != detail::kNoCut) return finish_cut(p, h);
  if (exact_end == end) return {static_cast<std::uint32_t>(remaining), h};
  const detail::FindFirstFn find_first = detail::scan_kernel().find_first;
  if (exact_end < switch_at) p = find_first(data, exact_end, switch_at, gear, t_.mask_s, params_.avg_size);
  if (p == detail::kNoCut)
    p = find_first(data, exact_end > switch_at ? exact_end : switch_at, end, gear, t_.mask_l, params_.avg_size);
  if (p == detail::kNoCut) return {static_cast<std::uint32_t>(remaining), detail::window_hash(data, end - 1, gear)};
  return finish_cut(p, detail::window_hash(data, p, gear));
}

std::optional<Chunk> BufferChunker::next() noexcept {
  if (pos_ >= data_.size()) return std::nullopt;
  Cut c = cutter_->find_cut(data_.data() + pos_, data_.size() - pos_);
  Chunk ch{pos_, c.length, c.fingerprint};
  pos_ += c.length;
  return ch;
}

Status chunk_buffer(std::span<const std::uint8_t> data, const Params& p, std::vector<Chunk>& out) {
  auto cutter = Cutter::create(p);
  if (!cutter) return cutter.status();
  BufferChunker it(*cutter, data);
  while (auto c = it.next()) out.push_back(*c);
  return {};
}

}  // namespace chunker::fastcdc
