// BLAKE3 throughput in memory: one-shot hash of 1 KiB, 16 KiB, 1 MiB, 64 MiB on
// one thread, and 64 MiB / 256 MiB on 2 threads. Best of N runs, MiB/s.
// Usage: bench_blake3 [--quick] [--backend NAME]   (NAME: a CHUNKER_FORCE_ISA value)
// Prints one JSON object, then a short table on stderr.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "chunker/blake3.hpp"
#include <cstdlib>

namespace b3 = chunker::blake3;

namespace {

struct Row {
  std::string backend;
  std::size_t size;
  unsigned threads;
  double mib_s;
};

double best_mib_s(const std::vector<std::uint8_t>& buf, std::size_t size, unsigned threads, double budget_s) {
  using clock = std::chrono::steady_clock;
  // Enough calls per sample that timer overhead is negligible.
  std::size_t reps = std::max<std::size_t>(1, (std::size_t{8} << 20) / size);
  std::uint8_t out[32];
  double best = 0;
  auto start = clock::now();
  int samples = 0;
  unsigned sink = 0;
  while (samples < 3 || std::chrono::duration<double>(clock::now() - start).count() < budget_s) {
    auto t0 = clock::now();
    for (std::size_t r = 0; r < reps; ++r) {
      b3::hash({buf.data(), size}, out, threads);
      sink += out[0];
    }
    double s = std::chrono::duration<double>(clock::now() - t0).count();
    double mib = double(size) * double(reps) / (1024.0 * 1024.0) / s;
    if (mib > best) best = mib;
    if (++samples >= 200) break;
  }
  if (sink == 0xFFFFFFFFu) std::puts("");  // keep the results observable
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  const char* backend = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--backend") && i + 1 < argc) backend = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench_blake3 [--quick] [--backend NAME]\n");
      return 2;
    }
  }
  // Kernel selection is lazy, so forcing the ISA before the first hash works.
  if (backend) setenv("CHUNKER_FORCE_ISA", backend, 1);
  if (backend && std::strcmp(b3::backend(), backend) != 0) {
    std::fprintf(stderr, "backend %s not available (have: %s)\n", backend, b3::available_backends());
    return 2;
  }
  const double budget = quick ? 0.3 : 1.5;
  std::vector<std::uint8_t> buf(std::size_t{256} << 20);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);

  struct Case {
    std::size_t size;
    unsigned threads;
  };
  std::vector<Case> cases = {{1024, 1}, {16 << 10, 1}, {1 << 20, 1}, {64 << 20, 1}, {64 << 20, 2}, {256 << 20, 1},
                             {256 << 20, 2}};
  if (quick) cases.resize(5);
  std::vector<Row> rows;
  for (auto c : cases) rows.push_back({b3::backend(), c.size, c.threads, best_mib_s(buf, c.size, c.threads, budget)});

  std::printf("{\"benchmark\":\"blake3\",\"unit\":\"MiB/s\",\"available\":\"%s\",\"results\":[", b3::available_backends());
  for (std::size_t i = 0; i < rows.size(); ++i)
    std::printf("%s{\"backend\":\"%s\",\"bytes\":%zu,\"threads\":%u,\"mib_s\":%.1f}", i ? "," : "",
                rows[i].backend.c_str(), rows[i].size, rows[i].threads, rows[i].mib_s);
  std::printf("]}\n");
  std::fprintf(stderr, "%-9s %10s %7s %10s\n", "backend", "size", "threads", "MiB/s");
  for (const auto& r : rows) {
    std::string sz = r.size >= (1 << 20) ? std::to_string(r.size >> 20) + " MiB" : std::to_string(r.size >> 10) + " KiB";
    std::fprintf(stderr, "%-9s %10s %7u %10.1f\n", r.backend.c_str(), sz.c_str(), r.threads, r.mib_s);
  }
  return 0;
}
