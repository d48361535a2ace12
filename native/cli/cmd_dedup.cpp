// chunker dedup: how much of a set of files/directories is duplicate at the
// chunk level (FastCDC + BLAKE3, all cores), as a table or one JSON object.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunk_options.hpp"
#include "chunker/file.hpp"
#include "chunker/input.hpp"
#include "chunker/pipeline.hpp"
#include "chunker/thread_pool.hpp"
#include "command.hpp"
#include "dedup_stats.hpp"
#include "file_walk.hpp"
#include "output.hpp"
#include "progress_line.hpp"

namespace chunker::cli {
namespace {

int run_dedup(int argc, char** argv) {
  ChunkOptions co;
  bool json = false, follow = false, quiet = false;
  unsigned threads = 0;
  ArgParser ap("dedup", "[options] PATH...",
               "Chunks every regular file under the PATHs (FastCDC 2020) and hashes each chunk with BLAKE3\n"
               "on all cores, then reports total and unique bytes, the dedup ratio (total / unique), chunk\n"
               "counts and a histogram of chunk sizes. Symlinks below a PATH are skipped (and counted)\n"
               "unless --follow-symlinks is given. Unreadable files are reported, skipped, and make the\n"
               "exit status 1. A progress line is shown on stderr when it is a terminal.");
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

  PipelineOptions po;
  po.params = *params;
  po.hash = HashAlgo::blake3;
  po.threads = threads;
  auto pipeline = ChunkPipeline::create(po);
  if (!pipeline) return report(pipeline.status());

  const auto t0 = std::chrono::steady_clock::now();
  WalkResult walk = walk_paths(pos, follow);  // pre-walk: the total size drives the progress line
  DedupStats st;
  st.skipped_symlinks = walk.skipped_symlinks;
  st.skipped_other = walk.skipped_other;
  st.errors = walk.errors.size();
  for (const auto& e : walk.errors) std::fprintf(stderr, "chunker dedup: %s\n", e.c_str());

  ProgressLine progress("dedup", walk.total_bytes, quiet);
  std::uint64_t done = 0;
  auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t>) {
    st.add(c.hash, c.length);
    done += c.length;
    progress.update(done);
  };
  // One file through `pl`, read once to EOF (input.hpp: small files whole,
  // large ones by position over the pipeline's threads, /proc and the like
  // streamed); a file that changed while read is an error naming it.
  auto chunk_one = [&](ChunkPipeline& pl, const WalkedFile& f, auto&& each) -> Status {
    auto in = InputFile::open(f.path);
    if (!in) return in.status();
    return read_input(pl, *in, [&](const HashedChunk& c, std::span<const std::uint8_t>) { each(c); }).status();
  };
  auto failed = [&](const Status& s) {
    progress.done();
    std::fprintf(stderr, "chunker dedup: %s\n", s.message().c_str());
    ++st.errors;
  };
  // Large files: all threads inside the file (ChunkPipeline). Small files: too
  // short to split well, so batches of them run one per thread (ThreadPool),
  // each through a single-threaded pipeline; results are merged in order.
  const std::uint64_t small_limit = std::max<std::uint64_t>(4u << 20, 2ull * params->max_size);
  const unsigned nthreads = pipeline->threads();
  std::unique_ptr<ThreadPool> pool;
  std::vector<ChunkPipeline> singles;
  if (nthreads > 1) {
    pool = std::make_unique<ThreadPool>(nthreads);
    PipelineOptions one = po;
    one.threads = 1;
    for (unsigned i = 0; i < nthreads * 4; ++i) {  // one per task slot, see `slot` below
      auto p1 = ChunkPipeline::create(one);
      if (!p1) return report(p1.status());
      singles.push_back(std::move(*p1));
    }
  }
  std::vector<std::size_t> batch;
  std::vector<std::vector<HashedChunk>> results;
  std::vector<Status> statuses;
  auto flush_batch = [&] {
    if (batch.empty()) return;
    results.assign(batch.size(), {});
    statuses.assign(batch.size(), Status{});
    std::atomic<unsigned> next_slot{0};
    // Tasks are handed out dynamically; each claims a free pipeline slot.
    std::vector<std::atomic<bool>> busy(singles.size());
    for (auto& b : busy) b.store(false);
    pool->run(batch.size(), [&](std::size_t i) {
      std::size_t slot = next_slot.fetch_add(1) % singles.size();
      while (busy[slot].exchange(true)) slot = (slot + 1) % singles.size();
      statuses[i] = chunk_one(singles[slot], walk.files[batch[i]], [&](const HashedChunk& c) { results[i].push_back(c); });
      busy[slot] = false;
    });
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!statuses[i].ok()) {
        failed(statuses[i]);
        continue;
      }
      for (const auto& c : results[i]) {
        st.add(c.hash, c.length);
        done += c.length;
      }
      ++st.files;
    }
    progress.update(done);
    batch.clear();
  };
  std::uint64_t batch_bytes = 0;
  std::vector<HashedChunk> big;
  for (std::size_t k = 0; k < walk.files.size(); ++k) {
    const auto& f = walk.files[k];
    if (pool && f.size < small_limit) {
      batch.push_back(k);
      batch_bytes += f.size;
      if (batch_bytes >= (64u << 20) || batch.size() >= 4096) {
        flush_batch();
        batch_bytes = 0;
      }
      continue;
    }
    flush_batch();
    batch_bytes = 0;
    // Counted only once the whole file was read unchanged.
    big.clear();
    if (Status s = chunk_one(*pipeline, f, [&](const HashedChunk& c) {
          big.push_back(c);
          progress.update(done + c.offset + c.length);
        }); !s.ok()) {
      failed(s);
      continue;
    }
    for (const auto& c : big) sink(c, {});
    ++st.files;
  }
  flush_batch();
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
