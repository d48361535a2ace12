// chunker dedup: how much of a set of files/directories is duplicate at the
// chunk level (FastCDC + BLAKE3, all cores), as a table or one JSON object.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunk_options.hpp"
#include "chunker/file.hpp"
#include "chunker/input.hpp"
#include "chunker/pipeline.hpp"
#include "command.hpp"
#include "dedup_stats.hpp"
#include "file_walk.hpp"
#include "output.hpp"
#include "progress_line.hpp"

namespace chunker::cli {
namespace {

// `chunker dedup --help`.
constexpr const char* kDedupHelp = R"(Chunks every regular file under the PATHs (FastCDC 2020) and hashes each chunk with BLAKE3
on all cores, then reports total and unique bytes, the dedup ratio (total / unique), chunk
counts and a histogram of chunk sizes. Symlinks below a PATH are skipped (and counted)
unless --follow-symlinks is given. Unreadable files are reported, skipped, and make the
exit status 1. A progress line is shown on stderr when it is a terminal.)";

int run_dedup(int argc, char** argv) {
  ChunkOptions co;
  bool json = false, follow = false, quiet = false;
  unsigned threads = 0;
  ArgParser ap("dedup", "[options] PATH...", kDedupHelp);
  add_chunk_options(ap, co, "default 256K/1M/4M");
  ap.threads_option(&threads, "threads for chunking and hashing (0 = all cores, the default)");
  ap.flag("--json", &json, "print one JSON object instead of the table");
  ap.flag("--follow-symlinks", &follow, "follow symlinks (each directory is still visited once)");
  ap.flag("--quiet", &quiet, "no progress line");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.empty()) return ap.usage_error("expected at least one PATH");
  auto params = resolve_chunk_options(co, fastcdc::Params{});
  if (!params) return ap.usage_error(params.status().message());

  const auto t0 = std::chrono::steady_clock::now();
  WalkResult walk = walk_paths(pos, follow);  // pre-walk: the total size drives the progress line
  DedupStats st;
  st.skipped_symlinks = walk.skipped_symlinks;
  st.skipped_other = walk.skipped_other;
  st.errors = walk.errors.size();
  for (const auto& e : walk.errors) std::fprintf(stderr, "chunker dedup: %s\n", e.c_str());

  ProgressLine progress("dedup", walk.total_bytes, quiet);
  std::uint64_t done = 0;  // bytes of the files counted so far

  PipelineOptions po;
  po.params = *params;
  po.hash = HashAlgo::blake3;
  po.threads = threads;
  // Within a large file (small ones are reported as their batch completes).
  po.progress = [&](std::uint64_t file_done, std::uint64_t) { progress.update(done + file_done); };
  auto pipeline = ChunkPipeline::create(po);
  if (!pipeline) return report(pipeline.status());

  // Each file read once to EOF (input.hpp: small files whole, large ones by
  // position over the pipeline's threads, /proc and the like streamed); the
  // pipeline spreads small files over its threads (run_batch). A file that
  // changed while read is an error naming it; it counts only once read whole.
  Status batch = pipeline->run_batch(
      walk.files.size(), [&](std::size_t i) { return walk.files[i].size; },
      [&](std::size_t i, ChunkPipeline& pl, HashedChunkSink sink) -> Status {
        auto in = InputFile::open(walk.files[i].path);
        if (!in) return in.status();
        return read_input(pl, *in, sink).status();
      },
      [&](std::size_t, const Status& s, std::span<const HashedChunk> chunks) {
        if (!s.ok()) {
          progress.done();
          std::fprintf(stderr, "chunker dedup: %s\n", s.message().c_str());
          ++st.errors;
          return;
        }
        for (const auto& c : chunks) {
          st.add(c.hash, c.length);
          done += c.length;
        }
        ++st.files;
        progress.update(done);
      });
  if (!batch.ok()) return report(batch);
  progress.done();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  OutputBuffer out(stdout);
  out.append(json ? st.json(*params, pipeline->threads(), secs) : st.table(*params, pipeline->threads(), secs));
  if (Status f = out.flush(); !f.ok()) return report(f);
  return st.errors ? kExitFailure : kExitOk;
}

const Command reg{"dedup", "measure chunk-level duplication across files and directories", run_dedup, 15};

}  // namespace
}  // namespace chunker::cli
