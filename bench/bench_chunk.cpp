// Chunking throughput (MiB/s, best of N) on 64 MiB in memory.
//   bench_chunk [--nar FILE] [--size MiB] [--runs N]
// Data sets: "random" (incompressible) and "nar" (a real NAR from FILE, repeated
// to the size; without --nar a synthetic text/binary mix stands in).
// Prints a table to stderr and one JSON object to stdout.
#include <cstring>
#include <string>

#include "bench_common.hpp"
#include "chunker/cpu.hpp"
#include "chunker/fastcdc.hpp"

using namespace chunker;

static std::vector<std::uint8_t> synthetic_mix(std::size_t n) {
  auto v = bench::random_data(n, 9);
  // Every other 64 KiB block: text-like low-entropy bytes.
  for (std::size_t i = 0; i < n; i += 128 * 1024)
    for (std::size_t j = i; j < std::min(n, i + 64 * 1024); ++j) v[j] = "abcdefgh ijklmnop\n"[v[j] % 18];
  return v;
}

int main(int argc, char** argv) {
  std::string nar;
  std::size_t mib = 64;
  int runs = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--nar") && i + 1 < argc) nar = argv[++i];
    else if (!std::strcmp(argv[i], "--size") && i + 1 < argc) mib = std::stoul(argv[++i]);
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::stoi(argv[++i]);
  }
  const std::size_t n = mib << 20;
  struct Data {
    const char* name;
    std::vector<std::uint8_t> bytes;
  } sets[] = {{"random", bench::random_data(n)}, {"nar", nar.empty() ? synthetic_mix(n) : bench::file_data(nar, n)}};
  struct Sizes {
    const char* name;
    fastcdc::Params p;
  } sizes[] = {{"16K/64K/256K", *fastcdc::preset("64k")}, {"256K/1M/4M", *fastcdc::preset("default")}};

  std::printf("{\"benchmark\":\"chunk\",\"bytes\":%zu,\"runs\":%d,\"cpu\":\"%s\",\"results\":[", n, runs,
              cpu::describe(cpu::enabled()).c_str());
  std::fprintf(stderr, "%-8s %-14s %10s %8s\n", "data", "sizes", "MiB/s", "chunks");
  bool first = true;
  for (auto& d : sets) {
    for (auto& s : sizes) {
      auto cutter = *fastcdc::Cutter::create(s.p);
      std::size_t count = 0;
      double t = bench::best_of(runs, [&] {
        fastcdc::BufferChunker it(cutter, d.bytes);
        count = 0;
        while (it.next()) ++count;
      });
      double rate = bench::mib_per_s(d.bytes.size(), t);
      std::printf("%s{\"data\":\"%s\",\"sizes\":\"%s\",\"mib_s\":%.1f,\"chunks\":%zu}", first ? "" : ",", d.name,
                  s.name, rate, count);
      std::fprintf(stderr, "%-8s %-14s %10.1f %8zu\n", d.name, s.name, rate, count);
      first = false;
    }
  }
  std::printf("]}\n");
}
