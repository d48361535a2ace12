// Per-call cost of the C ABI (chunker.h) against the C++ API it wraps, on
// small inputs where a fixed per-call overhead shows most. Prints one JSON
// object on stdout and a short table on stderr.
//   bench_capi_overhead [--quick]
//
// Pairs (same work, same data, 4 KiB and 64 KiB):
//   blake3 one-shot      blake3::hash                      vs chunker_blake3_hash
//   blake3 handle        blake3::Hasher update+finalize    vs chunker_blake3_new/update/finalize/free
//   chunk+hash callback  chunk_and_hash (into a vector)    vs chunker_chunk_buffer (callback per chunk)
//   chunk+hash collect   chunk_and_hash                    vs chunker_chunk_buffer_collect + buffer_free
//   stream               PushChunker push+finish           vs chunker_stream_push+finish (handle reused)
// Chunk sizes: preset "4k" (1K/4K/16K), BLAKE3 per chunk. Timing is the
// calling thread's CPU time (steadier than wall time on a shared machine):
// per pair, C++ and C samples alternate, and the best sample of each counts.
// Linked statically like the other benchmarks, so the C calls skip the
// shared library's PLT indirection (about a nanosecond per call).
#include <chunker.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "chunker/blake3.hpp"
#include "chunker/fastcdc.hpp"
#include "chunker/pipeline.hpp"

namespace {

volatile std::uint64_t g_sink;  // keeps results alive

struct Pair {
  std::string name;
  std::size_t bytes;
  double cpp_ns = 0, c_ns = 0;  // best per-call time
};

// Best per-call ns of fn over samples of `reps` calls, C++ and C alternating.
template <class Cpp, class C>
void measure(Pair& p, int samples, Cpp cpp, C c) {
  const std::size_t reps = std::max<std::size_t>(20, (std::size_t{4} << 20) / p.bytes);
  double best_cpp = 1e30, best_c = 1e30;
  for (int s = 0; s < samples; ++s) {
    double t0 = bench::thread_cpu_s();
    for (std::size_t r = 0; r < reps; ++r) cpp();
    double t1 = bench::thread_cpu_s();
    for (std::size_t r = 0; r < reps; ++r) c();
    double t2 = bench::thread_cpu_s();
    best_cpp = std::min(best_cpp, (t1 - t0) / reps);
    best_c = std::min(best_c, (t2 - t1) / reps);
  }
  p.cpp_ns = best_cpp * 1e9;
  p.c_ns = best_c * 1e9;
}

struct Collected {
  chunker_chunk v[256];
  std::size_t n = 0;
};

int on_chunk(void* ctx, const chunker_chunk* c, const std::uint8_t*) {
  auto* col = static_cast<Collected*>(ctx);
  if (col->n < 256) col->v[col->n++] = *c;
  return 0;
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int samples = quick ? 5 : 40;
  const std::string load_before = loadavg();
  std::vector<Pair> pairs;
  const chunker::fastcdc::Params params = *chunker::fastcdc::preset("4k");
  chunker_options opts;
  chunker_options_init(&opts);
  chunker_options_preset(&opts, "4k");
  opts.hash = CHUNKER_HASH_BLAKE3;

  for (std::size_t size : {std::size_t{4096}, std::size_t{65536}}) {
    const auto data = bench::random_data(size, size);
    const std::string sz = size == 4096 ? "4 KiB" : "64 KiB";
    auto add = [&](const char* name, auto&& cpp, auto&& c) {
      Pair p{std::string(name) + ", " + sz, size};
      measure(p, samples, cpp, c);
      pairs.push_back(p);
    };
    add(
        "blake3 one-shot", [&] { g_sink = g_sink + chunker::blake3::hash(data)[0]; },
        [&] {
          std::uint8_t d[32];
          chunker_blake3_hash(data.data(), data.size(), d);
          g_sink = g_sink + d[0];
        });
    add(
        "blake3 handle",
        [&] {
          chunker::blake3::Hasher h;
          h.update(data);
          g_sink = g_sink + h.finalize()[0];
        },
        [&] {
          chunker_blake3* h = nullptr;
          std::uint8_t d[32];
          chunker_blake3_new(&h);
          chunker_blake3_update(h, data.data(), data.size());
          chunker_blake3_finalize(h, d, 32);
          chunker_blake3_free(h);
          g_sink = g_sink + d[0];
        });
    std::vector<chunker::HashedChunk> out;
    out.reserve(256);
    // The C++ side of both one-shot chunk cases.
    auto cpp_chunk = [&] {
      out.clear();
      (void)chunker::chunk_and_hash(data, params, chunker::HashAlgo::blake3, out);
      g_sink = g_sink + out.size();
    };
    Collected col;
    add("chunk+blake3 callback", cpp_chunk, [&] {
      col.n = 0;
      chunker_chunk_buffer(data.data(), data.size(), &opts, on_chunk, &col);
      g_sink = g_sink + col.n;
    });
    add("chunk+blake3 collect", cpp_chunk, [&] {
      chunker_buffer b{};
      chunker_chunk_buffer_collect(data.data(), data.size(), &opts, &b);
      g_sink = g_sink + b.len;
      chunker_buffer_free(&b);
    });
    auto pc = chunker::PushChunker::create(params, chunker::HashAlgo::blake3);
    chunker_stream* s = nullptr;
    chunker_stream_new(&opts, &s);
    add(
        "stream push+finish",
        [&] {
          pc->push(data, out);
          std::size_t n = out.size();
          pc->finish(out);
          g_sink = g_sink + n + out.size();
        },
        [&] {
          col.n = 0;
          chunker_stream_push(s, data.data(), data.size(), on_chunk, &col);
          chunker_stream_finish(s, on_chunk, &col);
          g_sink = g_sink + col.n;
        });
    chunker_stream_free(s);
  }
  const std::string load_after = loadavg();

  std::fprintf(stderr, "C ABI vs C++ API, per call (thread CPU time, best of %d samples)\n", samples);
  std::fprintf(stderr, "%-30s %10s %10s %8s\n", "case", "C++ ns", "C ns", "C/C++");
  for (const auto& p : pairs)
    std::fprintf(stderr, "%-30s %10.0f %10.0f %8.3f\n", p.name.c_str(), p.cpp_ns, p.c_ns, p.c_ns / p.cpp_ns);
  std::fprintf(stderr, "load average: %s (before), %s (after)\n", load_before.c_str(), load_after.c_str());

  std::printf("{\"benchmark\":\"capi_overhead\",\"samples\":%d,\"loadavg_before\":\"%s\",\"loadavg_after\":\"%s\",\"cases\":[",
              samples, load_before.c_str(), load_after.c_str());
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto& p = pairs[i];
    std::printf("%s{\"case\":\"%s\",\"bytes\":%zu,\"cpp_ns\":%.1f,\"c_ns\":%.1f,\"ratio\":%.4f}", i ? "," : "",
                p.name.c_str(), p.bytes, p.cpp_ns, p.c_ns, p.c_ns / p.cpp_ns);
  }
  std::printf("]}\n");
  return 0;
}
