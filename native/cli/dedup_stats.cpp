#include "dedup_stats.hpp"

#include <bit>
#include <cstdio>

namespace chunker::cli {
namespace {

double ratio(const DedupStats& s) {
  return s.unique_bytes ? static_cast<double>(s.total_bytes) / static_cast<double>(s.unique_bytes) : 1.0;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string human(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? std::to_string(n) + " B" : fmt("%.2f ", v) + units[u];
}

std::string size_label(std::uint64_t n) {  // exact powers of two: "256 KiB"
  if (n >= (1ull << 30) && n % (1ull << 30) == 0) return std::to_string(n >> 30) + " GiB";
  if (n >= (1ull << 20) && n % (1ull << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= (1ull << 10) && n % (1ull << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " B";
}

}  // namespace

void DedupStats::add(const Digest& h, std::uint32_t length) {
  ++chunks;
  total_bytes += length;
  const int k = std::bit_width(length) - 1;  // length >= 1
  ++hist_chunks[k];
  hist_bytes[k] += length;
  if (seen.insert(h).second) {
    ++unique_chunks;
    unique_bytes += length;
  }
}

std::string DedupStats::json(const fastcdc::Params& p, unsigned threads, double seconds) const {
  std::string o = "{\"files\":" + std::to_string(files) + ",\"total_bytes\":" + std::to_string(total_bytes) +
                  ",\"unique_bytes\":" + std::to_string(unique_bytes) + ",\"ratio\":" + fmt("%.4f", ratio(*this)) +
                  ",\"chunks\":" + std::to_string(chunks) + ",\"unique_chunks\":" + std::to_string(unique_chunks) +
                  ",\"skipped_symlinks\":" + std::to_string(skipped_symlinks) +
                  ",\"skipped_other\":" + std::to_string(skipped_other) + ",\"errors\":" + std::to_string(errors) +
                  ",\"threads\":" + std::to_string(threads) + ",\"seconds\":" + fmt("%.6f", seconds) +
                  ",\"mib_per_s\":" + fmt("%.1f", seconds > 0 ? total_bytes / 1048576.0 / seconds : 0.0) +
                  ",\"params\":{\"min\":" + std::to_string(p.min_size) + ",\"avg\":" + std::to_string(p.avg_size) +
                  ",\"max\":" + std::to_string(p.max_size) + ",\"level\":" + std::to_string(p.level) +
                  ",\"seed\":" + std::to_string(p.seed) + "},\"histogram\":[";
  bool first = true;
  for (int k = 0; k < 33; ++k) {
    if (!hist_chunks[k]) continue;
    if (!first) o += ",";
    first = false;
    o += "{\"min\":" + std::to_string(1ull << k) + ",\"max\":" + std::to_string((2ull << k) - 1) +
         ",\"chunks\":" + std::to_string(hist_chunks[k]) + ",\"bytes\":" + std::to_string(hist_bytes[k]) + "}";
  }
  return o + "]}\n";
}

std::string DedupStats::table(const fastcdc::Params& p, unsigned threads, double seconds) const {
  std::string o;
  auto row = [&](const char* k, const std::string& v) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-15s %s\n", k, v.c_str());
    o += buf;
  };
  row("files", std::to_string(files));
  row("total bytes", human(total_bytes) + " (" + std::to_string(total_bytes) + ")");
  row("unique bytes", human(unique_bytes) + " (" + std::to_string(unique_bytes) + ")");
  row("dedup ratio", fmt("%.2fx", ratio(*this)) + fmt(" (%.1f%% saved)", total_bytes ? 100.0 * (total_bytes - unique_bytes) / total_bytes : 0.0));
  row("chunks", std::to_string(chunks));
  row("unique chunks", std::to_string(unique_chunks));
  if (skipped_symlinks || skipped_other)
    row("skipped", std::to_string(skipped_symlinks) + " symlinks, " + std::to_string(skipped_other) + " other");
  if (errors) row("errors", std::to_string(errors) + " (see above)");
  row("chunking", "min " + size_label(p.min_size) + ", avg " + size_label(p.avg_size) + ", max " +
                      size_label(p.max_size) + ", level " + std::to_string(p.level) + ", seed " + std::to_string(p.seed));
  row("time", fmt("%.3f s", seconds) + fmt(", %.1f MiB/s", seconds > 0 ? total_bytes / 1048576.0 / seconds : 0.0) +
                  ", " + std::to_string(threads) + " threads");
  if (chunks) {
    o += "\nchunk size [from, to)    chunks        bytes\n";
    for (int k = 0; k < 33; ++k) {
      if (!hist_chunks[k]) continue;
      char buf[160];
      std::string range = size_label(1ull << k) + " .. " + size_label(2ull << k);
      std::snprintf(buf, sizeof buf, "  %-20s %10llu %12s\n", range.c_str(),
                    static_cast<unsigned long long>(hist_chunks[k]), human(hist_bytes[k]).c_str());
      o += buf;
    }
  }
  return o;
}

}  // namespace chunker::cli
