// chunker compress: stream IN (default stdin) to OUT (default stdout) as a
// zstd / lz4 frame / xz / bzip2 stream the standard programs can read.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunker/codec.hpp"
#include "chunker/file.hpp"
#include "chunker/input.hpp"
#include "chunker/thread_pool.hpp"
#include "codec_io.hpp"
#include "command.hpp"

namespace chunker::cli {
namespace {

constexpr std::size_t kBlock = 1u << 20;

// Plain streaming: every input block goes through one compressor, one frame.
Status pump(InputReader& in, OutputFile& out, codec::Compressor& c, Progress& prog, std::uint64_t& total_in,
            std::uint64_t& total_out) {
  std::vector<std::uint8_t> ibuf(kBlock), obuf(kBlock);
  for (;;) {
    auto n = in.read(ibuf);
    if (!n) return n.status();
    const bool last = *n == 0;
    std::span<const std::uint8_t> rest(ibuf.data(), *n);
    total_in += *n;
    for (;;) {
      auto r = c.update(rest, obuf, last);
      if (!r) return r.status();
      rest = rest.subspan(r->in_used);
      CHUNKER_TRY(out.write({obuf.data(), r->out_used}));
      total_out += r->out_used;
      if (last ? r->done : (rest.empty() && r->out_used < obuf.size())) break;
    }
    prog.update(total_in, total_out);
    if (last) return {};
  }
}

// Drives one compressor to the end of its frame for `data` (may be empty).
Status feed(codec::Compressor& c, std::span<const std::uint8_t> data, bool finish, std::vector<std::uint8_t>& obuf,
            OutputFile& out, std::uint64_t& total_out) {
  for (;;) {
    auto r = c.update(data, obuf, finish);
    if (!r) return r.status();
    data = data.subspan(r->in_used);
    CHUNKER_TRY(out.write({obuf.data(), r->out_used}));
    total_out += r->out_used;
    if (finish ? r->done : (data.empty() && r->out_used < obuf.size())) return {};
  }
}

// Adaptive: zstd level 3, but 1 MiB blocks the probe calls incompressible go
// into their own frame at zstd's fastest level (near memcpy speed). Output
// stays a plain zstd stream any zstd decoder reads.
Status pump_adaptive(InputReader& in, OutputFile& out, Progress& prog, std::uint64_t& total_in,
                     std::uint64_t& total_out, std::uint64_t& stored_blocks, std::uint64_t& blocks) {
  auto opts = codec::strategy_options(codec::Strategy::adaptive);
  auto main = codec::Compressor::create(opts);
  if (!main) return main.status();
  opts.level = codec::level_range(codec::Codec::zstd).min;
  auto raw = codec::Compressor::create(opts);
  if (!raw) return raw.status();
  std::vector<std::uint8_t> ibuf(kBlock), obuf(kBlock);
  bool main_open = false;
  for (;;) {
    auto n = in.read(ibuf);
    if (!n) return n.status();
    std::span<const std::uint8_t> block(ibuf.data(), *n);
    if (*n == 0) break;
    total_in += *n;
    ++blocks;
    if (codec::looks_incompressible(block)) {
      ++stored_blocks;
      if (main_open) CHUNKER_TRY(feed(*main, {}, true, obuf, out, total_out));
      main_open = false;
      CHUNKER_TRY(feed(*raw, block, true, obuf, out, total_out));
    } else {
      CHUNKER_TRY(feed(*main, block, false, obuf, out, total_out));
      main_open = true;
    }
    prog.update(total_in, total_out);
  }
  // Empty input still yields one (empty) frame, as `zstd` does.
  if (main_open || blocks == 0) CHUNKER_TRY(feed(*main, {}, true, obuf, out, total_out));
  return {};
}

// `chunker compress --help`.
constexpr const char* kCompressHelp = R"(Compresses IN (default: standard input, '-') to OUT (default: standard output) in the
standard format of the chosen codec: zstd frame, LZ4 frame, .xz or .bz2.
Strategies: fastest (lz4 1), balanced (zstd 3, the default), smallest (xz 6),
adaptive (zstd 3; 1 MiB blocks that look incompressible are stored at zstd's fastest level).
Levels: zstd -131072..22 (use --level=-N for negative), lz4 1..12, xz 0..9, bzip2 1..9.)";

int run_compress(int argc, char** argv) {
  std::string codec_name, strategy_name;
  std::optional<int> level;
  bool quiet = false, verbose = false, force = false;
  unsigned threads = 1;
  ArgParser ap("compress", "(--codec zstd|lz4|xz|bzip2 [--level N] | --strategy S) [IN [OUT]]", kCompressHelp);
  ap.option("--codec", "NAME", "zstd, lz4, xz or bzip2", &codec_name);
  ap.option("--strategy", "S", "fastest, balanced, smallest or adaptive", &strategy_name);
  ap.option("--level", "N", "compression level (default: the codec's default)", [&](const std::string& v) -> Status {
    int x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || p != v.data() + v.size())
      return Status(Errc::invalid_argument, "--level: expected an integer, got '" + v + "'");
    level = x;
    return {};
  });
  ap.threads_option(&threads, "zstd worker threads (0 = all cores; default 1; N >= 2 writes what `zstd -T N` writes)");
  ap.alias("-T", "--threads");
  ap.flag("--quiet", &quiet, "no progress line");
  ap.flag("--verbose", &verbose, "print a summary (sizes, ratio, adaptive decisions) to stderr");
  ap.flag("--force", &force, "write compressed data even if standard output is a terminal");
  ap.alias("-q", "--quiet");
  ap.alias("-v", "--verbose");
  ap.alias("-f", "--force");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() > 2) return ap.usage_error("expected at most IN and OUT");
  if (!codec_name.empty() && !strategy_name.empty()) return ap.usage_error("use either --codec or --strategy");
  if (level && codec_name.empty()) return ap.usage_error("--level needs --codec");

  auto choice = codec::resolve_compress(codec_name, strategy_name, level);
  if (!choice) return ap.usage_error("--" + choice.status().message());
  codec::CompressOptions opts = choice->options;
  const bool adaptive = choice->adaptive;
  opts.threads = threads ? threads : ThreadPool::default_threads();
  auto comp = codec::Compressor::create(opts);
  if (!comp) return ap.usage_error(comp.status().message());

  auto in = InputFile::open(pos.size() > 0 ? pos[0] : "-");
  if (!in) return report(in.status());
  auto out = OutputFile::open(pos.size() > 1 ? pos[1] : "-");
  if (!out) return report(out.status());
  if (out->is_terminal() && !force) {
    std::fprintf(stderr, "chunker compress: refusing to write compressed data to a terminal (use -f, or give OUT)\n");
    return kExitUsage;
  }
  // A named regular file's size goes into the zstd frame header, as `zstd FILE`
  // writes it (0 may be a procfs file whose size is unknown: not pledged).
  if (auto size = in->size(); size && *size > 0 && !adaptive) comp->pledge_size(*size);
  Progress prog("compress", in->size(), quiet);
  std::uint64_t total_in = 0, total_out = 0, stored = 0, blocks = 0;
  InputReader rd(*in);  // to EOF; a file that changed while read fails (and OUT is removed)
  Status s = adaptive ? pump_adaptive(rd, *out, prog, total_in, total_out, stored, blocks)
                      : pump(rd, *out, *comp, prog, total_in, total_out);
  if (s.ok()) {
    s = rd.finish().status();
  } else if (Status c = rd.check_unchanged(); c.code() == Errc::changed) {
    s = c;  // the pledged size caught a file changing under us: name the cause, not the symptom
  }
  prog.done();
  if (s.ok()) s = out->close();
  if (!s.ok()) {
    out->discard();
    return report(with_path(pos.size() > 0 ? pos[0] : "-", s));
  }
  if (verbose) {
    std::fprintf(stderr, "%s: %llu -> %llu bytes (%.2f%%)", adaptive ? "adaptive zstd" : codec::codec_name(opts.codec),
                 static_cast<unsigned long long>(total_in), static_cast<unsigned long long>(total_out),
                 total_in ? 100.0 * total_out / total_in : 0.0);
    if (adaptive)
      std::fprintf(stderr, ", %llu of %llu blocks stored (incompressible)", static_cast<unsigned long long>(stored),
                   static_cast<unsigned long long>(blocks));
    std::fprintf(stderr, "\n");
  }
  return kExitOk;
}

const Command reg{"compress", "compress with zstd, lz4, xz or bzip2 (standard formats)", run_compress, 40};

}  // namespace
}  // namespace chunker::cli
