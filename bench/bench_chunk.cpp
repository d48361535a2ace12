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
#include "fastcdc/scan_scalar.hpp"

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
  std::fprintf(stderr, "%-8s %-14s %10s %10s %8s\n", "data", "sizes", "MiB/s", "cpu MiB/s", "chunks");
  bool first = true;
  for (auto& d : sets) {
    for (auto& s : sizes) {
      auto cutter = *fastcdc::Cutter::create(s.p);
      std::size_t count = 0;
      double cpu = 0;
      double t = bench::best_of(runs, [&] {
        fastcdc::BufferChunker it(cutter, d.bytes);
        count = 0;
        while (it.next()) ++count;
      }, &cpu);
      double rate = bench::mib_per_s(d.bytes.size(), t);
      double cpu_rate = bench::mib_per_s(d.bytes.size(), cpu);
      std::printf("%s{\"data\":\"%s\",\"sizes\":\"%s\",\"mib_s\":%.1f,\"cpu_mib_s\":%.1f,\"chunks\":%zu}",
                  first ? "" : ",", d.name, s.name, rate, cpu_rate, count);
      std::fprintf(stderr, "%-8s %-14s %10.1f %10.1f %8zu\n", d.name, s.name, rate, cpu_rate, count);
      first = false;
    }
  }
  // Per-chunk overhead with tiny chunks: CPU time beyond what the bytes it
  // hashes cost at the large-chunk rate (the scan itself).
  std::fprintf(stderr, "\n%-14s %10s %10s %14s\n", "tiny sizes", "cpu MiB/s", "chunks", "ns/chunk extra");
  auto& rnd = sets[0].bytes;
  // The scan itself: the plain gear loop over every byte with a mask that
  // (practically) never matches.
  double t_scan = 0;
  std::uint64_t sink = 0;
  {
    auto cutter = *fastcdc::Cutter::create(*fastcdc::preset("4k"));
    bench::best_of(runs, [&] {
      std::uint64_t h = 0;
      sink += fastcdc::detail::scan_scalar(rnd.data(), 0, rnd.size(), cutter.tables().gear, ~0ull >> 16, h);
      sink += h;
    }, &t_scan);
  }
  const double ns_per_hashed_byte = t_scan * 1e9 / static_cast<double>(rnd.size());
  std::printf(",\"tiny\":[");
  first = true;
  for (std::uint32_t avg : {256u, 1024u, 4096u}) {
    fastcdc::Params p;
    p.min_size = avg / 4 < 64 ? 64 : avg / 4;
    p.avg_size = avg;
    p.max_size = avg * 4 < 1024 ? 1024 : avg * 4;
    auto cutter = *fastcdc::Cutter::create(p);
    std::size_t count = 0;
    std::uint64_t hashed = 0;
    double t = 0;
    bench::best_of(runs, [&] {
      fastcdc::BufferChunker it(cutter, rnd);
      count = 0;
      hashed = 0;
      while (auto c = it.next()) {
        ++count;
        hashed += c->length > (p.min_size & ~1u) ? c->length - (p.min_size & ~1u) : 0;
      }
    }, &t);
    const double extra = (t * 1e9 - ns_per_hashed_byte * static_cast<double>(hashed)) / static_cast<double>(count);
    char name[64];
    std::snprintf(name, sizeof name, "%u/%u/%u", p.min_size, p.avg_size, p.max_size);
    std::printf("%s{\"sizes\":\"%s\",\"mib_s\":%.1f,\"chunks\":%zu,\"extra_ns_per_chunk\":%.1f}", first ? "" : ",",
                name, bench::mib_per_s(rnd.size(), t), count, extra);
    std::fprintf(stderr, "%-14s %10.1f %10zu %14.1f\n", name, bench::mib_per_s(rnd.size(), t), count, extra);
    first = false;
  }
  std::printf("],\"scan_ns_per_byte\":%.3f}\n", ns_per_hashed_byte);
  return sink == 42 ? 1 : 0;  // keeps the scan from being optimised away
}
