// chunker chunk: print the FastCDC chunks of a file or stdin, one line each.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "args.hpp"
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
  fastcdc::Params p;  // defaults: 256K / 1M / 4M, level 1, seed 0
  std::string format = "jsonl";
  bool have_min = false, have_avg = false, have_max = false;
  std::uint64_t v_min = 0, v_avg = 0, v_max = 0;
  std::string preset_name;
  HashAlgo algo = HashAlgo::none;
  unsigned threads = 1;
  bool stats = false;
  std::string io = "auto";
  std::string compress;
  std::string compress_level;

  ArgParser ap("chunk", "[options] FILE|-",
               "Splits FILE (or standard input, '-') into content-defined chunks with FastCDC 2020,\n"
               "byte-compatible with fastcdc-rs v2020, and prints one line per chunk.\n"
               "Defaults: --min 256K --avg 1M --max 4M --level 1 --seed 0.");
  auto size_opt = [&](const char* name, std::uint64_t* out, bool* seen) {
    return [=](const std::string& v) -> Status {
      auto r = parse_size(v, name);
      if (!r) return r.status();
      *out = *r;
      *seen = true;
      return {};
    };
  };
  ap.option("--min", "SIZE", "minimum chunk size (64 .. 1M)", size_opt("--min", &v_min, &have_min));
  ap.option("--avg", "SIZE", "average chunk size (256 .. 4M)", size_opt("--avg", &v_avg, &have_avg));
  ap.option("--max", "SIZE", "maximum chunk size (1K .. 16M)", size_opt("--max", &v_max, &have_max));
  ap.option("--preset", "NAME", "size preset: default|nar|4k|16k|64k|256k|1m", &preset_name);
  ap.option("--level", "N", "normalisation level 0..3 (default 1)", [&](const std::string& v) -> Status {
    auto r = parse_uint(v, "--level");
    if (!r) return r.status();
    if (*r > 3) return Status(Errc::invalid_argument, "--level must be between 0 and 3, got " + v);
    p.level = static_cast<std::uint32_t>(*r);
    return {};
  });
  ap.option("--seed", "N", "gear table seed (default 0)", [&](const std::string& v) -> Status {
    auto r = parse_uint(v, "--seed");
    if (!r) return r.status();
    p.seed = *r;
    return {};
  });
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
  ap.threads_option(&threads, "threads for chunking and hashing (0 = all cores; default 1)");
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

  if (!preset_name.empty()) {
    auto pr = fastcdc::preset(preset_name);
    if (!pr) return ap.usage_error(pr.status().message());
    std::uint32_t level = p.level;
    std::uint64_t seed = p.seed;
    p = *pr;
    p.level = level;
    p.seed = seed;
  }
  auto narrow = [](std::uint64_t v) { return v > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(v); };
  if (have_min) p.min_size = narrow(v_min);
  if (have_avg) p.avg_size = narrow(v_avg);
  if (have_max) p.max_size = narrow(v_max);
  if (Status s = fastcdc::validate(p); !s.ok()) {
    // Report the value the user typed, not a clamped one.
    if (have_min && v_min > 0xffffffffu) return ap.usage_error("min_size is out of range: " + std::to_string(v_min));
    if (have_avg && v_avg > 0xffffffffu) return ap.usage_error("avg_size is out of range: " + std::to_string(v_avg));
    if (have_max && v_max > 0xffffffffu) return ap.usage_error("max_size is out of range: " + std::to_string(v_max));
    return ap.usage_error(s.message());
  }

  PipelineOptions po;
  po.params = p;
  po.hash = algo;
  po.threads = threads;
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
  auto sink = [&](const HashedChunk& c, std::span<const std::uint8_t> bytes) {
    if (csv) {
      out.append_uint(c.offset);
      out.append(",");
      out.append_uint(c.length);
      out.append(",");
      out.append_uint(c.fingerprint);
      if (with_hash) {
        out.append(",");
        out.append_hex(c.hash);
      }
      if (with_size) {
        out.append(",");
        out.append_uint(bytes.size());
      }
      out.append("\n");
    } else {
      out.append("{\"offset\":");
      out.append_uint(c.offset);
      out.append(",\"length\":");
      out.append_uint(c.length);
      out.append(",\"fingerprint\":\"");
      out.append_uint(c.fingerprint);
      if (with_hash) {
        out.append("\",\"hash\":\"");
        out.append_hex(c.hash);
      }
      out.append("\"");
      if (with_size) {
        out.append(",\"compressed\":");
        out.append_uint(bytes.size());
      }
      out.append("}\n");
    }
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
