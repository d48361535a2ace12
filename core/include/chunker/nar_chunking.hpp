// NAR-aware content-defined chunking.
//
// Plain FastCDC cuts a NAR wherever the gear hash says, so a chunk usually
// straddles the end of one file and the start of the next; when one file
// changes, the chunk holding its neighbour's header changes too. This option
// moves a cut to a file-entry boundary (the start of an `entry` token or the
// end of an entry) when one lies within `snap_window` bytes (default avg/4) of
// where FastCDC would cut, never violating min/max, so chunks tend to begin and
// end with whole entries. Whether that helps is measured, not assumed: see
// docs/nar-chunking.md and bench/bench_nar_chunking.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "chunker/error.hpp"
#include "chunker/fastcdc.hpp"
#include "chunker/nar.hpp"

namespace chunker::nar {

struct ChunkingOptions {
  fastcdc::Params params{};
  bool entry_aware = true;        // false = plain FastCDC (same cuts as chunk_buffer)
  std::uint32_t snap_window = 0;  // 0 = params.avg_size / 4
};

// A file or symlink in archive order; [begin, end) is its whole entry.
struct EntrySpan {
  std::string path;
  NodeType type = NodeType::regular;
  std::uint64_t begin = 0, end = 0;
};

struct NarChunk {
  fastcdc::Chunk chunk;            // fingerprint is 0 for snapped cuts
  bool snapped = false;            // cut moved to an entry boundary
  std::uint32_t first_entry = 0;   // index into entries of the first entry overlapping the chunk
  std::uint32_t entry_count = 0;   // entries overlapping the chunk (0: only directory framing)
};

struct NarChunking {
  std::vector<EntrySpan> entries;
  std::vector<NarChunk> chunks;
};

// Validates the whole archive (as Parser does), then chunks it.
Result<NarChunking> chunk_nar(std::span<const std::uint8_t> nar, const ChunkingOptions& options);

// Streaming form: the same chunks as chunk_nar() over the concatenation of
// the pushed slices, holding at most max_size + window + 8 KiB of input (the
// lookahead needed to know every boundary a cut could snap to). The archive is
// validated as it streams; a parse error is returned from push()/finish().
//
// The sink gets each chunk, its bytes (valid during the call) and the entries
// it overlaps (chunk.first_entry is their global index in archive order). An
// entry still open when its chunk is emitted has end == 0.
class NarStreamChunker {
 public:
  using Sink = FunctionRef<Status(const NarChunk&, std::span<const std::uint8_t>, std::span<const EntrySpan>)>;
  static Result<NarStreamChunker> create(const ChunkingOptions& options);
  NarStreamChunker(NarStreamChunker&&) noexcept;
  NarStreamChunker& operator=(NarStreamChunker&&) noexcept;
  ~NarStreamChunker();

  Status push(std::span<const std::uint8_t> data, Sink sink);
  Status finish(Sink sink);

 private:
  struct State;
  explicit NarStreamChunker(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace chunker::nar
