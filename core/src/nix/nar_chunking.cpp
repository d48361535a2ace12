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

// The entry boundary in `bounds` (sorted) closest to the natural cut `end`,
// within [lo, hi] and after `pos`; `end` itself when there is none.
template <class Sorted>  // vector (whole archive) or deque (streaming)
std::uint64_t snap_to_boundary(const Sorted& bounds, std::uint64_t pos, std::uint64_t end, std::uint64_t lo,
                               std::uint64_t hi) {
  std::uint64_t best = 0;
  bool found = false;
  for (auto it = std::lower_bound(bounds.begin(), bounds.end(), lo); it != bounds.end() && *it <= hi; ++it) {
    const std::uint64_t dist = *it > end ? *it - end : end - *it;
    const std::uint64_t best_dist = best > end ? best - end : end - best;
    if (*it > pos && (!found || dist < best_dist)) {
      best = *it;
      found = true;
    }
  }
  return found ? best : end;
}

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
      const std::uint64_t snap = snap_to_boundary(b, pos, end, lo, hi);
      snapped = snap != end;
      end = snap;
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

// ---- streaming --------------------------------------------------------------

namespace chunker::nar {

namespace {
// Bytes the parser may need past an entry's start before reporting it (header
// with a 255-byte name, or a symlink with a 4095-byte target).
constexpr std::uint64_t kHeaderSlack = 8192;

struct StreamCollector final : Visitor {
  std::deque<std::uint64_t> bounds;  // non-decreasing: recorded in archive order
  std::deque<EntrySpan> entries;     // leaves; end == 0 while open
  std::uint64_t dropped = 0;         // entries removed from the front
  void add_bound(std::uint64_t b) {
    if (bounds.empty() || bounds.back() != b) bounds.push_back(b);
  }
  Status on_node(const Node& n) override {
    if (n.depth == 0) return {};
    add_bound(n.entry_offset);
    if (n.type != NodeType::directory) entries.push_back({std::string(n.path), n.type, n.entry_offset, 0});
    return {};
  }
  Status on_node_end(const Node& n, std::uint64_t end) override {
    if (n.depth == 0) return {};
    add_bound(end);
    if (n.type != NodeType::directory) entries.back().end = end;
    return {};
  }
};
}  // namespace

struct NarStreamChunker::State {
  explicit State(const fastcdc::Cutter& c, const ChunkingOptions& o) : cutter(c), opt(o), parser(col) {}
  fastcdc::Cutter cutter;
  ChunkingOptions opt;
  StreamCollector col;
  Parser parser;
  std::vector<std::uint8_t> buf;  // input bytes [base, base + buf.size())
  std::uint64_t base = 0, pos = 0;
  std::uint64_t window = 0;

  std::uint64_t end_offset() const { return base + buf.size(); }

  Status emit_one(bool final, Sink& sink) {
    const fastcdc::Params& p = opt.params;
    const std::uint64_t n = end_offset();  // the total size once final
    const std::uint8_t* at = buf.data() + (pos - base);
    const fastcdc::Cut cut = cutter.find_cut(at, static_cast<std::size_t>(n - pos));
    std::uint64_t end = pos + cut.length;
    bool snapped = false;
    if (opt.entry_aware && (end < n || !final)) {
      const std::uint64_t lo = std::max(pos + p.min_size, end > window ? end - window : 0);
      const std::uint64_t hi = std::min({pos + p.max_size, end + window, n});
      const std::uint64_t snap = snap_to_boundary(col.bounds, pos, end, lo, hi);
      snapped = snap != end;
      end = snap;
    }
    // Entries overlapping [pos, end): drop those that ended at or before pos.
    while (!col.entries.empty() && col.entries.front().end != 0 && col.entries.front().end <= pos) {
      col.entries.pop_front();
      ++col.dropped;
    }
    std::size_t count = 0;
    while (count < col.entries.size() && col.entries[count].begin < end) ++count;
    std::vector<EntrySpan> covered(col.entries.begin(), col.entries.begin() + static_cast<std::ptrdiff_t>(count));
    NarChunk c;
    c.chunk.offset = pos;
    c.chunk.length = static_cast<std::uint32_t>(end - pos);
    c.chunk.fingerprint = snapped ? 0 : cut.fingerprint;
    c.snapped = snapped;
    c.first_entry = static_cast<std::uint32_t>(col.dropped);
    c.entry_count = static_cast<std::uint32_t>(count);
    CHUNKER_TRY(sink(c, {at, c.chunk.length}, covered));
    pos = end;
    while (!col.bounds.empty() && col.bounds.front() < pos) col.bounds.pop_front();
    return {};
  }

  void compact() {
    const std::uint64_t used = pos - base;
    if (used > (1u << 20) && used * 2 > buf.size()) {
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
      base = pos;
    }
  }
};

NarStreamChunker::NarStreamChunker(std::unique_ptr<State> s) : s_(std::move(s)) {}
NarStreamChunker::NarStreamChunker(NarStreamChunker&&) noexcept = default;
NarStreamChunker& NarStreamChunker::operator=(NarStreamChunker&&) noexcept = default;
NarStreamChunker::~NarStreamChunker() = default;

Result<NarStreamChunker> NarStreamChunker::create(const ChunkingOptions& options) {
  auto cutter = fastcdc::Cutter::create(options.params);
  if (!cutter.ok()) return cutter.status();
  auto st = std::make_unique<State>(cutter.value(), options);
  st->window = options.snap_window ? options.snap_window : options.params.avg_size / 4;
  return NarStreamChunker(std::move(st));
}

Status NarStreamChunker::push(std::span<const std::uint8_t> data, Sink sink) {
  State& s = *s_;
  CHUNKER_TRY(s.parser.push(data));
  s.buf.insert(s.buf.end(), data.begin(), data.end());
  const std::uint64_t lookahead = std::uint64_t(s.opt.params.max_size) + s.window + kHeaderSlack;
  while (s.end_offset() - s.pos >= lookahead) CHUNKER_TRY(s.emit_one(false, sink));
  s.compact();
  return {};
}

Status NarStreamChunker::finish(Sink sink) {
  State& s = *s_;
  CHUNKER_TRY(s.parser.finish());
  while (s.pos < s.end_offset()) CHUNKER_TRY(s.emit_one(true, sink));
  return {};
}

}  // namespace chunker::nar
