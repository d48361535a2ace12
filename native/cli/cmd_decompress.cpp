// chunker decompress: auto-detects zstd / lz4 frame / xz / bzip2 (also
// concatenated) and streams IN to OUT with an output limit.
#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunker/codec.hpp"
#include "chunker/file.hpp"
#include "codec_io.hpp"
#include "command.hpp"

namespace chunker::cli {
namespace {

constexpr std::size_t kBlock = 1u << 20;

// Decoder errors are prefixed with the input's name by the caller.
Status pump(InputFile& in, OutputFile& out, codec::Decompressor& d, Progress& prog) {
  std::vector<std::uint8_t> ibuf(kBlock), obuf(kBlock);
  for (;;) {
    auto n = in.read(ibuf);
    if (!n) return n.status();
    if (*n == 0) break;
    std::span<const std::uint8_t> rest(ibuf.data(), *n);
    for (;;) {
      auto r = d.update(rest, obuf);
      if (!r) return r.status();
      rest = rest.subspan(r->in_used);
      CHUNKER_TRY(out.write({obuf.data(), r->out_used}));
      if (rest.empty() && r->out_used < obuf.size()) break;
      if (r->in_used == 0 && r->out_used == 0) break;  // cannot happen; never spin
    }
    prog.update(d.total_in(), d.total_out());
  }
  // As `zstd -d` and `xz -d`: no data at all is not a valid compressed file.
  if (d.total_in() == 0) return Status(Errc::truncated_input, "empty input (no compressed data)");
  return d.finish();
}

int run_decompress(int argc, char** argv) {
  std::uint64_t limit = codec::kDefaultOutputLimit;
  std::string codec_name;
  bool quiet = false, force = false;
  ArgParser ap("decompress", "[--max-output N] [-f] [IN [OUT]]",
               "Decompresses IN (default: standard input, '-') to OUT (default: standard output).\n"
               "The format is detected from each frame's magic number: zstd, LZ4 frame or legacy\n"
               "(lz4 -l), xz, LZMA-alone (.lzma), bzip2; concatenated frames/streams are decoded in\n"
               "order. Output beyond --max-output is an error, detected as soon as the limit is\n"
               "crossed. OUT appears only when complete; an existing OUT is kept unless -f is given,\n"
               "and is never touched when decoding fails.");
  ap.size_option("--max-output", "N", "output limit, e.g. 512M or 4G (default 1G)", [&](std::uint64_t v) { limit = v; });
  ap.option("--codec", "NAME", "accept only this format (default: auto-detect)", &codec_name);
  ap.flag("--quiet", &quiet, "no progress line");
  ap.alias("-q", "--quiet");
  ap.flag("--force", &force, "overwrite an existing OUT");
  ap.alias("-f", "--force");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() > 2) return ap.usage_error("expected at most IN and OUT");
  codec::DecompressOptions opts;
  opts.output_limit = limit;
  if (!codec_name.empty()) {
    auto c = codec::parse_codec(codec_name);
    if (!c) return ap.usage_error(c.status().message());
    opts.codec = *c;
  }
  auto d = codec::Decompressor::create(opts);
  if (!d) return ap.usage_error(d.status().message());

  const std::string in_name = pos.size() > 0 ? pos[0] : "-";
  auto in = InputFile::open(in_name);
  if (!in) return report(with_path(in_name, in.status()));
  auto out = OutputFile::open(pos.size() > 1 ? pos[1] : "-",
                              force ? OutputFile::Existing::replace : OutputFile::Existing::refuse);
  if (!out) return report(out.status());
  Progress prog("decompress", in->size(), quiet);
  Status s = pump(*in, *out, *d, prog);
  if (!s.ok() && s.code() != Errc::io_error) s = with_path(in_name, s);  // I/O errors name their file already
  prog.done();
  if (s.ok()) s = out->close();
  if (!s.ok()) {
    out->discard();
    return report(s);
  }
  return kExitOk;
}

const Command reg{"decompress", "decompress zstd, lz4, xz or bzip2 (auto-detected)", run_decompress, 41};

}  // namespace
}  // namespace chunker::cli
