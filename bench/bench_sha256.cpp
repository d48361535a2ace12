// SHA-256 throughput per backend. Prints one JSON object on stdout and a short
// table on stderr.
//   bench_sha256 [--quick] [--backend portable|sha_ni|armv8]
// One-shot sha256::hash() of 64 B, 1 KiB, 16 KiB and 1 MiB buffers, repeated
// in batches of ~8 MiB; the best batch counts. MiB/s by wall clock and by
// process CPU time (openssl speed measures CPU time unless -elapsed).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "chunker/cpu.hpp"
#include "chunker/sha256.hpp"

namespace {

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

struct Rate {
  double wall = 0, cpu = 0;
};

Rate measure(const std::vector<std::uint8_t>& buf, double budget_s) {
  const std::size_t reps = std::max<std::size_t>(1, (std::size_t{8} << 20) / buf.size());
  Rate best;
  volatile std::uint8_t sink = 0;
  const double start = bench::now_s();
  for (int samples = 0; samples < 200; ++samples) {
    if (samples >= 3 && bench::now_s() - start > budget_s) break;
    const double w0 = bench::now_s(), c0 = cpu_now();
    for (std::size_t r = 0; r < reps; ++r) sink = sink + chunker::sha256::hash(buf)[0];
    const double w = bench::now_s() - w0, c = cpu_now() - c0;
    const std::size_t bytes = buf.size() * reps;
    best.wall = std::max(best.wall, bench::mib_per_s(bytes, w));
    if (c > 0) best.cpu = std::max(best.cpu, bench::mib_per_s(bytes, c));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--backend") && i + 1 < argc) only = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench_sha256 [--quick] [--backend portable|sha_ni|armv8]\n");
      return 2;
    }
  }
  std::vector<std::string> backends = {"portable"};
  if (chunker::cpu::detected() & chunker::cpu::kShaNi) backends.push_back("sha_ni");
  if (chunker::cpu::detected() & chunker::cpu::kArmv8Sha2) backends.push_back("armv8");
  if (!only.empty()) backends = {only};
  const std::size_t sizes[] = {64, 1024, 16384, 1u << 20};
  const double budget = quick ? 0.3 : 1.5;

  std::printf("{\"benchmark\":\"sha256\",\"unit\":\"MiB/s\",\"results\":[");
  std::fprintf(stderr, "%-9s %9s %12s %12s\n", "backend", "size", "wall MiB/s", "cpu MiB/s");
  bool first = true;
  for (const auto& b : backends) {
    ::setenv("CHUNKER_FORCE_ISA", b.c_str(), 1);
    chunker::cpu::reload_for_testing();
    if (b != chunker::sha256::backend()) {
      std::fprintf(stderr, "backend %s not available here\n", b.c_str());
      continue;
    }
    for (std::size_t n : sizes) {
      const auto buf = bench::random_data(n, n);
      const Rate r = measure(buf, budget);
      std::printf("%s{\"backend\":\"%s\",\"bytes\":%zu,\"wall_mib_s\":%.1f,\"cpu_mib_s\":%.1f}", first ? "" : ",",
                  b.c_str(), n, r.wall, r.cpu);
      first = false;
      std::fprintf(stderr, "%-9s %9zu %12.1f %12.1f\n", b.c_str(), n, r.wall, r.cpu);
    }
  }
  std::printf("]}\n");
  return 0;
}
