// chunker nar dump|ls|restore|hash: Nix archives from and to directory trees.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunker/file.hpp"
#include "chunker/json_reader.hpp"
#include "chunker/nar.hpp"
#include "chunker/nar_chunking.hpp"
#include "chunker/nar_fs.hpp"
#include "codec_io.hpp"
#include "command.hpp"
#include "output.hpp"

namespace chunker::cli {
namespace {

constexpr const char* kNarUsage =
    "Usage: chunker nar <subcommand> [options] [args]\n\n"
    "Nix archives (NAR), byte-identical to `nix-store --dump`.\n\n"
    "Subcommands:\n"
    "  dump DIR            write the NAR of DIR (file, directory or symlink) to stdout\n"
    "  ls FILE|-           list a NAR's entries with their offsets\n"
    "  restore FILE|- DIR  unpack a NAR into the new path DIR (confined to DIR)\n"
    "  hash DIR            print the NAR hash of DIR as sha256:<nix base32>\n"
    "  chunk FILE|-        FastCDC chunks of a NAR, optionally snapped to entry boundaries\n\n"
    "Run 'chunker nar <subcommand> --help' for its options.\n";

Status write_all(int fd, std::span<const std::uint8_t> b, const char* what) {
  while (!b.empty()) {
    const ssize_t n = ::write(fd, b.data(), b.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(Errc::io_error, std::string("write error on ") + what + ": " + std::strerror(errno));
    }
    b = b.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

int run_dump(int argc, char** argv) {
  ArgParser ap("nar dump", "DIR",
               "Writes the NAR serialisation of DIR (a directory, regular file or symlink, not followed)\n"
               "to standard output, byte-identical to `nix-store --dump DIR`.");
  bool force = false;
  ap.flag("--force", &force, "write even if standard output is a terminal");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one DIR");
  if (!force && ::isatty(STDOUT_FILENO)) return ap.usage_error("refusing to write a binary NAR to a terminal (use --force or redirect)");
  // Buffer small tokens into large writes.
  std::vector<std::uint8_t> buf;
  buf.reserve(1 << 20);
  auto flush = [&]() -> Status {
    Status s = write_all(STDOUT_FILENO, buf, "standard output");
    buf.clear();
    return s;
  };
  Status s = nar::dump_path(pos[0], nar::Sink([&](std::span<const std::uint8_t> b) -> Status {
                               if (buf.size() + b.size() > buf.capacity()) CHUNKER_TRY(flush());
                               if (b.size() >= buf.capacity()) return write_all(STDOUT_FILENO, b, "standard output");
                               buf.insert(buf.end(), b.begin(), b.end());
                               return {};
                             }));
  if (s.ok()) s = flush();
  return s.ok() ? kExitOk : report(s);
}

// One escaper for every JSON string the CLI writes (json::append_string).
void json_string(OutputBuffer& out, std::string_view s) {
  thread_local std::string tmp;
  tmp.clear();
  json::append_string(tmp, s);
  out.append(tmp);
}

class Lister final : public nar::Visitor {
 public:
  Lister(OutputBuffer& out, bool json) : out_(out), json_(json) {}
  Status on_node(const nar::Node& n) override {
    const char* type = n.type == nar::NodeType::directory ? "directory"
                       : n.type == nar::NodeType::symlink ? "symlink"
                                                          : "regular";
    if (json_) {
      out_.append("{\"path\":");
      json_string(out_, n.path);
      out_.append(",\"type\":\"");
      out_.append(type);
      out_.append("\",\"offset\":");
      out_.append_uint(n.depth == 0 ? 0 : n.entry_offset);
      if (n.type == nar::NodeType::regular) {
        out_.append(",\"size\":");
        out_.append_uint(n.size);
        out_.append(",\"executable\":");
        out_.append(n.executable ? "true" : "false");
        out_.append(",\"contents_offset\":");
        out_.append_uint(n.contents_offset);
      } else if (n.type == nar::NodeType::symlink) {
        out_.append(",\"target\":");
        json_string(out_, n.target);
      }
      out_.append("}\n");
      return {};
    }
    // Text: TYPE SIZE CONTENTS_OFFSET PATH [-> TARGET]
    const char* t = n.type == nar::NodeType::directory ? "dir "
                    : n.type == nar::NodeType::symlink ? "link"
                    : n.executable                     ? "exec"
                                                       : "file";
    char line[64];
    std::snprintf(line, sizeof line, "%s %12llu %12llu  ", t, static_cast<unsigned long long>(n.size),
                  static_cast<unsigned long long>(n.type == nar::NodeType::regular ? n.contents_offset : n.node_offset));
    out_.append(line);
    out_.append(n.depth == 0 ? std::string_view(".") : n.path);
    if (n.type == nar::NodeType::symlink) {
      out_.append(" -> ");
      out_.append(n.target);
    }
    out_.append("\n");
    return {};
  }

 private:
  OutputBuffer& out_;
  bool json_;
};

Status feed(InputFile& in, nar::Parser& p) {
  std::vector<std::uint8_t> buf(1 << 20);
  for (;;) {
    auto n = in.read(buf);
    if (!n.ok()) return n.status();
    if (n.value() == 0) break;
    CHUNKER_TRY(p.push({buf.data(), n.value()}));
  }
  return p.finish();
}

int run_ls(int argc, char** argv) {
  ArgParser ap("nar ls", "[--json] FILE|-",
               "Lists every entry of a NAR in archive order after validating it.\n"
               "Text columns: type (dir/file/exec/link), size, NAR offset (contents for files,\n"
               "node start otherwise), path. --json prints one object per entry with the\n"
               "entry's offset and, for files, contents_offset.");
  bool json = false;
  ap.flag("--json", &json, "one JSON object per line");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one FILE (or '-')");
  auto in = InputFile::open(pos[0]);
  if (!in.ok()) return report(with_path(pos[0], in.status()));
  OutputBuffer out(stdout);
  Lister lister(out, json);
  nar::Limits lim;
  lim.total_size = in->size();
  nar::Parser p(lister, lim);
  Status s = feed(in.value(), p);
  Status f = out.flush();
  if (!s.ok()) return report(with_path(pos[0], s));
  return f.ok() ? kExitOk : report(f);
}

int run_restore(int argc, char** argv) {
  ArgParser ap("nar restore", "FILE|- DIR",
               "Unpacks a NAR into DIR, which must not exist yet. Hostile archives (bad names,\n"
               "unsorted or duplicate entries, bad padding, truncation, trailing data) are\n"
               "rejected; nothing is ever written outside DIR. On error, DIR may hold a\n"
               "partial tree.");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 2) return ap.usage_error("expected FILE (or '-') and DIR");
  auto in = InputFile::open(pos[0]);
  if (!in.ok()) return report(with_path(pos[0], in.status()));
  auto r = nar::DirectoryRestorer::create(pos[1]);
  if (!r.ok()) return report(r.status());
  nar::Limits lim;
  lim.total_size = in->size();
  nar::Parser p(r.value(), lim);
  Status s = feed(in.value(), p);
  return s.ok() ? kExitOk : report(with_path(pos[0], s));
}

int run_hash(int argc, char** argv) {
  ArgParser ap("nar hash", "[--size] DIR",
               "Prints the NAR hash of DIR as sha256:<nix base32>, equal to\n"
               "`nix-hash --type sha256 --base32 DIR` (with the sha256: prefix) and narinfo NarHash.");
  bool size = false;
  ap.flag("--size", &size, "also print the NAR size in bytes");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one DIR");
  auto h = nar::hash_path(pos[0]);
  if (!h.ok()) return report(h.status());
  if (size) std::printf("%s %llu\n", h->to_string().c_str(), static_cast<unsigned long long>(h->nar_size));
  else std::printf("%s\n", h->to_string().c_str());
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

// `chunker nar chunk --help`.
constexpr const char* kNarChunkHelp = R"(Validates a NAR and prints its FastCDC chunks as JSON lines, each with the range of
file/symlink entries it overlaps. By default cuts are moved to an entry boundary
when one lies within avg/4 of the FastCDC cut (never violating min/max);
--plain gives the unmodified FastCDC cuts. Streams: memory is bounded by
max + window + 8 KiB whatever the NAR size.)";

int run_chunk(int argc, char** argv) {
  nar::ChunkingOptions opt;
  std::string preset_name = "default";
  bool plain = false;
  std::uint64_t window = 0;
  ArgParser ap("nar chunk", "[options] FILE|-", kNarChunkHelp);
  ap.option("--preset", "NAME", "size preset: default|nar|4k|16k|64k|256k|1m (default: default)", &preset_name);
  ap.flag("--plain", &plain, "plain FastCDC, no snapping");
  ap.size_option("--window", "SIZE", "snap window (default avg/4)", [&](std::uint64_t v) { window = v; });
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one FILE (or '-')");
  auto pr = fastcdc::preset(preset_name);
  if (!pr) return ap.usage_error(pr.status().message());
  if (window > 0xffffffffu) return ap.usage_error("--window is too large");
  opt.params = *pr;
  opt.entry_aware = !plain;
  opt.snap_window = static_cast<std::uint32_t>(window);
  auto in = InputFile::open(pos[0]);
  if (!in.ok()) return report(with_path(pos[0], in.status()));
  auto sc = nar::NarStreamChunker::create(opt);
  if (!sc.ok()) return report(sc.status());
  OutputBuffer out(stdout);
  auto sink = [&](const nar::NarChunk& c, std::span<const std::uint8_t>,
                  std::span<const nar::EntrySpan> entries) -> Status {
    out.append("{\"offset\":");
    out.append_uint(c.chunk.offset);
    out.append(",\"length\":");
    out.append_uint(c.chunk.length);
    out.append(",\"snapped\":");
    out.append(c.snapped ? "true" : "false");
    out.append(",\"first_entry\":");
    out.append_uint(c.first_entry);
    out.append(",\"entries\":[");
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i) out.append(",");
      json_string(out, entries[i].path);
    }
    out.append("]}\n");
    return {};
  };
  std::vector<std::uint8_t> buf(1 << 20);
  for (;;) {
    auto n = in->read(buf);
    if (!n.ok()) return report(with_path(pos[0], n.status()));
    if (n.value() == 0) break;
    if (Status s = sc->push({buf.data(), n.value()}, sink); !s.ok()) return report(with_path(pos[0], s));
  }
  if (Status s = sc->finish(sink); !s.ok()) return report(with_path(pos[0], s));
  Status f = out.flush();
  return f.ok() ? kExitOk : report(f);
}

int run_nar(int argc, char** argv) {
  return dispatch_subcommand("nar", kNarUsage,
                             {{"dump", run_dump}, {"ls", run_ls}, {"restore", run_restore}, {"hash", run_hash}, {"chunk", run_chunk}},
                             argc, argv);
}

const Command reg{"nar", "Nix archives: dump, ls, restore, hash, chunk", run_nar, 60};

}  // namespace
}  // namespace chunker::cli
