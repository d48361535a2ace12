// BLAKE3 throughput. Prints one JSON object on stdout and a short table on stderr.
//   bench_blake3 [--quick] [--backend ISA]
//       in memory: one-shot hash of 1 KiB, 13000 B, 16 KiB, 1 MiB, 64 MiB on one thread,
//       64 MiB and 256 MiB on 2 threads; best of N runs.
//   bench_blake3 --file PATH [--threads N] [--runs R] [--backend ISA]
//       hash a file through mmap (like b3sum does); best of R runs.
// MiB/s is reported by wall clock and by process CPU time: on a shared machine
// the CPU-time figure is the steadier one for single-threaded runs.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "chunker/blake3.hpp"

namespace b3 = chunker::blake3;

namespace {


struct Rate {
  double wall = 0, cpu = 0;  // best MiB/s
};

// Runs fn (which hashes `bytes` bytes) repeatedly; best rates over the samples.
template <class Fn>
Rate measure(std::size_t bytes, double budget_s, int min_samples, Fn fn) {
  std::size_t reps = std::max<std::size_t>(1, (std::size_t{8} << 20) / bytes);
  Rate best;
  double start = bench::now_s();
  for (int samples = 0; samples < 500; ++samples) {
    if (samples >= min_samples && bench::now_s() - start > budget_s) break;
    double w0 = bench::now_s(), c0 = bench::process_cpu_s();
    for (std::size_t r = 0; r < reps; ++r) fn();
    double w = bench::now_s() - w0, c = bench::process_cpu_s() - c0;
    double mib = double(bytes) * double(reps) / (1024.0 * 1024.0);
    best.wall = std::max(best.wall, mib / w);
    if (c > 0) best.cpu = std::max(best.cpu, mib / c);
  }
  return best;
}

std::string size_name(std::size_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " B";
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_blake3 [--quick] [--backend ISA]\n"
               "       bench_blake3 --file PATH [--threads N] [--runs R] [--backend ISA]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  const char* backend = nullptr;
  const char* file = nullptr;
  unsigned threads = 1;
  int runs = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") quick = true;
    else if (a == "--backend" && i + 1 < argc) backend = argv[++i];
    else if (a == "--file" && i + 1 < argc) file = argv[++i];
    else if (a == "--threads" && i + 1 < argc) threads = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
    else return usage();
  }
  // Kernel selection is lazy, so forcing the ISA before the first hash works.
  if (backend) setenv("CHUNKER_FORCE_ISA", backend, 1);
  if (backend && std::strcmp(b3::backend(), backend) != 0) {
    std::fprintf(stderr, "backend %s not available (have: %s)\n", backend, b3::available_backends());
    return 2;
  }

  if (file) {
    int fd = open(file, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      std::perror(file);
      return 1;
    }
    std::size_t size = static_cast<std::size_t>(st.st_size);
    Rate best;
    std::uint8_t out[32] = {};
    for (int r = 0; r < std::max(1, runs); ++r) {
      double w0 = bench::now_s(), c0 = bench::process_cpu_s();
      // Map per run, as a hashing tool would: page-table setup is part of the cost.
      void* p = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
      if (size && p == MAP_FAILED) {
        std::perror("mmap");
        return 1;
      }
      b3::hash({static_cast<const std::uint8_t*>(p), size}, out, threads);
      if (size) munmap(p, size);
      double w = bench::now_s() - w0, c = bench::process_cpu_s() - c0;
      double mib = double(size) / (1024.0 * 1024.0);
      best.wall = std::max(best.wall, mib / w);
      best.cpu = std::max(best.cpu, mib / c);
    }
    close(fd);
    std::printf("{\"benchmark\":\"blake3_file\",\"backend\":\"%s\",\"bytes\":%zu,\"threads\":%u,"
                "\"mib_s\":%.1f,\"mib_s_cpu\":%.1f,\"hash\":\"",
                b3::backend(), size, threads, best.wall, best.cpu);
    for (auto b : out) std::printf("%02x", b);
    std::printf("\"}\n");
    std::fprintf(stderr, "%-9s %10s %7u %10.1f MiB/s (cpu-time %.1f)\n", b3::backend(), size_name(size).c_str(),
                 threads, best.wall, best.cpu);
    return 0;
  }

  const double budget = quick ? 0.3 : 1.5;
  std::vector<std::uint8_t> buf(std::size_t{256} << 20);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);

  struct Case {
    std::size_t size;
    unsigned threads;
  };
  // 13,000 bytes: a typical content-defined chunk (not a whole number of 8-chunk batches).
  std::vector<Case> cases = {{1024, 1},     {13000, 1},    {16 << 10, 1}, {1 << 20, 1},
                             {64 << 20, 1}, {64 << 20, 2}, {256 << 20, 1}, {256 << 20, 2}};
  if (quick) cases.resize(6);
  std::vector<Rate> rates;
  unsigned sink = 0;
  for (auto c : cases) {
    rates.push_back(measure(c.size, budget, 3, [&] {
      std::uint8_t out[32];
      b3::hash({buf.data(), c.size}, out, c.threads);
      sink += out[0];
    }));
  }
  std::printf("{\"benchmark\":\"blake3\",\"unit\":\"MiB/s\",\"backend\":\"%s\",\"available\":\"%s\",\"results\":[",
              b3::backend(), b3::available_backends());
  for (std::size_t i = 0; i < cases.size(); ++i)
    std::printf("%s{\"bytes\":%zu,\"threads\":%u,\"mib_s\":%.1f,\"mib_s_cpu\":%.1f}", i ? "," : "", cases[i].size,
                cases[i].threads, rates[i].wall, rates[i].cpu);
  std::printf("],\"sink\":%u}\n", sink & 1);
  std::fprintf(stderr, "%-9s %10s %7s %10s %10s\n", "backend", "size", "threads", "MiB/s", "cpu-MiB/s");
  for (std::size_t i = 0; i < cases.size(); ++i)
    std::fprintf(stderr, "%-9s %10s %7u %10.1f %10.1f\n", b3::backend(), size_name(cases[i].size).c_str(),
                 cases[i].threads, rates[i].wall, rates[i].cpu);
  return 0;
}
