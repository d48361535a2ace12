// Differential fuzzing of NAR-aware chunking: the streaming chunker, fed in
// slices whose size comes from the input, must emit exactly the chunks and
// entry ranges of the one-shot chunk_nar(), and the chunks must tile the input
// within min/max.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "chunker/nar_chunking.hpp"

using namespace chunker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  nar::ChunkingOptions o;
  o.params.min_size = 64;
  o.params.avg_size = 256;
  o.params.max_size = 1024;
  o.entry_aware = (data[0] & 1) == 0;
  const std::size_t step = 1 + data[1] % 97;
  const std::span<const std::uint8_t> in(data + 2, size - 2);

  auto whole = nar::chunk_nar(in, o);
  auto sc = nar::NarStreamChunker::create(o);
  if (!sc.ok()) std::abort();
  std::vector<nar::NarChunk> got;
  auto sink = [&](const nar::NarChunk& c, std::span<const std::uint8_t> bytes, std::span<const nar::EntrySpan> e) {
    if (bytes.size() != c.chunk.length || e.size() != c.entry_count) std::abort();
    got.push_back(c);
    return Status();
  };
  Status s;
  for (std::size_t i = 0; i < in.size() && s.ok(); i += step) s = sc->push(in.subspan(i, std::min(step, in.size() - i)), sink);
  if (s.ok()) s = sc->finish(sink);
  if (whole.ok() != s.ok()) std::abort();
  if (!whole.ok()) return 0;
  if (got.size() != whole->chunks.size()) std::abort();
  std::uint64_t pos = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto& w = whole->chunks[i];
    if (!(got[i].chunk == w.chunk) || got[i].snapped != w.snapped || got[i].first_entry != w.first_entry ||
        got[i].entry_count != w.entry_count)
      std::abort();
    if (w.chunk.offset != pos || w.chunk.length > o.params.max_size) std::abort();
    if (i + 1 < got.size() && w.chunk.length < o.params.min_size) std::abort();
    pos += w.chunk.length;
  }
  if (pos != in.size()) std::abort();
  return 0;
}
