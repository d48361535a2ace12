// Portability smoke test: the core compiled by em++ (Emscripten 3.1.6) chunks a
// file through Node's filesystem (NODERAWFS) and prints the same JSON lines as
// `chunker chunk`, so CI can diff the two.
//   node chunker_wasm_smoke.js FILE MIN AVG MAX [LEVEL] [SEED]
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "chunker/fastcdc.hpp"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: smoke FILE MIN AVG MAX [LEVEL] [SEED]\n");
    return 2;
  }
  std::FILE* f = std::fopen(argv[1], "rb");
  if (!f) {
    std::perror(argv[1]);
    return 1;
  }
  chunker::fastcdc::Params p;
  p.min_size = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
  p.avg_size = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10));
  p.max_size = static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10));
  if (argc > 5) p.level = static_cast<std::uint32_t>(std::strtoul(argv[5], nullptr, 10));
  if (argc > 6) p.seed = std::strtoull(argv[6], nullptr, 10);
  auto sc = chunker::fastcdc::StreamChunker::create(p);
  if (!sc) {
    std::fprintf(stderr, "%s\n", sc.status().to_string().c_str());
    return 2;
  }
  auto print = [](const chunker::fastcdc::Chunk& c, std::span<const std::uint8_t>) {
    std::printf("{\"offset\":%llu,\"length\":%u,\"fingerprint\":\"%llu\"}\n",
                static_cast<unsigned long long>(c.offset), c.length, static_cast<unsigned long long>(c.fingerprint));
  };
  std::vector<std::uint8_t> buf(1 << 16);  // small reads: exercises the streaming path
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) sc->push({buf.data(), n}, print);
  sc->finish(print);
  std::fclose(f);
  return 0;
}
