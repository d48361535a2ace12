// chunker chunk: print the FastCDC chunks of a file or stdin, one line each.
#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunker/fastcdc.hpp"
#include "chunker/file.hpp"
#include "command.hpp"
#include "output.hpp"

namespace chunker::cli {
namespace {

int run_chunk(int argc, char** argv) {
  fastcdc::Params p;  // defaults: 256K / 1M / 4M, level 1, seed 0
  std::string format = "jsonl";
  bool have_min = false, have_avg = false, have_max = false;
  std::uint64_t v_min = 0, v_avg = 0, v_max = 0;
  std::string preset_name;

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

  std::vector<std::string> pos;
  switch (ap.parse(argc, argv, pos)) {
    case ArgParser::Outcome::exit_ok: return kExitOk;
    case ArgParser::Outcome::exit_usage: return kExitUsage;
    case ArgParser::Outcome::run: break;
  }
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

  OutputBuffer out(stdout);
  const bool csv = format == "csv";
  if (csv) out.append("offset,length,fingerprint\n");
  auto sink = [&](const fastcdc::Chunk& c, std::span<const std::uint8_t>) {
    if (csv) {
      out.append_uint(c.offset);
      out.append(",");
      out.append_uint(c.length);
      out.append(",");
      out.append_uint(c.fingerprint);
      out.append("\n");
    } else {
      out.append("{\"offset\":");
      out.append_uint(c.offset);
      out.append(",\"length\":");
      out.append_uint(c.length);
      out.append(",\"fingerprint\":\"");
      out.append_uint(c.fingerprint);
      out.append("\"}\n");
    }
  };
  Status s = chunk_file(pos[0], p, sink);
  if (Status f = out.flush(); s.ok() && !f.ok()) s = f;
  if (!s.ok()) return report(s);
  return kExitOk;
}

const Command reg{"chunk", "split a file into content-defined chunks (FastCDC 2020)", run_chunk, 10};

}  // namespace
}  // namespace chunker::cli
