// NAR-aware chunking: FastCDC cuts, snapped to nearby entry boundaries.
#include "chunker/nar_chunking.hpp"

#include <algorithm>

namespace chunker::nar {

namespace {

// Collects entry boundaries and the leaf entries (files, symlinks).
struct BoundaryCollector final : Visitor {
  std::vector<std::uint64_t> bounds;
  std::vector<EntrySpan> entries;
  Status on_node_end(const Node& n, std::uint64_t end) override {
    if (n.depth == 0) return {};
    bounds.push_back(n.entry_offset);
    bounds.push_back(end);
    if (n.type != NodeType::directory) entries.push_back({std::string(n.path), n.type, n.entry_offset, end});
    return {};
  }
};

}  // namespace

Result<NarChunking> chunk_nar(std::span<const std::uint8_t> nar, const ChunkingOptions& options) {
  auto cutter = fastcdc::Cutter::create(options.params);
  if (!cutter.ok()) return cutter.status();
  const fastcdc::Params& p = options.params;
  BoundaryCollector bc;
  CHUNKER_TRY(parse(nar, bc));
  std::vector<std::uint64_t>& b = bc.bounds;
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  // Leaves end in archive order, so entries are sorted by begin already.
  const std::uint64_t window = options.snap_window ? options.snap_window : p.avg_size / 4;

  NarChunking out;
  out.entries = std::move(bc.entries);
  const std::uint64_t n = nar.size();
  std::uint64_t pos = 0;
  std::size_t first = 0;  // first entry that may overlap the next chunk
  while (pos < n) {
    const fastcdc::Cut cut = cutter->find_cut(nar.data() + pos, static_cast<std::size_t>(n - pos));
    std::uint64_t end = pos + cut.length;
    bool snapped = false;
    if (options.entry_aware && end < n) {
      // Closest boundary to the natural cut within the window and the size limits.
      const std::uint64_t lo = std::max(pos + p.min_size, end > window ? end - window : 0);
      const std::uint64_t hi = std::min({pos + p.max_size, end + window, n});
      auto it = std::lower_bound(b.begin(), b.end(), lo);
      std::uint64_t best = 0;
      bool found = false;
      for (; it != b.end() && *it <= hi; ++it) {
        const std::uint64_t dist = *it > end ? *it - end : end - *it;
        const std::uint64_t best_dist = best > end ? best - end : end - best;
        if (*it > pos && (!found || dist < best_dist)) {
          best = *it;
          found = true;
        }
      }
      if (found && best != end) {
        end = best;
        snapped = true;
      }
    }
    NarChunk c;
    c.chunk.offset = pos;
    c.chunk.length = static_cast<std::uint32_t>(end - pos);
    c.chunk.fingerprint = snapped ? 0 : cut.fingerprint;
    c.snapped = snapped;
    while (first < out.entries.size() && out.entries[first].end <= pos) ++first;
    c.first_entry = static_cast<std::uint32_t>(first);
    std::size_t last = first;
    while (last < out.entries.size() && out.entries[last].begin < end) ++last;
    c.entry_count = static_cast<std::uint32_t>(last - first);
    out.chunks.push_back(c);
    pos = end;
  }
  return out;
}

}  // namespace chunker::nar
