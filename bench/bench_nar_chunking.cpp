// Dedup between two versions of a tree: plain FastCDC vs NAR-aware chunking.
//
//   bench_nar_chunking OLD_DIR NEW_DIR [PRESET...]      (default presets: 16k 64k default)
//
// Both trees are archived as NARs (as a Nix binary cache stores them). For
// each preset and mode it chunks both, then reports how many bytes of the new
// NAR are covered by chunks already present in the old one (SHA-256 of chunk
// content), i.e. what an upload of the new version can skip.
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "chunker/fastcdc.hpp"
#include "chunker/nar_chunking.hpp"
#include "chunker/nar_fs.hpp"
#include "chunker/sha256.hpp"

using namespace chunker;

namespace {

std::vector<std::uint8_t> archive(const std::string& dir) {
  std::vector<std::uint8_t> out;
  Status s = nar::dump_path(dir, nar::Sink([&](std::span<const std::uint8_t> b) {
                              out.insert(out.end(), b.begin(), b.end());
                              return Status();
                            }));
  if (!s.ok()) {
    std::fprintf(stderr, "bench_nar_chunking: %s\n", s.to_string().c_str());
    std::exit(1);
  }
  return out;
}

struct Stats {
  std::size_t chunks_old = 0, chunks_new = 0, snapped_new = 0;
  std::uint64_t reused = 0, new_unique = 0;
  double seconds = 0;
};

Stats measure(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b, const fastcdc::Params& p,
              bool aware) {
  nar::ChunkingOptions o;
  o.params = p;
  o.entry_aware = aware;
  const auto t0 = std::chrono::steady_clock::now();
  auto ca = nar::chunk_nar(a, o);
  auto cb = nar::chunk_nar(b, o);
  const auto t1 = std::chrono::steady_clock::now();
  if (!ca.ok() || !cb.ok()) {
    std::fprintf(stderr, "bench_nar_chunking: %s\n", (ca.ok() ? cb.status() : ca.status()).to_string().c_str());
    std::exit(1);
  }
  Stats s;
  s.seconds = std::chrono::duration<double>(t1 - t0).count();
  std::set<sha256::Digest> seen;
  for (const auto& c : ca->chunks) seen.insert(sha256::hash(std::span(a).subspan(c.chunk.offset, c.chunk.length)));
  s.chunks_old = ca->chunks.size();
  s.chunks_new = cb->chunks.size();
  std::set<sha256::Digest> uploaded;
  for (const auto& c : cb->chunks) {
    const auto d = sha256::hash(std::span(b).subspan(c.chunk.offset, c.chunk.length));
    s.snapped_new += c.snapped;
    if (seen.count(d)) s.reused += c.chunk.length;
    else if (uploaded.insert(d).second) s.new_unique += c.chunk.length;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_nar_chunking OLD_DIR NEW_DIR [PRESET...]\n");
    return 2;
  }
  const auto a = archive(argv[1]);
  const auto b = archive(argv[2]);
  std::vector<std::string> presets;
  for (int i = 3; i < argc; ++i) presets.emplace_back(argv[i]);
  if (presets.empty()) presets = {"16k", "64k", "default"};
  std::printf("old NAR %zu bytes, new NAR %zu bytes\n\n", a.size(), b.size());
  std::printf("%-8s %-6s %8s %8s %8s %14s %8s %14s %8s\n", "preset", "mode", "chunks", "(old)", "snapped",
              "reused bytes", "reused%", "new bytes", "time s");
  for (const auto& name : presets) {
    auto p = fastcdc::preset(name);
    if (!p.ok()) {
      std::fprintf(stderr, "bench_nar_chunking: %s\n", p.status().to_string().c_str());
      return 2;
    }
    for (bool aware : {false, true}) {
      const Stats s = measure(a, b, p.value(), aware);
      std::printf("%-8s %-6s %8zu %8zu %8zu %14llu %7.2f%% %14llu %8.3f\n", name.c_str(), aware ? "aware" : "plain",
                  s.chunks_new, s.chunks_old, s.snapped_new, static_cast<unsigned long long>(s.reused),
                  100.0 * static_cast<double>(s.reused) / static_cast<double>(b.size()),
                  static_cast<unsigned long long>(s.new_unique), s.seconds);
    }
  }
  return 0;
}
