// Chunk + hash in memory against the ideal two-pass combination:
// 64 MiB of random bytes, 256K/1M/4M, metadata only.
//   bench_chunk_hash [--runs N] [--algo blake3|sha256]
// Times, best of N with the cases interleaved: chunking alone (chunk_buffer),
// hashing alone (one-shot hash of the whole buffer, 1 thread), and
// chunk_and_hash on 1 and 2 threads. ideal = 1 / (1/chunk + 1/hash): what two
// separate passes would give with no overhead. Prints a table on stderr and
// one JSON object on stdout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "chunker/fastcdc.hpp"
#include "chunker/hash.hpp"
#include "chunker/pipeline.hpp"

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

}  // namespace

int main(int argc, char** argv) {
  int runs = 7;
  chunker::HashAlgo algo = chunker::HashAlgo::blake3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--algo" && i + 1 < argc) {
      std::string v = argv[++i];
      if (v == "sha256") algo = chunker::HashAlgo::sha256;
      else if (v != "blake3") return std::fprintf(stderr, "--algo blake3|sha256\n"), 2;
    } else {
      std::fprintf(stderr, "usage: bench_chunk_hash [--runs N] [--algo blake3|sha256]\n");
      return 2;
    }
  }
  const std::size_t n = std::size_t{64} << 20;
  std::vector<std::uint8_t> data(n);
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t v = rng();
    std::memcpy(data.data() + i, &v, 8);
  }
  chunker::fastcdc::Params p;  // 256K/1M/4M, the reference library's defaults
  std::vector<chunker::fastcdc::Chunk> chunks;
  std::vector<chunker::HashedChunk> hashed;
  unsigned sink = 0;
  double best[4] = {1e9, 1e9, 1e9, 1e9};
  for (int r = 0; r < runs; ++r) {
    for (int c = 0; c < 4; ++c) {
      double t0 = now();
      chunker::Status st;
      if (c == 0) {
        st = chunker::fastcdc::chunk_buffer(data, p, chunks);
        sink += static_cast<unsigned>(chunks.size());
      } else if (c == 1) {
        sink += chunker::hash(algo, data)[0];
      } else {
        st = chunker::chunk_and_hash(data, p, algo, hashed, c == 2 ? 1u : 2u);
        sink += static_cast<unsigned>(hashed.size());
      }
      double t = now() - t0;
      if (!st.ok()) return std::fprintf(stderr, "%s\n", st.to_string().c_str()), 1;
      best[c] = std::min(best[c], t);
    }
  }
  const double mib = double(n) / (1 << 20);
  const double chunk = mib / best[0], hash = mib / best[1], one = mib / best[2], two = mib / best[3];
  const double ideal = 1.0 / (1.0 / chunk + 1.0 / hash);
  const char* name = algo == chunker::HashAlgo::blake3 ? "blake3" : "sha256";
  std::fprintf(stderr, "%-28s %9s %9s\n", "case (64 MiB, 256K/1M/4M)", "MiB/s", "x ideal");
  std::fprintf(stderr, "%-28s %9.1f\n", "chunk only", chunk);
  std::fprintf(stderr, "%-28s %9.1f\n", (std::string(name) + " only, 1 thread").c_str(), hash);
  std::fprintf(stderr, "%-28s %9.1f %9.2f\n", "ideal 1/(1/chunk+1/hash)", ideal, 1.0);
  std::fprintf(stderr, "%-28s %9.1f %9.2f\n", "chunk+hash, 1 thread", one, one / ideal);
  std::fprintf(stderr, "%-28s %9.1f %9.2f\n", "chunk+hash, 2 threads", two, two / ideal);
  std::printf("{\"benchmark\":\"chunk_hash\",\"algo\":\"%s\",\"bytes\":%zu,\"runs\":%d,\"chunk_mib_s\":%.1f,"
              "\"hash_mib_s\":%.1f,\"ideal_mib_s\":%.1f,\"one_thread_mib_s\":%.1f,\"two_threads_mib_s\":%.1f,"
              "\"one_thread_x_ideal\":%.3f,\"two_threads_x_ideal\":%.3f,\"sink\":%u}\n",
              name, n, runs, chunk, hash, ideal, one, two, one / ideal, two / ideal, sink & 1);
  return 0;
}
