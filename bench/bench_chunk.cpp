// Chunking throughput (MiB/s, best of N) on 64 MiB in memory.
//   bench_chunk [--nar FILE] [--size MiB] [--runs N] [--kernels all|NAME,...]
// (NAME: a runnable kernel, or the yardstick "plain", never in "all")
// Data sets: "random" (incompressible) and "nar" (a real NAR from FILE, repeated
// to the size; without --nar a synthetic text/binary mix stands in).
// Every selected FastCDC search kernel (default: all runnable ones) is timed;
// the runs of different kernels are interleaved (round-robin, best of N), so
// load from other processes hits them alike.
// Prints a table to stderr and one JSON object to stdout.
#include <cstring>
#include <string>

#include "bench_common.hpp"
#include "chunker/cpu.hpp"
#include "chunker/fastcdc.hpp"
#include "fastcdc/scan_ilp.hpp"
#include "fastcdc/scan_kernel.hpp"
#include "fastcdc/tables.hpp"
#include "fastcdc/scan_scalar.hpp"

using namespace chunker;

static std::vector<std::uint8_t> synthetic_mix(std::size_t n) {
  auto v = bench::random_data(n, 9);
  // Every other 64 KiB block: text-like low-entropy bytes.
  for (std::size_t i = 0; i < n; i += 128 * 1024)
    for (std::size_t j = i; j < std::min(n, i + 64 * 1024); ++j) v[j] = "abcdefgh ijklmnop\n"[v[j] % 18];
  return v;
}

namespace {
std::size_t x_plain(const std::uint8_t* data, std::size_t from, std::size_t to, const std::uint64_t* gear,
                    std::uint64_t mask, std::size_t) noexcept {
  std::uint64_t h = fastcdc::detail::warm_up(data, from, gear);
  return fastcdc::detail::scan_scalar(data, from, to, gear, mask, h);
}
// The plain one-stream loop over the whole range, as a yardstick for the
// multi-stream kernels (--kernels ...,plain).
const fastcdc::detail::ScanKernel kPlain{"plain", x_plain};
}  // namespace

// Best CPU time of fn() per kernel, runs interleaved round-robin.
template <class F>
static std::vector<double> interleaved(const std::vector<const fastcdc::detail::ScanKernel*>& ks, int runs, F&& fn) {
  std::vector<double> best(ks.size(), 1e30);
  for (int r = 0; r < runs; ++r)
    for (std::size_t j = 0; j < ks.size(); ++j) {
      const std::size_t i = r % 2 ? ks.size() - 1 - j : j;  // alternate the order: no position bias
      fastcdc::detail::set_scan_kernel_for_testing(ks[i]);
      double cpu = 0;
      const double wall = bench::best_of(1, fn, &cpu);
      best[i] = std::min(best[i], cpu > 0 ? cpu : wall);  // no thread CPU clock (wasm): wall time
    }
  fastcdc::detail::set_scan_kernel_for_testing(nullptr);
  return best;
}

static std::size_t count_chunks(const fastcdc::Cutter& cutter, const std::vector<std::uint8_t>& d) {
  fastcdc::BufferChunker it(cutter, d);
  std::size_t n = 0;
  while (it.next()) ++n;
  return n;
}

int main(int argc, char** argv) {
  std::string nar, kernels = "all";
  std::size_t mib = 64;
  int runs = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--nar") && i + 1 < argc) nar = argv[++i];
    else if (!std::strcmp(argv[i], "--size") && i + 1 < argc) mib = std::stoul(argv[++i]);
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::stoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--kernels") && i + 1 < argc) kernels = argv[++i];
  }
  std::vector<const fastcdc::detail::ScanKernel*> ks;
  for (const auto* k : fastcdc::detail::runnable_scan_kernels())
    if (("," + kernels + ",").find(",all,") != std::string::npos ||
        ("," + kernels + ",").find("," + std::string(k->name) + ",") != std::string::npos)
      ks.push_back(k);
  if (("," + kernels + ",").find(",plain,") != std::string::npos) ks.push_back(&kPlain);
  const std::size_t n = mib << 20;
  struct Data {
    const char* name;
    std::vector<std::uint8_t> bytes;
  } sets[] = {{"random", bench::random_data(n)}, {"nar", nar.empty() ? synthetic_mix(n) : bench::file_data(nar, n)}};
  struct Sizes {
    const char* name;
    fastcdc::Params p;
  } sizes[] = {{"16K/64K/256K", *fastcdc::preset("64k")}, {"256K/1M/4M", *fastcdc::preset("default")}};

  std::printf("{\"benchmark\":\"chunk\",\"bytes\":%zu,\"runs\":%d,\"cpu\":\"%s\",\"default_kernel\":\"%s\",\"results\":[",
              n, runs, cpu::describe(cpu::enabled()).c_str(), fastcdc::backend());
  std::fprintf(stderr, "%-8s %-14s %-8s %10s %8s\n", "data", "sizes", "kernel", "cpu MiB/s", "chunks");
  bool first = true;
  for (auto& d : sets) {
    for (auto& s : sizes) {
      auto cutter = *fastcdc::Cutter::create(s.p);
      const std::size_t count = count_chunks(cutter, d.bytes);
      auto cpu = interleaved(ks, runs, [&] { count_chunks(cutter, d.bytes); });
      for (std::size_t i = 0; i < ks.size(); ++i) {
        double cpu_rate = bench::mib_per_s(d.bytes.size(), cpu[i]);
        std::printf("%s{\"data\":\"%s\",\"sizes\":\"%s\",\"kernel\":\"%s\",\"cpu_mib_s\":%.1f,\"chunks\":%zu}",
                    first ? "" : ",", d.name, s.name, ks[i]->name, cpu_rate, count);
        std::fprintf(stderr, "%-8s %-14s %-8s %10.1f %8zu\n", d.name, s.name, ks[i]->name, cpu_rate, count);
        first = false;
      }
    }
  }
  // Per-chunk overhead: CPU time per chunk beyond the scan itself, i.e. beyond
  // what the chunk's hashed bytes (those past the min-size skip, which are
  // never read) cost at the large-chunk rate, per kernel: the large-chunk rate
  // is that kernel's own per-hashed-byte rate at 256K/1M/4M on random data.
  auto& rnd = sets[0].bytes;
  auto measure_hashed = [&](const fastcdc::Cutter& cutter, std::size_t& count) {
    fastcdc::BufferChunker it(cutter, rnd);
    const std::uint32_t skip = cutter.params().min_size & ~1u;
    std::uint64_t hashed = 0;
    count = 0;
    while (auto c = it.next()) {
      ++count;
      hashed += c->length > skip ? c->length - skip : 0;
    }
    return hashed;
  };
  std::vector<double> large_ns_per_hashed(ks.size());
  {
    auto cutter = *fastcdc::Cutter::create(*fastcdc::preset("default"));
    std::size_t count = 0;
    const double hashed = static_cast<double>(measure_hashed(cutter, count));
    auto cpu = interleaved(ks, runs, [&] { count_chunks(cutter, rnd); });
    for (std::size_t i = 0; i < ks.size(); ++i) large_ns_per_hashed[i] = cpu[i] * 1e9 / hashed;
  }
  std::fprintf(stderr, "\n%-18s %-8s %10s %8s %10s %12s %14s\n", "tiny sizes", "kernel", "cpu MiB/s", "chunks",
               "ns/chunk", "ns/hashed B", "ns/chunk extra");
  std::printf("],\"tiny\":[");
  first = true;
  for (std::uint32_t avg : {256u, 1024u, 4096u, 16384u, 32768u}) {
    fastcdc::Params p;
    p.min_size = avg / 4 < 64 ? 64 : avg / 4;
    p.avg_size = avg;
    p.max_size = avg * 4 < 1024 ? 1024 : avg * 4;
    auto cutter = *fastcdc::Cutter::create(p);
    std::size_t count = 0;
    const double hashed = static_cast<double>(measure_hashed(cutter, count));
    auto cpu = interleaved(ks, runs, [&] { count_chunks(cutter, rnd); });
    char name[64];
    std::snprintf(name, sizeof name, "%u/%u/%u", p.min_size, p.avg_size, p.max_size);
    for (std::size_t i = 0; i < ks.size(); ++i) {
      const double t = cpu[i] * 1e9;
      const double per_chunk = t / static_cast<double>(count);
      const double extra = (t - large_ns_per_hashed[i] * hashed) / static_cast<double>(count);
      std::printf("%s{\"sizes\":\"%s\",\"kernel\":\"%s\",\"cpu_mib_s\":%.1f,\"chunks\":%zu,\"ns_per_chunk\":%.1f,"
                  "\"ns_per_hashed_byte\":%.4f,\"extra_ns_per_chunk\":%.1f}",
                  first ? "" : ",", name, ks[i]->name, bench::mib_per_s(rnd.size(), cpu[i]), count, per_chunk,
                  t / hashed, extra);
      std::fprintf(stderr, "%-18s %-8s %10.1f %8zu %10.1f %12.4f %14.1f\n", name, ks[i]->name,
                   bench::mib_per_s(rnd.size(), cpu[i]), count, per_chunk, t / hashed, extra);
      first = false;
    }
  }
  // Fixed per-chunk cost, isolated: all-zero input with seed = gear[0] makes
  // every position a candidate, so every chunk ends at its first hashed byte
  // (64-byte chunks at min 64): the time per chunk is the call/return path plus
  // the way the chunk is delivered (iterator, vector push, streaming sink).
  {
    fastcdc::Params p;
    p.min_size = 64;
    p.avg_size = 256;
    p.max_size = 1024;
    p.seed = fastcdc::detail::kGear[0];
    std::vector<std::uint8_t> zeros(16u << 20, 0);
    auto cutter = *fastcdc::Cutter::create(p);
    std::vector<fastcdc::Chunk> v;
    v.reserve(zeros.size() / 64 + 1);
    auto sc = *fastcdc::StreamChunker::create(p);
    std::size_t chunks = 0;
    double t_iter = 0, t_vec = 0, t_stream = 0;
    bench::best_of(runs, [&] { chunks = count_chunks(cutter, zeros); }, &t_iter);
    bench::best_of(runs, [&] { v.clear(); (void)fastcdc::chunk_buffer(zeros, p, v); }, &t_vec);
    bench::best_of(runs, [&] {
      std::size_t n = 0;
      for (std::size_t off = 0; off < zeros.size(); off += 1u << 20)
        sc.push({zeros.data() + off, 1u << 20}, [&](const fastcdc::Chunk&, std::span<const std::uint8_t>) { ++n; });
      sc.finish([&](const fastcdc::Chunk&, std::span<const std::uint8_t>) { ++n; });
    }, &t_stream);
    const double c = static_cast<double>(chunks);
    std::fprintf(stderr, "fixed per-chunk cost (64-byte chunks, every byte a candidate): BufferChunker %.1f ns, "
                 "chunk_buffer (vector push) %.1f ns, StreamChunker sink %.1f ns\n",
                 t_iter * 1e9 / c, t_vec * 1e9 / c, t_stream * 1e9 / c);
    std::printf("],\"fixed_ns_per_chunk\":{\"iterator\":%.1f,\"vector\":%.1f,\"stream\":%.1f", t_iter * 1e9 / c,
                t_vec * 1e9 / c, t_stream * 1e9 / c);
  }
  std::printf("},\"large_ns_per_hashed_byte\":{");
  for (std::size_t i = 0; i < ks.size(); ++i)
    std::printf("%s\"%s\":%.4f", i ? "," : "", ks[i]->name, large_ns_per_hashed[i]);
  std::printf("}}\n");
  std::fprintf(stderr, "(large-chunk rate per hashed byte, 256K/1M/4M:");
  for (std::size_t i = 0; i < ks.size(); ++i) std::fprintf(stderr, " %s %.4f ns", ks[i]->name, large_ns_per_hashed[i]);
  std::fprintf(stderr, ")\n");
  return 0;
}
