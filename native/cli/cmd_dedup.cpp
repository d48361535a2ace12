// chunker dedup: how much of a set of files/directories is duplicate at the
// chunk level (FastCDC + BLAKE3, all cores), as a table or one JSON object.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunk_options.hpp"
#include "chunker/file.hpp"
#include "chunker/pipeline.hpp"
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
  ap.option("--threads", "N", "threads for chunking and hashing (0 = all cores, the default)",
            [&](const std::string& v) -> Status {
              auto r = parse_uint(v, "--threads");
              if (!r) return r.status();
              if (*r > 256) return Status(Errc::invalid_argument, "--threads must be between 0 and 256, got " + v);
              threads = static_cast<unsigned>(*r);
              return {};
            });
  ap.alias("-j", "--threads");
  ap.flag("--json", &json, "print one JSON object instead of the table");
  ap.flag("--follow-symlinks", &follow, "follow symlinks (each directory is still visited once)");
  ap.flag("--quiet", &quiet, "no progress line");
  std::vector<std::string> pos;
  switch (ap.parse(argc, argv, pos)) {
    case ArgParser::Outcome::exit_ok: return kExitOk;
    case ArgParser::Outcome::exit_usage: return kExitUsage;
    case ArgParser::Outcome::run: break;
  }
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
  for (const auto& f : walk.files) {
    Status s;
    auto in = InputFile::open(f.path);
    if (!in) {
      s = in.status();
    } else if (in->size() && *in->size() > 0) {
      auto map = MappedFile::map(*in);
      if (!map) s = map.status();
      else s = pipeline->run(map->bytes(), sink);
    } else {
      s = pipeline->run_reader([&](std::span<std::uint8_t> b) { return in->read(b); }, sink);
    }
    if (!s.ok()) {
      progress.done();
      std::fprintf(stderr, "chunker dedup: %s\n", s.message().c_str());
      ++st.errors;
      continue;
    }
    ++st.files;
  }
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
