// chunker chunk: print the FastCDC chunks of a file or stdin, one line each.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunk_options.hpp"
#include <unistd.h>

#include "chunker/fastcdc.hpp"
#include "chunker/file.hpp"
#include "chunker/input.hpp"
#include "chunker/hash.hpp"
#include "chunker/pipeline.hpp"
#include "chunker/thread_pool.hpp"
#ifdef CHUNKER_HAVE_CODECS
#include "chunker/codec_stage.hpp"
#endif
#include "command.hpp"
#include "output.hpp"

namespace chunker::cli {
namespace {

void print_stats(const PipelineStats& st, unsigned threads) {
  const double mib = st.bytes / 1048576.0;
  std::fprintf(stderr,
               "stats: bytes=%llu chunks=%llu windows=%llu rechunked=%llu threads=%u\n"
               "stats: wall=%.3fs (%.1f MiB/s) read=%.3fs chunk=%.3fs hash=%.3fs stage=%.3fs (%llu bytes out) "
               "stitch+output=%.3fs\n",
               static_cast<unsigned long long>(st.bytes), static_cast<unsigned long long>(st.chunks),
               static_cast<unsigned long long>(st.windows), static_cast<unsigned long long>(st.rechunked), threads,
               st.wall_s, st.wall_s > 0 ? mib / st.wall_s : 0.0, st.read_s, st.chunk_s, st.hash_s, st.stage_s,
               static_cast<unsigned long long>(st.stage_bytes), st.stitch_s);
}

int run_chunk(int argc, char** argv) {
  std::string format = "jsonl";
  ChunkOptions chunking;
  HashAlgo algo = HashAlgo::none;
  unsigned threads = 0;  // all cores; small inputs stay on one thread (the pipeline decides)
  bool stats = false;
  std::string io = "auto";
  std::string compress;
  std::string compress_level;

  ArgParser ap("chunk", "[options] FILE|-",
               "Splits FILE (or standard input, '-') into content-defined chunks with FastCDC 2020,\n"
               "byte-compatible with fastcdc-rs v2020, and prints one line per chunk.\n"
               "Defaults: --min 256K --avg 1M --max 4M --level 1 --seed 0.");
  add_chunk_options(ap, chunking, "default 256K/1M/4M");
  ap.option("--format", "FMT", "jsonl (default) or csv", [&](const std::string& v) -> Status {
    if (v != "jsonl" && v != "csv") return Status(Errc::invalid_argument, "--format must be jsonl or csv, got '" + v + "'");
    format = v;
    return {};
  });

  ap.option("--hash", "ALGO", "add the strong hash of each chunk: sha256|blake3|none (default none)",
            [&](const std::string& v) -> Status {
              auto r = parse_hash_algo(v);
              if (!r) return r.status();
              algo = *r;
              return {};
            });
  ap.threads_option(&threads, "threads for chunking and hashing (0 = all cores, the default)");
  ap.flag("--stats", &stats, "print counters and per-stage times to stderr at the end");
  ap.option("--io", "MODE", "auto|mmap|read: accepted for compatibility; files are always read, never mapped",
            [&](const std::string& v) -> Status {
              if (v != "auto" && v != "mmap" && v != "read")
                return Status(Errc::invalid_argument, "--io must be auto, mmap or read, got '" + v + "'");
              io = v;
              return {};
            });

#ifdef CHUNKER_HAVE_CODECS
  ap.option("--compress", "HOW", "also compress each chunk and report its size: zstd|lz4|xz|bzip2, or a\n"
            "                          strategy fastest|balanced|smallest|adaptive", &compress);
  ap.option("--compress-level", "N", "codec level for --compress CODEC", &compress_level);
#endif

  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one FILE (or '-' for stdin)");

  auto params = resolve_chunk_options(chunking, fastcdc::Params{});
  if (!params) return ap.usage_error(params.status().message());
  const fastcdc::Params p = *params;

  PipelineOptions po;
  po.params = p;
  po.hash = algo;
  po.threads = threads;
  po.sink_bytes = false;  // the sink below prints offsets, lengths, hashes and stage output sizes only
#ifdef CHUNKER_HAVE_CODECS
  std::unique_ptr<codec::CompressStage> stage;
  if (!compress.empty()) {
    // --compress takes a codec or a strategy name.
    const bool is_strategy = codec::parse_strategy(compress).ok();
    std::optional<int> level;
    if (!compress_level.empty()) {
      auto lv = parse_uint(compress_level, "--compress-level");
      if (!lv) return ap.usage_error(lv.status().message());
      level = static_cast<int>(std::min<std::uint64_t>(*lv, 1u << 30));
    }
    auto choice = codec::resolve_compress(is_strategy ? "" : compress, is_strategy ? compress : "", level);
    if (!choice) {
      if (choice.status().message().rfind("level: ", 0) == 0)
        return ap.usage_error("--compress-" + choice.status().message());
      return ap.usage_error("--compress must be zstd, lz4, xz, bzip2, fastest, balanced, smallest or adaptive, got '" +
                            compress + "'");
    }
    const codec::CompressOptions co = choice->options;
    const bool adaptive = choice->adaptive;
    auto st = codec::CompressStage::create(co, threads == 0 ? ThreadPool::default_threads() : threads, adaptive);
    if (!st) return report(st.status());
    stage = std::move(*st);
    po.stage = stage.get();
  }
#endif
  const bool with_size = po.stage != nullptr;
  auto pipeline = ChunkPipeline::create(po);
  if (!pipeline) return report(pipeline.status());

  OutputBuffer out(stdout);
  const bool csv = format == "csv";
  const bool with_hash = algo != HashAlgo::none;
  if (csv) {
    out.append(with_hash ? "offset,length,fingerprint,hash" : "offset,length,fingerprint");
    out.append(with_size ? ",compressed\n" : "\n");
  }
  // The text around each field, per format (JSON quotes the 64-bit fingerprint).
  struct Layout {
    const char *start, *length, *fingerprint, *fingerprint_end, *hash, *hash_end, *size, *end;
  };
  static constexpr Layout kCsv{"", ",", ",", "", ",", "", ",", "\n"};
  static constexpr Layout kJson{"{\"offset\":", ",\"length\":", ",\"fingerprint\":\"", "\"", ",\"hash\":\"", "\"",
                                ",\"compressed\":", "}\n"};
  const Layout& f = csv ? kCsv : kJson;
  auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t> bytes) {
    out.append(f.start);
    out.append_uint(c.offset);
    out.append(f.length);
    out.append_uint(c.length);
    out.append(f.fingerprint);
    out.append_uint(c.fingerprint);
    out.append(f.fingerprint_end);
    if (with_hash) {
      out.append(f.hash);
      out.append_hex(c.hash);
      out.append(f.hash_end);
    }
    if (with_size) {
      out.append(f.size);
      out.append_uint(bytes.size());
    }
    out.append(f.end);
  };

  auto in = InputFile::open(pos[0]);
  if (!in) return report(in.status());
  // One read of the file into owned memory, to EOF (input.hpp): regular files
  // by position, spread over the threads (ChunkPipeline::run_file), small ones
  // whole, procfs/sysfs/pipes streamed. A file that changed while read fails.
  Status s = read_input(*pipeline, *in, sink).status();
  if (Status f = out.flush(); s.ok() && !f.ok()) s = f;
  if (stats) print_stats(pipeline->stats(), pipeline->threads());
  if (!s.ok()) return report(s);
  return kExitOk;
}

const Command reg{"chunk", "split a file into content-defined chunks (FastCDC 2020)", run_chunk, 10};

}  // namespace
}  // namespace chunker::cli
